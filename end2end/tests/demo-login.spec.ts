import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("hydrated Demo Login lands on the dashboard", async ({ page }) => {
  const site = new Site(page);
  await site.open("/");

  const loginRequest = page.waitForRequest("**/api/demo_login");
  await site.logInWithDemo();

  // A hydrated button calls the server function with fetch; a page that
  // never hydrated would post the form as a full navigation instead.
  expect((await loginRequest).resourceType()).toBe("fetch");
  await expect(page.getByTestId("welcome")).toHaveText("Welcome back, Demo.");
});
