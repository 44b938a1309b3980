// The supervision core against real child processes in throwaway projects:
// script loading, run states, process-group stops, log cursors and detection.

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadScripts, type ScriptInfo, stripJsonc } from "../instance/supervise/scripts.ts";
import {
  LINE_OVERHEAD,
  LogBuffer,
  SeqCounter,
  type Stream,
  stripAnsi,
} from "../instance/supervise/log_buffer.ts";
import { findUrls, RunDetector } from "../instance/detect/detector.ts";
import { Supervisor, type SupervisorEvent } from "../instance/supervise/supervisor.ts";

// ---------------------------------------------------------------- helpers

async function withProject(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "buzz-sup-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A supervisor over a temp dir, always stopped and cleaned up afterwards. */
async function withSupervisor(
  scripts: ScriptInfo[],
  fn: (sup: Supervisor, dir: string) => Promise<void>,
  opts: { graceMs?: number; logLines?: number; tty?: boolean; files?: Record<string, string> } = {},
): Promise<void> {
  await withProject(opts.files ?? {}, async (dir) => {
    // Plain pipes unless a test asks for a terminal: these tests look at stderr apart.
    const sup = new Supervisor(dir, scripts, { tty: false, ...opts });
    try {
      await fn(sup, dir);
    } finally {
      await sup.stopAll();
    }
  });
}

const sh = (name: string, body: string): ScriptInfo => ({
  name,
  command: body,
  source: "package.json",
  argv: ["sh", "-c", body],
  runner: "npm",
});

async function until<T>(what: string, fn: () => T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const v = fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True while the process exists and is not a zombie. */
function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    if (Deno.build.os === "linux") return false;
  }
  try {
    Deno.kill(pid, "SIGCONT"); // harmless probe where there is no /proc
    return true;
  } catch {
    return false;
  }
}

function texts(sup: Supervisor, processId: string, stream?: Stream): string[] {
  return sup.tail({ processId, stream, limit: 10_000 }).lines.map((l) => l.plain);
}

function detect(lines: (string | [Stream, string])[]): RunDetector {
  const buf = new LogBuffer(new SeqCounter());
  let ids = 0;
  const d = new RunDetector("t-1", () => ++ids);
  for (const l of lines) {
    const [stream, text] = typeof l === "string" ? ["stdout" as const, l] : l;
    d.feed(buf.push(stream, text));
  }
  d.flush();
  return d;
}

// ---------------------------------------------------------------- scripts.ts

Deno.test("loadScripts: package manager from packageManager field, lockfile, or npm", async () => {
  const pkg = (extra = {}) => JSON.stringify({ scripts: { dev: "vite", build: "tsc" }, ...extra });
  const cases: [Record<string, string>, string][] = [
    [{ "package.json": pkg() }, "npm"],
    [{ "package.json": pkg({ packageManager: "pnpm@9.1.0+sha512.abc" }) }, "pnpm"],
    [{ "package.json": pkg({ packageManager: "yarn@4.1.0" }), "package-lock.json": "{}" }, "yarn"],
    [{ "package.json": pkg(), "pnpm-lock.yaml": "" }, "pnpm"],
    [{ "package.json": pkg(), "yarn.lock": "" }, "yarn"],
    [{ "package.json": pkg(), "bun.lock": "" }, "bun"],
    [{ "package.json": pkg({ packageManager: "cnpm@1" }), "bun.lockb": "" }, "bun"],
  ];
  for (const [files, pm] of cases) {
    await withProject(files, async (dir) => {
      const scripts = await loadScripts(dir);
      assert.deepEqual(scripts, [
        {
          name: "dev",
          command: "vite",
          source: "package.json",
          argv: [pm, "run", "dev"],
          runner: pm,
        },
        {
          name: "build",
          command: "tsc",
          source: "package.json",
          argv: [pm, "run", "build"],
          runner: pm,
        },
      ], JSON.stringify(files));
    });
  }
});

Deno.test("loadScripts: deno.jsonc tasks, comments, trailing commas and name clashes", async () => {
  const jsonc = `{
    // a line comment with "quotes", and a trailing comma below
    "tasks": {
      "dev": "deno run -A main.ts // not a comment", /* block */
      "url": { "command": "echo http://x/*y*/, \\"ok,\\"", "description": "d", },
      "deps": { "dependencies": ["url"] },
    },
  }`;
  const files = { "package.json": '{"scripts":{"dev":"vite"}}', "deno.jsonc": jsonc };
  await withProject(files, async (dir) => {
    const deno = Deno.execPath();
    assert.deepEqual(await loadScripts(dir), [
      {
        name: "dev",
        command: "vite",
        source: "package.json",
        argv: ["npm", "run", "dev"],
        runner: "npm",
      },
      {
        name: "deno:dev",
        command: "deno run -A main.ts // not a comment",
        source: "deno.json",
        argv: [deno, "task", "dev"],
        runner: "deno",
      },
      {
        name: "url",
        command: 'echo http://x/*y*/, "ok,"',
        source: "deno.json",
        argv: [deno, "task", "url"],
        runner: "deno",
      },
      {
        name: "deps",
        command: "",
        source: "deno.json",
        argv: [deno, "task", "deps"],
        runner: "deno",
      },
    ]);
  });
});

Deno.test("loadScripts: missing files give nothing, malformed ones name the file", async () => {
  await withProject({}, async (dir) => assert.deepEqual(await loadScripts(dir), []));
  const bad: [Record<string, string>, RegExp][] = [
    [{ "package.json": "{ nope" }, /package\.json: invalid JSON/],
    [{ "package.json": '{"scripts": []}' }, /package\.json: "scripts" must be an object/],
    [{ "package.json": '{"scripts": {"a": 1}}' }, /package\.json: script "a" must be a string/],
    [{ "deno.jsonc": '{"tasks": {"a": }}' }, /deno\.jsonc: invalid JSON/],
    [{ "deno.json": '{"tasks": {"a": {"command": 2}}}' }, /deno\.json: task "a" must be/],
    [{ "deno.json": "[]" }, /deno\.json: expected a JSON object/],
  ];
  for (const [files, message] of bad) {
    await withProject(files, async (dir) => {
      await assert.rejects(loadScripts(dir), message);
    });
  }
});

Deno.test("stripJsonc keeps strings and positions intact", () => {
  const src = '{"a": "//x", /* c */ "b": [1, 2,], // end\n "c": "\\"/*"}';
  const out = stripJsonc(src);
  assert.equal(out.length, src.length);
  assert.deepEqual(JSON.parse(out), { a: "//x", b: [1, 2], c: '"/*' });
});

// ---------------------------------------------------------------- log_buffer.ts

Deno.test("LogBuffer: bounded ring with a shared sequence", () => {
  const counter = new SeqCounter();
  const a = new LogBuffer(counter, 3);
  const b = new LogBuffer(counter, 3);
  for (let i = 1; i <= 5; i++) {
    a.push("stdout", `a${i}`);
    b.push(i % 2 ? "stderr" : "stdout", `b${i}`);
  }
  assert.equal(counter.current, 10);
  assert.deepEqual(a.lines().map((l) => l.text), ["a3", "a4", "a5"]);
  assert.deepEqual(a.lines().map((l) => l.seq), [5, 7, 9]);
  assert.equal(a.size, 3);
  assert.equal(a.dropped, 2);
  assert.equal(a.firstSeq, 5);
  assert.equal(a.lastSeq, 9);
  assert.deepEqual(a.since(5, 10).map((l) => l.text), ["a4", "a5"]);
  assert.deepEqual(a.since(0, 1).map((l) => l.text), ["a3"]);
  assert.deepEqual(a.last(2).map((l) => l.text), ["a4", "a5"]);
  assert.deepEqual(b.last(5, "stderr").map((l) => l.text), ["b3", "b5"]);
  assert.deepEqual(new LogBuffer(counter).lines(), []);
  assert.equal(new LogBuffer(counter).lastSeq, 0);
});

Deno.test("LogBuffer: bounded by bytes across sealed blocks; plain and streams survive", () => {
  const counter = new SeqCounter();
  const other = new LogBuffer(counter);
  const buf = new LogBuffer(counter, Infinity, 100 * (10 + LINE_OVERHEAD));
  const text = (i: number) => (i % 3 ? `line ${i}`.padEnd(10, ".") : `\x1b[31m${i}\x1b[0m`);
  // More lines than a block holds, interleaved with another run's, so seqs have gaps.
  for (let i = 0; i < 5000; i++) {
    buf.push(i % 2 ? "stderr" : "stdout", text(i));
    other.push("stdout", "x");
  }
  assert.ok(buf.bytes <= buf.maxBytes, `${buf.bytes} > ${buf.maxBytes}`);
  assert.ok(buf.size > 50 && buf.size < 100);
  assert.equal(buf.dropped + buf.size, 5000);
  const all = buf.lines();
  assert.equal(all.length, buf.size);
  assert.equal(all.at(-1)!.text, text(4999));
  assert.equal(all[0].seq, buf.firstSeq);
  assert.equal(all.at(-1)!.seq, buf.lastSeq);
  for (const l of all) {
    const i = (l.seq - 1) / 2;
    assert.equal(l.text, text(i));
    assert.equal(l.plain, stripAnsi(text(i)));
    assert.equal(l.stream, i % 2 ? "stderr" : "stdout");
  }
  assert.deepEqual(
    buf.since(all[10].seq, 3).map((l) => l.seq),
    all.slice(11, 14).map((l) => l.seq),
  );
  assert.deepEqual(buf.since(all[10].seq + 1, 1)[0].seq, all[11].seq);
  assert.deepEqual(buf.since(buf.lastSeq), []);
  assert.deepEqual(buf.last(2, "stdout").map((l) => l.text), [text(4996), text(4998)]);
  // Shrinking the budget (a finished run losing its share) drops the oldest; the newest stays.
  buf.maxBytes = 0;
  buf.trim();
  assert.deepEqual(buf.lines().map((l) => l.text), [text(4999)]);
});

Deno.test("Supervisor: finished runs share one log budget; the newest keep theirs", async () => {
  const scripts = [sh("a", "seq 1 2000"), sh("b", "seq 1 2000")];
  const budget = 2000 * (5 + LINE_OVERHEAD);
  await withProject({}, async (dir) => {
    const sup = new Supervisor(dir, scripts, { tty: false, finishedLogBytes: budget });
    try {
      for (const name of ["a", "b", "a"]) {
        const { run } = await sup.start(name);
        await sup.waitForExit(run.process_id);
      }
      const count = (id: string) => sup.tail({ processId: id, sinceSeq: 0, limit: 5000 }).lines;
      assert.equal(count("a-2").length, 2000);
      assert.ok(count("b-1").length < 2000);
      assert.equal(count("a-1").length, 1);
      assert.equal(count("a-1")[0].text, "2000");
    } finally {
      await sup.stopAll();
    }
  });
});

Deno.test("stripAnsi removes colours, OSC links and cursor moves", () => {
  assert.equal(stripAnsi("\x1b[1m\x1b[31merror\x1b[0m: x"), "error: x");
  assert.equal(stripAnsi("\x1b]8;;http://a\x07link\x1b]8;;\x07 done"), "link done");
  // Erasing the line and returning to column 1 leaves only what follows, as on a terminal.
  assert.equal(stripAnsi("link \x1b[2K\x1b[1Gdone"), "done");
  assert.equal(stripAnsi("plain"), "plain");
});

// ---------------------------------------------------------------- detect.ts

Deno.test("findUrls: local dev-server forms, trailing punctuation, no doc links", () => {
  assert.deepEqual(findUrls("  ➜  Local:   http://localhost:5173/"), ["http://localhost:5173/"]);
  assert.deepEqual(findUrls("Local:   http://127.0.0.1:3000."), ["http://127.0.0.1:3000"]);
  assert.deepEqual(findUrls("listening on http://0.0.0.0:8080, ok"), ["http://0.0.0.0:8080"]);
  assert.deepEqual(findUrls("at (http://[::1]:4000/api)"), ["http://[::1]:4000/api"]);
  assert.deepEqual(findUrls("https://app.localhost and https://my.dev:8443/x?y=1"), [
    "https://app.localhost",
    "https://my.dev:8443/x?y=1",
  ]);
  assert.deepEqual(findUrls("see https://nextjs.org/docs for help"), []);
});

Deno.test("RunDetector: URLs are reported once per run, ANSI stripped", () => {
  const d = detect([
    "  ➜  Local:   \x1b[36mhttp://localhost:\x1b[1m5173\x1b[22m/\x1b[39m",
    "Local: http://localhost:5173/",
    "Network: http://192.168.1.4:5173/",
  ]);
  assert.deepEqual(d.urls, ["http://localhost:5173/", "http://192.168.1.4:5173/"]);
});

Deno.test("RunDetector: a stack trace is one error, Node's prelude included", () => {
  const d = detect([
    ["stdout", "starting"],
    ["stderr", "/srv/api/config.js:12"],
    ["stderr", "  return cfg.port;"],
    ["stderr", "             ^"],
    ["stderr", ""],
    ["stderr", "TypeError: Cannot read properties of undefined (reading 'port')"],
    ["stdout", "interleaved stdout line"],
    ["stderr", "    at loadConfig (/srv/api/config.js:12:19)"],
    ["stderr", "    at main (/srv/api/index.js:4:3) {"],
    ["stderr", "  code: 'E_CONFIG'"],
    ["stderr", "}"],
    ["stderr", ""],
    ["stderr", "Node.js v20.20.2"],
    ["stderr", "Error: boom"],
    ["stderr", "    at boom (/srv/api/boom.js:1:7)"],
    // A headline without its stack is a log line, not an error.
    ["stdout", "Error: not found (logged on purpose)"],
  ]);
  assert.equal(d.errors.length, 2);
  const [e, boom] = d.errors;
  assert.equal(e.tool, "node");
  assert.equal(e.message, "TypeError: Cannot read properties of undefined (reading 'port')");
  assert.deepEqual([e.file, e.line, e.column], ["/srv/api/config.js", 12, 19]);
  assert.equal(e.seq, 2);
  assert.equal(e.last_seq, 11);
  assert.deepEqual(e.lines, [
    "/srv/api/config.js:12",
    "  return cfg.port;",
    "             ^",
    "",
    "TypeError: Cannot read properties of undefined (reading 'port')",
    "    at loadConfig (/srv/api/config.js:12:19)",
    "    at main (/srv/api/index.js:4:3) {",
    "  code: 'E_CONFIG'",
    "}",
  ]);
  assert.deepEqual([boom.tool, boom.message, boom.lines.length], ["node", "Error: boom", 2]);
  assert.equal(boom.id, e.id + 1);
});

Deno.test("RunDetector: TypeScript diagnostics in tsc and deno formats", () => {
  const d = detect([
    "src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.",
    "src/b.ts:7:1 - error TS2345: Argument of type 'X' is not assignable to parameter of type 'Y'.",
    "  Types of property 'id' are incompatible.",
    "",
    "7 f(x);",
    "  ~",
    "Found 2 errors in 2 files.",
    "\x1b[1mTS2322 \x1b[0m[ERROR]: Type 'string' is not assignable to type 'number'.",
    'const x: number = "a";',
    "      ^",
    "    at file:///tmp/a.ts:1:7",
    "",
    "error: Type checking failed.",
  ]);
  // "error: Type checking failed." only sums up the diagnostics above it.
  assert.deepEqual(d.errors.map((e) => [e.tool, e.lines.length]), [
    ["tsc", 1],
    ["tsc", 5],
    ["deno", 4],
  ]);
  assert.equal(d.errors[1].lines[1], "  Types of property 'id' are incompatible.");
  assert.equal(d.errors[2].message, "TS2322: Type 'string' is not assignable to type 'number'.");
});

Deno.test("RunDetector: npm errors group; uncaught and deno errors with frames", () => {
  const d = detect([
    "npm warn Unknown user config",
    'npm error Missing script: "nope"',
    "npm error",
    "npm error To see a list of scripts, run:",
    "npm ERR! code ELIFECYCLE",
    "> next line",
    "error: Uncaught (in promise) TypeError: boom",
    'throw new TypeError("boom")',
    "      ^",
    "    at file:///tmp/b.ts:1:7",
    "Watcher Process failed. Restarting on file change...",
    "process.on uncaughtException: bad",
    "(node:12) UnhandledPromiseRejectionWarning: Unhandled promise rejection.",
    'error: Module not found "file:///tmp/nope.ts".',
    "    at file:///tmp/d.ts:1:8",
  ]);
  // "process.on uncaughtException: bad" is a log line, not an error.
  assert.deepEqual(d.errors.map((e) => [e.tool, e.lines.length]), [
    ["npm", 4],
    ["deno", 4],
    ["node", 1],
    ["deno", 2],
  ]);
  assert.equal(d.errors[0].message, 'Missing script: "nope"');
});

Deno.test("RunDetector: no false positives on ordinary lines", () => {
  const d = detect([
    "Found 0 errors. Watching for file changes.",
    "no errors found",
    "errorHandler registered",
    "[info] errors: 0, warnings: 2",
    "GET /api/error 200",
    "uncaught exceptions so far: none",
    "ErrorBoundary mounted",
  ]);
  assert.deepEqual(d.errors, []);
});

// ---------------------------------------------------------------- supervisor.ts

const PACKAGE = {
  "package.json": JSON.stringify({
    scripts: {
      dev: "node dev.js",
      crash: "node crash.js",
      spawner: "sh -c 'sleep 300 & echo grandchild $!; wait'",
      ok: "node -e \"console.log('all good')\"",
    },
  }),
  "dev.js": `console.log("  VITE v5.0.0  ready in 120 ms");
console.log("  \\x1b[32m➜\\x1b[39m  Local:   \\x1b[36mhttp://localhost:\\x1b[1m5173\\x1b[22m/\\x1b[39m");
console.log("  ➜  Local:   http://localhost:5173/");
setInterval(() => {}, 1000);`,
  "crash.js": `console.log("starting the API");
console.error("TypeError: Cannot read properties of undefined (reading 'port')");
console.error("    at loadConfig (/srv/api/config.js:12:19)");
console.error("    at main (/srv/api/index.js:4:3)");
process.exit(1);`,
};

Deno.test("Supervisor: npm scripts through their states, URLs, errors and events", async () => {
  await withProject(PACKAGE, async (dir) => {
    const sup = new Supervisor(dir, await loadScripts(dir), { graceMs: 2000 });
    const events: SupervisorEvent[] = [];
    const unsubscribe = sup.onChange((ev) => events.push(ev));
    try {
      await assert.rejects(sup.start("nope"), /Unknown script "nope". Known scripts: dev, crash/);
      await assert.rejects(sup.stop("nope-1"), /Unknown process_id "nope-1"/);

      const { run: dev } = await sup.start("dev");
      const { run: crash } = await sup.start("crash");
      const { run: ok } = await sup.start("ok");
      assert.equal(dev.process_id, "dev-1");
      assert.equal(dev.command, "npm run dev");
      assert.equal(dev.state, "running");
      assert.ok(dev.pid > 0);

      await until("dev's URL", () => sup.get("dev-1")!.urls.length);
      const finished = await Promise.all([sup.waitForExit("crash-1"), sup.waitForExit("ok-1")]);
      assert.deepEqual(finished.map((r) => [r!.state, r!.exit_code, r!.signal]), [
        ["failed", 1, null],
        ["exited", 0, null],
      ]);
      assert.ok(finished[0]!.ended_at);
      assert.ok(texts(sup, ok.process_id).includes("all good"));
      assert.deepEqual(sup.get("dev-1")!.urls, ["http://localhost:5173/"]);
      assert.deepEqual(sup.urls().find((u) => u.process_id === "dev-1")?.urls, [
        "http://localhost:5173/",
      ]);

      // Some npm versions add their own "npm error" lines; the stack is what matters here.
      const errors = sup.errors({ processId: crash.process_id }).filter((e) => e.tool === "node");
      assert.equal(errors.length, 1);
      assert.equal(errors[0].tool, "node");
      assert.equal(
        errors[0].message,
        "TypeError: Cannot read properties of undefined (reading 'port')",
      );
      assert.equal(errors[0].lines.length, 3);
      assert.ok(texts(sup, crash.process_id, "stderr").every((l) => !l.includes("starting")));

      const again = await sup.start("dev");
      assert.deepEqual([again.alreadyRunning, again.run.process_id], [true, "dev-1"]);
      const stopped = await sup.stop("dev-1");
      assert.equal(stopped.state, "stopped");
      assert.deepEqual(await sup.stop("dev-1"), stopped, "stopping a finished run changes nothing");

      const kinds = (id: string) =>
        events.filter((e) =>
          ("run" in e ? e.run.process_id : "processId" in e ? e.processId : null) === id
        ).map((e) => e.type);
      const devEvents = kinds("dev-1");
      assert.equal(devEvents[0], "started");
      assert.equal(devEvents.at(-1), "exited");
      assert.equal(devEvents.filter((t) => t === "url").length, 1);
      assert.ok(kinds("crash-1").includes("error"));
    } finally {
      unsubscribe();
      await sup.stopAll();
    }
  });
});

Deno.test("Supervisor: stop kills the whole process group, grandchildren included", async () => {
  await withProject(PACKAGE, async (dir) => {
    const sup = new Supervisor(dir, await loadScripts(dir));
    try {
      const { run } = await sup.start("spawner");
      const line = await until(
        "the grandchild's pid",
        () => texts(sup, run.process_id).find((l) => l.startsWith("grandchild ")),
      );
      const grandchild = Number(line.split(" ")[1]);
      assert.ok(pidAlive(grandchild));
      const stopped = await sup.stop(run.process_id);
      assert.equal(stopped.state, "stopped");
      assert.equal(pidAlive(grandchild), false);
    } finally {
      await sup.stopAll();
    }
  });
});

Deno.test("Supervisor: SIGKILL after the grace period reaches children ignoring SIGTERM", async () => {
  const stubborn = sh("stubborn", `trap '' TERM; sleep 300 & echo grandchild $!; wait`);
  await withSupervisor([stubborn], async (sup) => {
    const { run } = await sup.start("stubborn");
    const line = await until(
      "the grandchild's pid",
      () => texts(sup, run.process_id).find((l) => l.startsWith("grandchild ")),
    );
    const started = Date.now();
    const stopped = await sup.stop(run.process_id);
    assert.ok(Date.now() - started >= 250, "waited for the grace period");
    assert.deepEqual([stopped.state, stopped.signal], ["stopped", "SIGKILL"]);
    assert.equal(pidAlive(Number(line.split(" ")[1])), false);
  }, { graceMs: 300 });
});

Deno.test("Supervisor: restart, exit codes, foreign signals and spawn failures", async () => {
  const scripts = [
    sh("server", "echo up; exec sleep 300"),
    sh("three", "exit 3"),
    sh("killed", "kill -9 $$"),
    {
      name: "ghost",
      command: "x",
      source: "package.json" as const,
      argv: ["/nonexistent/buzz-ghost"],
      runner: "npm" as const,
    },
  ];
  await withSupervisor(scripts, async (sup) => {
    const first = (await sup.start("server")).run;
    const restarted = await sup.start("server", { restart: true });
    assert.equal(restarted.alreadyRunning, false);
    assert.equal(restarted.run.process_id, "server-2");
    assert.equal(sup.get("server-1")!.state, "stopped");
    assert.notEqual(restarted.run.pid, first.pid);
    assert.equal(sup.get("server-2")!.state, "running");

    await sup.start("three");
    await sup.start("killed");
    assert.deepEqual(await sup.waitForExit("three-1").then((r) => [r!.state, r!.exit_code]), [
      "failed",
      3,
    ]);
    const killed = (await sup.waitForExit("killed-1"))!;
    assert.deepEqual([killed.state, killed.exit_code, killed.signal], ["failed", null, "SIGKILL"]);

    // A program that is not there is refused by name, before any run exists.
    await assert.rejects(sup.start("ghost"), /buzz-ghost is not installed \(not found on PATH\)/);

    await sup.stopAll();
    assert.deepEqual(sup.runs().map((r) => [r.process_id, r.state]), [
      ["server-1", "stopped"],
      ["server-2", "stopped"],
      ["three-1", "failed"],
      ["killed-1", "failed"],
    ]);
  });
});

Deno.test("Supervisor: following with since_seq misses and repeats nothing, across runs", async () => {
  const burst = (tag: string) =>
    sh(
      tag,
      `i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo "${tag} $i"; ` +
        `[ $((i % 40)) -eq 0 ] && sleep 0.02; done; printf "${tag} end"`,
    );
  await withSupervisor([burst("a"), burst("b")], async (sup) => {
    await sup.start("a");
    await sup.start("b");
    const seen: { process_id: string; seq: number; plain: string }[] = [];
    let cursor = 0;
    const poll = () => {
      const { lines, next_seq } = sup.tail({ sinceSeq: cursor, limit: 7 });
      seen.push(...lines);
      cursor = next_seq;
      return lines.length;
    };
    while (sup.runs().some((r) => r.state === "running")) {
      poll();
      await new Promise((r) => setTimeout(r, 1));
    }
    while (poll());
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].seq > seen[i - 1].seq);
    for (const tag of ["a", "b"]) {
      const mine = seen.filter((l) => l.process_id === `${tag}-1`).map((l) => l.plain);
      const expected = Array.from({ length: 300 }, (_, i) => `${tag} ${i + 1}`);
      assert.deepEqual(mine, [...expected, `${tag} end`], "trailing partial line kept too");
    }
    assert.deepEqual(sup.tail({ sinceSeq: cursor }), { lines: [], next_seq: cursor });

    const latest = sup.tail({ limit: 3 });
    assert.deepEqual(latest.lines.map((l) => l.seq), [cursor - 2, cursor - 1, cursor]);
    assert.equal(latest.next_seq, cursor);
  });
});

Deno.test("Supervisor: the log buffer is bounded; streams, search and CRLF", async () => {
  const scripts = [
    sh("many", "seq 1 500"),
    sh(
      "mixed",
      `printf 'out one\\r\\nout two\\n'; echo 'Err Three' >&2; echo '\x1b[31mred\x1b[0m'`,
    ),
  ];
  await withSupervisor(scripts, async (sup) => {
    await sup.start("many");
    await sup.start("mixed");
    await sup.waitForExit("many-1");
    await sup.waitForExit("mixed-1");
    const many = sup.tail({ processId: "many-1", limit: 1000 }).lines;
    assert.deepEqual(
      many.map((l) => l.text),
      Array.from({ length: 50 }, (_, i) => String(451 + i)),
    );
    assert.equal(sup.tail({ processId: "many-1", sinceSeq: 0, limit: 1000 }).lines.length, 50);

    assert.deepEqual(texts(sup, "mixed-1", "stdout"), ["out one", "out two", "red"]);
    assert.deepEqual(texts(sup, "mixed-1", "stderr"), ["Err Three"]);
    const red = sup.tail({ processId: "mixed-1" }).lines.find((l) => l.plain === "red")!;
    assert.equal(red.text, "\x1b[31mred\x1b[0m");

    assert.deepEqual(sup.search({ query: "err three" }).map((l) => l.process_id), ["mixed-1"]);
    assert.deepEqual(sup.search({ query: "^out (one|two)$", regex: true }).map((l) => l.plain), [
      "out one",
      "out two",
    ]);
    assert.deepEqual(sup.search({ query: "red", processId: "many-1" }), []);
    assert.deepEqual(sup.search({ query: "49", limit: 2 }).map((l) => l.plain), ["498", "499"]);
    assert.throws(() => sup.search({ query: "(", regex: true }), /Invalid regular expression "\("/);
    assert.throws(() => sup.tail({ processId: "zzz-1" }), /Unknown process_id "zzz-1"/);
  }, { logLines: 50 });
});

Deno.test("Supervisor: deno tasks run through deno task", async () => {
  const files = { "deno.jsonc": '{ "tasks": { "hello": "echo hello from deno", } }' };
  await withProject(files, async (dir) => {
    const sup = new Supervisor(dir, await loadScripts(dir));
    try {
      const { run } = await sup.start("hello");
      assert.equal(run.command, `${Deno.execPath()} task hello`);
      const done = (await sup.waitForExit(run.process_id))!;
      assert.equal(done.state, "exited");
      assert.ok(texts(sup, run.process_id).includes("hello from deno"));
    } finally {
      await sup.stopAll();
    }
  });
});
