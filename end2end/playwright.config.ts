// Drives the release build of the site in Debian's Chromium, once per session
// backend. Playwright starts one server per backend on its own loopback port
// and waits for /health before any spec runs.
import { defineConfig, devices } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repositoryRoot = resolve(__dirname, "..");
const binary = process.env.PMB_BINARY ?? join(repositoryRoot, "target/release/pmblueprints");
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const filesystemPort = 3910;
const redisPort = 3911;

function server(port: number, env: Record<string, string>) {
  return {
    command: binary,
    cwd: repositoryRoot,
    url: `http://127.0.0.1:${port}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      RUST_LOG: "info",
      ...env,
    },
  };
}

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    browserName: "chromium",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    {
      name: "filesystem",
      use: { ...devices["Desktop Chrome"], baseURL: `http://127.0.0.1:${filesystemPort}` },
    },
    {
      name: "redis",
      use: { ...devices["Desktop Chrome"], baseURL: `http://127.0.0.1:${redisPort}` },
    },
  ],
  webServer: [
    server(filesystemPort, {
      SESSION_TYPE: "filesystem",
      SESSION_FILE_DIR: mkdtempSync(join(tmpdir(), "pmb-e2e-sessions-")),
    }),
    server(redisPort, {
      REDIS_URL: redisUrl,
      SESSION_KEY_PREFIX: `pmb-e2e-${process.pid}-${Date.now()}:`,
    }),
  ],
});
