// Deletes the sessions this run left in Redis. Each Redis-backed server of the
// run stores its keys under a prefix that starts with the runner's process id
// (redis-prefixes.ts), and Playwright calls this in that same process once
// every spec has finished. The sessions would expire on their own, after 7
// days or 30 with "remember me", but a long-lived Redis would grow with each
// run until then.
import { execFileSync } from "node:child_process";

import { redisKeyPatterns } from "./redis-prefixes";

export default function deleteRunSessions() {
  const url = new URL(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  const connection = ["-h", url.hostname, "-p", url.port || "6379"];

  for (const pattern of redisKeyPatterns) {
    try {
      const keys = execFileSync("redis-cli", [...connection, "--scan", "--pattern", pattern], {
        encoding: "utf8",
      })
        .split("\n")
        .filter((key) => key !== "");
      // UNLINK takes many keys at once, and batches of 500 keep each command
      // line short.
      for (let start = 0; start < keys.length; start += 500) {
        execFileSync("redis-cli", [...connection, "UNLINK", ...keys.slice(start, start + 500)]);
      }
    } catch (error) {
      // The specs have passed or failed by now, so a cleanup failure only
      // leaves keys behind until they expire.
      console.warn(`failed to delete the Redis keys matching ${pattern}: ${error}`);
    }
  }
}
