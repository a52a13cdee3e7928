import { expect, test } from "@playwright/test";
import { instancePorts } from "../../playwright.config";
import { Site } from "../fixtures/site";

const [first, second] = instancePorts.redis.map((port) => `http://127.0.0.1:${port}`);

test("a login on one instance holds on another sharing Redis", async ({ page }) => {
  const site = new Site(page);
  await site.open(`${first}/`);
  await site.logInWithDemo();

  // Cookies belong to the host, not the port, so the second instance gets
  // the same session cookie.
  await site.open(`${second}/dashboard`);

  await expect(page).toHaveURL(`${second}/dashboard`);
  await site.expectLoggedIn("Demo");
});
