// Python tracebacks (and a SyntaxError in the main script).

import type { Family, Rule } from "../types.ts";
import { INDENTED, lines, locate } from "./common.ts";

const PY_FRAME = /^\s+File "(.+)", line (\d+)/;
const PY_EXCEPTION = /^[A-Za-z_][\w.]*(: .*)?$/;

const python: Rule = {
  name: "python",
  blanks: 1,
  start(plain) {
    if (plain === "Traceback (most recent call last):") {
      return { tool: "python", kind: "runtime", message: plain };
    }
    // A SyntaxError in the main script comes without a traceback header.
    if (/^ {2}File ".+", line \d+$/.test(plain)) {
      return { tool: "python", kind: "compile", message: plain };
    }
    return null;
  },
  next(plain, d) {
    const s = d.state;
    if (s.ended) {
      // A chained exception continues the report; anything else ends it.
      if (/^(The above exception was|During handling of the above exception)/.test(plain)) {
        s.chained = true;
        return "take";
      }
      if (s.chained && plain === "Traceback (most recent call last):") {
        s.ended = s.chained = false;
        return "take";
      }
      return "stop";
    }
    if (INDENTED.test(plain)) return "take";
    if (PY_EXCEPTION.test(plain)) s.ended = true;
    return s.ended ? "take" : "stop";
  },
  finish(d) {
    const exc = lines(d).findLast((l) => PY_EXCEPTION.test(l) && !/^Traceback/.test(l));
    if (exc) d.error.message = exc;
    const frame = lines(d).findLast((l) => PY_FRAME.test(l))?.match(PY_FRAME);
    if (frame) locate(d, frame[1], frame[2]);
  },
};

export const family: Family = {
  name: "python",
  tools: [{
    tool: "python",
    kinds: ["compile", "runtime"],
    resolves: "a restart by its reloader (` * Restarting with …`), a re-run",
  }],
  rules: [python],
  mayStart: /^Traceback|^ {2}File "/,
  signals: [[/^ \* Restarting with /, () => ({ type: "all" })]],
  maySignal: /^ \*/,
};
