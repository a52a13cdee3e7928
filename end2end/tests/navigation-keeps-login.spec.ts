import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("following the Templates link keeps the login", async ({ page }) => {
  const site = new Site(page);
  await site.open("/");
  await site.logInWithDemo();

  await site.nav.getByRole("link", { name: "Templates" }).click();

  await expect(page).toHaveURL(/\/templates$/);
  await expect(page.getByRole("heading", { level: 1, name: "Templates" })).toBeVisible();
  await site.expectLoggedIn("Demo");
});
