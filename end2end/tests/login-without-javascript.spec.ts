import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test.use({ javaScriptEnabled: false });

test("the login form works without JavaScript", async ({ page }) => {
  const site = new Site(page);
  await page.goto("/login");

  await page.getByLabel("Remember the demo login for 30 days").check();
  await page.getByTestId("login-submit").click();

  await expect(page).toHaveURL(/\/dashboard$/);
  await site.expectLoggedIn("Demo");
});
