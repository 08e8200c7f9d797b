/**
 * Jest timeouts are there to end a hang, never to judge speed: on a busy two-core machine (CI, or
 * several engineers' test runs at once) an embedded run that takes 20 s alone can take minutes.
 * So every heavy test gets the same generous limit; speed is measured in benchmarks.
 */
export const HEAVY_TEST_MS = 15 * 60_000;
