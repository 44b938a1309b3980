// ESLint's stylish format, and stylelint's alike: a file's header line, then its rows.

import type { Family, Rule } from "../types.ts";

/** A stylish row; the file is the header line before the rows (passed as prelude). */
const ESLINT_ROW = /^\s+(\d+):(\d+)\s+(error|✖)\s+(.+?)(?:\s{2,}(\S+))?$/;
/** Any row of the format, a warning's too (stylelint marks errors ✖ and warnings ⚠). */
const ANY_ROW = /^\s+\d+:\d+\s+(error|warning|✖|⚠)\s/;
/** The file header: eslint's absolute path, stylelint's relative one. */
const HEADER = /^(?:\/|[A-Za-z]:[\\/])\S|^[\w@.-]+(?:\/[\w@.-]+)*\.\w+$/;

const eslint: Rule = {
  name: "eslint",
  start(plain, recent) {
    const m = plain.match(ESLINT_ROW);
    if (!m) return null;
    // Walk back over the file's earlier rows to its header, an absolute path.
    let i = recent.length - 1;
    while (i >= 0 && ANY_ROW.test(recent[i].plain)) i--;
    const header = recent[i];
    if (!header || !HEADER.test(header.plain.trim())) return null;
    return {
      tool: m[3] === "✖" ? "stylelint" : "eslint",
      kind: "lint",
      message: m[5] ? `${m[4]} (${m[5]})` : m[4],
      file: header.plain.trim(),
      line: Number(m[1]),
      column: Number(m[2]),
      prelude: [header],
    };
  },
  next: () => "stop",
};

export const family: Family = {
  name: "eslint",
  tools: [
    {
      tool: "eslint",
      kinds: ["lint"],
      resolves: "eslint run again (a package script's `> eslint …` line), a re-run",
    },
    { tool: "stylelint", kinds: ["lint"], resolves: "stylelint run again (a re-run)" },
  ],
  rules: [eslint],
  mayStart: /^\s+\d+:\d+\s+(?:error|✖)/,
  signals: [[/^> .*\beslint\b/, () => ({ type: "tool", tool: "eslint" })]],
  maySignal: /^>/,
};
