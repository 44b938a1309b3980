// Biome and Oxlint: the Rust-built JavaScript linters. Both print a header or
// a marked headline per diagnostic ("×" an error, "!"/"⚠" a warning: warnings
// are not errors) and a code frame with the place.

import type { Family, Rule } from "../types.ts";
import { INDENTED, lines, locate } from "./common.ts";

/** "src/a.js:1:5 lint/correctness/noUnusedVariables  FIXABLE  ━━━━" */
const BIOME_HEADER = /^(\S+?):(\d+):(\d+) ((?:lint|parse|format|assist|syntax)[\w/]*)\b.*━{3}/;

const biome: Rule = {
  name: "biome",
  blanks: 1,
  start(plain) {
    const m = plain.match(BIOME_HEADER);
    if (!m) return null;
    return {
      tool: "biome",
      kind: m[4].startsWith("lint") ? "lint" : "compile",
      message: m[4],
      file: m[1],
      line: Number(m[2]),
      column: Number(m[3]),
      // An error once its "×" line says so; a warning ("!") or note ("i") is not one.
      tentative: true,
    };
  },
  next: (plain) => INDENTED.test(plain) && !BIOME_HEADER.test(plain) ? "take" : "stop",
  finish(d) {
    const x = lines(d).find((l) => /^\s+[×✖] /.test(l));
    if (x && !d.state.confirmed) {
      d.state.confirmed = true;
      d.error.message = `${x.trim().replace(/^[×✖] /, "")} (${d.error.message})`;
    }
  },
};

const oxlint: Rule = {
  name: "oxlint",
  start(plain) {
    const m = plain.match(/^\s*[×✗x] ([\w-]+\([\w/@.-]+\)): (.+)$/);
    return m && { tool: "oxlint", kind: "lint", message: `${m[2]} (${m[1]})` };
  },
  next: (plain) => INDENTED.test(plain) && !/^\s*[×✗x!⚠] [\w-]+\(/.test(plain) ? "take" : "stop",
  finish(d) {
    for (const l of lines(d)) {
      const m = l.match(/^\s*[╭,]-+\[(.+?):(\d+):(\d+)\]/) ??
        l.match(/^\s*╭─\[(.+?):(\d+):(\d+)\]/);
      if (m) return locate(d, m[1], m[2], m[3]);
    }
  },
};

export const family: Family = {
  name: "linters",
  tools: [
    { tool: "biome", kinds: ["lint", "compile"], resolves: "biome run again (a re-run)" },
    { tool: "oxlint", kinds: ["lint"], resolves: "oxlint run again (a re-run)" },
  ],
  rules: [biome, oxlint],
  mayStart: /━{3}|^\s*[×✗x] [\w-]+\(/,
  signals: [],
  maySignal: /$^/,
};
