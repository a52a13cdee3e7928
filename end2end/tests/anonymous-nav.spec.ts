import { test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("anonymous visitor sees Log in and Demo Login, never Dashboard", async ({ page }) => {
  const site = new Site(page);

  await site.open("/");

  await site.expectAnonymous();
});
