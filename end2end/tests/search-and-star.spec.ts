import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("search narrows the catalogue and a star shows on the dashboard", async ({ page }) => {
  const site = new Site(page);
  await site.signUp("Barbara");
  await site.open("/templates");

  const search = page.getByRole("search", { name: "Search templates" });
  await search.getByLabel("Search").fill("register");
  await search.getByLabel("Category").selectOption("Risk");
  await search.getByRole("button", { name: "Search" }).click();

  await expect(page).toHaveURL(/\/templates\?q=register&category=Risk$/);
  await site.waitForHydration();
  await expect(page.getByTestId("result-count")).toHaveText("1 template");
  await expect(page.getByRole("heading", { name: "Risk Register" })).toBeVisible();

  await page.getByRole("button", { name: "Star Risk Register" }).click();
  await expect(page.getByRole("button", { name: "Unstar Risk Register" })).toHaveAttribute(
    "aria-pressed",
    "true",
  );

  await site.nav.getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByTestId("starred").getByRole("link", { name: "Risk Register" })).toBeVisible();
});
