// The fallbacks, checked last: CLIs' "error: …" lines (Deno's runtime errors
// among them) and JavaScript errors with their stack (Node, Bun, browsers'
// consoles), with the restarts of Node's watchers.

import type { LogLine } from "../../supervise/log_buffer.ts";
import type { Family, Rule } from "../types.ts";
import { CARET, INDENTED, lines, locate, ownFile, take, userFrame } from "./common.ts";

/** Deno's runtime and module errors, and other CLIs' "error: …" lines. */
const errorColon: Rule = {
  name: "error-colon",
  start(plain) {
    const m = plain.match(/^error(?:\[\w+\])?: (?:Uncaught (?:\(in promise\) )?)?(.*\S)/);
    // A summary after the diagnostics above it, not an error of its own.
    if (!m || /^Type checking failed\.?$/.test(m[1])) return null;
    const tool = /^error: Uncaught /.test(plain) ? "deno" : "unknown";
    return { tool, kind: "runtime", message: m[1] };
  },
  next(plain, d) {
    // Deno prints the offending source line, unindented, right after the headline.
    if (lines(d).length === 1 && !/^\S+ \S+:/.test(plain)) return "take";
    return take(INDENTED.test(plain) || CARET.test(plain));
  },
  finish(d) {
    if (d.error.tool === "unknown" && lines(d).some((l) => /\b(file|ext):\/\/?/.test(l))) {
      d.error.tool = "deno";
    }
    userFrame(d);
  },
};

/** A JavaScript error headline: "TypeError: …", "Uncaught Error: …", "[Error: …". */
const JS_ERROR =
  /^(?:Uncaught )?\[?(?:[A-Z][\w$]*)?(?:Error|Exception|Rejection)(?: \[[\w$]+\])?: \S/;

/** "    at fn (file:1:2)", "    at file:1:2", Bun's "      at /path/file.ts:3:5". */
const STACK_FRAME = /^\s+at \S/;

const node: Rule = {
  name: "node",
  start(plain, recent) {
    // Node before 15 reported unhandled rejections as a warning.
    if (!JS_ERROR.test(plain) && !/^\(node:\d+\) UnhandledPromiseRejectionWarning: /.test(plain)) {
      return null;
    }
    const prelude = nodePrelude(recent);
    // A headline alone is often a log line ("Error: not found" logged on purpose): it is an
    // error once its stack follows, or the prelude of an uncaught error came before it.
    const tentative = !prelude.length && !/^\(node:/.test(plain);
    return { tool: "node", kind: "runtime", message: plain.trim(), prelude, tentative };
  },
  // Stack frames and error properties are indented; the closing brace is not.
  next: (plain) => take(INDENTED.test(plain) || /^}\s*$/.test(plain) || /^Caused by:/.test(plain)),
  finish(d) {
    if (!d.state.confirmed && lines(d).some((l) => STACK_FRAME.test(l))) d.state.confirmed = true;
    // Babel's and other compilers' "SyntaxError: /src/file.js: Unexpected token (3:5)".
    const own = lines(d)[0].match(
      /^\w*Error: ((?:\.{0,2}\/|\/)?[\w@./-]+\.\w+): .* \((\d+):(\d+)\)$/,
    );
    if (own && ownFile(own[1])) {
      // That form is Babel's (@babel/parser's errors, wherever they surface).
      d.state.confirmed = true;
      d.error.tool = "babel";
      d.error.kind = "compile";
      return locate(d, own[1], own[2], own[3]);
    }
    // Prefer a frame in the project; else the prelude's "file:line", unless Node's own.
    if (userFrame(d)) return;
    const at = lines(d)[0].match(/^(\S.*):(\d+)$/);
    if (at && ownFile(at[1])) locate(d, at[1], at[2]);
  },
};

/**
 * Node prints where it failed *before* the headline ("file.js:12", the source
 * line, a caret, a blank line); for a SyntaxError it is the only pointer to
 * the file, so the error includes it.
 */
function nodePrelude(recent: LogLine[]): LogLine[] {
  const r = recent.slice();
  if (r.length && !r.at(-1)!.plain.trim()) r.pop();
  if (r.length < 3) return [];
  const [loc, , caret] = r.slice(-3);
  return /^\S.*:\d+$/.test(loc.plain) && CARET.test(caret.plain) ? recent.slice(r.length - 3) : [];
}

export const family: Family = {
  name: "generic",
  tools: [
    {
      tool: "node",
      kinds: ["runtime"],
      resolves:
        "a restart by nodemon (`[nodemon] restarting`) or `node --watch` (`Restarting '…'`), a re-run",
    },
    {
      tool: "babel",
      kinds: ["compile"],
      resolves: "babel run again, or the next build of the tool that ran it",
    },
    {
      tool: "unknown",
      kinds: ["runtime"],
      resolves: "a restart by a watcher, a re-run",
    },
  ],
  rules: [errorColon, node],
  mayStart: /^error|(?:Error|Exception|Rejection)(?: \[[\w$]+\])?: |^\(node:/,
  signals: [
    [/^\[nodemon\] restarting\b|^Restarting '.+'$/, () => ({ type: "all" })],
  ],
  maySignal: /^\[nodemon\]|^R/,
};
