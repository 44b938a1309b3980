// Supervision a developer can trust, against real processes: graceful group
// stops, terminals and input, args/env/.env, restarts, bounded memory, missing
// runners, linear-time regexes, and an instance that dies or is hung up.

import assert from "node:assert/strict";
import { join } from "node:path";
import { LineSplitter, MAX_LINE } from "../instance/supervise/lines.ts";
import { loadScripts, type ScriptInfo, watchScripts } from "../instance/supervise/scripts.ts";
import { Supervisor } from "../instance/supervise/supervisor.ts";
import { findExecutable } from "../instance/supervise/spawn.ts";
import {
  call,
  connectInstance,
  killProcessesIn,
  pidAlive,
  processesIn,
  sleep,
  startInstance,
  tempDir,
  until,
} from "./helpers.ts";

/** A project in a temp dir; whatever still runs in it is killed afterwards, pass or fail. */
async function withProject(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await tempDir("buzz-supervision-");
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, name), text);
    }
    await fn(dir);
  } finally {
    killProcessesIn(dir);
  }
}

async function withSupervisor(
  files: Record<string, string>,
  fn: (sup: Supervisor, dir: string) => Promise<void>,
  opts: ConstructorParameters<typeof Supervisor>[2] = {},
): Promise<void> {
  await withProject(files, async (dir) => {
    const sup = new Supervisor(dir, await loadScripts(dir), opts);
    try {
      await fn(sup, dir);
    } finally {
      await sup.stopAll();
    }
  });
}

const pkg = (scripts: Record<string, string>, extra = {}) =>
  JSON.stringify({ name: "t", private: true, scripts, ...extra });

function texts(sup: Supervisor, processId: string): string[] {
  return sup.tail({ processId, limit: 10_000 }).lines.map((l) => l.plain);
}

const exists = (file: string) => Deno.stat(file).then(() => true, () => false);

// ---------------------------------------------------------------- stopping

/** A server whose SIGTERM handler needs a second before it has flushed. */
const SLOW_FLUSH = `
const fs = require("fs");
process.on("SIGTERM", () => {
  console.log("flushing");
  setTimeout(() => { fs.writeFileSync("flushed.txt", "ok"); process.exit(0); }, 1000);
});
console.log("ready");
fs.writeFileSync("ready.txt", "");
setInterval(() => {}, 1000);
`;

for (const tty of [true, false]) {
  Deno.test(`stop: the grace period reaches the real app behind npm (tty: ${tty})`, async () => {
    const files = { "package.json": pkg({ serve: "node server.js" }), "server.js": SLOW_FLUSH };
    await withSupervisor(files, async (sup, dir) => {
      const { run } = await sup.start("serve", { tty });
      await until("ready", () => texts(sup, run.process_id).includes("ready"));
      const stopped = await sup.stop(run.process_id);
      assert.equal(stopped.state, "stopped");
      assert.equal(await Deno.readTextFile(join(dir, "flushed.txt")), "ok");
      assert.deepEqual(processesIn(dir), []);
    }, { graceMs: 5000 });
  });
}

Deno.test("instance: SIGHUP shuts down like SIGTERM, children and announcement gone", async () => {
  const files = { "package.json": pkg({ serve: "node server.js" }), "server.js": SLOW_FLUSH };
  await withProject(files, async (dir) => {
    const discovery = await tempDir("buzz-disc-");
    const inst = await startInstance({ project: dir, discoveryDir: discovery, args: ["serve"] });
    try {
      await until("the server", () => exists(join(dir, "ready.txt")));
      const status = await inst.stop("SIGHUP");
      assert.equal(status.code, 0, inst.stderr());
      assert.equal(await exists(inst.file), false, "the discovery file is removed");
      assert.equal(await exists(join(dir, "flushed.txt")), true, "the server got its grace");
      assert.deepEqual(processesIn(dir), []);
    } finally {
      await inst.stop("SIGKILL");
    }
  });
});

Deno.test("instance: SIGKILLed, it leaves no process behind (grandchildren, both modes)", async () => {
  // One script per mode; each has a grandchild that ignores SIGHUP, like a nohup'd watcher.
  const tree = "sh -c 'trap \"\" HUP; sleep 300 & sleep 300 & wait'";
  const files = { "package.json": pkg({ a: tree, b: tree }) };
  await withProject(files, async (dir) => {
    const discovery = await tempDir("buzz-disc-");
    const inst = await startInstance({ project: dir, discoveryDir: discovery, args: ["a", "b"] });
    try {
      await until("both trees", () => processesIn(dir).length >= 8);
      const before = processesIn(dir);
      await inst.stop("SIGKILL");
      // The guardians notice at once, SIGTERM, and SIGKILL a second later.
      await until("every process to be gone", () => processesIn(dir).length === 0, 2500);
      assert.ok(before.every((p) => !pidAlive(p)));
    } finally {
      await inst.stop("SIGKILL");
    }
  });
});

Deno.test("instance: a second one in the same directory is refused, unless told", async () => {
  await withProject({ "package.json": pkg({ idle: "sleep 300" }) }, async (dir) => {
    const discovery = await tempDir("buzz-disc-");
    const first = await startInstance({ project: dir, discoveryDir: discovery });
    try {
      const second = await startInstance({ project: dir, discoveryDir: discovery }).then(
        () => null,
        (e: Error) => e.message,
      );
      assert.ok(second, "the second instance must not start");
      const r = first.record;
      for (const part of [r.id, `pid ${r.pid}`, r.url, "--allow-duplicate"]) {
        assert.ok(second.includes(part), `the refusal names ${part}:\n${second}`);
      }
      const third = await startInstance({
        project: dir,
        discoveryDir: discovery,
        args: ["--allow-duplicate"],
      });
      assert.notEqual(third.record.id, r.id);
      assert.equal((await third.stop()).code, 0);
    } finally {
      await first.stop();
    }
  });
});

// ---------------------------------------------------------------- terminals

Deno.test("pty: the child sees a terminal and its width; pipes stay plain", async () => {
  const probe = "node -e \"console.log('tty=' + process.stdout.isTTY + ' cols=' + " +
    "process.stdout.columns); console.error('on stderr')\"";
  await withSupervisor({ "package.json": pkg({ probe }) }, async (sup) => {
    const { run: withTty } = await sup.start("probe");
    await sup.waitForExit(withTty.process_id);
    assert.equal(sup.get(withTty.process_id)!.tty, true);
    assert.ok(texts(sup, withTty.process_id).includes("tty=true cols=120"));
    const { run: piped } = await sup.start("probe", { tty: false });
    await sup.waitForExit(piped.process_id);
    const lines = sup.tail({ processId: piped.process_id }).lines;
    assert.ok(lines.some((l) => l.plain === "tty=undefined cols=undefined"));
    assert.ok(lines.some((l) => l.plain === "on stderr" && l.stream === "stderr"));
  });
});

Deno.test("pty: input reaches a prompt, key by key and line by line", async () => {
  const prompt = `
const rl = require("readline");
process.stdin.setRawMode(true);
rl.emitKeypressEvents(process.stdin);
console.log("press h to show help, q to quit");
process.stdin.on("keypress", (s) => {
  if (s === "h") console.log("HELP: r rerun, q quit");
  if (s === "q") { console.log("bye"); process.exit(0); }
});`;
  const files = { "package.json": pkg({ watch: "node prompt.js" }), "prompt.js": prompt };
  await withSupervisor(files, async (sup) => {
    const { run } = await sup.start("watch");
    await until(
      "the prompt",
      () => texts(sup, run.process_id).some((l) => l.startsWith("press h")),
    );
    sup.input(run.process_id, "h");
    await until("help", () => texts(sup, run.process_id).includes("HELP: r rerun, q quit"));
    sup.input(run.process_id, "q");
    const done = await sup.waitForExit(run.process_id);
    assert.deepEqual([done!.state, texts(sup, run.process_id).at(-1)], ["exited", "bye"]);
    assert.throws(() => sup.input(run.process_id, "h"), /exited; it takes no input/);
  });
  const lineFiles = {
    "package.json": pkg({ ask: "sh -c 'printf \"name? \"; read n; echo hi $n'" }),
  };
  await withSupervisor(lineFiles, async (sup) => {
    const { run } = await sup.start("ask");
    await until("the question", () => texts(sup, run.process_id).length > 2);
    sup.input(run.process_id, "bob\r");
    await sup.waitForExit(run.process_id);
    assert.ok(texts(sup, run.process_id).some((l) => l.endsWith("hi bob")));
    const { run: piped } = await sup.start("ask", { tty: false });
    assert.throws(
      () => sup.input(piped.process_id, "x"),
      /no input: it was started with tty: false/,
    );
  });
});

Deno.test("lines: carriage returns, cursor moves and clear-screen leave clean lines", () => {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  s.push("progress 10%\rprogress 50%\r");
  s.push("progress 100%\r\n");
  s.push("\x1b[2K\x1b[1Gbuilding…\x1b[2K\x1b[1Gbuilt in 12ms\n");
  s.push("\x1b[?25l\x1b[2J\x1b[3J\x1b[H\n"); // hide cursor, clear screen, home: no text
  s.push("\x1b[32m✓\x1b[39m 3 tests passed\x1b[K\n");
  s.push("\x1b]0;vitest\x07 RERUN  src/a.test.ts\n");
  s.push("\n");
  s.push("no newline at the end");
  s.end();
  assert.deepEqual(out, [
    "progress 100%",
    "built in 12ms",
    "\x1b[32m✓\x1b[39m 3 tests passed",
    " RERUN  src/a.test.ts",
    "",
    "no newline at the end",
  ]);
});

// ---------------------------------------------------------------- args, env, runners

Deno.test("run: args are appended, env and .env reach the script, sources reported", async () => {
  const files = {
    "package.json": pkg({ show: "node show.js" }),
    "show.js": "console.log(JSON.stringify([process.argv.slice(2), process.env.FROM_DOTENV, " +
      "process.env.QUOTED, process.env.FROM_RUN, process.env.BOTH, process.env.HOME === " +
      "process.env.ORIGINAL_HOME]))",
    ".env": 'FROM_DOTENV=dot\nQUOTED="a b # not a comment"\nBOTH=from-dotenv\n# comment\n' +
      `HOME=/not/the/real/home\nORIGINAL_HOME=${Deno.env.get("HOME")}\n`,
  };
  await withSupervisor(files, async (sup) => {
    const { run } = await sup.start("show", {
      args: ["--port", "3000", "two words"],
      env: { FROM_RUN: "run", BOTH: "from-run" },
    });
    assert.equal(run.command, "npm run show -- --port 3000 two words");
    await sup.waitForExit(run.process_id);
    const printed = texts(sup, run.process_id).find((l) => l.startsWith("[["));
    assert.deepEqual(JSON.parse(printed!), [
      ["--port", "3000", "two words"],
      "dot",
      "a b # not a comment",
      "run",
      "from-run",
      true, // the real environment wins over .env
    ]);
    assert.deepEqual(sup.get(run.process_id)!.env, {
      FROM_DOTENV: ".env",
      QUOTED: ".env",
      BOTH: "run",
      ORIGINAL_HOME: ".env",
      FROM_RUN: "run",
    });
  }, { tty: false });
});

Deno.test("run: a missing runner is refused by name, with how to get it", async () => {
  const files = {
    "package.json": pkg({ dev: "vite" }, { packageManager: "pnpm@9.1.0" }),
    "deno.json": '{ "tasks": { "t": "echo" } }',
  };
  await withProject(files, async (dir) => {
    const scripts = await loadScripts(dir);
    assert.deepEqual(scripts.map((s) => [s.name, s.runner]), [["dev", "pnpm"], ["t", "deno"]]);
    // A PATH without pnpm, whatever this machine has.
    const path = Deno.env.get("PATH")!;
    Deno.env.set("PATH", "/nonexistent-buzz-bin");
    try {
      const sup = new Supervisor(dir, scripts);
      await assert.rejects(
        sup.start("dev"),
        /Cannot run "dev": pnpm is not installed \(not found on PATH\)\. To get it, run `corepack enable`/,
      );
      assert.deepEqual(sup.runs(), []);
    } finally {
      Deno.env.set("PATH", path);
    }
  });
});

// ---------------------------------------------------------------- restarts

Deno.test("restart: a crashing script is restarted with backoff, up to the cap", async () => {
  const files = {
    "package.json": pkg({ crash: "node -e \"console.log('up'); process.exit(3)\"" }),
  };
  await withSupervisor(files, async (sup) => {
    const { run } = await sup.start("crash", { autoRestart: { max_restarts: 2, backoff_ms: 100 } });
    assert.deepEqual(run.auto_restart, { max_restarts: 2, backoff_ms: 100 });
    await until("the third run to fail", () => sup.get("crash-3")?.state === "failed");
    await sleep(600); // past the next backoff (400 ms): no fourth run
    const runs = sup.runs();
    assert.deepEqual(runs.map((r) => [r.process_id, r.state, r.attempt, r.started_by]), [
      ["crash-1", "failed", 1, "agent"],
      ["crash-2", "failed", 2, "restart"],
      ["crash-3", "failed", 3, "restart"],
    ]);
    const gap = (a: number, b: number) =>
      Date.parse(runs[b].started_at) - Date.parse(runs[a].ended_at!);
    assert.ok(gap(0, 1) >= 100 && gap(1, 2) >= 200, "the backoff doubles");
    assert.ok(
      texts(sup, "crash-3").includes("buzz: crashed 3 times in a row; not restarting again"),
    );

    // Off by default; a stop is not a crash and cancels a pending restart.
    const { run: plain } = await sup.start("crash");
    await sup.waitForExit(plain.process_id);
    await sleep(200);
    assert.equal(sup.runs().filter((r) => r.state === "running").length, 0);
  }, { tty: false });
});

Deno.test("scripts: editing package.json updates the list (watchFs)", async () => {
  await withProject({ "package.json": pkg({ a: "echo a" }) }, async (dir) => {
    const seen: string[][] = [];
    const watch = watchScripts(dir, (s: ScriptInfo[]) => seen.push(s.map((x) => x.name)));
    try {
      await sleep(100);
      await Deno.writeTextFile(join(dir, "package.json"), pkg({ a: "echo a", b: "echo b" }));
      await until("the new list", () => seen.at(-1)?.includes("b"));
      await Deno.writeTextFile(join(dir, "package.json"), "{ broken");
      await sleep(400);
      assert.deepEqual(seen.at(-1), ["a", "b"], "a broken file keeps the previous list");
    } finally {
      watch.close();
    }
  });
});

// ---------------------------------------------------------------- bounded memory

Deno.test("memory: finished runs are pruned, huge lines and binary output are bounded", async () => {
  const files = {
    "package.json": pkg({
      ok: "echo ok",
      huge: "node -e \"process.stdout.write('x'.repeat(50e6) + '\\nafter\\n')\"",
      binary: "head -c 3000000 /dev/urandom",
    }),
  };
  await withSupervisor(files, async (sup) => {
    for (let i = 0; i < 8; i++) {
      const { run } = await sup.start("ok");
      await sup.waitForExit(run.process_id);
    }
    // Give the last exit's bookkeeping a turn.
    await sleep(10);
    assert.deepEqual(sup.runs().map((r) => r.process_id), ["ok-4", "ok-5", "ok-6", "ok-7", "ok-8"]);

    const { run: huge } = await sup.start("huge", { tty: false });
    await sup.waitForExit(huge.process_id);
    const lines = texts(sup, huge.process_id).filter((l) => l && !l.startsWith(">"));
    assert.deepEqual(lines.length, 2);
    assert.ok(lines[0].startsWith("xxxx") && lines[0].length < MAX_LINE + 100);
    assert.match(lines[0], /… \[49983616 more characters skipped\]$/);
    assert.equal(lines[1], "after");

    for (const tty of [false, true]) {
      const { run } = await sup.start("binary", { tty });
      await sup.waitForExit(run.process_id);
      const bin = sup.tail({ processId: run.process_id, limit: 100_000 }).lines;
      assert.ok(bin.length > 0 && bin.every((l) => l.text.length < MAX_LINE + 100));
    }
  }, { keepFinished: 5 });
});

// ---------------------------------------------------------------- regexes

Deno.test("search: a catastrophic regex is linear-time; unsupported syntax is explained", async () => {
  await withSupervisor(
    { "package.json": pkg({ a: "echo aaaaaaaaaaaaaaaaaaaaaaaaaaaa!" }) },
    async (sup) => {
      const { run } = await sup.start("a");
      await sup.waitForExit(run.process_id);
      // On JavaScript's own engine this one line takes seconds; here a timer still fires on time.
      let ticked = false;
      setTimeout(() => ticked = true, 0);
      assert.deepEqual(sup.search({ query: "^(a+)+$", regex: true }), []);
      assert.deepEqual(sup.search({ query: "^(a+)+!$", regex: true }).length, 1);
      await sleep(1);
      assert.ok(ticked);
      assert.throws(
        () => sup.search({ query: "(a)\\1", regex: true }),
        /Invalid regular expression "\(a\)\\1": .*RE2 syntax/,
      );
    },
  );
});

// ---------------------------------------------------------------- over MCP

Deno.test("tools: args/env/input, runners, list_changed, isError answers, a slow regex", async () => {
  const files = {
    "package.json": pkg({
      show:
        "node -e \"console.log('args=' + process.argv.slice(1).join(',') + ' x=' + process.env.X)\"",
      menu: "node menu.js",
      crash: "exit 1",
      same: "echo aaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
    }),
    "menu.js": `require("readline").emitKeypressEvents(process.stdin);
process.stdin.setRawMode(true);
console.log("press h");
process.stdin.on("keypress", (k) => { if (k === "h") { console.log("help shown"); process.exit(0); } });`,
  };
  await withProject(files, async (dir) => {
    const discovery = await tempDir("buzz-disc-");
    const inst = await startInstance({ project: dir, discoveryDir: discovery });
    const { client, close } = await connectInstance(inst.record, {}, "legacy");
    let listChanged = 0;
    client.setNotificationHandler("notifications/resources/list_changed", () => void listChanged++);
    try {
      const list = await call(client, "scripts_list");
      const runners = (list.scripts as { name: string; runner: string }[]).map((s) => s.runner);
      assert.deepEqual(new Set(runners), new Set(["npm"]));

      const show = await call(client, "scripts_run", {
        name: "show",
        args: ["a", "b"],
        env: { X: "42" },
        tty: false,
      });
      const id = show.process_id as string;
      await until("show's output", async () => {
        const t = await call(client, "logs_tail", { process_id: id });
        return (t.lines as { text: string }[]).some((l) => l.text === "args=a,b x=42");
      });
      const status = await call(client, "scripts_status", { name: "show" });
      assert.deepEqual((status.runs as { env: unknown }[])[0].env, { X: "run" });

      const menu = await call(client, "scripts_run", { name: "menu" });
      const menuId = menu.process_id as string;
      await until("the menu", async () => {
        const t = await call(client, "logs_tail", { process_id: menuId });
        return (t.lines as { text: string }[]).some((l) => l.text === "press h");
      });
      await call(client, "scripts_input", { process_id: menuId, text: "h" });
      await until("help", async () => {
        const t = await call(client, "logs_tail", { process_id: menuId });
        return (t.lines as { text: string }[]).some((l) => l.text === "help shown");
      });

      // A catastrophic regex is answered, and so is the request sent alongside it.
      await call(client, "scripts_run", { name: "same" });
      const [slow, other] = await Promise.all([
        client.callTool({ name: "logs_search", arguments: { query: "^(a+)+$", regex: true } }),
        client.callTool({ name: "scripts_list", arguments: {} }),
      ]);
      assert.equal(slow.isError, undefined);
      assert.equal(other.isError, undefined);
      const bad = await client.callTool({
        name: "logs_wait",
        arguments: { pattern: "(?=x)", regex: true, timeout_ms: 100 },
      });
      assert.equal(bad.isError, true);

      // A missing runner is an isError that says how to get it.
      await Deno.writeTextFile(
        join(dir, "package.json"),
        pkg({ dev: "vite", added: "echo added" }, { packageManager: "bun@1.1.0" }),
      );
      await until("the new script", async () => {
        const l = await call(client, "scripts_list");
        return (l.scripts as { name: string }[]).some((s) => s.name === "added");
      });
      await until("resources/list_changed", () => listChanged > 0);
      if (!findExecutable("bun", Deno.env.toObject())) {
        const missing = await client.callTool({ name: "scripts_run", arguments: { name: "dev" } });
        assert.equal(missing.isError, true);
        const text = (missing.content as { text: string }[])[0].text;
        assert.match(text, /bun is not installed .*npm install -g bun/);
      }
    } finally {
      await close();
      await inst.stop();
    }
  });
});
