import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("the first HTML already shows the logged-in nav", async ({ page }) => {
  const site = new Site(page);
  await site.open("/");
  await site.logInWithDemo();

  // Fetch the raw server response with the browser's cookies. This is the
  // page as it arrives, before any script runs.
  const response = await page.request.get("/templates");
  const html = await response.text();

  expect(html).toContain('class="nav-user">Demo</span>');
  expect(html).not.toContain(">Log in</a>");
});
