// The bench's knobs: how many trials and calls each phase makes, and how big
// the log flood is. Kept small enough that the whole run stays well under two
// minutes.

export const START_TRIALS = 5;
export const DISCOVERY_TRIALS = 5;
export const KILL_TRIALS = 5;
export const PROXY_WARMUP = 20;
export const PROXY_CALLS = 200;
export const TAIL_CALLS = 50;
export const SEARCH_CALLS = 20;
export const FLOOD_FIRST = 10_000; // fills the 10,000-line ring buffer exactly
export const FLOOD_TOTAL = 200_000; // the measured burst runs from FLOOD_FIRST to here
export const FLOOD_MORE = 1_000_000; // then more, to see whether RSS levels off
/** How often the bench polls the hub or the instance while waiting for something. */
export const POLL_MS = 10;
/** Calls in flight at once in the concurrency measurement, and how many such rounds per path. */
export const CONCURRENCY = 32;
export const CONCURRENT_ROUNDS = 15;
/** Hub cold starts per variant (each a fresh hub process). */
export const COLD_TRIALS = 5;
/** The targets, printed next to the figures (the bench never fails on them). */
export const TARGET_HUB_RATIO = 1.1; // hub p50 ≤ 1.1 × (direct p50 + stdio round trip p50)
export const TARGET_THROUGHPUT = 0.85; // hub ≥ 85 % of direct throughput
export const TARGET_COLD_MS = 250; // hub spawn → first tools/list with an instance's tools
export const FACTORY_BUILDS = 200;
