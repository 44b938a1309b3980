// Python: tracebacks (and a SyntaxError in the main script), pytest's and
// unittest's failure sections, logging's ERROR:/CRITICAL: lines and the
// servers' own error lines that introduce a traceback: Django's "Internal
// Server Error: /", Flask's "ERROR in app: Exception on / [GET]", uvicorn's
// "ERROR:    Exception in ASGI application" and "[Errno 98] … address already
// in use", gunicorn's "[ERROR]"; servers that cannot start (a port in use);
// mypy, pyright, ruff, flake8 and pylint; pip's failures. A traceback is
// located at its deepest frame in the project's own files (not <frozen os>,
// site-packages or the standard library), and named for the server it ran
// under when its frames pass through one.
//
// What resolves them: scripts and pytest are one-shots, so a re-run does
// (pytest's watchers: the next session's summary); the servers' reloaders
// restart the program: Django's `Watching for file changes with …`, Werkzeug's
// ` * Restarting with …`, uvicorn's `Application startup complete.`.

import type { Draft, Family, Rule, Verdict } from "../types.ts";
import { at, INDENTED, lines, locate, ownFile } from "./common.ts";

const PY_FRAME = /^\s+File "(.+)", line (\d+)/;
/** The exception line that ends a traceback: "KeyError: 'x'", "mod.CustomError", "SyntaxError: …". */
const PY_EXCEPTION =
  /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning|Iteration|Group)?(: .*)?$/;
const TRACEBACK = "Traceback (most recent call last):";

/** Frameworks a traceback may run under, by the package its outer frames are in. */
const SERVERS: [RegExp, string][] = [
  [/[\\/]site-packages[\\/]django[\\/]/, "django"],
  [/[\\/]site-packages[\\/](flask|werkzeug)[\\/]/, "flask"],
  [/[\\/]site-packages[\\/]uvicorn[\\/]/, "uvicorn"],
  [/[\\/]site-packages[\\/]gunicorn[\\/]/, "gunicorn"],
];

/**
 * Whether a line continues a traceback: its frames (indented), the exception
 * that ends it, and a chained exception's "During handling …" and next traceback.
 */
function tracebackNext(plain: string, d: Draft): Verdict {
  const s = d.state;
  if (plain === TRACEBACK && (!s.inTrace || s.chained)) {
    s.inTrace = true;
    s.ended = s.chained = false;
    return "take";
  }
  if (!s.inTrace) return "stop";
  if (s.ended) {
    if (/^(The above exception was|During handling of the above exception)/.test(plain)) {
      s.chained = true;
      return "take";
    }
    // An exception's notes and ExceptionGroup's boxes are indented.
    return !s.chained && /^\s+[|+]|^\s{2,}\S/.test(plain) ? "take" : "stop";
  }
  if (INDENTED.test(plain)) return "take";
  if (PY_EXCEPTION.test(plain) || /^[A-Za-z_][\w.]*: /.test(plain)) {
    s.ended = true;
    return "take";
  }
  return "stop";
}

/** Message, location and server from the traceback's lines. */
function tracebackFinish(d: Draft): void {
  const all = lines(d);
  const start = all.indexOf(TRACEBACK);
  if (start < 0) return;
  const exc = all.findLast((l, i) =>
    i > start && !INDENTED.test(l) && /^[A-Za-z_][\w.]*(: .*)?$/.test(l) && l !== TRACEBACK &&
    !/^(The above|During handling)/.test(l)
  );
  if (exc) d.error.message = exc;
  if (exc && /^(SyntaxError|IndentationError|TabError)\b/.test(exc)) d.error.kind = "compile";
  const frames = all.map((l) => l.match(PY_FRAME)).filter((m) => m !== null);
  // The deepest frame in the project's own files; else the deepest of all.
  const own = frames.findLast((m) => ownFile(m[1]));
  const frame = own ?? frames.at(-1);
  if (frame) locate(d, frame[1], frame[2]);
  if (d.error.tool === "python") {
    for (const m of frames) {
      const server = SERVERS.find(([re]) => re.test(m[1]));
      if (server) {
        d.error.tool = server[1];
        break;
      }
    }
  }
}

const traceback: Rule = {
  name: "python",
  blanks: 1,
  start(plain) {
    if (plain === TRACEBACK) return { tool: "python", kind: "runtime", message: plain };
    // A SyntaxError in the main script comes without a traceback header.
    if (/^ {2}File ".+", line \d+$/.test(plain)) {
      // An error once its exception line ("SyntaxError: …") ends it.
      return { tool: "python", kind: "compile", message: plain, tentative: true };
    }
    return null;
  },
  next(plain, d) {
    if (d.state.inTrace === undefined) d.state.inTrace = lines(d)[0] === TRACEBACK;
    if (d.state.inTrace) return tracebackNext(plain, d);
    // The bare SyntaxError form: the source line, the caret, then the exception.
    if (INDENTED.test(plain)) return "take";
    return PY_EXCEPTION.test(plain) ? "last" : "stop";
  },
  finish(d) {
    if (lines(d)[0] === TRACEBACK) return tracebackFinish(d);
    const exc = lines(d).findLast((l) => !INDENTED.test(l) && PY_EXCEPTION.test(l));
    if (exc) {
      d.error.message = exc;
      d.state.confirmed = true;
    }
    const frame = lines(d)[0].match(PY_FRAME);
    if (frame) locate(d, frame[1], frame[2]);
  },
};

/**
 * A log line at ERROR or CRITICAL: logging's default "ERROR:name:message",
 * uvicorn's "ERROR:    message", Flask's "[time] ERROR in module: message",
 * Django's "Internal Server Error: /path". A traceback right after it is its.
 */
const LOG_LINES: [RegExp, string, (m: RegExpMatchArray) => string][] = [
  [/^(?:ERROR|CRITICAL): {2,}(\S.*)$/, "uvicorn", (m) => m[1]],
  [/^\[[\d-]+ [\d:,.]+\] ERROR in [\w.]+: (.*)$/, "flask", (m) => m[1]],
  // A format with logging's asctime ("2026-12-08 01:19:42,951"): the first level named is the
  // line's (Celery's "[… ,123: ERROR/ForkPoolWorker-1] …" too).
  [
    /^\[?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]?[^A-Za-z]*(?:(?!(?:DEBUG|INFO|WARNING|WARN|NOTICE)\b)[\w.]+[^A-Za-z]*)?(?:ERROR|CRITICAL|FATAL)\b(?:\/[\w.-]+)?[\]:\s-]*(.*)$/,
    "python",
    (m) => m[1],
  ],
  [/^(ERROR|CRITICAL|FATAL):([\w.-]*):(.*)$/, "python", (m) => `${m[2] || "root"}: ${m[3].trim()}`],
  [/^Internal Server Error: (\S.*)$/, "django", (m) => `Internal Server Error: ${m[1]}`],
  // gunicorn's "[2026-12-08 01:21:32 +0000] [28434] [ERROR] Error handling request /".
  [/^\[[\d-]+ [\d:]+ [+-]\d{4}\] \[\d+\] \[(?:ERROR|CRITICAL)\] (.*)$/, "gunicorn", (m) => m[1]],
];

const logLine: Rule = {
  name: "python-log",
  blanks: 0,
  start(plain) {
    for (const [re, tool, message] of LOG_LINES) {
      const m = plain.match(re);
      if (m) return { tool, kind: "runtime", message: message(m) };
    }
    return null;
  },
  next: (plain, d) => tracebackNext(plain, d),
  finish(d) {
    const head = d.state.head ??= d.error.message;
    tracebackFinish(d);
    if (d.error.message !== head) d.error.message = `${head} (${d.error.message})`;
  },
};

/** unittest's (and Django's test runner's) "FAIL: test_x (module.Class.test_x)" and its traceback. */
const unittest: Rule = {
  name: "unittest",
  start(plain) {
    const m = plain.match(/^(FAIL|ERROR): (\w+) \(([\w.]+)\)/);
    return m && { tool: "unittest", kind: "test", message: `${m[2]} (${m[3]})` };
  },
  next(plain, d) {
    if (lines(d).length === 1 && /^-{20,}$/.test(plain)) return "take";
    return tracebackNext(plain, d);
  },
  finish(d) {
    const head = d.state.head ??= d.error.message;
    tracebackFinish(d);
    if (d.error.message !== head) d.error.message = `${head}: ${d.error.message}`;
  },
};

// ---------------------------------------------------------------- pytest

/** "___ test_total_with_discount ___", "___ ERROR collecting test_cart.py ___", "___ Class.test ___". */
const SECTION = /^_{2,} (\S.*?) _{2,}$/;
/** pytest's location lines: "test_cart.py:10: AssertionError", "cart.py:7: in average". */
const PYTEST_AT = /^([^\s:][^:]*\.py):(\d+): (.*)$/;

/** Lines only a pytest report's failure sections have. */
const PYTEST_PART = /^={3,} (FAILURES|ERRORS) ={3,}$|^E {3}|^([^\s:][^:]*\.py):(\d+): /;

const pytest: Rule = {
  name: "pytest",
  blanks: 3,
  start(plain, recent) {
    const m = plain.match(SECTION);
    if (!m) return null;
    // Only in the FAILURES / ERRORS parts of a pytest report (or after an earlier section).
    if (!recent.some((l) => PYTEST_PART.test(l.plain))) return null;
    // The captured-output sub-sections are dashes, not underscores: any "_ x _" is a test.
    return { tool: "pytest", kind: "test", message: m[1] };
  },
  next: (plain) => /^={3,}|^_{2,} \S.*? _{2,}$/.test(plain) ? "stop" : "take",
  finish(d) {
    const name = lines(d)[0].match(SECTION)![1];
    const err = lines(d).find((l) => /^E\s{2,}\S/.test(l))?.replace(/^E\s+/, "");
    d.error.message = err ? `${name}: ${err}` : name;
    const spots = lines(d).map((l) => l.match(PYTEST_AT)).filter((m) => m !== null);
    const own = spots.findLast((m) => ownFile(m[1])) ?? spots.at(-1);
    if (own) locate(d, own[1], own[2]);
  },
};

/**
 * The short summary's "FAILED test_cart.py::test_x - assert 10 == 15" when
 * no failure section came before it (--tb=no, -q --tb=line): the only report.
 */
const pytestSummary: Rule = {
  name: "pytest-summary",
  start(plain, recent) {
    const m = plain.match(/^(FAILED|ERROR) ([^\s:]+\.py)(::\S+)?(?: - (.*))?$/);
    if (!m || recent.some((l) => SECTION.test(l.plain))) return null;
    // --tb=line printed "/abs/test_cart.py:5: assert 10 == 11" for it above.
    const spot = m[4] === undefined ? undefined : recent.map((l) => l.plain.match(PYTEST_AT))
      .find((a) => a && a[3] === m[4]);
    return {
      tool: "pytest",
      kind: "test",
      message: `${m[2]}${m[3] ?? ""}${m[4] ? ` - ${m[4]}` : ""}`,
      file: spot?.[1] ?? m[2],
      line: spot ? Number(spot[2]) : null,
    };
  },
  next: () => "stop",
};

// ------------------------------------------------------ type checkers, linters

/** mypy's "app.py:5: error: Incompatible types …  [assignment]"; pyright's "  /abs/app.py:5:18 - error: …". */
const typeCheck: Rule = {
  name: "mypy",
  start(plain) {
    const m = plain.match(/^(\S+\.pyi?):(\d+)(?::(\d+))?: error: (.+?)$/);
    if (m) {
      return at("mypy", "compile", m[4], m[1], m[2], m[3]);
    }
    const p = plain.match(/^\s+(\S+\.pyi?):(\d+):(\d+) - error: (.+)$/);
    return p && at("pyright", "compile", p[4], p[1], p[2], p[3]);
  },
  // mypy's notes about the same error; pyright's indented elaboration.
  next: (plain, d) =>
    d.error.tool === "mypy"
      ? (/^\S+\.pyi?:\d+(:\d+)?: note: /.test(plain) ? "take" : "stop")
      : (/^\s{4,}\S/.test(plain) && !/ - (error|warning|information): /.test(plain)
        ? "take"
        : "stop"),
};

/** A linter code: ruff's and flake8's "F401", pylint's "W0611". */
const CODE = /^([A-Z]{1,3}\d{2,4})(:?) (?:\[\*\] )?(.+)$/;

/**
 * "app.py:1:8: F401 [*] `os` imported but unused" (ruff concise, flake8,
 * pycodestyle; pylint adds a colon: "W0611: Unused import os (unused-import)").
 */
const lintLine: Rule = {
  name: "python-lint",
  start(plain) {
    const m = plain.match(/^(\S+\.pyi?):(\d+):(\d+): (.+)$/);
    const code = m?.[4].match(CODE);
    if (!m || !code) return null;
    const tool = code[2] ? "pylint" : /\[\*\]/.test(m[4]) ? "ruff" : "flake8";
    return {
      tool,
      kind: "lint",
      message: `${code[1]} ${code[3]}`,
      file: m[1],
      line: Number(m[2]),
      column: Number(m[3]),
    };
  },
  // ruff's full format adds a code frame.
  next(plain, d) {
    if (/^\s*(\d+\s*)?\||^\s*= help: |^help: /.test(plain)) {
      d.error.tool = "ruff";
      return "take";
    }
    return "stop";
  },
};

/** ruff's full format: "F401 [*] `os` imported but unused", then " --> app.py:1:8" and a code frame. */
const ruffFull: Rule = {
  name: "ruff",
  blanks: 1,
  start(plain, recent) {
    const arrow = plain.match(/^\s*--> (\S+?):(\d+):(\d+)$/);
    const head = recent.at(-1);
    const code = head?.plain.match(CODE);
    if (!arrow || !head || !code || code[2]) return null;
    return {
      ...at("ruff", "lint", `${code[1]} ${code[3]}`, arrow[1], arrow[2], arrow[3]),
      prelude: [head],
    };
  },
  next: (plain) =>
    /^\s*(\d+\s*)?[|:]|^\s*[-+~]\s|^\s*= |^(help|note|info): /.test(plain) && !CODE.test(plain)
      ? "take"
      : "stop",
};

/**
 * A server that cannot start: Django's management commands print "Error: …"
 * ("Error: That port is already in use."); Werkzeug says "Address already in
 * use" then "Port 5000 is in use by another program. …".
 */
const serverStart: Rule = {
  name: "python-server-start",
  start(plain, recent) {
    const dj = plain.match(/^Error: (.+)$/);
    if (
      dj &&
      recent.some((l) =>
        /^(Performing system checks|Watching for file changes with|Django version )/.test(l.plain)
      )
    ) {
      return { tool: "django", kind: "runtime", message: dj[1] };
    }
    const wz = plain.match(/^Port \d+ is in use by another program\..*$/);
    if (!wz) return null;
    const before = recent.at(-1);
    const prelude = before?.plain === "Address already in use" ? [before] : [];
    return { tool: "flask", kind: "runtime", message: wz[0], prelude };
  },
  next: () => "stop",
};

/**
 * pip's failures: "ERROR: Could not find a version that satisfies the requirement …"
 * and the "ERROR: …" lines right after it (one failure, said twice).
 */
const pip: Rule = {
  name: "pip",
  start(plain) {
    const m = plain.match(
      /^ERROR: ((?:Could not (?:find a version|install|open requirements file|build wheels)|No matching distribution|Failed (?:building wheel|to build)|Invalid requirement|Cannot install|ResolutionImpossible|pip's dependency resolver).*)$/,
    );
    return m && { tool: "pip", kind: "package-manager", message: m[1] };
  },
  next: (plain) => /^ERROR: /.test(plain) ? "take" : "stop",
};

export const family: Family = {
  name: "python",
  tools: [
    {
      tool: "python",
      kinds: ["compile", "runtime"],
      resolves:
        "a restart by its reloader (` * Restarting with …`, `Watching for file changes`, `Application startup complete.`)",
    },
    {
      tool: "pytest",
      kinds: ["test"],
      resolves: "a watcher's next session (`=== test session starts ===` … its summary)",
    },
    {
      tool: "unittest",
      kinds: ["test"],
      resolves: "nothing else: a one-shot, its next run",
    },
    {
      tool: "pip",
      kinds: ["package-manager"],
      resolves: "nothing else: a one-shot, its next run",
    },
    {
      tool: "mypy",
      kinds: ["compile"],
      resolves: "`Success: no issues found` (dmypy, a watcher)",
    },
    {
      tool: "pyright",
      kinds: ["compile"],
      resolves: "nothing else: a one-shot, its next run",
    },
    {
      tool: "ruff",
      kinds: ["lint"],
      resolves: "`All checks passed!` (ruff check --watch)",
    },
    {
      tool: "flake8",
      kinds: ["lint"],
      resolves: "nothing else: a one-shot, its next run",
    },
    {
      tool: "pylint",
      kinds: ["lint"],
      resolves: "nothing else: a one-shot, its next run",
    },
    {
      tool: "gunicorn",
      kinds: ["runtime"],
      resolves: "a worker booting again (`Booting worker with pid`, after --reload)",
    },
    {
      tool: "django",
      kinds: ["runtime"],
      resolves: "the autoreloader's restart (`Watching for file changes with …`)",
    },
    {
      tool: "flask",
      kinds: ["runtime"],
      resolves: "the reloader's restart (` * Restarting with stat`)",
    },
    {
      tool: "uvicorn",
      kinds: ["runtime"],
      resolves: "the next `Application startup complete.` (a --reload restart)",
    },
  ],
  rules: [
    traceback,
    pytest,
    pytestSummary,
    unittest,
    logLine,
    typeCheck,
    lintLine,
    ruffFull,
    pip,
    serverStart,
  ],
  mayStart:
    /^Traceback|^ {2}File "|^_{2,} |^(FAILED|ERROR) \S+\.py|^(ERROR|CRITICAL|FATAL|FAIL):|^\[?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}|^\[[\d-]+ [\d:,.]+\] ERROR in |^Internal Server Error: |^Error: |^Port \d+ is in use |^\[[\d-]+ [\d:]+ [+-]\d{4}\] \[\d+\] \[(ERROR|CRITICAL)\]|\.pyi?:\d+|^\s*--> /,
  signals: [
    [/^ \* Restarting with /, () => ({ type: "all" })],
    [/^Watching for file changes with \w+/, () => ({ type: "all" })],
    [/^INFO: +Application startup complete\.$/, () => ({ type: "all" })],
    [
      /^\[[\d-]+ [\d:]+ [+-]\d{4}\] \[\d+\] \[INFO\] Booting worker with pid/,
      () => ({ type: "all" }),
    ],
    [/^All checks passed!$/, () => ({ type: "tool", tool: "ruff" })],
    [/^Success: no issues found/, () => ({ type: "tool", tool: "mypy" })],
    [/^={3,} test session starts ={3,}$/, () => ({ type: "start", tool: "pytest" })],
    [
      /^={3,} (.*\b(?:passed|failed|errors?|skipped|no tests ran)\b.*) ={3,}$/,
      (m) => ({ type: "end", tool: "pytest", clean: !/\b(failed|errors?)\b/.test(m[1]) }),
    ],
  ],
  maySignal:
    /^ \*|^Watching |^INFO: |^={3,} |^\[[\d-]+ [\d:]+ [+-]\d{4}\] \[\d+\] \[INFO\] Booting|^All checks passed!$|^Success: /,
};
