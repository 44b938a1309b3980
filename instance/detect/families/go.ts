// Go: the compiler's and go vet's "file.go:line:col: message" lines, the go
// command's own "go: …" errors, go test's "--- FAIL:" blocks (gotestsum's,
// testify's), runtime panics with their goroutine traces located at the
// innermost own frame, the race detector's reports, the "exit status N" go run
// prints after a program that failed, and error-level lines of slog, logrus
// and zap.
//
// What resolves them: go build/run/vet/test are one-shots, so running them
// again (a new run) resolves everything; under a rebuild loop, the loop's
// restart does (nodemon's `[nodemon] restarting`, air's `running...`).

import type { LogLine } from "../../supervise/log_buffer.ts";
import type { Draft, Family, Rule } from "../types.ts";
import { at, INDENTED, lines, locate, ownFile } from "./common.ts";

/** "./main.go:6:2: count declared and not used" (also vet, staticcheck, gopls). */
const DIAG = /^((?:\.{1,2}\/|\/)?[\w./@+-]*?\w\.go):(\d+)(?::(\d+))?: (.+)$/;
/** A trace's file line: "\t/abs/path/main.go:10 +0xa5". */
const TRACE_FILE = /^\s+(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/;
/** t.Errorf's "    cart_test.go:7: Total() = 15, want 20". */
const TEST_LOG = /^\s+([\w./-]+\.go):(\d+): (.*)$/;
/** A trace's function line: "main.main()", "example/store.(*Store).Add(...)", "created by main.main". */
const TRACE_FUNC =
  /^(?:created by )?[\w./*[\]{}$-]*(?:\([^()]*\)[\w./*[\]{}$-]*)*(?: in goroutine \d+)?$/;

/** The body of a panic: its goroutine traces, up to go run's "exit status N". */
function panicBody(plain: string, d: Draft): "take" | "last" | "stop" {
  if (/^exit status \d+$/.test(plain)) return "last";
  if (/^(FAIL|ok)\s/.test(plain) || plain === "FAIL") return "stop";
  if (
    INDENTED.test(plain) || /^goroutine \d+ \[/.test(plain) || /^\[signal /.test(plain) ||
    /^panic: /.test(plain) || TRACE_FUNC.test(plain)
  ) {
    d.state.panic = true;
    return "take";
  }
  return "stop";
}

/** The innermost frame in the project's own files: goroutine traces list it first. */
function ownTraceFrame(d: Draft): boolean {
  for (const l of lines(d)) {
    const m = l.match(TRACE_FILE);
    if (m && ownFile(m[1])) {
      locate(d, m[1], m[2]);
      return true;
    }
  }
  return false;
}

const goDiagnostic: Rule = {
  name: "go-diagnostic",
  start(plain) {
    const m = plain.match(DIAG);
    if (!m) return null;
    return at("go", "compile", m[4], m[1].replace(/^\.\//, ""), m[2], m[3]);
  },
  // Type errors may add tab-indented "have …/want …" lines.
  next: (plain) => /^\t/.test(plain) ? "take" : "stop",
};

const goPanic: Rule = {
  name: "go-panic",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^(?:panic: |fatal error: )(.+)$/);
    return m && { tool: "go", kind: "runtime", message: plain.replace(/ \[recovered\]$/, "") };
  },
  next: panicBody,
  finish: (d) => void ownTraceFrame(d),
};

/**
 * "--- FAIL: TestTotal (0.00s)" and what the test logged: after the headline
 * (go test), or before it between "=== RUN" and the headline (go test -v).
 * A panic in the test follows the headline and belongs to it.
 */
const goTest: Rule = {
  name: "go-test",
  blanks: 1,
  start(plain, recent) {
    // gotestsum: "=== FAIL: example/cart TestTotal (0.00s)", the test's output after it.
    const sum = plain.match(/^=== FAIL: (\S+) (\S+) \(/);
    if (sum) return { tool: "go", kind: "test", message: sum[2] };
    const m = plain.match(/^--- FAIL: (\S+) \(/);
    if (!m) return null;
    return { tool: "go", kind: "test", message: m[1], prelude: verboseLog(recent, m[1]) };
  },
  next(plain, d) {
    if (d.state.panic || /^panic: /.test(plain)) return panicBody(plain, d);
    if (INDENTED.test(plain)) return "take";
    // "FAIL" then "FAIL\texample/cart\t0.01s" name the package, hence the directory.
    if (plain === "FAIL") return "take";
    if (/^FAIL\t\S+/.test(plain)) return "last";
    return "stop";
  },
  finish(d) {
    // go test -v's log lines come first: nothing to refine until the headline is in.
    const head = lines(d).map((l) => l.match(/^(?:--- FAIL: |=== FAIL: (\S+) )(\S+)/))
      .find((m) => m);
    if (!head) return;
    const name = head[2];
    const logged = lines(d).map((l) => l.match(TEST_LOG)).find((m) => m !== null);
    const panic = lines(d).find((l) => /^panic: /.test(l));
    // testify prints its report under an empty "file:line:" line.
    const testify = lines(d).map((l) => l.match(/^\s+Error:\s+(.*\S)/)).find((m) => m)?.[1];
    const why = panic?.replace(/ \[recovered\]$/, "") ?? (logged?.[3].trim() || testify);
    d.error.message = why ? `${name}: ${why}` : name;
    if (panic && ownTraceFrame(d)) return;
    const trace = lines(d).map((l) => l.match(/^\s+Error Trace:\s+(\S+\.go):(\d+)/)).find((m) => m);
    if (trace) return locate(d, trace[1], trace[2]);
    if (!logged) return;
    const pkg = head[1] ?? lines(d).map((l) => l.match(/^FAIL\t(\S+)/)).find((m) => m)?.[1];
    locate(d, packageDir(pkg) + logged[1], logged[2]);
  },
};

/**
 * go test -v prints a test's log lines before its "--- FAIL:" line, after its
 * "=== RUN" (and its subtests' "=== RUN name/sub").
 */
function verboseLog(recent: LogLine[], name: string): LogLine[] {
  for (let i = recent.length - 1; i >= 0; i--) {
    const plain = recent[i].plain;
    const run = plain.match(/^=== (?:RUN|CONT|PAUSE|NAME) +(\S+)/);
    if (run?.[1] === name) return recent.slice(i + 1);
    if (!(run?.[1].startsWith(name + "/") || INDENTED.test(plain))) return [];
  }
  return [];
}

/**
 * The directory of a package in its module, from its import path: the module
 * is one segment ("example/cart" → "cart/"), or three under a host
 * ("github.com/u/repo/cart" → "cart/"). go test names only the file.
 */
function packageDir(pkg: string | undefined): string {
  if (!pkg) return "";
  const parts = pkg.split("/");
  const rest = parts.slice(parts[0].includes(".") ? 3 : 1);
  return rest.length ? rest.join("/") + "/" : "";
}

/**
 * go run's "exit status 1" after a program failed without a panic
 * (log.Fatal, os.Exit): the line before it says why.
 */
const goExit: Rule = {
  name: "go-exit",
  start(plain, recent) {
    const m = plain.match(/^exit status (\d+)$/);
    if (!m) return null;
    const before = recent.findLast((l) => l.plain.trim());
    // The race detector's summary follows the races it reported.
    if (!before || /^\[?nodemon\]?|^(ok|FAIL)\s|^Found \d+ data race/.test(before.plain)) {
      return null;
    }
    // log's "2026/12/08 01:05:12 " prefix.
    const why = before.plain.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(?:\.\d+)? /, "").trim();
    return {
      tool: "go",
      kind: "runtime",
      message: `${why} (exit status ${m[1]})`,
      prelude: [before],
    };
  },
  next: () => "stop",
};

/**
 * The go command's own errors: "go: go.mod file not found in current directory …",
 * "go: updates to go.mod needed; to update it:" (its advice follows, tab-indented).
 * Its progress lines ("go: downloading …", "go: added …") are not errors.
 */
const goCommand: Rule = {
  name: "go-command",
  start(plain) {
    const m = plain.match(/^go: (.+)$/);
    if (
      !m ||
      /^(downloading|finding|extracting|added|upgraded|downgraded|removed|creating new go\.mod|to add module requirements|found |warning:)/
        .test(m[1])
    ) {
      return null;
    }
    return { tool: "go", kind: "compile", message: m[1] };
  },
  next: (plain) => /^\t\S/.test(plain) ? "take" : "stop",
};

/** The race detector's report, between its "==================" rules. */
const goRace: Rule = {
  name: "go-race",
  blanks: 1,
  start(plain) {
    return plain === "WARNING: DATA RACE"
      ? { tool: "go", kind: "runtime", message: "data race" }
      : null;
  },
  next: (plain) => /^=+$/.test(plain) ? "last" : "take",
  finish(d) {
    const access = lines(d)[1]?.match(/^(\w+(?: \w+)?) at 0x[0-9a-f]+ by (.+):$/);
    if (access) d.error.message = `data race: ${access[1].toLowerCase()} by ${access[2]}`;
    ownTraceFrame(d);
  },
};

/**
 * Structured loggers at error level and above: log/slog's and logrus's
 * "level=ERROR msg=…", logrus's terminal "ERRO[0003] …", zap's development
 * "2026-12-08T01:00:00.000Z\tERROR\tmain.go:12\tdb down".
 */
const goLog: Rule = {
  name: "go-log",
  start(plain) {
    // A logfmt record, not a sentence that mentions a level: it has a msg= too.
    const kv = plain.match(/(?:^|\s)level=(?:ERROR|error|FATAL|fatal|PANIC|panic)\b/);
    if (kv && /(?:^|\s)msg=/.test(plain)) {
      const msg = plain.match(/\bmsg=(?:"((?:[^"\\]|\\.)*)"|(\S+))/);
      return { tool: "go", kind: "runtime", message: msg ? (msg[1] ?? msg[2]) : plain.trim() };
    }
    const tty = plain.match(/^(?:ERRO|FATA|PANI)\[\d+\] (.*?)(?:\s{2,}(\w+=.*))?$/);
    if (tty) {
      return { tool: "go", kind: "runtime", message: tty[2] ? `${tty[1]} ${tty[2]}` : tty[1] };
    }
    const zap = plain.match(/^\S+\t(?:ERROR|DPANIC|PANIC|FATAL)\t(?:(\S+\.go):(\d+)\t)?(.+)$/);
    return zap && {
      tool: "go",
      kind: "runtime",
      message: zap[3].replace(/\t/g, " "),
      file: zap[1] ?? null,
      line: zap[2] ? Number(zap[2]) : null,
    };
  },
  // zap's and logrus's stack traces after the line.
  next: (plain) => /^\S+\(.*\)$|^\t\S+\.go:\d+/.test(plain) ? "take" : "stop",
  finish: (d) => void (d.error.file === null && ownTraceFrame(d)),
};

export const family: Family = {
  name: "go",
  tools: [{
    tool: "go",
    kinds: ["compile", "test", "runtime"],
    resolves:
      "a rebuild loop's restart (`[nodemon] restarting`, air's `running...`); go build, run, vet and test are one-shots",
  }],
  rules: [goDiagnostic, goTest, goPanic, goExit, goLog, goRace, goCommand],
  mayStart:
    /\.go:\d|^go: |^(---|===) FAIL: |^WARNING: DATA RACE$|^panic: |^fatal error: |^exit status \d|level=(ERROR|error|FATAL|fatal|PANIC|panic)\b|^(ERRO|FATA|PANI)\[|\t(ERROR|DPANIC|PANIC|FATAL)\t/,
  // air rebuilds and starts the program again.
  signals: [[/^running\.\.\.$/, () => ({ type: "tool", tool: "go" })]],
  maySignal: /^running\.\.\.$/,
};
