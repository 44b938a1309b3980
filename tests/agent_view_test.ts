// What the agent sees, end to end: waiting that cannot miss a line or outwait
// an exit, readiness in scripts_run, and answers sized for a model. The last
// tests use real tools (Vite 7, TypeScript 5.9) from tests/tools, which the
// setup step installs; no test downloads them.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  call,
  connectInstance,
  killProcessesIn,
  startHub,
  startInstance,
  type Structured,
  tempDir,
  until,
} from "./helpers.ts";
import { ANSWER_BYTES } from "../instance/serve/budget.ts";
import { toolsNodeModules } from "./tools.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
type Line = { process_id: string; seq: number; text: string };

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;
// deno-lint-ignore no-control-regex
const ANSI = /\x1b|\x9b/;

async function project(files: Record<string, string>, scripts: Record<string, string>) {
  const dir = await tempDir("buzz-agent-view-");
  await Deno.writeTextFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "agent-view", private: true, scripts }),
  );
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

async function withInstance(
  dir: string,
  fn: (client: Awaited<ReturnType<typeof connectInstance>>["client"], id: string) => Promise<void>,
) {
  const disco = await tempDir();
  const inst = await startInstance({ project: dir, discoveryDir: disco });
  const conn = await connectInstance(inst.record);
  try {
    await fn(conn.client, inst.record.id);
  } finally {
    await conn.close();
    await inst.stop();
    killProcessesIn(dir);
  }
}

Deno.test("agent view: logs_wait sees earlier lines and returns on exit", opts, async () => {
  const dir = await project({
    "early.js": "console.log('listening on 4000'); setTimeout(() => console.log('late'), 60000);",
    "three.js": "console.log('doing things'); console.error('giving up'); process.exit(3);",
    "later.js": "setTimeout(() => { console.log('done at last'); process.exit(0); }, 700);",
  }, { early: "node early.js", three: "node three.js", later: "node later.js" });
  await withInstance(dir, async (client) => {
    // A line printed 1.5 s before the call is found at once.
    const { process_id } = await call(client, "scripts_run", { name: "early" });
    await until("the early line", async () => {
      const r = await call(client, "logs_tail", { process_id });
      return (r.lines as Line[]).some((l) => l.text.includes("listening"));
    });
    await new Promise((r) => setTimeout(r, 1500));
    let t = Date.now();
    const found = await call(client, "logs_wait", {
      process_id,
      pattern: "listening on",
      timeout_ms: 20_000,
    });
    assert.ok(Date.now() - t < 1000, "an earlier line is found at once");
    assert.equal(found.matched, true);
    assert.equal((found.line as Line).text, "listening on 4000");
    assert.equal(found.next_seq, (found.line as Line).seq);
    // From the cursor on, that line no longer counts: the wait times out.
    const after = await call(client, "logs_wait", {
      process_id,
      pattern: "listening on",
      since_seq: found.next_seq,
      timeout_ms: 300,
    });
    assert.equal(after.matched, false);
    assert.equal(after.timed_out, true);
    await call(client, "scripts_stop", { process_id });

    // A run that already exited with code 3: at once, with the exit and last lines.
    const three = await call(client, "scripts_run", { name: "three" });
    await until("three to fail", async () => {
      const { runs } = await call(client, "scripts_status", { name: "three" });
      return (runs as Structured[])[0].state === "failed";
    });
    t = Date.now();
    const exited = await call(client, "logs_wait", {
      process_id: three.process_id,
      pattern: "never printed",
      timeout_ms: 20_000,
    });
    assert.ok(Date.now() - t < 1000, "an exited run is answered at once");
    assert.equal(exited.matched, false);
    assert.equal(exited.timed_out, false);
    assert.deepEqual(exited.exited, {
      process_id: three.process_id,
      state: "failed",
      exit_code: 3,
      signal: null,
      restarting: false,
    });
    assert.ok((exited.last_lines as Line[]).some((l) => l.text === "giving up"));

    // A wait in progress ends when the run exits, not at its timeout.
    const later = await call(client, "scripts_run", { name: "later" });
    t = Date.now();
    const ended = await call(client, "logs_wait", {
      process_id: later.process_id,
      pattern: "never printed",
      timeout_ms: 20_000,
    });
    assert.ok(Date.now() - t < 5000);
    assert.equal((ended.exited as Structured).state, "exited");
    assert.equal((ended.exited as Structured).exit_code, 0);

    // Without process_id: every run's lines count.
    const any = await call(client, "logs_wait", { pattern: "giving UP", timeout_ms: 500 });
    assert.equal((any.line as Line).process_id, three.process_id);
    // With nothing running it waits for a run, and ends when that run exits.
    t = Date.now();
    const pending = call(client, "logs_wait", { pattern: "never printed", timeout_ms: 20_000 });
    await new Promise((r) => setTimeout(r, 200));
    const again = await call(client, "scripts_run", { name: "later" });
    const all = await pending;
    assert.ok(Date.now() - t < 5000);
    assert.equal((all.exited as Structured).process_id, again.process_id);

    // scripts_run wait_for: progress while waiting, a timeout that leaves the run going,
    // and cancellation.
    const progress: number[] = [];
    const slow = await client.callTool(
      { name: "scripts_run", arguments: { name: "early", wait_for: "nope", timeout_ms: 1500 } },
      { onprogress: (p) => void progress.push(p.progress) },
    );
    const w = slow.structuredContent as Structured;
    assert.equal((w.wait as Structured).timed_out, true);
    assert.equal(w.state, "running");
    assert.ok(progress.length >= 1, "progress notifications");
    const ac = new AbortController();
    const cancelled = client.callTool(
      { name: "scripts_run", arguments: { name: "early", wait_for: "nope", timeout_ms: 20_000 } },
      { signal: ac.signal },
    );
    await new Promise((r) => setTimeout(r, 200));
    ac.abort("test cancels");
    await assert.rejects(cancelled);
    const status = await call(client, "scripts_status", { name: "early" });
    assert.equal((status.runs as Structured[]).at(-1)!.state, "running");
  });
});

Deno.test("agent view: every answer stays under the budget, in plain text", opts, async () => {
  const dir = await project({
    // 1000 coloured lines of 16,000 characters, then one of 50 MB without a newline.
    "flood.js": `
      const line = ("\\x1b[32m" + "y".repeat(100) + "\\x1b[0m").repeat(160);
      for (let i = 0; i < 1000; i++) console.log(i + " " + line);
      const chunk = "\\x1b[31mx\\x1b[0m".repeat(65536);
      let n = 0;
      const go = () => {
        while (n < 50 * 1024 * 1024) {
          n += chunk.length;
          if (!process.stdout.write(chunk)) return process.stdout.once("drain", go);
        }
        process.stdout.write("\\nflood done\\n");
        setInterval(() => {}, 1000);
      };
      go();`,
  }, { flood: "node flood.js" });
  const disco = await tempDir();
  const inst = await startInstance({ project: dir, discoveryDir: disco });
  const { client, close } = await connectInstance(inst.record);
  const hub = await startHub(disco);
  try {
    const run = await call(client, "scripts_run", {
      name: "flood",
      wait_for: "flood done",
      timeout_ms: 60_000,
    });
    const process_id = run.process_id as string;
    assert.equal((run.wait as Structured).matched, true);
    const answers: Record<string, unknown> = {};
    const tool = async (name: string, args: Record<string, unknown>) => {
      const r = await client.callTool({ name, arguments: args });
      assert.ok(!r.isError, JSON.stringify(r.content).slice(0, 500));
      answers[`${name} ${JSON.stringify(args)}`] = r;
      return r;
    };
    const tail = await tool("logs_tail", { process_id, limit: 1000 });
    await tool("logs_tail", { limit: 1000 });
    const page = await tool("logs_tail", { process_id, since_seq: 0, limit: 1000 });
    const search = await tool("logs_search", { query: "yyy", limit: 1000 });
    await tool("logs_wait", { pattern: "flood done" });
    for (const [what, r] of Object.entries(answers)) {
      assert.ok(bytes(r) <= ANSWER_BYTES, `${what}: ${bytes(r)} bytes`);
      assert.ok(!ANSI.test(JSON.stringify(r).replaceAll("\\u001b", "\x1b")), `${what} has ANSI`);
    }
    // The newest lines are kept, and the answer says how to get the rest.
    const t = tail.structuredContent as { lines: Line[]; truncated: Structured; next_seq: number };
    assert.ok(t.lines.length > 50 && t.lines.length < 1000, `${t.lines.length} lines`);
    assert.match(t.lines.at(-1)!.text, /^flood done$/);
    assert.ok(t.truncated.left_off as number > 0);
    assert.match(t.truncated.more as string, /logs_tail \{process_id: "flood-1", since_seq: \d+/);
    assert.ok(
      (tail.content as { type: string; uri?: string }[]).some((c) =>
        c.type === "resource_link" && c.uri === `buzz://${inst.record.id}/logs/flood-1`
      ),
    );
    // A long line is cut with a note; with limit 1 it comes whole.
    const long = t.lines.find((l) => l.text.includes(" more characters;"))!;
    assert.ok(long.text.length < 4400);
    const whole = await call(client, "logs_tail", {
      process_id,
      since_seq: long.seq - 1,
      limit: 1,
    }) as { lines: Line[] };
    assert.ok(whole.lines[0].text.length > 15_000, `${whole.lines[0].text.length}`);
    assert.ok(!whole.lines[0].text.includes(" more characters;"));
    // Following a cursor keeps the oldest and hands back where to continue.
    const p = page.structuredContent as { lines: Line[]; next_seq: number; truncated: Structured };
    assert.equal(p.next_seq, p.lines.at(-1)!.seq);
    assert.ok(p.lines[0].seq < t.lines[0].seq, "the oldest kept lines come first");
    assert.ok((search.structuredContent as Structured).truncated);
    // The log resource holds whole lines, also within the budget.
    const res = await client.readResource({ uri: `buzz://${inst.record.id}/logs/${process_id}` });
    assert.ok(bytes(res) <= ANSWER_BYTES, `resource: ${bytes(res)} bytes`);
    assert.match(String((res.contents[0] as { text: string }).text), /^\(\d+ older lines left off/);
    // Through the hub's stdio connection too (the SDK's stdio client drops over 10 MB).
    const viaHub = await hub.client.callTool({
      name: "logs_tail",
      arguments: { process_id, limit: 1000 },
    });
    assert.ok(!viaHub.isError);
    assert.ok(bytes(viaHub) <= ANSWER_BYTES + 2000, `via hub: ${bytes(viaHub)} bytes`);
  } finally {
    await hub.close();
    await close();
    await inst.stop();
    killProcessesIn(dir);
  }
});

// ---- Real tools from the npm registry -------------------------------------------------

const TSCONFIG = JSON.stringify({
  compilerOptions: {
    strict: true,
    noEmit: true,
    target: "es2022",
    module: "esnext",
    moduleResolution: "bundler",
    skipLibCheck: true,
  },
  include: ["src"],
});
const BROKEN = 'export const answer: number = "forty-two";\n';
const FIXED = "export const answer: number = 42;\n";

/**
 * A web project on the real Vite and TypeScript of tests/tools (installed by the setup step):
 * scripts, a tsconfig, an index page, src/main.ts.
 */
async function webProject(main: string): Promise<string> {
  const nodeModules = toolsNodeModules("vite", "typescript");
  const dir = await project({
    "tsconfig.json": TSCONFIG,
    "index.html": '<!doctype html><h1>buzz</h1><script type="module" src="/src/main.ts"></script>',
  }, { dev: "vite", types: "tsc --watch -p .", check: "tsc -p ." });
  await Deno.symlink(nodeModules, join(dir, "node_modules"));
  await Deno.mkdir(join(dir, "src"));
  await Deno.writeTextFile(join(dir, "src", "main.ts"), main);
  return dir;
}

Deno.test(
  "agent view: tsc --watch error appears, is fixed and leaves errors_list",
  opts,
  async () => {
    const dir = await webProject(BROKEN);
    await withInstance(dir, async (client) => {
      const run = await call(client, "scripts_run", {
        name: "types",
        wait_for: "Found 1 error",
        timeout_ms: 30_000,
      });
      const wait = run.wait as { matched: boolean; next_seq: number };
      assert.equal(wait.matched, true, JSON.stringify(run));
      const { errors } = await call(client, "errors_list", { process_id: run.process_id });
      const ts = (errors as Structured[]).find((e) => String(e.message).includes("TS2322"));
      assert.ok(ts, JSON.stringify(errors));
      assert.equal(ts.tool, "tsc");
      assert.equal(ts.file, "src/main.ts");
      assert.equal(ts.line, 1);

      await Deno.writeTextFile(join(dir, "src", "main.ts"), FIXED);
      const fixed = await call(client, "logs_wait", {
        process_id: run.process_id,
        pattern: "Found 0 errors",
        since_seq: wait.next_seq,
        timeout_ms: 30_000,
      });
      assert.equal(fixed.matched, true, JSON.stringify(fixed));
      const now = await call(client, "errors_list", { process_id: run.process_id });
      assert.deepEqual(now.errors, []);
      const history = await call(client, "errors_list", {
        process_id: run.process_id,
        include_resolved: true,
      });
      const resolved = (history.errors as Structured[]).find((e) => e.id === ts.id);
      assert.equal(resolved?.resolved, true);
    });
  },
);

Deno.test("agent view: logs_wait on a real tsc run that already exited", opts, async () => {
  const dir = await webProject(BROKEN);
  await withInstance(dir, async (client) => {
    const { process_id } = await call(client, "scripts_run", { name: "check" });
    await until("tsc to finish", async () => {
      const { runs } = await call(client, "scripts_status", { name: "check" });
      return (runs as Structured[])[0].state !== "running";
    }, 30_000);
    const t = Date.now();
    const found = await call(client, "logs_wait", { process_id, pattern: "error TS2322" });
    assert.equal(found.matched, true);
    assert.match((found.line as Line).text, /src\/main\.ts.*error TS2322/);
    const exited = await call(client, "logs_wait", {
      process_id,
      pattern: "never printed",
      since_seq: found.next_seq,
    });
    assert.ok(Date.now() - t < 2000, "both answered at once");
    assert.equal(exited.matched, false);
    assert.equal((exited.exited as Structured).state, "failed");
    assert.equal((exited.exited as Structured).exit_code, 2);
  });
});

Deno.test(
  "agent view: scripts_run wait_for url returns a real Vite dev server's URL",
  opts,
  async () => {
    const dir = await webProject(FIXED);
    await withInstance(dir, async (client) => {
      const run = await call(client, "scripts_run", {
        name: "dev",
        wait_for: "url",
        timeout_ms: 30_000,
      });
      const wait = run.wait as { url: string; line: Line; matched: boolean; next_seq: number };
      assert.equal(wait.matched, true, JSON.stringify(run));
      assert.match(wait.url, /^http:\/\/localhost:\d+\/$/);
      assert.ok(wait.line.text.includes(wait.url));
      assert.equal(run.state, "running");
      const page = await fetch(wait.url);
      assert.match(await page.text(), /<h1>buzz<\/h1>/);
      // The same call on the running server answers at once from its earlier lines.
      const again = await call(client, "scripts_run", { name: "dev", wait_for: "ready in" });
      assert.equal(again.already_running, true);
      assert.match(((again.wait as Structured).line as Line).text, /VITE v7.* ready in/);
      // A wait in progress returns when the server is stopped.
      const waiting = call(client, "logs_wait", {
        process_id: run.process_id,
        pattern: "never printed",
        since_seq: wait.next_seq,
        timeout_ms: 30_000,
      });
      await call(client, "scripts_stop", { process_id: run.process_id });
      const ended = await waiting;
      assert.equal((ended.exited as Structured).state, "stopped");
    });
  },
);
