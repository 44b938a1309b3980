// The detector's building blocks on small inputs: per-process prefixes, the
// screen model that renders rewritten lines as a terminal shows them, and a
// failed run's own error. Real tool output is checked by tests/corpus_test.ts.

import * as assert from "node:assert/strict";
import { splitPrefix } from "../instance/detect/prefix.ts";
import { RunDetector } from "../instance/detect/detector.ts";
import { LineSplitter } from "../instance/supervise/lines.ts";
import { LogBuffer, SeqCounter } from "../instance/supervise/log_buffer.ts";

Deno.test("prefixes: runners' per-process prefixes are sources; tools' own tags are not", () => {
  const cases: [string, string | null][] = [
    ["[types] src/routes.ts(2,14): error TS2322: x", "types"],
    ["[0] listening", "0"],
    ["web:dev: ready on http://localhost:3000", "web:dev"],
    ["@repo/web:build: Error: x", "@repo/web:build"],
    ["packages/api dev: Error: boom", "packages/api dev"],
    ["web-1  | GET / 500", "web-1"],
    ["api_1   | Traceback (most recent call last):", "api_1"],
    ["[vite] hmr update /src/main.tsx", null],
    ["[nodemon] restarting due to changes...", null],
    ["[PARSE_ERROR] Expected `,`", null],
    ["[INFO] BUILD FAILURE", null],
    ["[ERROR] /src/App.java:[3,5] cannot find symbol", null],
    ["[1/4] Resolving packages...", null],
    ["[1:42:41 PM] Starting compilation", null],
    ["main.go:6:2: count declared and not used", null],
    ["./main.go:7:6: undefined: fmt.Printn", null],
    ["ERROR:root:Failed: x", null],
    ["Test Suites: 1 failed, 1 total", null],
    ["TypeError: Cannot read properties of undefined (reading 'x')", null],
    ["npm error code: E404", null],
    ["  ➜  Local:   http://localhost:5173/", null],
    ["test_cart.py:10: AssertionError", null],
  ];
  for (const [line, source] of cases) {
    assert.equal(splitPrefix(line)?.source ?? null, source, line);
  }
  assert.equal(splitPrefix("[types] Found 0 errors.")?.rest, "Found 0 errors.");
});

function lines(chunks: string[]): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

Deno.test("lines: what a terminal shows: CR CR LF keeps the text, cursor moves overwrite", () => {
  // turbo gives each task a terminal of its own: its lines end in \r\r\n.
  assert.deepEqual(lines(["web:dev: ready\r\r\n", "web:dev: on http://localhost:5461\r\r\n"]), [
    "web:dev: ready",
    "web:dev: on http://localhost:5461",
  ]);
  // jest --watchAll: the status block is erased (up, erase) and the result written over it.
  assert.deepEqual(
    lines([
      "\r\n\x1b[7m RUNS \x1b[27m ./sum.test.js\r\n\r\nTest Suites: 0 of 1 total\r\nTime: 0 s" +
      "\r\x1b[K\r\x1b[1A\r\x1b[K\r\x1b[1A\r\x1b[K\r\x1b[1A\r\x1b[K\r\x1b[1A" +
      "\x1b[7m FAIL \x1b[27m ./sum.test.js\r\n",
      "  ● sum › adds\r\n",
    ]),
    ["\x1b[7m FAIL \x1b[27m ./sum.test.js", "  ● sum › adds"],
  );
  // A spinner rewrites its line; a multi-line progress block moves up and rewrites its rows.
  assert.deepEqual(lines(["⠋ building\r⠙ building\r✓ built in 1s   \r\n"]), ["✓ built in 1s"]);
  assert.deepEqual(lines(["a 10%\r\nb 10%\r\n", "\x1b[2Aa 100%\r\nb 100%\r\n"]), [
    "a 10%",
    "b 10%",
    "a 100%",
    "b 100%",
  ]);
  assert.deepEqual(lines(["12345\x1b[3D\x1b[Kab\r\n", "x\bY\r\n"]), ["12ab", "Y"]);
});

function detect(text: string[]): RunDetector {
  const buf = new LogBuffer(new SeqCounter());
  let ids = 0;
  const d = new RunDetector("t-1", () => ++ids);
  for (const l of text) d.feed(buf.push("stdout", l));
  return d;
}

Deno.test("prefixes: a prefixed tool's error is resolved by its own success line only", () => {
  const d = detect([
    "[types] src/routes.ts(2,14): error TS2322: Type 'string' is not assignable to type 'number'.",
    "[types] 11:10:13 PM - Found 1 error. Watching for file changes.",
    "[other] 11:10:14 PM - Found 0 errors. Watching for file changes.",
  ]);
  const [e] = d.current();
  assert.equal(e.file, "src/routes.ts");
  assert.equal(e.source, "types");
  const fixed = detect([
    "[types] src/routes.ts(2,14): error TS2322: Type 'string' is not assignable to type 'number'.",
    "[types] 11:10:13 PM - File change detected. Starting incremental compilation...",
    "[types] 11:10:13 PM - Found 0 errors. Watching for file changes.",
  ]);
  assert.deepEqual(fixed.current(), []);
});

Deno.test("a failed run: its own error when nothing explains it, none when something does", () => {
  const plain = detect(["checking the schema", "schema drift: 2 unknown columns"]);
  const e = plain.failed(1, null, "npm run check")!;
  assert.equal(e.kind, "exit");
  assert.equal(e.message, "`npm run check` exited with code 1");
  assert.deepEqual(e.lines, ["checking the schema", "schema drift: 2 unknown columns"]);
  assert.equal(plain.current().length, 1);
  assert.match(detect([]).failed(null, "SIGSEGV", "node a.js")!.message, /killed by SIGSEGV/);
  const explained = detect(["src/a.ts(1,7): error TS2322: Type 'string' is not assignable."]);
  assert.equal(explained.failed(2, null, "tsc"), null);
  // A log line that merely looks like an error is not one without its stack.
  assert.deepEqual(detect(["Error: not found (expected in this test)", "done"]).current(), []);
});

Deno.test("a failed run's own error is located when its last lines name a project file", () => {
  const d = detect([
    "linting",
    "src/config.yml:7: unknown key 'port'",
    "http://example.com:3000 down",
  ]);
  const e = d.failed(1, null, "npm run check")!;
  assert.deepEqual([e.file, e.line], ["src/config.yml", 7]);
  const deps = detect(["at /app/node_modules/x/index.js:3:1"]).failed(1, null, "x")!;
  assert.equal(deps.file, null);
});

Deno.test("labels: nx's and lerna's 'project: ' streams become sources once seen a few times", () => {
  const d = detect([
    "api: > api@1.0.0 build",
    "api: > node build.js",
    "api: api building",
    "api: /srv/api/build.js:3",
    "api: c.x;",
    "api:   ^",
    "api: TypeError: Cannot read properties of undefined (reading 'x')",
    "api:     at Object.<anonymous> (/srv/api/build.js:3:3)",
    "note: this is not a source",
  ]);
  const [e] = d.current();
  assert.deepEqual([e.source, e.tool, e.file, e.line], ["api", "node", "/srv/api/build.js", 3]);
});

Deno.test("lines: an escape cut by a chunk's end, and an over-long rewritten line", () => {
  assert.deepEqual(lines(["a\x1b[3", "1mb\x1b[0m\r\n"]), ["a\x1b[31mb\x1b[0m"]);
  const [long] = lines(["\x1b[2K" + "x".repeat(40_000), "y".repeat(10_000) + "\r\n", "next\r\n"]);
  assert.match(long, /^x{16384} … \[33616 more characters skipped\]$/);
});

Deno.test("labels: exception classes and files repeated at line starts are not sources", () => {
  const npe = 'java.lang.NullPointerException: Cannot invoke "String.length()"';
  const d = detect([npe, "\tat com.acme.App.main(App.java:5)", npe, npe, npe]);
  assert.ok(d.current().every((e) => e.source === null));
});

Deno.test("lines: a spinner redrawn over its line leaves its last frame, once output pauses", () => {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  s.push("⠋ building\r\n");
  s.push("\x1b[2K\x1b[1A\x1b[2K\x1b[G⠙ building\r\n");
  s.push("\x1b[2K\x1b[1A\x1b[2K\x1b[G✔ built\r\n");
  assert.ok(s.holding);
  s.idle();
  s.push("ready on http://localhost:3000\r\n");
  s.end();
  assert.deepEqual(out, ["⠋ building", "✔ built", "ready on http://localhost:3000"]);
});
