// Astro: its logger's "12:01:02 [ERROR] …" lines (a page's runtime error with
// its stack; a build's failure with the bundler's message and "Location:").

import type { Family, Rule } from "../types.ts";
import { INDENTED, lines, locate, ownFile, userFrame } from "./common.ts";

const astro: Rule = {
  name: "astro",
  blanks: 0,
  start(plain) {
    const m = plain.match(/^\d{2}:\d{2}:\d{2} \[ERROR\] (?:\[([\w:-]+)\] )?(.+)$/);
    if (!m) return null;
    const build = /Build failed/.test(m[2]);
    return { tool: "astro", kind: build || m[1] ? "compile" : "runtime", message: m[2] };
  },
  // The build's message follows the headline unindented; the rest is indented.
  next: (plain, d) => lines(d).length === 1 || INDENTED.test(plain) ? "take" : "stop",
  finish(d) {
    const ls = lines(d);
    if (/Build failed/.test(d.error.message) && ls[1] && !INDENTED.test(ls[1])) {
      d.error.message = ls[1].trim();
    }
    const i = ls.findIndex((l) => /^\s+Location:$/.test(l));
    const at = i >= 0 ? ls[i + 1]?.trim().match(/^(\S+?):(\d+)(?::(\d+))?$/) : null;
    if (at && ownFile(at[1])) return locate(d, at[1], at[2], at[3]);
    userFrame(d);
  },
};

export const family: Family = {
  name: "astro",
  tools: [{
    tool: "astro",
    kinds: ["compile", "runtime"],
    resolves: "a re-run of `astro build`; in `astro dev`, a restart or a re-run",
  }],
  rules: [astro],
  mayStart: /^\d{2}:\d{2}:\d{2} \[ERROR\] /,
  signals: [],
  maySignal: /$^/,
};
