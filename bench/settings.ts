// The bench's knobs: how many trials and calls each phase makes, and how big
// the log flood is. Kept small enough that the whole run stays well under two
// minutes.

export const START_TRIALS = 5;
export const DISCOVERY_TRIALS = 5;
export const KILL_TRIALS = 5;
export const PROXY_WARMUP = 20;
export const PROXY_CALLS = 300;
export const TAIL_CALLS = 50;
export const SEARCH_CALLS = 20;
export const FLOOD_FIRST = 10_000; // fills the 10,000-line ring buffer exactly
export const FLOOD_TOTAL = 200_000; // the measured burst runs from FLOOD_FIRST to here
export const FLOOD_MORE = 1_000_000; // then more, to see whether RSS levels off
/** How often the bench polls the hub or the instance while waiting for something. */
export const POLL_MS = 10;
