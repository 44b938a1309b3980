// The visible slice of a long log. Following, it is the last `height` lines;
// scrolled, it ends at an anchor line (by seq), so new output does not move it.
// Only the window is ever handed to React, never the whole buffer.

import type { Supervisor, TailedLine } from "../../supervise/supervisor.ts";

/** Enough for every line the supervisor keeps. */
const ALL = 1_000_000;

export function logWindow(
  sup: Supervisor,
  processId: string | undefined,
  height: number,
  anchor: number | null,
): TailedLine[] {
  if (height <= 0) return [];
  if (anchor === null) return sup.tail({ processId, limit: height }).lines;
  const all = sup.tail({ processId, limit: ALL }).lines;
  const end = lastAtOrBefore(all, anchor);
  return all.slice(Math.max(0, end - height + 1), end + 1);
}

/**
 * The anchor after moving `delta` lines (negative: up, older). Returns null
 * (follow) when the move reaches the newest line.
 */
export function scrolled(
  sup: Supervisor,
  processId: string | undefined,
  height: number,
  anchor: number | null,
  delta: number,
): number | null {
  const all = sup.tail({ processId, limit: ALL }).lines;
  if (!all.length) return null;
  const end = anchor === null ? all.length - 1 : lastAtOrBefore(all, anchor);
  // Never scroll so far up that the window would be short of a screenful.
  const target = Math.min(Math.max(end + delta, Math.min(height - 1, all.length - 1)), all.length);
  if (target >= all.length - 1) return null;
  return all[target].seq;
}

/** The oldest line's anchor: the window shows the start of the log. */
export function top(sup: Supervisor, processId: string | undefined, height: number): number | null {
  const all = sup.tail({ processId, limit: ALL }).lines;
  if (all.length <= height) return null;
  return all[height - 1].seq;
}

function lastAtOrBefore(lines: TailedLine[], seq: number): number {
  let lo = 0, hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lines[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The anchor that puts the line `seq` in the middle of the window (null: already at the end). */
export function centerOn(
  sup: Supervisor,
  processId: string | undefined,
  height: number,
  seq: number,
): number | null {
  const all = sup.tail({ processId, limit: ALL }).lines;
  const i = lastAtOrBefore(all, seq);
  if (i < 0) return null;
  const target = Math.min(i + Math.floor(height / 2), all.length - 1);
  return target >= all.length - 1 ? null : all[target].seq;
}
