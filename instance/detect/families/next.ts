// Next.js's dev server: "⨯" errors (compile and runtime) and its recompiles.

import type { Family, Rule } from "../types.ts";
import { lines, locate, take, userFrame } from "./common.ts";

const next: Rule = {
  name: "next",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^ ?⨯ (.*)$/);
    return m &&
      { tool: "next", kind: /^\.{0,2}\//.test(m[1]) ? "compile" : "runtime", message: m[1] };
  },
  next: (plain) =>
    take(!/^ ?[⨯✓○⚠▲] |^ ?(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/|^- /.test(plain)),
  finish(d) {
    const head = d.error.message.match(/^(\.{0,2}\/\S+?):(\d+):(\d+)$/);
    if (head) {
      locate(d, head[1], head[2], head[3]);
      const err = lines(d).find((l) => /^\w*Error: /.test(l));
      if (err) d.error.message = err;
    } else userFrame(d);
  },
};

export const family: Family = {
  name: "next",
  tools: [{
    tool: "next",
    kinds: ["compile", "runtime"],
    resolves: "the next `✓ Compiled`, a re-run",
  }],
  rules: [next],
  mayStart: /^ ?⨯/,
  signals: [[/^ ?✓ Compiled\b/, () => ({ type: "tool", tool: "next" })]],
  maySignal: /^ ?✓/,
};
