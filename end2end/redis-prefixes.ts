// Key prefixes of the Redis-backed servers of one Playwright run. Both start
// with the runner's process id, so the teardown, which runs in that process,
// finds the run's keys by the id alone. The start time may differ there, if
// Playwright loads this module a second time.
const runId = `${process.pid}-${Date.now()}`;

/** Prefix of the single Redis-backed server. */
export const redisPrefix = `pmb-e2e-${runId}:`;

/** Prefix shared by the pair of instances that share sessions. */
export const sharedRedisPrefix = `pmb-e2e-shared-${runId}:`;

/** SCAN patterns that match the keys of this run, under either prefix. */
export const redisKeyPatterns = [`pmb-e2e-${process.pid}-*`, `pmb-e2e-shared-${process.pid}-*`];
