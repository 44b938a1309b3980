// A buzz.json stack coming up: the three scripts of tests/fixtures/stack (a
// TCP server standing in for a database, an API that needs it, a web server
// that prints its URL), each with a start-up delay like a real one's. Plain
// `buzz --no-tui` with web on autostart brings them up in order, each ready by
// its probe (TCP, HTTP, URL). Against: the sum of the scripts' own start times,
// each started by hand once what it needs is up, timed by its own output.

import { join } from "node:path";
import { freePort, ROOT } from "../tests/helpers.ts";
import { cleanups } from "./procs.ts";
import { now, progress, row, rowStats, stats } from "./stats.ts";

const TRIALS = 3;
/** How long each script works before it listens: db, api, web. */
const START_MS = { db: 800, api: 600, web: 400 };
const TARGET_RATIO = 1.1;

/** Spawns `cmd`, resolves when its stdout has shown `marker`; returns the time and a stop. */
async function until(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string> },
  marker: string,
): Promise<{ ms: number; stop: () => Promise<void> }> {
  const t0 = now();
  const proc = new Deno.Command(cmd, {
    args,
    ...opts,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stop = async () => {
    try {
      proc.kill("SIGTERM");
    } catch { /* gone */ }
    await proc.status;
  };
  let errors = "";
  const errDone = proc.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (t) => void (errors += t) }),
  ).catch(() => {});
  let seen = "";
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!seen.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) {
      await errDone;
      throw new Error(
        `${cmd} ${args.join(" ")} ended before printing "${marker}":\n${seen}${errors}`,
      );
    }
    seen += value;
  }
  const ms = now() - t0;
  // Stopped by the caller, or by the bench's cleanup if a later step fails first.
  cleanups.push(async () => void await stop());
  // Keep draining so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  return { ms, stop };
}

export async function phaseStack() {
  progress(`buzz.json stack up ×${TRIALS}`);
  const dir = await Deno.makeTempDir({ prefix: "buzz-bench-stack-" });
  cleanups.push(() => Deno.remove(dir, { recursive: true }));
  for (const f of ["db.mjs", "api.mjs", "web.mjs"]) {
    await Deno.copyFile(join(ROOT, "tests", "fixtures", "stack", f), join(dir, f));
  }
  const discovery = await Deno.makeTempDir({ prefix: "buzz-bench-stack-disc-" });
  cleanups.push(() => Deno.remove(discovery, { recursive: true }));

  const own: number[] = [];
  const viaBuzz: number[] = [];
  const afterBoot: number[] = [];
  const boots: number[] = [];
  const floors: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const ports = {
      DB_PORT: String(freePort()),
      API_PORT: String(freePort()),
      WEB_PORT: String(freePort()),
    };
    const env = (name: keyof typeof START_MS) => ({ ...ports, START_MS: String(START_MS[name]) });
    const opts = (name: keyof typeof START_MS) => ({ cwd: dir, env: env(name) });

    // By hand: each one once the one before it is up.
    const db = await until("node", ["db.mjs"], opts("db"), "db accepting");
    const api = await until("node", ["api.mjs"], opts("api"), "api listening");
    const web = await until("node", ["web.mjs"], opts("web"), "web ready at");
    own.push(db.ms + api.ms + web.ms);
    await Promise.all([web.stop(), api.stop(), db.stop()]);

    await Deno.writeTextFile(
      join(dir, "buzz.json"),
      JSON.stringify({
        scripts: {
          db: { command: "node db.mjs", env: env("db"), ready: { tcp: Number(ports.DB_PORT) } },
          api: {
            command: "node api.mjs",
            env: env("api"),
            depends_on: { db: "ready" },
            ready: { http: `http://127.0.0.1:${ports.API_PORT}/health` },
          },
          web: {
            command: "node web.mjs",
            env: env("web"),
            depends_on: { api: "ready" },
            ready: "url",
            autostart: true,
          },
        },
      }),
    );
    const buzz = await until(
      Deno.execPath(),
      ["run", "-A", join(ROOT, "main.ts"), "--no-tui", "--dir", dir, "--discovery-dir", discovery],
      { cwd: dir, env: { NO_COLOR: "1" } },
      "web-1 ready",
    );
    viaBuzz.push(buzz.ms);
    await buzz.stop();
    // buzz's own start-up (spawn → serving) is the same with or without a stack.
    const boot = await until(
      Deno.execPath(),
      ["run", "-A", join(ROOT, "main.ts"), "--no-tui", "--dir", dir, "--discovery-dir", discovery],
      { cwd: dir, env: { NO_COLOR: "1" } },
      "db-1 started",
    );
    afterBoot.push(buzz.ms - boot.ms);
    boots.push(boot.ms);
    await boot.stop();
    // The floor under buzz's start-up: the runtime itself, spawn → first line of an empty script.
    const floor = await until(Deno.execPath(), ["eval", "console.log('up')"], {
      cwd: dir,
      env: { NO_COLOR: "1" },
    }, "up");
    floors.push(floor.ms);
    await floor.stop();
  }
  const sOwn = stats(own).median;
  rowStats("stack", "3 scripts by hand, each once the one before is up: sum of start times", own);
  rowStats("stack", "buzz spawn → whole stack ready (autostart, probes: TCP, HTTP, URL)", viaBuzz);
  rowStats(
    "stack",
    "  … from buzz's first start to stack ready (buzz's own start-up left out)",
    afterBoot,
  );
  rowStats("stack", "buzz's own start-up: spawn → first script spawned", boots);
  rowStats("stack", "  floor: deno spawn → first line of an empty script", floors);
  const ratio = stats(viaBuzz).median / sOwn;
  const ratioStack = stats(afterBoot).median / sOwn;
  row(
    "stack",
    "stack ready via buzz ÷ sum of own start times",
    `${ratio.toFixed(2)}× (${ratioStack.toFixed(2)}× without buzz's start-up)`,
    `target ≤ ${TARGET_RATIO}×; start work ${START_MS.db}+${START_MS.api}+${START_MS.web} ms`,
    String(TRIALS),
  );
}

if (import.meta.main) {
  const { printTable } = await import("./stats.ts");
  const { cleanupAll } = await import("./procs.ts");
  try {
    await phaseStack();
    printTable();
  } finally {
    await cleanupAll();
  }
}
