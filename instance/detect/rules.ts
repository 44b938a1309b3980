// How each tool prints an error: the headline that starts it, the lines that
// continue it, and where its message and location are. Rules see lines with
// terminal codes stripped. Checked in order; the first headline match wins.

import type { LogLine } from "../supervise/log_buffer.ts";
import type { Draft, Rule, Start, Verdict } from "./types.ts";

const INDENTED = /^\s+\S/;
const CARET = /^\s*[\^~]+\s*$/;
/** Optional clock some watchers print first: "1:42:32 PM ", "[13:01:02] ". */
const CLOCK = String.raw`(?:\[?\d{1,2}:\d{2}:\d{2}(?: [AP]M)?\]? (?:- )?)?`;

const lines = (d: Draft) => d.error.lines;
const take = (ok: boolean): Verdict => ok ? "take" : "stop";

/** Sets the location from "path:line:col" style matches. */
function locate(d: Draft, file: string | undefined, line?: string, col?: string): void {
  if (!file) return;
  d.error.file = file.replace(/^file:\/\//, "");
  d.error.line = line ? Number(line) : null;
  d.error.column = col ? Number(col) : null;
}

/** The first stack frame that points into the project (not node internals or node_modules). */
function userFrame(d: Draft, from = 0): boolean {
  for (const l of lines(d).slice(from)) {
    const m = l.match(/^\s+(?:at |❯ )(?:.*?\()?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/);
    if (m && !/^(node:|ext:|internal\/)|node_modules/.test(m[1])) {
      locate(d, m[1], m[2], m[3]);
      return true;
    }
  }
  return false;
}

// ------------------------------------------------------------------ tsc

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

// ------------------------------------------------------------------ deno

const denoTs: Rule = {
  name: "deno-ts",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^(?:error: )?(TS\d+) \[ERROR\]: (.*)$/);
    return m && { tool: "deno", kind: "compile", message: `${m[1]}: ${m[2]}` };
  },
  // The source line follows unindented; then the caret, "at file:///…", related info.
  next: (plain, d) => take(lines(d).length === 1 || INDENTED.test(plain) || CARET.test(plain)),
  finish: (d) => void userFrame(d),
};

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

// ------------------------------------------------------------------ vite

/** Lines of Vite's error blocks: indented, "[CODE] …" diagnostics, box-drawn code frames. */
const VITE_BODY = /^\s|^\[[A-Z_]+\] |^[─╭╰│╯]/;

const vite: Rule = {
  name: "vite",
  blanks: 1,
  start(plain) {
    const m = plain.match(
      new RegExp(
        `^${CLOCK}\\[vite\\] (?:\\([\\w-]+\\) )?(Internal server error|Pre-transform error|error while updating dependencies|Failed to load [^:]*): ?(.*)$`,
      ),
    );
    if (m) return { tool: "vite", kind: "compile", message: m[2] || m[1] };
    if (/^\(!\) Failed to run dependency scan\b/.test(plain)) {
      return { tool: "vite", kind: "compile", message: "Failed to run dependency scan" };
    }
    return null;
  },
  next: (plain) => take(VITE_BODY.test(plain) && !/\[vite\]/.test(plain)),
  finish(d) {
    const diag = lines(d).find((l) => /^\[[A-Z_]+\] /.test(l));
    if (diag) d.error.message = diag;
    for (const l of lines(d)) {
      const m = l.match(/╭─\[ (.+?):(\d+):(\d+) \]/) ??
        l.match(/^\s+File: (.+?)(?::(\d+):(\d+))?$/);
      if (m) return locate(d, m[1], m[2], m[3]);
    }
  },
};

// --------------------------------------------------------------- esbuild

const esbuild: Rule = {
  name: "esbuild",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^[✘X] \[ERROR\] (.*)$/);
    return m && { tool: "esbuild", kind: "compile", message: m[1] };
  },
  next: (plain) => take(INDENTED.test(plain)),
  finish(d) {
    for (const l of lines(d)) {
      const m = l.match(/^\s+(\S.*?):(\d+):(\d+):$/);
      if (m) return locate(d, m[1], m[2], m[3]);
    }
  },
};

// --------------------------------------------------------------- webpack

const webpack: Rule = {
  name: "webpack",
  start(plain) {
    const m = plain.match(/^ERROR in (\S+)(?: (\d+):(\d+)(?:-\d+)?)?/);
    return m && {
      tool: "webpack",
      kind: "compile",
      message: plain,
      file: m[1],
      line: m[2] ? Number(m[2]) : null,
      column: m[3] ? Number(m[3]) : null,
    };
  },
  // Its details are not indented; the block ends at a blank line.
  next: (plain) => take(!/^(ERROR|WARNING) in |^webpack [\d.]+ compiled/.test(plain)),
  finish(d) {
    if (lines(d)[1]) d.error.message = lines(d)[1].trim();
  },
};

// ------------------------------------------------------------------ next

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

// ------------------------------------------------------------ test runners

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

// ---------------------------------------------------------------- eslint

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

// ---------------------------------------------------------------- python

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

// ------------------------------------------------------ package managers

const npm: Rule = {
  name: "npm",
  start(plain) {
    const m = plain.match(/^npm (?:ERR!|error)(?: (.*))?$/);
    return m && { tool: "npm", kind: "package-manager", message: (m[1] ?? "").trim() };
  },
  next: (plain) => take(/^npm (ERR!|error)(\s|$)/.test(plain)),
};

const pnpm: Rule = {
  name: "pnpm",
  start(plain) {
    const m = plain.match(/^\s*(ERR_PNPM_\w+|ELIFECYCLE)\s+(.*)$/);
    return m && { tool: "pnpm", kind: "package-manager", message: `${m[1]}: ${m[2]}` };
  },
  next: () => "stop",
};

const yarn: Rule = {
  name: "yarn",
  start(plain) {
    const m = plain.match(/^error (\S.*)$/);
    return m && { tool: "yarn", kind: "package-manager", message: m[1] };
  },
  next: () => "stop",
};

// ------------------------------------------------------------------ node

/** A JavaScript error headline: "TypeError: …", "Uncaught Error: …", "[Error: …". */
const JS_ERROR =
  /^(?:Uncaught )?\[?(?:[A-Z][\w$]*)?(?:Error|Exception|Rejection)(?: \[[\w$]+\])?: \S/;

const node: Rule = {
  name: "node",
  start(plain, recent) {
    // Node before 15 reported unhandled rejections as a warning.
    if (!JS_ERROR.test(plain) && !/^\(node:\d+\) UnhandledPromiseRejectionWarning: /.test(plain)) {
      return null;
    }
    return { tool: "node", kind: "runtime", message: plain.trim(), prelude: nodePrelude(recent) };
  },
  // Stack frames and error properties are indented; the closing brace is not.
  next: (plain) => take(INDENTED.test(plain) || /^}\s*$/.test(plain) || /^Caused by:/.test(plain)),
  finish(d) {
    // Prefer a frame in the project; else the prelude's "file:line", unless Node's own.
    if (userFrame(d)) return;
    const at = lines(d)[0].match(/^(\S.*):(\d+)$/);
    if (at && !/^node:/.test(at[1])) locate(d, at[1], at[2]);
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

/**
 * True for every line some rule's start could match: what each headline must
 * start with (whitespace, a clock, a capital, "(", "e", "n", "✘", "⨯"), or
 * tsc's "error" further in. Most lines fail this one test and skip the sixteen
 * rules. Keep it in step with RULES.
 */
const MAY_START = /^[\s\dA-Z[(en✘⨯]|error/;

export function mayStart(plain: string): boolean {
  return MAY_START.test(plain);
}

export const RULES: Rule[] = [
  tscPlain,
  tscPretty,
  denoTs,
  vite,
  esbuild,
  webpack,
  next,
  vitest,
  jest,
  eslint,
  python,
  npm,
  pnpm,
  yarn,
  errorColon,
  node,
];
