import { expect, test } from "@playwright/test";
import { Site } from "./fixtures/site";

test("signing out another session from the list makes it anonymous", async ({ browser, baseURL }) => {
  const laptopContext = await browser.newContext({ baseURL });
  const phoneContext = await browser.newContext({ baseURL });
  const laptop = new Site(await laptopContext.newPage());
  const phone = new Site(await phoneContext.newPage());
  const email = await laptop.signUp("Margaret");
  await phone.logIn(email);
  await phone.expectLoggedIn("Margaret");

  await laptop.open("/dashboard");
  const rows = laptop.page.getByTestId("sessions").locator("tbody tr");
  await expect(rows).toHaveCount(2);
  const other = rows.filter({ hasNotText: "This session" });
  await other.getByRole("button", { name: /^Sign out / }).click();

  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("This session");
  // The phone finds out on its next navigation.
  await phone.nav.getByRole("link", { name: "Templates" }).click();
  await expect(phone.page).toHaveURL(/\/templates$/);
  await phone.expectAnonymous();
  await laptop.expectLoggedIn("Margaret");

  await laptopContext.close();
  await phoneContext.close();
});
