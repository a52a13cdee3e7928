import { expect, test } from "@playwright/test";
import { instancePorts } from "../../playwright.config";
import { Site } from "../fixtures/site";

const [first, second] = instancePorts.separateFolders.map((port) => `http://127.0.0.1:${port}`);

test("instances with their own session folders do not share a login", async ({ page, request }) => {
  const site = new Site(page);
  await site.open(`${first}/`);
  await site.logInWithDemo();

  await site.open(`${second}/dashboard`);

  // Expected and visible: the second instance has never seen this session.
  await expect(page).toHaveURL(`${second}/login`);
  await site.expectAnonymous();
  const health = await (await request.get(`${second}/health/detailed`)).json();
  expect(health.session_store.shared_across_instances).toBe(false);
});
