// Phase: what the hub adds to a call, compared with calling the instance
// directly, one at a time and with many calls in flight, for a 2026-07-28
// client, a 2025-11-25 client, and (when it runs) v1 of buzz with a 2025
// client. Beside each v2 hub runs the SDK-only proxy (sdk_proxy.ts): the floor
// for any hub on this SDK, so what buzz itself adds shows apart from what the
// SDK costs. Every path is measured in the same interleaved loop, so drift (GC,
// other load on the machine) hits them all alike.

import { connectInstance, type Era } from "../tests/helpers.ts";
import type { Client } from "../shared/sdk.ts";
import {
  CONCURRENCY,
  CONCURRENT_ROUNDS,
  PROXY_CALLS,
  PROXY_WARMUP,
  TARGET_HUB_RATIO,
  TARGET_THROUGHPUT,
} from "./settings.ts";
import { join } from "node:path";
import { ROOT } from "../tests/helpers.ts";
import { fmtNum, mib, ms, now, poll, progress, row, rowStats, stats, timeCalls } from "./stats.ts";
import { type Announced, cleanups, type Hub, memory, startAnnounced } from "./procs.ts";
import { listInstances, rawCall, rawListTools } from "./calls.ts";
import { type HubProc, spawnHub } from "./hubs.ts";
import { type V1, V1_RECORDED } from "./v1.ts";

interface Path {
  label: string;
  direct: Client;
  hub: Client;
  /** The SDK-only proxy with a client of the same era (not for v1). */
  floor?: Client;
  d: number[];
  h: number[];
  o: number[];
  f: number[];
  fo: number[];
}

const timed = async (into: number[], fn: () => Promise<unknown>) => {
  const t = now();
  await fn();
  into.push(now() - t);
};

/** Waits until the hub has the instance connected, and makes it the one calls go to. */
async function hubReady(hub: Pick<Hub, "client">, id: string, v1 = false) {
  await poll(
    `${id} connected in the hub`,
    async () => (await listInstances(hub)).find((x) => x.id === id && x.state === "connected"),
  );
  // v1 had a current instance; v2 routes to the only one by default.
  if (v1) await rawCall(hub.client, "instances_connect", { instance_id: id });
}

async function direct(record: Announced["record"], era: Era) {
  const c = await connectInstance(record, {}, era);
  cleanups.push(() => c.close());
  return c;
}

export async function phaseProxy(project: string, dir: string, hub: Hub, v1: V1 | null) {
  progress("proxy overhead");
  const a = await startAnnounced(project, dir, "proxy");
  const id = a.record.id;
  await hubReady(hub, id);

  const hubs: HubProc[] = [];
  const paths: Path[] = [];
  const modernDirect = await direct(a.record, "modern");
  for (const era of ["modern", "legacy"] as const) {
    const h = await spawnHub({ discoveryDir: dir, era });
    hubs.push(h);
    await hubReady(h, id);
    const floor = await spawnHub({
      discoveryDir: dir,
      era,
      script: [join(ROOT, "bench", "sdk_proxy.ts"), a.record.url, a.record.token],
    });
    hubs.push(floor);
    const c = era === "modern" ? modernDirect : await direct(a.record, era);
    const label = era === "modern" ? "v2, 2026-07-28 client" : "v2, 2025-11-25 client";
    paths.push({
      label,
      direct: c.client,
      hub: h.client,
      floor: floor.client,
      d: [],
      h: [],
      o: [],
      f: [],
      fo: [],
    });
  }
  if (v1) {
    const h = await spawnHub({
      discoveryDir: v1.discoveryDir,
      era: "legacy",
      main: v1.main,
      config: v1.config,
      cwd: v1.worktree,
    });
    hubs.push(h);
    await hubReady(h, v1.record.id, true);
    const c = await direct(v1.record, "legacy");
    paths.push({
      label: "v1, 2025-11-25 client",
      direct: c.client,
      hub: h.client,
      d: [],
      h: [],
      o: [],
      f: [],
      fo: [],
    });
  }

  const viaDirect = (p: Path) => rawCall(p.direct, "scripts_list");
  const viaHub = (p: Path) => rawCall(p.hub, "scripts_list");
  const hubOwn = (p: Path) => rawCall(p.hub, "instances_list");
  const viaFloor = (p: Path) => rawCall(p.floor!, "scripts_list");
  const floorOwn = (p: Path) => rawCall(p.floor!, "own");
  const round = async (p: Path) => {
    await timed(p.d, () => viaDirect(p));
    await timed(p.h, () => viaHub(p));
    await timed(p.o, () => hubOwn(p));
    if (!p.floor) return;
    await timed(p.f, () => viaFloor(p));
    await timed(p.fo, () => floorOwn(p));
  };
  for (let i = 0; i < PROXY_WARMUP; i++) for (const p of paths) await round(p);
  for (const p of paths) Object.assign(p, { d: [], h: [], o: [], f: [], fo: [] });
  for (let i = 0; i < PROXY_CALLS; i++) for (const p of paths) await round(p);

  const area = "proxy";
  const v1Path = paths.find((p) => p.label.startsWith("v1"));
  const v1Direct = v1Path ? stats(v1Path.d).median : V1_RECORDED.directMs;
  const v1Source = v1Path ? "v1 measured in this run" : "v1 recorded";
  for (const p of paths) {
    const sd = rowStats(area, `${p.label}: scripts_list direct (HTTP)`, p.d);
    const sh = rowStats(area, `${p.label}: scripts_list through the hub`, p.h);
    const so = rowStats(area, `${p.label}: stdio round trip (hub's instances_list)`, p.o);
    row(
      area,
      `${p.label}: hub / (direct + stdio), p50`,
      `${(sh.median / (sd.median + so.median)).toFixed(2)}×`,
      `target ≤ ${TARGET_HUB_RATIO}×; hub / direct ${(sh.median / sd.median).toFixed(2)}×, ` +
        `added ${ms(sh.median - sd.median)} per call`,
      String(PROXY_CALLS),
    );
    if (p.floor) {
      const sf = rowStats(area, `${p.label}: scripts_list through the SDK-only proxy`, p.f);
      const sfo = rowStats(area, `${p.label}: SDK-only proxy's stdio round trip`, p.fo);
      row(
        area,
        `${p.label}: SDK-only proxy / (direct + its stdio), p50`,
        `${(sf.median / (sd.median + sfo.median)).toFixed(2)}×`,
        `the floor for a hub on this SDK; buzz's hub adds ${ms(sh.median - sf.median)} ` +
          `per call above it (${ms(so.median - sfo.median)} on its own stdio round trip)`,
        String(PROXY_CALLS),
      );
    }
    if (p !== v1Path) {
      row(
        area,
        `${p.label}: direct p50 / v1 direct p50`,
        `${(sd.median / v1Direct).toFixed(2)}×`,
        `${ms(sd.median)} vs ${ms(v1Direct)} (${v1Source})`,
      );
    }
  }
  if (!v1Path) {
    row(
      area,
      "v1 (recorded, worktree could not run): direct / hub / ratio",
      `${ms(V1_RECORDED.directMs)} / ${ms(V1_RECORDED.hubMs)} / ${V1_RECORDED.hubRatio}×`,
    );
  }
  row(area, "hub RSS with 1 connected instance", mib(memory(hub.pid).rss));

  // What the hub fetches on connect and on every list_changed, and serves from its cache.
  const modern = paths[0];
  for (let i = 0; i < 5; i++) await rawListTools(modern.direct);
  rowStats(
    area,
    "tools/list direct (zod → JSON Schema per call), 2026-07-28",
    await timeCalls(50, () => rawListTools(modern.direct)),
  );
  rowStats(
    area,
    "tools/list through the hub (served from its cache), 2026-07-28",
    await timeCalls(50, () => rawListTools(modern.hub)),
  );

  // Concurrency: CONCURRENCY calls in flight at once; hub, SDK-only proxy and direct rounds
  // alternate.
  progress(`${CONCURRENCY} concurrent callers`);
  const spent = paths.map(() => ({ hub: 0, floor: 0, direct: 0 }));
  const batch = (fn: () => Promise<unknown>) =>
    Promise.all(Array.from({ length: CONCURRENCY }, fn));
  const timedBatch = async (fn: () => Promise<unknown>) => {
    const t = now();
    await batch(fn);
    return now() - t;
  };
  for (let r = -1; r < CONCURRENT_ROUNDS; r++) {
    for (const [i, p] of paths.entries()) {
      // Round -1 warms up.
      const add = (k: "hub" | "floor" | "direct", t: number) => r >= 0 && (spent[i][k] += t);
      add("hub", await timedBatch(() => viaHub(p)));
      if (p.floor) add("floor", await timedBatch(() => viaFloor(p)));
      add("direct", await timedBatch(() => viaDirect(p)));
    }
  }
  const calls = CONCURRENCY * CONCURRENT_ROUNDS;
  const perSec = (ms: number) => calls / (ms / 1000);
  for (const [i, p] of paths.entries()) {
    const { hub, floor, direct } = spent[i];
    row(
      area,
      `${p.label}: ${CONCURRENCY} in flight, hub / direct throughput`,
      `${(direct / hub).toFixed(2)}×`,
      `target ≥ ${TARGET_THROUGHPUT}×; ${fmtNum(perSec(hub))} / ${fmtNum(perSec(direct))} calls/s`,
      String(calls),
    );
    if (p.floor) {
      row(
        area,
        `${p.label}: ${CONCURRENCY} in flight, SDK-only proxy / direct throughput`,
        `${(direct / floor).toFixed(2)}×`,
        `${fmtNum(perSec(floor))} calls/s; the hub reaches ${(floor / hub).toFixed(2)}× of it`,
        String(calls),
      );
    }
  }
  if (!v1Path) {
    row(
      area,
      `v1 (recorded): ${CONCURRENCY} in flight, hub / direct`,
      `${V1_RECORDED.throughput32}×`,
    );
  }

  for (const h of hubs) await h.close();
  return { a, direct: modernDirect };
}
