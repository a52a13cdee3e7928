import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("signing up opens the dashboard with this session listed", async ({ page }) => {
  const site = new Site(page);

  await site.signUp("Grace");

  await expect(page.getByTestId("welcome")).toHaveText("Welcome back, Grace.");
  const sessions = page.getByTestId("sessions");
  await expect(sessions.getByRole("row")).toHaveCount(2); // header + this session
  await expect(sessions).toContainText("Chrome on Windows") // the "Desktop Chrome" device;
  await expect(sessions).toContainText("This session");
});
