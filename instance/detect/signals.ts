// Lines that say a tool succeeded or moved on, and what they resolve. A watcher
// re-reports the errors that still hold in each cycle, so a cycle's end
// resolves the errors that were not reported again since the cycle started.

import type { ErrorBook } from "./book.ts";
import type { DetectedError, Tool } from "./types.ts";

type Action =
  | { type: "start"; tool: Tool }
  | { type: "end"; tool: Tool; clean: boolean }
  /** These files were rebuilt and served without error. */
  | { type: "files"; tool: Tool; files: string[] }
  | { type: "tool"; tool: Tool }
  /** The program restarted itself (nodemon, node --watch, deno --watch, a reloader). */
  | { type: "all" };

type Signal = [RegExp, (m: RegExpMatchArray) => Action];

// Watchers print a clock first: "[1:42:43 PM] " (tsc pretty), "1:42:49 PM - " (tsc plain), "13:01:02 ".
const CLOCK = String.raw`(?:\[?\d{1,2}:\d{2}:\d{2}(?: [AP]M)?\]?(?: -)? )?`;

const SIGNALS: Signal[] = [
  // tsc --watch
  [
    new RegExp(`^${CLOCK}(?:Starting compilation in watch mode|File change detected)`),
    () => ({ type: "start", tool: "tsc" }),
  ],
  [
    new RegExp(`^${CLOCK}Found (\\d+) errors?\\b`),
    (m) => ({ type: "end", tool: "tsc", clean: m[1] === "0" }),
  ],
  // Vite: a file re-served after an edit, or the server restarting.
  [
    /\[vite\] (?:\(\w+\) )?(?:hmr update|page reload) (.+?)(?: \(x\d+\))?$/,
    (m) => ({ type: "files", tool: "vite", files: m[1].split(/,\s*/) }),
  ],
  [/\[vite\] server restarted\b|^✓ built in /, () => ({ type: "tool", tool: "vite" })],
  // esbuild --watch
  [/^\[watch\] build started\b/, () => ({ type: "start", tool: "esbuild" })],
  [/^\[watch\] build finished\b/, () => ({ type: "end", tool: "esbuild", clean: false })],
  // webpack (watch or dev server)
  [
    /^webpack [\d.]+ compiled (successfully|with (\d+) errors?)?/,
    (m) => ({ type: "end", tool: "webpack", clean: m[1] === "successfully" }),
  ],
  // Next.js recompiles after an edit.
  [/^ ?✓ Compiled\b/, () => ({ type: "tool", tool: "next" })],
  // ESLint run again by a package script.
  [/^> .*\beslint\b/, () => ({ type: "tool", tool: "eslint" })],
  // Vitest watch: a re-run starts, then its summary.
  [/^\s*RERUN\s/, () => ({ type: "start", tool: "vitest" })],
  [
    // The final summary; progress lines in between have one space ("Test Files 0 passed").
    /^\s*Test Files {2}(\d+ failed)?/,
    (m) => ({ type: "end", tool: "vitest", clean: !m[1] }),
  ],
  // Jest watch: each run ends with its summary.
  [
    /^Test Suites: (\d+ failed)?/,
    (m) => ({ type: "end", tool: "jest", clean: !m[1] }),
  ],
  // Restarting watchers: the whole program starts again.
  [
    /^\[nodemon\] restarting\b|^Restarting '.+'$|^Watcher (?:File change detected|Restarting)|^ \* Restarting with /,
    () => ({ type: "all" }),
  ],
];

/**
 * True for every line some signal above could match: what each must start with
 * (a clock's "[" or digit, whitespace, or its first letter) or "[vite]" anywhere.
 * Most lines fail this one test and skip the thirteen. Keep it in step with SIGNALS.
 */
const MAY_SIGNAL = /^[\s\d[SFRTW>w✓]|\[vite\]/;

/** Applies the success or new-cycle signal `plain` carries, if any; returns what it resolved. */
export function applySignal(
  book: ErrorBook,
  plain: string,
  seq: number,
  time: string,
): DetectedError[] {
  if (!MAY_SIGNAL.test(plain)) return [];
  for (const [re, make] of SIGNALS) {
    const m = plain.match(re);
    if (!m) continue;
    const a = make(m);
    switch (a.type) {
      case "start":
        book.cycleStart(a.tool, seq);
        return [];
      case "end":
        return book.cycleEnd(a.tool, seq, time, a.clean);
      case "files":
        return book.resolve(
          time,
          (e) => e.tool === a.tool && e.file !== null && a.files.some((f) => samePath(e.file!, f)),
        );
      case "tool":
        return book.resolve(time, (e) => e.tool === a.tool);
      case "all":
        return book.resolve(time, () => true);
    }
  }
  return [];
}

/** "/src/main.tsx", "src/main.tsx" and "/abs/project/src/main.tsx" name the same file. */
function samePath(a: string, b: string): boolean {
  const x = a.replace(/^\.?\//, ""), y = b.replace(/^\.?\//, "");
  return x === y || x.endsWith("/" + y) || y.endsWith("/" + x);
}
