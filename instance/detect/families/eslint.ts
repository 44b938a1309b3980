// ESLint's stylish format: a file's header line, then its rows.

import type { Family, Rule } from "../types.ts";

/** A stylish row; the file is the header line before the rows (passed as prelude). */
const ESLINT_ROW = /^\s+(\d+):(\d+)\s+error\s+(.+?)(?:\s{2,}(\S+))?$/;

const eslint: Rule = {
  name: "eslint",
  start(plain, recent) {
    const m = plain.match(ESLINT_ROW);
    if (!m) return null;
    // Walk back over the file's earlier rows to its header, an absolute path.
    let i = recent.length - 1;
    while (i >= 0 && /^\s+\d+:\d+\s+(error|warning)\s/.test(recent[i].plain)) i--;
    const header = recent[i];
    if (!header || !/^(\/|[A-Za-z]:[\\/])\S/.test(header.plain)) return null;
    return {
      tool: "eslint",
      kind: "lint",
      message: m[4] ? `${m[3]} (${m[4]})` : m[3],
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
  tools: [{
    tool: "eslint",
    kinds: ["lint"],
    resolves: "eslint run again (a package script's `> eslint …` line), a re-run",
  }],
  rules: [eslint],
  mayStart: /^\s+\d+:\d+\s+error/,
  signals: [[/^> .*\beslint\b/, () => ({ type: "tool", tool: "eslint" })]],
  maySignal: /^>/,
};
