// TypeScript's compiler: plain and pretty diagnostics, and watch mode's cycles.

import type { Family, Rule, Start } from "../types.ts";
import { CLOCK, INDENTED, take } from "./common.ts";

const tscPlain: Rule = {
  name: "tsc-plain",
  start(plain) {
    const m = plain.match(/^(\S.*?)\((\d+),(\d+)\): error (TS\d+): (.*)$/);
    return m && ts(m[4], m[5], m[1], m[2], m[3]);
  },
  next: (plain) => take(INDENTED.test(plain)),
};

const tscPretty: Rule = {
  name: "tsc-pretty",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^(\S.*?):(\d+):(\d+) - error (TS\d+): (.*)$/);
    return m && ts(m[4], m[5], m[1], m[2], m[3]);
  },
  // Elaboration and related information are indented; code frames start with the line number.
  next: (plain) => take(INDENTED.test(plain) || /^\d+\s/.test(plain)),
};

function ts(code: string, text: string, file: string, line: string, col: string): Start {
  return {
    tool: "tsc",
    kind: "compile",
    message: `${code}: ${text}`,
    file,
    line: Number(line),
    column: Number(col),
  };
}

export const family: Family = {
  name: "tsc",
  tools: [{
    tool: "tsc",
    kinds: ["compile"],
    resolves:
      "the next compilation: `tsc --watch`'s `Found N errors` (the errors it no longer reports), a re-run of the script",
  }],
  rules: [tscPlain, tscPretty],
  mayStart: /error TS\d/,
  signals: [
    [
      new RegExp(`^${CLOCK}(?:Starting compilation in watch mode|File change detected)`),
      () => ({ type: "start", tool: "tsc" }),
    ],
    [
      new RegExp(`^${CLOCK}Found (\\d+) errors?\\b`),
      (m) => ({ type: "end", tool: "tsc", clean: m[1] === "0" }),
    ],
  ],
  maySignal: /^[\d[SF]/,
};
