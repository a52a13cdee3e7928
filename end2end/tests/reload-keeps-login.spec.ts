import { test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("a full reload keeps the login", async ({ page }) => {
  const site = new Site(page);
  await site.open("/");
  await site.logInWithDemo();

  await page.reload();
  await site.waitForHydration();

  await site.expectLoggedIn("Demo");
});
