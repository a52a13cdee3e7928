import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { Site } from "./fixtures/site";

const anonymousPages = ["/", "/login", "/signup", "/templates", "/templates?q=risk", "/no-such-page"];
const loggedInPages = ["/", "/templates", "/dashboard", "/account"];

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
    .analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      targets: violation.nodes.map((node) => node.target.join(" ")),
    }));
}

for (const path of anonymousPages) {
  test(`no serious accessibility issue on ${path} for a visitor`, async ({ page }) => {
    const site = new Site(page);
    await site.open(path);
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test("no serious accessibility issue on any page once logged in", async ({ page }) => {
  const site = new Site(page);
  await site.signUp("Frances");
  for (const path of loggedInPages) {
    await site.open(path);
    expect(await seriousViolations(page), path).toEqual([]);
  }
});
