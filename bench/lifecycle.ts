// Phases about processes coming and going: Deno's own start-up as a baseline,
// an instance's start and stop, the hub's start and discovery of instances,
// and the hub noticing a SIGKILLed instance.

import { join } from "node:path";
import { connectInstance, jsonFiles, ROOT } from "../tests/helpers.ts";
import { DISCOVERY_TRIALS, KILL_TRIALS, START_TRIALS } from "./settings.ts";
import { mib, ms, now, poll, progress, row, rowStats, sleep } from "./stats.ts";
import { type Hub, memory, startAnnounced } from "./procs.ts";
import { spawnHub } from "./hubs.ts";
import { listInstances } from "./calls.ts";
import { makeProject } from "./fixture.ts";

/** Context for the instance's start time: Deno alone, and Deno loading buzz's dependencies. */
export async function phaseBaseline(project: string) {
  progress(`deno baseline ×${START_TRIALS}`);
  const empty = join(project, "bench_empty.ts");
  const deps = join(project, "bench_deps.ts");
  await Deno.writeTextFile(empty, "");
  await Deno.writeTextFile(
    deps,
    `import ${JSON.stringify(join(ROOT, "shared", "sdk.ts"))};\nimport "zod";\n`,
  );
  const config = join(ROOT, "deno.json");
  const time = async (file: string) => {
    const t0 = now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", config, file],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return now() - t0;
  };
  const e: number[] = [], d: number[] = [];
  for (let i = 0; i < START_TRIALS; i++) {
    e.push(await time(empty));
    d.push(await time(deps));
  }
  rowStats("instance", "baseline: deno run of an empty file, spawn → exit", e);
  rowStats("instance", "baseline: deno run importing the MCP SDK + zod, spawn → exit", d);
}

export async function phaseInstanceStart(project: string, dir: string) {
  progress(`instance start ×${START_TRIALS}`);
  const toFile: number[] = [];
  const toInit: number[] = [];
  const fileToInit: number[] = [];
  const secondInit: number[] = [];
  const stopMs: number[] = [];
  const fileRemoved: boolean[] = [];
  const rssIdle: number[] = [];
  for (let i = 0; i < START_TRIALS; i++) {
    const a = await startAnnounced(project, dir, `start-${i}`);
    toFile.push(a.seenAt - a.inst.spawnedAt);
    const c = await connectInstance(a.record);
    const initAt = now();
    toInit.push(initAt - a.inst.spawnedAt);
    fileToInit.push(initAt - a.seenAt);
    await c.close();
    // A second session on a warm instance: the cost of initialize alone.
    const t0 = now();
    const c2 = await connectInstance(a.record);
    secondInit.push(now() - t0);
    await c2.close();
    rssIdle.push(memory(a.inst.pid).rss);
    stopMs.push(await a.inst.stop("SIGTERM"));
    fileRemoved.push(!jsonFiles(dir).includes(`${a.record.id}.json`));
  }
  const area = "instance";
  rowStats(area, "spawn → discovery file present", toFile);
  rowStats(area, "spawn → first MCP initialize done", toInit);
  rowStats(area, "discovery file → initialize done", fileToInit);
  rowStats(area, "initialize on a warm instance (new session)", secondInit);
  rowStats(area, "SIGTERM → process exit (idle, no runs)", stopMs);
  row(
    area,
    "discovery file removed after SIGTERM",
    `${fileRemoved.filter(Boolean).length}/${fileRemoved.length}`,
  );
  rowStats(area, "RSS idle after start + 2 sessions", rssIdle, mib);
}

export async function phaseHub(project: string, dir: string) {
  progress("hub start");
  // A 2025-11-25 client: one process, started by initialize.
  const hub = await spawnHub({ discoveryDir: dir, era: "legacy" });
  const initMs = hub.initAt - hub.spawnedAt;
  const t0 = now();
  await listInstances(hub);
  const firstList = now() - t0;
  const area = "hub";
  row(area, "spawn → MCP initialize done (stdio)", ms(initMs));
  row(area, "first instances_list after initialize", ms(firstList));
  row(area, "RSS idle, no instances", mib(memory(hub.pid).rss));

  progress(`hub discovery ×${DISCOVERY_TRIALS}`);
  const writeToConnected: number[] = [];
  const seenToVisible: number[] = [];
  const termToForgotten: number[] = [];
  for (let i = 0; i < DISCOVERY_TRIALS; i++) {
    const a = await startAnnounced(project, dir, `disc-${i}`);
    const id = a.record.id;
    const seen = await poll(`${id} connected in the hub`, async () => {
      const e = (await listInstances(hub)).find((x) => x.id === id);
      return e?.state === "connected" ? e : undefined;
    });
    seenToVisible.push(now() - a.seenAt);
    // Both clocks are wall clocks on this machine, with ms resolution.
    writeToConnected.push(Date.parse(seen.connected_since!) - a.mtime);
    const tk = now();
    a.inst.proc.kill("SIGTERM");
    await poll(`${id} forgotten`, async () => !(await listInstances(hub)).some((x) => x.id === id));
    termToForgotten.push(now() - tk);
    await a.inst.waitExit();
  }
  rowStats(area, "discovery: file written → connected (hub's clock)", writeToConnected);
  rowStats(area, "discovery: file seen → connected in instances_list (polled)", seenToVisible);
  rowStats(area, "SIGTERM'd instance → gone from instances_list (polled)", termToForgotten);
  return hub;
}

export async function phaseKill(_project: string, dir: string, hub: Hub) {
  progress(`SIGKILL detection ×${KILL_TRIALS}`);
  // The proxy phase's instance still serves the bench's project, and an instance
  // refuses to start where another already runs: these get a project of their own.
  const project = await makeProject();
  const toLost: number[] = [];
  const toGone: number[] = [];
  let staleRemoved = 0;
  for (let i = 0; i < KILL_TRIALS; i++) {
    const a = await startAnnounced(project, dir, `kill-${i}`);
    const id = a.record.id;
    await poll(
      `${id} connected`,
      async () => (await listInstances(hub)).find((x) => x.id === id && x.state === "connected"),
    );
    await sleep(200);
    const tk = now();
    a.inst.proc.kill("SIGKILL");
    let lostAt = NaN;
    await poll(`${id} forgotten after SIGKILL`, async () => {
      const e = (await listInstances(hub)).find((x) => x.id === id);
      if (e?.state !== "connected" && Number.isNaN(lostAt)) lostAt = now() - tk;
      return !e;
    }, 20_000);
    toLost.push(lostAt);
    toGone.push(now() - tk);
    if (!jsonFiles(dir).includes(`${id}.json`)) staleRemoved++;
    await a.inst.waitExit();
  }
  const area = "hub";
  rowStats(area, "SIGKILL → not connected in instances_list (polled)", toLost);
  rowStats(area, "SIGKILL → forgotten (polled)", toGone);
  row(area, "stale discovery file removed by the hub", `${staleRemoved}/${KILL_TRIALS}`);
}
