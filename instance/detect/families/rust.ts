// Rust: rustc's diagnostics as cargo build/check/run/test/clippy print them
// ("error[E0308]: mismatched types" then " --> src/main.rs:2:22" and a code
// frame), panics ("thread 'main' (22486) panicked at src/main.rs:3:36:" with
// the message on the next line), cargo test's failure blocks (under
// --nocapture, its FAILED results), and a main that returns Err. Warnings
// are not errors; cargo's closing summaries ("error: could not compile …",
// "error: test failed, to rerun …") repeat errors listed above and start none.
//
// What resolves them: a cargo build that finishes (`Finished … target(s) in`)
// resolves its compile errors; a re-run resolves everything; cargo watch's
// `[Running 'cargo …']` starts a new cycle of the whole output.

import type { LogLine } from "../../supervise/log_buffer.ts";
import type { Draft, Family, Rule, Verdict } from "../types.ts";
import { at, lines, locate, ownFile } from "./common.ts";

/** Summaries of errors already listed, and other lines that are not an error of their own. */
const SUMMARY =
  /^error: (?:could not compile `|test failed, to rerun|aborting due to |\d+ previous errors?|(?:build|doctest) failed)/;
const HEADLINE = /^(error|warning)(?:\[(\w+)\])?: (.+)$/;
/** Lines cargo prints around a build: "   Compiling x v0.1.0", "    Finished `dev` …". */
const CARGO_STATUS =
  /^\s+(Compiling|Checking|Finished|Running|Fresh|Blocking|Building|Documenting|Updating|Downloading|Downloaded|Locking|Adding|Fetching)\s/;

/** Whether a plain "error: …" line (no code) is rustc's: cargo or a diagnostic came just before. */
function rustContext(recent: LogLine[]): boolean {
  return recent.slice(-40).some((l) =>
    CARGO_STATUS.test(l.plain) || /^\s*--> \S+:\d+:\d+$/.test(l.plain)
  );
}

const diagnostic: Rule = {
  name: "rustc",
  blanks: 1,
  start(plain, recent) {
    const m = plain.match(HEADLINE);
    if (!m || m[1] !== "error" || SUMMARY.test(plain)) return null;
    if (!m[2] && !rustContext(recent)) return null;
    return { tool: "cargo", kind: "compile", message: m[2] ? `${m[2]}: ${m[3]}` : m[3] };
  },
  next(plain): Verdict {
    if (HEADLINE.test(plain) || CARGO_STATUS.test(plain)) return "stop";
    // The pointer, the code frame's gutter, notes and help (help may be unindented);
    // cargo's own errors explain themselves in "Caused by:" paragraphs.
    return /^\s*--> |^\s*(\d+\s*)?\||^\s*= |^(help|note|suggestion)(\[\w+\])?: |^\.\.\.$|^\s*\.\.\.|^(For more information|Some errors have)|^Caused by:$|^ {2}\S/
        .test(plain)
      ? "take"
      : "stop";
  },
  finish(d) {
    const at = lines(d).map((l) => l.match(/^\s*--> (.+?):(\d+):(\d+)$/)).find((m) => m);
    if (at) locate(d, at[1], at[2], at[3]);
    // clippy's deny-by-default lints are errors; their note says which lint.
    if (lines(d).some((l) => /#\[deny\(clippy::/.test(l))) d.error.kind = "lint";
  },
};

/** "thread 'main' (22486) panicked at src/main.rs:3:36:" (1.73+), or the older one-line form. */
const PANIC =
  /^thread '(.+?)'(?: \(\d+\))? panicked at (?:(\S+?):(\d+):(\d+):$|'(.*)', (\S+?):(\d+):(\d+)$)/;

/** A panic's message lines, backtrace and note, up to the next thing. */
function panicBody(plain: string, d: Draft): Verdict {
  if (/^note: run with `RUST_BACKTRACE=/.test(plain)) return "last";
  if (/^note: Some details are omitted/.test(plain)) return "last";
  if (/^stack backtrace:$/.test(plain)) {
    d.state.trace = true;
    return "take";
  }
  if (d.state.trace) return /^\s+(\d+: |at )/.test(plain) ? "take" : "stop";
  // The message may span lines (assert_eq!'s "  left: …" / " right: …").
  return /^(error|warning)(\[\w+\])?: |^\s+(Compiling|Finished|Running) /.test(plain)
    ? "stop"
    : "take";
}

function panicFinish(d: Draft, from: number): void {
  const head = lines(d).findIndex((l, i) => i >= from && PANIC.test(l));
  if (head < 0) return;
  const m = lines(d)[head].match(PANIC)!;
  const body = lines(d).slice(head + 1)
    .filter((l) => l.trim() && !/^(note|stack backtrace)|^\s+(\d+: |at )/.test(l));
  const message = m[5] ?? body.map((l) => l.trim()).join(" ");
  const [file, line, col] = m[2] ? [m[2], m[3], m[4]] : [m[6], m[7], m[8]];
  d.state.panicMessage = message;
  if (ownFile(file)) return locate(d, file, line, col);
  // Panicked inside a dependency or std: the innermost own frame of the backtrace.
  for (const [i, l] of lines(d).entries()) {
    const at = l.match(/^\s+at (\S+?):(\d+):(\d+)$/);
    if (at && ownFile(at[1]) && i > head) return locate(d, at[1], at[2], at[3]);
  }
  locate(d, file, line, col);
}

/** cargo test's "running N tests": a test thread's panic printed inline means --nocapture. */
const testRun = (recent: LogLine[]) => recent.some((l) => /^running \d+ tests?$/.test(l.plain));

const panic: Rule = {
  name: "rust-panic",
  start(plain, recent) {
    const m = plain.match(PANIC);
    if (!m) return null;
    // A test's panic under --nocapture: its "test … FAILED" line (below) decides, since a
    // #[should_panic] test that passes prints the same.
    if (m[1] !== "main" && testRun(recent)) return null;
    return { tool: "rust", kind: "runtime", message: plain };
  },
  next: panicBody,
  finish(d) {
    panicFinish(d, 0);
    if (d.state.panicMessage !== undefined) d.error.message = `panic: ${d.state.panicMessage}`;
  },
};

/** cargo test's "---- tests::adds stdout ----" block, the test's panic inside it. */
const cargoTest: Rule = {
  name: "cargo-test",
  blanks: 2,
  start(plain) {
    // Doc-tests are named "src/lib.rs - add (line 5)".
    const m = plain.match(/^---- (.+?) stdout ----$/);
    return m && { tool: "cargo", kind: "test", message: m[1] };
  },
  next(plain, d) {
    if (/^---- .+ stdout ----$|^failures:$|^test result: /.test(plain)) return "stop";
    if (d.state.inPanic) return panicBody(plain, d) === "stop" ? "stop" : "take";
    if (PANIC.test(plain)) d.state.inPanic = true;
    return "take";
  },
  finish(d) {
    const name = lines(d)[0].match(/^---- (.+?) stdout ----$/)![1];
    panicFinish(d, 1);
    const why = d.state.panicMessage as string | undefined;
    d.error.message = why ? `${name}: ${why}` : name;
  },
};

/**
 * A main that returns Err: Rust prints "Error: " and the error's Debug form,
 * then exits 1. Only after cargo started the program (its "Running `…`").
 */
const mainErr: Rule = {
  name: "rust-main-err",
  start(plain, recent) {
    const m = plain.match(/^Error: (.+)$/);
    if (!m || !recent.some((l) => /^\s+Running `/.test(l.plain))) return null;
    return { tool: "rust", kind: "runtime", message: plain };
  },
  // A multi-line Debug form ({:#?}) is indented or closes its braces.
  next: (plain) => /^\s+\S|^[}\])]+,?$/.test(plain) ? "take" : "stop",
};

/**
 * Under --nocapture a test's output goes between its "test tests::adds ... "
 * and its result, so a failure ends with "FAILED" on a line of its own (or
 * "test tests::adds ... FAILED" when it printed nothing): that is the report,
 * with the panic its thread printed.
 */
const nocaptureFailed: Rule = {
  name: "cargo-test-nocapture",
  start(plain, recent) {
    const own = plain.match(/^test (\S+) \.\.\. FAILED$/);
    if (!own && plain !== "FAILED") return null;
    const name = own?.[1] ??
      recent.findLast((l) => /^test \S+ \.\.\. /.test(l.plain))?.plain.match(/^test (\S+)/)?.[1];
    const i = recent.findLastIndex((l) => l.plain.match(PANIC)?.[1] === name);
    if (!name || i < 0) return null;
    const head = recent[i].plain.match(PANIC)!;
    const why = head[5] ?? recent[i + 1]?.plain.trim();
    const [file, line, col] = head[2] ? [head[2], head[3], head[4]] : [head[6], head[7], head[8]];
    return at("cargo", "test", why ? `${name}: ${why}` : name, file, line, col);
  },
  next: () => "stop",
};

export const family: Family = {
  name: "rust",
  tools: [
    {
      tool: "cargo",
      kinds: ["compile", "lint", "test"],
      resolves:
        "a build that finishes (`Finished … target(s) in …`) for compile errors; cargo watch's next `[Running '…']`",
    },
    {
      tool: "rust",
      kinds: ["runtime"],
      resolves: "cargo watch's next `[Running '…']`",
    },
  ],
  rules: [diagnostic, cargoTest, panic, mainErr, nocaptureFailed],
  mayStart: /^error|^Error: |^---- .+ stdout ----$|^thread '|^test \S+ \.\.\. FAILED$|^FAILED$/,
  quiet: SUMMARY,
  signals: [
    [/^\s+Finished .* target\(s\) in /, () => ({ type: "tool", tool: "cargo" })],
    [/^\[Running '.*'\]$/, () => ({ type: "all" })],
  ],
  maySignal: /^\s+Finished |^\[Running '/,
};
