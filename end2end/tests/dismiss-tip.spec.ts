import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("a dismissed tip stays hidden after a reload", async ({ page }) => {
  const site = new Site(page);
  await site.open("/");
  await site.logInWithDemo();
  const tip = page.getByRole("complementary", { name: "Getting started" });
  await expect(tip).toBeVisible();

  await tip.getByRole("button", { name: "Dismiss tip" }).click();

  await expect(tip).toHaveCount(0);
  await page.reload();
  await site.waitForHydration();
  await expect(page.getByTestId("welcome")).toBeVisible();
  await expect(tip).toHaveCount(0);
});
