// Phase: one hub, 200 real MCP servers (the v1 SDK, with sessions: bench/fleet_server.mjs)
// announced at once. How long until all are connected; the hub's CPU and RSS while idle with
// all 200 (it hears their streams' keep-alive comments, and probes one only once it falls
// silent); instances_list, routed calls and 200 concurrent slow calls; then all 200 killed at
// once: how long until the hub has seen them all go, and how long a ping waits meanwhile.
//
//   deno task bench scale      (BUZZ_BENCH_SCALE_IDLE_S: the idle window, default 60 s)

import { join } from "node:path";
import { mib, ms, now, poll, progress, row, sleep, stats } from "./stats.ts";
import { cleanups, cpuMs, firstJsonLine, memory } from "./procs.ts";
import { listInstances } from "./calls.ts";
import { spawnHub } from "./hubs.ts";
import { toolDir } from "../tests/tools.ts";
import { MAIN } from "../tests/helpers.ts";

const COUNT = 200;
const IDLE_S = Number(Deno.env.get("BUZZ_BENCH_SCALE_IDLE_S") ?? 60);
const SLOW_MS = 400;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};

export async function phaseScale() {
  const area = "scale";
  toolDir("@modelcontextprotocol/sdk");
  const disco = await Deno.makeTempDir({ prefix: "buzz-bench-scale-" });
  cleanups.push(() => Deno.remove(disco, { recursive: true }));
  await Deno.chmod(disco, 0o700);
  // BUZZ_BENCH_PERF=1: the hub runs with --perf-basic-prof and `perf record` watches it while
  // idle (perf.data in the current directory), to see where idle CPU goes.
  const perf = Deno.env.get("BUZZ_BENCH_PERF") === "1";
  const hub = await spawnHub({
    discoveryDir: disco,
    era: "legacy",
    ...(perf && {
      script: ["--v8-flags=--perf-basic-prof", MAIN, "--mcp", "--discovery-dir", disco],
    }),
  });
  await listInstances(hub);

  progress(`${COUNT} v1 SDK servers announced at once`);
  const fleet = new Deno.Command("node", {
    args: [join(import.meta.dirname!, "fleet_server.mjs"), String(COUNT), disco],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  let killed = false;
  cleanups.push(async () => {
    if (!killed) fleet.kill("SIGKILL");
    await fleet.status;
  });
  const { ids } = await firstJsonLine<{ ids: string[] }>(fleet.stdout, "the fleet");
  const announcedAt = now();
  const hubCpu0 = cpuMs(hub.pid);
  const fleetCpuAt0 = cpuMs(fleet.pid);
  let last: Awaited<ReturnType<typeof listInstances>> = [];
  await poll(
    "all connected",
    async () => {
      last = await listInstances(hub);
      return last.filter((x) => x.state === "connected").length === COUNT;
    },
    60_000,
    50,
  ).catch((e) => {
    const states: Record<string, number> = {};
    for (const x of last) states[x.state] = (states[x.state] ?? 0) + 1;
    throw new Error(
      `${e.message}: ${JSON.stringify(states)} of ${last.length} listed\n` +
        hub.stderr().split("\n").slice(-15).join("\n"),
    );
  });
  const connectedMs = now() - announcedAt;
  const connectCpu = cpuMs(hub.pid) - hubCpu0;
  const fleetConnectCpu = cpuMs(fleet.pid) - fleetCpuAt0;
  const connectedLines = hub.lines.filter((l) => l.text.includes(" info: connected to fleet-"));
  row(
    area,
    `${COUNT} v1 SDK servers announced at once → all connected (polled)`,
    ms(connectedMs),
    `target ≤ 2,000 ms; last "connected" logged at ${
      ms(Math.max(...connectedLines.map((l) => l.at)) - announcedAt)
    }; hub CPU ${ms(connectCpu)} (${(connectCpu / COUNT).toFixed(1)} ms each), the servers' ${
      ms(fleetConnectCpu)
    } (all ${COUNT} in one Node process)`,
  );

  progress(`idle with ${COUNT} connected, ${IDLE_S} s`);
  // Past the connections' aftermath (their garbage collected): the steady state.
  await sleep(10_000);
  const rss: number[] = [];
  const recorder = perf
    ? new Deno.Command("perf", {
      args: ["record", "-g", "-p", String(hub.pid), "--", "sleep", String(IDLE_S)],
      stdout: "null",
      stderr: "null",
    }).spawn()
    : undefined;
  const cpu0 = cpuMs(hub.pid);
  const fleetCpu0 = cpuMs(fleet.pid);
  const t0 = now();
  for (let i = 0; i < IDLE_S / 5; i++) {
    await sleep(5000);
    rss.push(memory(hub.pid).rss);
  }
  const wall = now() - t0;
  await recorder?.status;
  const idlePct = (cpuMs(hub.pid) - cpu0) / wall * 100;
  const fleetPct = (cpuMs(fleet.pid) - fleetCpu0) / wall * 100;
  row(
    area,
    `hub CPU idle with ${COUNT} connected (their keep-alives heard, no probe due)`,
    `${idlePct.toFixed(2)} % of a core`,
    `target ≤ 1 %; the ${COUNT} servers: ${fleetPct.toFixed(2)} %; over ${
      (wall / 1000).toFixed(0)
    } s`,
  );
  row(
    area,
    `hub RSS idle with ${COUNT} connected, over ${(wall / 1000).toFixed(0)} s`,
    mib(rss.at(-1)!),
    `target ≤ 150 MB steady; first ${mib(rss[0])}, max ${mib(Math.max(...rss))}`,
  );

  progress("instances_list, routed and slow calls");
  const lists: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = now();
    await listInstances(hub);
    lists.push(now() - t);
  }
  const sl = stats(lists);
  row(
    area,
    `instances_list with ${COUNT} connected: p99`,
    ms(pct(lists, 0.99)),
    `p50 ${ms(sl.median)}`,
    String(sl.n),
  );
  let routed = 0;
  for (let i = 0; i < 20; i++) {
    const id = ids[(i * 37) % COUNT];
    const r = await hub.client.request({
      method: "tools/call",
      params: { name: "echo", arguments: { text: id, instance: id } },
    });
    if (!r.isError && JSON.stringify(r.content).includes(id)) routed++;
  }
  row(area, "routed calls (echo, each to a named server) answered by it", `${routed} / 20`);
  const t1 = now();
  const slow = await Promise.allSettled(ids.map((id) =>
    hub.client.request({
      method: "tools/call",
      params: { name: "slow", arguments: { ms: SLOW_MS, instance: id } },
    }, { timeout: 60_000 })
  ));
  const slowOk = slow.filter((r) => r.status === "fulfilled" && !r.value.isError).length;
  const slowFailed = slow.find((r) => r.status === "rejected" || r.value.isError);
  const why = slowFailed?.status === "rejected"
    ? String(slowFailed.reason)
    : JSON.stringify(slowFailed?.value.content);
  row(
    area,
    `${COUNT} concurrent slow calls (${SLOW_MS} ms each, one per server)`,
    `${slowOk} / ${COUNT}`,
    `all answered in ${ms(now() - t1)}, against the ${SLOW_MS} ms the tool sleeps` +
      (slowFailed ? `; first failure: ${why.slice(0, 150)}` : ""),
  );

  const lost = hub.lines.filter((l) => l.text.includes(" disconnected: "));
  row(
    area,
    "connections lost before the kill (none should be)",
    String(lost.length),
    lost.slice(0, 2).map((l) => l.text.slice(0, 120)).join("; "),
  );

  progress(`all ${COUNT} killed at once`);
  const pings: number[] = [];
  let pinging = true;
  const pinger = (async () => {
    while (pinging) {
      const t = now();
      await hub.client.ping();
      pings.push(now() - t);
      await sleep(5);
    }
  })();
  await sleep(200);
  const tk = now();
  fleet.kill("SIGKILL");
  killed = true;
  await fleet.status;
  await poll("all gone", async () => (await listInstances(hub)).length === 0, 60_000, 20);
  const goneMs = now() - tk;
  const forgot = hub.lines.filter((l) => l.at > tk && l.text.includes(" info: forgot fleet-"));
  const seen = hub.lines.filter((l) => l.at > tk && l.text.includes(" disconnected: "));
  await sleep(300);
  pinging = false;
  await pinger;
  row(
    area,
    `all ${COUNT} killed at once → all gone from instances_list`,
    ms(goneMs),
    `target ≤ 500 ms; "disconnected" logged from ${ms(seen[0]?.at - tk)} to ${
      ms(seen.at(-1)?.at! - tk)
    } (${seen.length}, first: ${seen[0]?.text.split(" disconnected: ")[1]}), "forgot" from ${
      ms(forgot[0]?.at - tk)
    } to ${ms(forgot.at(-1)?.at! - tk)} (${forgot.length})`,
  );
  const sp = stats(pings);
  row(
    area,
    "ping answered meanwhile: max",
    ms(sp.max),
    `target ≤ 50 ms; p50 ${ms(sp.median)}`,
    String(sp.n),
  );
  await hub.close();
}
