// Bun: an uncaught error or a failed expectation comes after a code frame
// ("2 | export const port = …" and a caret), with "at …" frames, and in
// `bun test` the failed test's "✗ name" line last.

import type { LogLine } from "../../supervise/log_buffer.ts";
import type { Family, Rule } from "../types.ts";
import { userFrame } from "./common.ts";

const FRAME_ROW = /^\d+ \| /;
const CARET = /^\s*\^\s*$/;

/** Bun's code frame right before a headline: numbered source rows, then the caret. */
function framePrelude(recent: LogLine[]): LogLine[] {
  let i = recent.length;
  if (!i || !CARET.test(recent[i - 1].plain)) return [];
  i--;
  while (i > 0 && FRAME_ROW.test(recent[i - 1].plain)) i--;
  return i < recent.length - 1 ? recent.slice(i) : [];
}

const bun: Rule = {
  name: "bun",
  blanks: 1,
  start(plain, recent) {
    const m = plain.match(
      /^(?:error: (.+)|((?:[A-Z][\w$]*)?(?:Error|Exception)(?: \[[\w$]+\])?: .+))$/,
    );
    if (!m) return null;
    const prelude = framePrelude(recent);
    if (!prelude.length) return null;
    return { tool: "bun", kind: "runtime", message: m[2] ?? m[1], prelude };
  },
  next(plain, d) {
    if (/^\s+at |^\s+\S|^(Expected|Received)\b|^[-+] /.test(plain)) return "take";
    // `bun test` names the failed test after its error.
    const t = plain.match(/^(?:✗|\(fail\)) (.+?)(?: \[[\d.]+m?s\])?$/);
    if (t) {
      d.state.test = t[1];
      return "last";
    }
    return "stop";
  },
  finish(d) {
    if (typeof d.state.test === "string" && d.error.kind !== "test") {
      d.error.kind = "test";
      d.error.message = `${d.state.test}: ${d.error.message}`;
    }
    userFrame(d);
  },
};

export const family: Family = {
  name: "bun",
  tools: [{
    tool: "bun",
    kinds: ["runtime", "test"],
    resolves: "a restart by `bun --watch`, a re-run of the script or of `bun test`",
  }],
  rules: [bun],
  mayStart: /^error: |Error: |Exception: /,
  signals: [],
  maySignal: /$^/,
};
