// Deno: type-check diagnostics ("TS2304 [ERROR]") and `deno --watch` restarts.
// Its runtime errors ("error: Uncaught …") are read by generic.ts's "error:" rule.

import type { Family, Rule } from "../types.ts";
import { CARET, INDENTED, lines, take, userFrame } from "./common.ts";

const denoTs: Rule = {
  name: "deno-ts",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^(?:error: )?(TS\d+) \[ERROR\]: (.*)$/);
    return m && { tool: "deno", kind: "compile", message: `${m[1]}: ${m[2]}` };
  },
  // The source line follows unindented; then the caret, "at file:///…", related info.
  next: (plain, d) => take(lines(d).length === 1 || INDENTED.test(plain) || CARET.test(plain)),
  finish: (d) => void userFrame(d),
};

export const family: Family = {
  name: "deno",
  tools: [{
    tool: "deno",
    kinds: ["compile", "runtime"],
    resolves: "a restart by `deno --watch` (`Watcher File change detected`), a re-run",
  }],
  rules: [denoTs],
  mayStart: /TS\d+ \[ERROR\]/,
  signals: [
    [/^Watcher (?:File change detected|Restarting)/, () => ({ type: "all" })],
  ],
  maySignal: /^W/,
};
