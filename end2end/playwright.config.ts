// Drives the release build of the site in Debian's Chromium, once per session
// backend. Playwright starts one server per backend on its own loopback port
// and waits for /health before any spec runs.
import { defineConfig, devices } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { redisPrefix, sharedRedisPrefix } from "./redis-prefixes";

const repositoryRoot = resolve(__dirname, "..");
const binary = process.env.PMB_BINARY ?? join(repositoryRoot, "target/release/pmblueprints");
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const filesystemPort = 3910;
const redisPort = 3911;

// Pairs of instances for the many-instances specs: two on one Redis, two on
// one PostgreSQL database, and two with a session folder each.
export const instancePorts = {
  redis: [3912, 3913],
  postgres: [3914, 3915],
  separateFolders: [3916, 3917],
} as const;

const postgresDatabase = "pmb_e2e";
const postgresUrl =
  process.env.PMB_E2E_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${postgresDatabase}`;

/** Returns the URL of a new SQLite accounts database in a new temporary folder. */
function accountsDatabase(name: string) {
  return `sqlite://${join(mkdtempSync(join(tmpdir(), `pmb-e2e-${name}-`)), "accounts.db")}`;
}
const sharedRedisAccounts = accountsDatabase("shared-redis");

/** Creates the shared PostgreSQL database once; later runs reuse it. */
function ensurePostgresDatabase() {
  if (process.env.PMB_E2E_DATABASE_URL) {
    return;
  }
  const psql = (sql: string) =>
    execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc", sql], {
      encoding: "utf8",
    }).trim();
  if (psql(`SELECT 1 FROM pg_database WHERE datname = '${postgresDatabase}'`) !== "1") {
    psql(`CREATE DATABASE ${postgresDatabase}`);
  }
}
ensurePostgresDatabase();

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
      RUST_LOG: "warn",
      ...env,
    },
  };
}

export default defineConfig({
  testDir: "./tests",
  globalTeardown: "./redis-teardown.ts",
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
      testIgnore: "instances/**",
      use: { ...devices["Desktop Chrome"], baseURL: `http://127.0.0.1:${filesystemPort}` },
    },
    {
      name: "redis",
      testIgnore: "instances/**",
      use: { ...devices["Desktop Chrome"], baseURL: `http://127.0.0.1:${redisPort}` },
    },
    {
      name: "instances",
      testMatch: "instances/**/*.spec.ts",
      use: { ...devices["Desktop Chrome"] },
    },
  ],
  webServer: [
    server(filesystemPort, {
      SESSION_TYPE: "filesystem",
      SESSION_FILE_DIR: mkdtempSync(join(tmpdir(), "pmb-e2e-sessions-")),
      DATABASE_URL: accountsDatabase("filesystem"),
    }),
    server(redisPort, {
      REDIS_URL: redisUrl,
      SESSION_KEY_PREFIX: redisPrefix,
      DATABASE_URL: accountsDatabase("redis"),
    }),
    // Instances that share sessions share the accounts database too.
    ...instancePorts.redis.map((port) =>
      server(port, {
        REDIS_URL: redisUrl,
        SESSION_KEY_PREFIX: sharedRedisPrefix,
        DATABASE_URL: sharedRedisAccounts,
      }),
    ),
    ...instancePorts.postgres.map((port) =>
      server(port, { SESSION_TYPE: "sql", DATABASE_URL: postgresUrl }),
    ),
    ...instancePorts.separateFolders.map((port) =>
      server(port, {
        SESSION_TYPE: "filesystem",
        SESSION_FILE_DIR: mkdtempSync(join(tmpdir(), `pmb-e2e-instance-${port}-`)),
        DATABASE_URL: accountsDatabase(`instance-${port}`),
      }),
    ),
  ],
});
