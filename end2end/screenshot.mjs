// Takes the README's dashboard screenshot (docs/dashboard.png) from a running
// server: signs up a user, logs the same user in from a phone, stars two
// templates, and captures the dashboard.
//
//   node end2end/screenshot.mjs http://127.0.0.1:3000
import { chromium } from "@playwright/test";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const output = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "dashboard.png");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });

const email = `ada-${Date.now()}@example.com`;
await page.goto(`${base}/signup`);
await page.getByLabel("Name").fill("Ada");
await page.getByLabel("Email").fill(email);
await page.getByLabel("Password").fill("correct horse battery");
await page.getByRole("button", { name: "Sign up" }).click();
await page.waitForURL(/\/dashboard$/);

const phone = await browser.newPage({
  userAgent:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 " +
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
});
await phone.goto(`${base}/login`);
await phone.getByRole("form", { name: "Log in with email" }).getByLabel("Email").fill(email);
await phone.getByRole("form", { name: "Log in with email" }).getByLabel("Password").fill("correct horse battery");
await phone.getByRole("button", { name: "Log in", exact: true }).click();
await phone.waitForURL(/\/dashboard$/);

for (const name of ["Risk Register", "Project Charter"]) {
  await page.goto(`${base}/templates`);
  await page.locator("body[data-hydrated=true]").waitFor();
  await page.getByRole("button", { name: `Star ${name}` }).click();
  await page.getByRole("button", { name: `Unstar ${name}` }).waitFor();
}

await page.goto(`${base}/dashboard`);
await page.locator("body[data-hydrated=true]").waitFor();
await page.screenshot({ path: output, fullPage: true });
await browser.close();
console.log(`wrote ${output}`);
