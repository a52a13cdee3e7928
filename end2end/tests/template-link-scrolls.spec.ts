import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("a template link on the dashboard scrolls to that template", async ({ page }) => {
  // Short enough that the linked card starts below the fold.
  await page.setViewportSize({ width: 800, height: 400 });
  const site = new Site(page);
  await site.open("/");
  await site.logInWithDemo();
  await site.waitForHydration();

  const link = page.getByRole("link", { name: "Work Breakdown Structure" });
  await link.click();

  await expect(page).toHaveURL(/\/templates#work-breakdown-structure$/);
  await expect(page.locator("#work-breakdown-structure")).toBeInViewport();
});
