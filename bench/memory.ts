// Phase: memory. The resident set (VmRSS of /proc/<pid>/status, in MiB as ps
// and top show it) of an idle instance, an instance after a million log lines,
// and a hub with 1 and with 20 instances and after 100 instances came and went,
// each beside `deno run` of an empty program measured in the same run (the
// runtime's floor) and the target.
//
//   deno task bench memory     (this phase alone)

import { join } from "node:path";
import { connectInstance, jsonFiles, MAIN, ROOT, spawnLogged } from "../tests/helpers.ts";
import { type DiscoveryRecord, parseDiscoveryRecord } from "../shared/discovery.ts";
import { mib, poll, progress, row, sleep } from "./stats.ts";
import { cleanups, memory } from "./procs.ts";
import { SYNC_OUT } from "./fixture.ts";
import { spawnHub } from "./hubs.ts";
import { listInstances, rawCall } from "./calls.ts";

/** The targets, in MiB. */
const TARGET = { idle: 60, flood: 120, hub20: 70, churnGrowth: 10 };
const FLOOD_LINES = 1_000_000;
const IDLE_TRIALS = 3;
const HUB_INSTANCES = 20;
const CHURN = 100;
/** Instances started at once while churning (CPU is the limit, not the hub). */
const CHURN_BATCH = 10;
/** Long enough for a process to go quiet after its last work (shared/collect.ts waits 1 s). */
const SETTLE_MS = 3000;

const kib = (pid: number) => memory(pid).rss;

interface Buzz {
  pid: number;
  record: DiscoveryRecord;
  stop(): Promise<unknown>;
}

export async function phaseMemory() {
  const project = await memoryProject();
  const dir = await Deno.makeTempDir({ prefix: "buzz-bench-memory-" });
  cleanups.push(() => Deno.remove(dir, { recursive: true }));
  await Deno.chmod(dir, 0o700);
  const area = "memory";

  progress("memory: the runtime's floor");
  const floor = await floorRss(project, "");
  row(area, "floor: deno run of an empty program", mib(floor), "the runtime alone");
  // What the dependencies alone hold, so a missed target shows whose floor it is.
  const sdkServer = await floorRss(project, SDK_SERVER_ONLY);
  row(
    area,
    "floor: + the SDK's server package, one server built",
    mib(sdkServer),
    "what an instance's MCP side cannot go below",
  );
  const sdkBoth = await floorRss(project, SDK_CLIENT_AND_SERVER);
  row(
    area,
    "floor: + the SDK's client package, one client made",
    mib(sdkBoth),
    "what a hub cannot go below",
  );
  const versus = (kb: number, target?: number) =>
    (target === undefined ? "" : `target ≤ ${target} MiB: ${ratio(kb / 1024 / target)}; `) +
    `${(kb / floor).toFixed(1)}× the floor (+${mib(kb - floor)})`;

  progress(`memory: idle instance ×${IDLE_TRIALS}`);
  const idle: number[] = [];
  for (let i = 0; i < IDLE_TRIALS; i++) {
    const inst = await startBuzz(project, dir, `mem-idle-${i}`, ["idle"]);
    await sleep(SETTLE_MS);
    idle.push(kib(inst.pid));
    await inst.stop();
  }
  const idleMid = median(idle);
  row(
    area,
    "instance, one idle script running",
    mib(idleMid),
    `${versus(idleMid, TARGET.idle)}; range ${mib(Math.min(...idle))}–${mib(Math.max(...idle))}`,
    String(IDLE_TRIALS),
  );

  progress(`memory: instance through ${FLOOD_LINES.toLocaleString("en-US")} lines`);
  {
    const inst = await startBuzz(project, dir, "mem-flood", []);
    const c = await connectInstance(inst.record);
    await rawCall(c.client, "scripts_run", { name: "flood" });
    await poll(
      "the flood to end",
      async () => {
        const s = await rawCall(c.client, "scripts_status", { name: "flood" });
        return (s.runs as { state: string }[]).every((r) => r.state !== "running");
      },
      180_000,
      250,
    );
    await c.close();
    await sleep(SETTLE_MS);
    const m = memory(inst.pid);
    row(
      area,
      `instance after ${FLOOD_LINES.toLocaleString("en-US")} lines (run ended, logs kept)`,
      mib(m.rss),
      `${versus(m.rss, TARGET.flood)}; peak ${mib(m.hwm)}`,
    );
    await inst.stop();
  }

  progress("memory: hub with 1 and 20 instances, then churn");
  const hub = await spawnHub({ discoveryDir: dir, era: "legacy" });
  const first = await startBuzz(project, dir, "mem-hub-0", []);
  await connected(hub, 1);
  await sleep(SETTLE_MS);
  const hub1 = kib(hub.pid);
  row(area, "hub, 1 instance connected", mib(hub1), versus(hub1));

  const more = await startMany(project, dir, HUB_INSTANCES - 1, "mem-hub");
  await connected(hub, HUB_INSTANCES);
  await sleep(SETTLE_MS);
  const hub20 = kib(hub.pid);
  row(area, `hub, ${HUB_INSTANCES} instances connected`, mib(hub20), versus(hub20, TARGET.hub20));
  await Promise.all(more.map((b) => b.stop()));
  await connected(hub, 1);
  await sleep(SETTLE_MS);
  // The hub has now run every code path churn takes: growth from here on is what churn costs.
  const warm = kib(hub.pid);

  for (let done = 0; done < CHURN; done += CHURN_BATCH) {
    progress(`memory: churn ${done}/${CHURN}`);
    const batch = await startMany(project, dir, CHURN_BATCH, `mem-churn-${done}`);
    await connected(hub, CHURN_BATCH + 1);
    await Promise.all(batch.map((b) => b.stop()));
    await connected(hub, 1);
  }
  await sleep(SETTLE_MS);
  const churned = kib(hub.pid);
  const growth = churned - warm;
  row(
    area,
    `hub, 1 instance, after ${CHURN} more came and went`,
    mib(churned),
    `growth over the churn ${mib(growth)} (from ${mib(warm)} once the 19 had gone), ` +
      `target ≤ ${TARGET.churnGrowth} MiB: ${ratio(growth / 1024 / TARGET.churnGrowth)}; ` +
      `since the first instance +${mib(churned - hub1)}`,
  );
  await first.stop();
  await hub.close();
}

/** "0.85× (met)" or "1.42× (over)". */
function ratio(r: number): string {
  return `${r.toFixed(2)}× (${r <= 1 ? "met" : "over"})`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const shared = (f: string) => JSON.stringify(new URL(`../shared/${f}`, import.meta.url).href);
/** The SDK's server, one McpServer with one zod-typed tool, collected once quiet as buzz is. */
const SDK_SERVER_ONLY = `
import { McpServer } from ${shared("sdk_server.ts")};
import { startedUp } from ${shared("collect.ts")};
import { z } from "zod";
const server = new McpServer({ name: "floor", version: "0" });
server.registerTool("t", { inputSchema: z.object({ a: z.string() }) }, () => ({ content: [] }));
startedUp();
`;
/** The above plus the SDK's client package and one Client, as the hub holds. */
const SDK_CLIENT_AND_SERVER = SDK_SERVER_ONLY + `
import { Client } from ${shared("sdk.ts")};
const client = new Client({ name: "floor", version: "0" });
`;

/** RSS of `deno run -A` of a program (after \`source\`) that stays alive, with buzz's deno.json. */
async function floorRss(project: string, source: string): Promise<number> {
  const file = join(project, `floor-${source.length}.ts`);
  await Deno.writeTextFile(
    file,
    `${source}\nsetInterval(() => {}, 60_000);\nexport {};\n`,
  );
  const child = spawnLogged(Deno.execPath(), {
    args: ["run", "-A", "--config", join(ROOT, "deno.json"), file],
  });
  cleanups.push(async () => void await child.stop("SIGKILL"));
  await sleep(SETTLE_MS);
  const rss = kib(child.proc.pid);
  await child.stop("SIGKILL");
  return rss;
}

/** A project with an idle script and a flood of FLOOD_LINES lines. */
async function memoryProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "buzz-bench-memory-project-" });
  cleanups.push(() => Deno.remove(dir, { recursive: true }));
  const flood = `
${SYNC_OUT}let s = "";
for (let i = 0; i < ${FLOOD_LINES}; i++) {
  s += "flood line " + i + " lorem ipsum dolor sit amet, consectetur adipiscing elit\\n";
  if (s.length > 32768) { out(s); s = ""; }
}
out(s + "flood-done\\n");
`;
  await Deno.writeTextFile(join(dir, "flood.js"), flood);
  await Deno.writeTextFile(
    join(dir, "package.json"),
    JSON.stringify({
      name: "bench-memory",
      private: true,
      scripts: { flood: "node flood.js", idle: 'node -e "setInterval(() => {}, 1000)"' },
    }),
  );
  return dir;
}

/** `buzz --no-tui` as a user starts it (scripts given are started), once it has announced itself. */
async function startBuzz(
  project: string,
  dir: string,
  name: string,
  scripts: string[],
): Promise<Buzz> {
  const child = spawnLogged(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "--no-tui",
      "--dir",
      project,
      "--discovery-dir",
      dir,
      "--name",
      name,
      "--grace-ms",
      "500",
      "--allow-duplicate",
      ...scripts,
    ],
  });
  const stop = () => child.stop("SIGTERM", 5000);
  cleanups.push(async () => void await stop());
  const pid = child.proc.pid;
  // Several start at once: each finds its own file by pid.
  const record = await poll(
    `${name}'s discovery file`,
    () => {
      if (child.exited()) throw new Error(`${name} exited early:\n${child.stderr()}`);
      for (const file of jsonFiles(dir)) {
        try {
          const r = parseDiscoveryRecord(Deno.readTextFileSync(join(dir, file)));
          if (r.pid === pid) return r;
        } catch { /* being written or removed */ }
      }
    },
    120_000,
    50,
  );
  return { pid, record, stop };
}

/** n instances, CHURN_BATCH at a time. */
async function startMany(project: string, dir: string, n: number, prefix: string) {
  const all: Buzz[] = [];
  for (let i = 0; i < n; i += CHURN_BATCH) {
    const batch = Array.from(
      { length: Math.min(CHURN_BATCH, n - i) },
      (_, j) => startBuzz(project, dir, `${prefix}-${i + j}`, []),
    );
    all.push(...await Promise.all(batch));
  }
  return all;
}

/** Waits until the hub lists exactly n instances, all connected. */
async function connected(hub: Parameters<typeof listInstances>[0], n: number) {
  await poll(
    `${n} instances connected in the hub`,
    async () => {
      const list = await listInstances(hub);
      return list.length === n && list.every((x) => x.state === "connected");
    },
    60_000,
    100,
  );
}
