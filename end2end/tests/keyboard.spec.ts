import { expect, test, type Page } from "@playwright/test";
import { Site } from "./fixtures/site";

/** Presses Tab until the element matching `selector` has focus. */
async function tabTo(page: Page, selector: string) {
  for (let presses = 0; presses < 40; presses++) {
    if (await page.locator(selector).evaluate((element) => element === document.activeElement)) {
      return;
    }
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

test("logging in and starring work by keyboard alone", async ({ page, browser, baseURL }) => {
  // An account made in another context, so this page starts anonymous.
  const other = await browser.newContext({ baseURL });
  const email = await new Site(await other.newPage()).signUp("Katherine");
  await other.close();

  const site = new Site(page);
  await site.open("/login");
  await tabTo(page, "#login-email");
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await page.keyboard.type("correct horse battery");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/dashboard$/);
  await site.expectLoggedIn("Katherine");

  await site.open("/templates");
  await tabTo(page, "button[aria-label='Star Project Charter']");
  await page.keyboard.press("Enter");
  // The focus stays on the button, so the next key press unstars.
  const unstar = page.getByRole("button", { name: "Unstar Project Charter" });
  await expect(unstar).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Star Project Charter" })).toBeFocused();
});
