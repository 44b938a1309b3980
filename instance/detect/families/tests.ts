// JavaScript test runners: vitest, jest and mocha failures, and their runs.

import type { Family, Rule } from "../types.ts";
import { lines, locate, take, userFrame } from "./common.ts";

const vitest: Rule = {
  name: "vitest",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^ FAIL {2}(\S+ > .+)$/);
    return m && { tool: "vitest", kind: "test", message: m[1] };
  },
  next: (plain) => take(!/^⎯|^ (FAIL|Test Files) /.test(plain)),
  finish(d) {
    const name = lines(d)[0].replace(/^ FAIL {2}/, "");
    const err = lines(d)[1];
    d.error.message = err ? `${name}: ${err.trim()}` : name;
    for (const l of lines(d)) {
      const m = l.match(/^ ❯ (\S+?):(\d+):(\d+)$/);
      if (m) return locate(d, m[1], m[2], m[3]);
    }
  },
};

const jest: Rule = {
  name: "jest",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^ {2}● (.+)$/);
    return m && { tool: "jest", kind: "test", message: m[1] };
  },
  next: (plain) => take(/^ {4}/.test(plain)),
  finish(d) {
    const name = lines(d)[0].replace(/^ {2}● /, "");
    const err = lines(d).slice(1).find((l) => l.trim());
    d.error.message = err ? `${name}: ${err.trim()}` : name;
    userFrame(d);
  },
};

/** mocha's spec reporter: "  1) suite test:" after "N failing", the error, its stack. */
const mocha: Rule = {
  name: "mocha",
  // Its diff ("0 !== -2", "+ expected - actual") sits between blank lines, unindented.
  blanks: 2,
  start(plain, recent) {
    const m = plain.match(/^ {2}(\d+)\) (.+?):?$/);
    if (!m) return null;
    // Only in the failure list, which follows "N failing".
    if (!recent.some((l) => /^ {2}\d+ failing\b/.test(l.plain))) return null;
    return { tool: "mocha", kind: "test", message: m[2] };
  },
  next: (plain) => take(!/^ {2}\d+\) /.test(plain)),
  finish(d) {
    // The title runs from "1) suite" over its indented parts to the one ending in ":".
    const ls = lines(d);
    let end = ls.findIndex((l) => /:$/.test(l)) + 1;
    if (end <= 0) end = 1;
    const title = ls.slice(0, end).map((l) => l.trim().replace(/^\d+\) /, "").replace(/:$/, ""))
      .join(" ");
    const err = ls.slice(end).find((l) => l.trim());
    d.error.message = err ? `${title}: ${err.trim()}` : title;
    userFrame(d);
  },
};

export const family: Family = {
  name: "test runners",
  tools: [
    {
      tool: "vitest",
      kinds: ["test"],
      resolves: "the next run's summary (`Test Files` without that failure), a re-run",
    },
    {
      tool: "jest",
      kinds: ["test"],
      resolves: "the next run's summary (`Test Suites:` without that failure), a re-run",
    },
    {
      tool: "mocha",
      kinds: ["test"],
      resolves: "the next run's summary (`N passing` without failures, in `--watch`), a re-run",
    },
  ],
  rules: [vitest, jest, mocha],
  mayStart: /^ (FAIL| {1}[●\d])/,
  signals: [
    [/^\s*RERUN\s/, () => ({ type: "start", tool: "vitest" })],
    // The final summary; progress lines in between have one space ("Test Files 0 passed").
    [/^\s*Test Files {2}(\d+ failed)?/, (m) => ({ type: "end", tool: "vitest", clean: !m[1] })],
    // Its final summary; in watch mode a progress block ("0 of 1 total") is redrawn before it.
    [
      /^Test Suites: (?!.* of \d+ total)(\d+ failed)?/,
      (m) => ({ type: "end", tool: "jest", clean: !m[1] }),
    ],
    // mocha: "N passing" starts the summary, "N failing" follows it when some failed.
    [/^ {2}\d+ passing\b/, () => ({ type: "end", tool: "mocha", clean: true })],
  ],
  maySignal: /^\s|^T/,
};
