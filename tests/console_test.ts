// `buzz --no-tui` output: each run's lines prefixed with its process id, buzz's
// own lifecycle events between them, agent activity, and nothing with --quiet.
// Real buzz processes with stdout piped (so no colour), plus one in-process
// Supervisor for the activity lines.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  FIXTURE,
  fixtureCopy,
  jsonFiles,
  killProcessesIn,
  MAIN,
  tempDir,
  until,
} from "./helpers.ts";
import { Activity } from "../instance/activity.ts";
import { startConsole } from "../instance/views/console.ts";
import { loadScripts } from "../instance/supervise/scripts.ts";
import { Supervisor } from "../instance/supervise/supervisor.ts";

/** `buzz --no-tui` (or other args) with stdout captured. */
function spawnBuzz(project: string, discovery: string, args: string[]) {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--dir", project, "--discovery-dir", discovery, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let err = "";
  const reading = Promise.all([
    (async () => {
      for await (const c of proc.stdout.pipeThrough(new TextDecoderStream())) out += c;
    })(),
    (async () => {
      for await (const c of proc.stderr.pipeThrough(new TextDecoderStream())) err += c;
    })(),
  ]);
  return {
    stdout: () => out,
    stderr: () => err,
    async stop() {
      try {
        proc.kill("SIGTERM");
      } catch { /* gone */ }
      const status = await proc.status;
      await reading;
      return status;
    },
  };
}

Deno.test("--no-tui streams prefixed output and lifecycle events to stdout", async () => {
  const project = await fixtureCopy();
  const discovery = await tempDir();
  const buzz = spawnBuzz(project, discovery, ["--no-tui", "dev", "crash"]);
  try {
    await until(
      "dev's URL line",
      () => /^dev-1 +\| .*Local: +http:\/\/localhost:5173/m.test(buzz.stdout()),
      20_000,
    );
    await until("crash's exit", () => /crash-1 failed with code 1/.test(buzz.stdout()), 20_000);
    await until("the URL event", () => buzz.stdout().includes("dev-1 url http://localhost:5173/"));
    const out = buzz.stdout();
    assert.match(out, /^buzz +\| dev-1 started: .* \(pid \d+, by you\)$/m);
    // Beside the URL, its browser view, and what opening it there does.
    assert.match(
      out,
      /^buzz +\| dev-1 url http:\/\/localhost:5173\/ → browser view http:\/\/127\.0\.0\.1:\d+\/ \(pages opened there report their errors and console to the agent\)$/m,
    );
    assert.match(out, /^crash-1 +\| TypeError: Cannot read properties of undefined/m);
    assert.match(out, /^crash-1 +\| {5}at loadConfig/m);
    assert.match(out, /^buzz +\| crash-1 error: TypeError: Cannot read properties/m);
    // Lines before an event are written before it.
    assert(out.indexOf("crash-1 error:") > out.indexOf("| TypeError: Cannot read"));
    assert(out.indexOf("crash-1 failed") > out.indexOf("at Object.<anonymous>"));
    // Piped: no colour codes anywhere.
    assert(!out.includes("\x1b"), "no ANSI escapes when stdout is not a terminal");
    // Every stdout line is a prefixed line.
    for (const line of out.trimEnd().split("\n")) assert.match(line, /^[\w.-]+ +\| /);
  } finally {
    const status = await buzz.stop();
    killProcessesIn(project);
    assert.equal(status.code, 0, buzz.stderr());
  }
  assert.match(buzz.stdout(), /^buzz +\| dev-1 stopped \(SIG\w+\)$/m);
  assert.deepEqual(jsonFiles(discovery), []);
});

Deno.test("without a terminal, plain `buzz` behaves as --no-tui", async () => {
  const project = await fixtureCopy();
  const discovery = await tempDir();
  const buzz = spawnBuzz(project, discovery, ["ok"]);
  try {
    await until("ok's output", () => /^ok-1 +\| all good$/m.test(buzz.stdout()), 20_000);
    await until("ok's exit", () => /^buzz +\| ok-1 exited with code 0$/m.test(buzz.stdout()));
    assert.equal(jsonFiles(discovery).length, 1);
  } finally {
    await buzz.stop();
    killProcessesIn(project);
  }
});

Deno.test("--quiet prints nothing on stdout", async () => {
  const project = await fixtureCopy();
  const discovery = await tempDir();
  const buzz = spawnBuzz(project, discovery, ["--quiet", "ok"]);
  try {
    await until("the discovery file", () => jsonFiles(discovery).length === 1, 20_000);
    // ok prints and exits at once; give it the time it takes, then nothing may have appeared.
    await until("ok to have run", () => /ok-1|serving/.test(buzz.stderr()), 20_000);
    const file = join(discovery, jsonFiles(discovery)[0]);
    const record = JSON.parse(await Deno.readTextFile(file));
    assert(record.url);
  } finally {
    await buzz.stop();
    killProcessesIn(project);
  }
  assert.equal(buzz.stdout(), "");
  assert.match(buzz.stderr(), /started ok as ok-1/);
});

Deno.test("the console shows agents connecting and acting, in order with the output", async () => {
  const project = await fixtureCopy();
  const sup = new Supervisor(project, await loadScripts(FIXTURE), { graceMs: 1000 });
  const activity = new Activity();
  let out = "";
  const view = startConsole(sup, activity, {
    color: false,
    write: (t) => Promise.resolve(void (out += t)),
  });
  try {
    activity.post({ kind: "client-connected", client: "claude-code" });
    activity.post({ kind: "tool-call", client: "claude-code", tool: "scripts_run", summary: "ok" });
    const { run } = await sup.start("ok", { actor: "claude-code" });
    await sup.waitForExit(run.process_id);
    await view.close();
    const lines = out.trimEnd().split("\n");
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    assert(at(/^buzz +\| claude-code connected$/) >= 0, out);
    assert(at(/^buzz +\| claude-code started ok$/) > at(/claude-code connected/), out);
    assert(at(/^buzz +\| ok-1 started: .*by claude-code\)$/) > at(/claude-code started ok/), out);
    assert(at(/^ok-1 +\| all good$/) > at(/ok-1 started/), out);
    assert(at(/^buzz +\| ok-1 exited with code 0$/) > at(/all good/), out);
  } finally {
    await view.close();
    await sup.stopAll();
    killProcessesIn(project);
  }
});
