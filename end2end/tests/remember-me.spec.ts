import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

const DAY = 24 * 3600;

test("a remembered login survives a browser restart", async ({ browser, baseURL }) => {
  const first = await browser.newContext({ baseURL });
  const site = new Site(await first.newPage());
  const email = await site.signUp("Linus");
  await site.nav.getByRole("button", { name: "Log out" }).click();
  await site.expectAnonymous();

  await site.logIn(email, { remember: true });

  // A restart keeps only cookies with an expiry; the session cookie must be one,
  // thirty days out.
  const state = await first.storageState();
  await first.close();
  const session = state.cookies.find((cookie) => cookie.name === "pmb_session");
  expect(session, "a pmb_session cookie").toBeDefined();
  const daysLeft = (session!.expires - Date.now() / 1000) / DAY;
  expect(daysLeft).toBeGreaterThan(29.9);
  expect(daysLeft).toBeLessThanOrEqual(30);
  const persistent = state.cookies.filter((cookie) => cookie.expires > 0);

  const restarted = await browser.newContext({
    baseURL,
    storageState: { cookies: persistent, origins: [] },
  });
  const again = new Site(await restarted.newPage());
  await again.open("/dashboard");
  await expect(again.page).toHaveURL(/\/dashboard$/);
  await again.expectLoggedIn("Linus");
  await restarted.close();
});
