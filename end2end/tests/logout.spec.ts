import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("Log out returns to the anonymous nav and locks the dashboard", async ({ page }) => {
  const site = new Site(page);
  await site.open("/");
  await site.logInWithDemo();

  await site.nav.getByRole("button", { name: "Log out" }).click();

  await site.expectAnonymous();
  await site.open("/dashboard");
  await expect(page).toHaveURL(/\/login$/);
});
