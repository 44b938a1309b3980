// Lines that say a tool succeeded or moved on, and what they resolve. A watcher
// re-reports the errors that still hold in each cycle, so a cycle's end
// resolves the errors that were not reported again since the cycle started.
// Each family lists its tools' signals (families/*.ts); a signal only touches
// the errors of its own source (a prefixed process's, or the run's unprefixed output).

import type { ErrorBook } from "./book.ts";
import { maySignal, SIGNALS } from "./families/mod.ts";
import type { DetectedError } from "./types.ts";

/** Applies the success or new-cycle signal `plain` carries, if any; returns what it resolved. */
export function applySignal(
  book: ErrorBook,
  plain: string,
  seq: number,
  time: string,
  source: string | null = null,
): DetectedError[] {
  if (!maySignal(plain)) return [];
  const mine = (e: DetectedError) => e.source === source;
  for (const [re, make] of SIGNALS) {
    const m = plain.match(re);
    if (!m) continue;
    const a = make(m);
    switch (a.type) {
      case "start":
        book.cycleStart(a.tool, source, seq);
        return [];
      case "end":
        return book.cycleEnd(a.tool, source, seq, time, a.clean);
      case "files":
        return book.resolve(
          time,
          (e) =>
            mine(e) && e.tool === a.tool && e.file !== null &&
            a.files.some((f) => samePath(e.file!, f)),
        );
      case "tool":
        return book.resolve(time, (e) => mine(e) && e.tool === a.tool);
      case "all":
        return book.resolve(time, (e) => mine(e) && e.kind !== "exit");
    }
  }
  return [];
}

/** "/src/main.tsx", "src/main.tsx" and "/abs/project/src/main.tsx" name the same file. */
export function samePath(a: string, b: string): boolean {
  const x = a.replace(/^\.?\//, ""), y = b.replace(/^\.?\//, "");
  return x === y || x.endsWith("/" + y) || y.endsWith("/" + x);
}
