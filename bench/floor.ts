// Phase: the hub's cost per call against the floors. One instance; a 2025-11-25 client calls
// urls_list, interleaved, through:
//
// - the hub;
// - the v1 SDK's minimal proxy (bench/sdk1_proxy.mjs, SDK 1.32.2 under Node): the floor the
//   issue names, a proxy as people write one;
// - the v2 SDK's minimal proxy (bench/sdk_proxy.ts), the same on the SDK buzz is built on;
// - directly over HTTP.
//
// Then throughput with 32 calls in flight, rounds alternating. Ratios are taken within the run.
//
//   deno task bench floor

import { join } from "node:path";
import { connectInstance, ROOT } from "../tests/helpers.ts";
import type { Client } from "../shared/sdk.ts";
import { fmtNum, ms, now, poll, progress, row, stats } from "./stats.ts";
import { idleProject } from "./fixture.ts";
import { cleanups, startAnnounced } from "./procs.ts";
import { listInstances, rawCall } from "./calls.ts";
import { spawnHub } from "./hubs.ts";
import { toolDir } from "../tests/tools.ts";

const CALLS = 300;
const WARMUP = 30;
const IN_FLIGHT = 32;
const ROUNDS = 20;
const TARGET_P50 = 1.05;
const TARGET_THROUGHPUT = 1.0;

export async function phaseFloor() {
  const area = "floor";
  toolDir("@modelcontextprotocol/sdk");
  const { project, disco } = await idleProject("floor");
  const a = await startAnnounced(project, disco, "floor");
  cleanups.push(() => void a.inst.stop());
  const { url, token } = a.record;

  const hub = await spawnHub({ discoveryDir: disco, era: "legacy" });
  await poll(
    "the instance connected in the hub",
    async () => (await listInstances(hub)).some((x) => x.state === "connected"),
  );
  const v1 = await spawnHub({
    discoveryDir: disco,
    era: "legacy",
    node: [join(ROOT, "bench", "sdk1_proxy.mjs"), url, token],
  });
  const v2 = await spawnHub({
    discoveryDir: disco,
    era: "legacy",
    script: [join(ROOT, "bench", "sdk_proxy.ts"), url, token],
  });
  const direct = await connectInstance(a.record, {}, "legacy");
  cleanups.push(() => direct.close());
  const paths: { label: string; client: Client; times: number[]; spent: number }[] = [
    { label: "hub", client: hub.client, times: [], spent: 0 },
    { label: "v1 SDK 1.32.2 minimal proxy (Node)", client: v1.client, times: [], spent: 0 },
    { label: "v2 SDK minimal proxy (Deno)", client: v2.client, times: [], spent: 0 },
    { label: "direct (HTTP)", client: direct.client, times: [], spent: 0 },
  ];
  // No tools/list first: the v1 proxy's client would then check every structured result
  // against its tool's output schema (Ajv), and the floor is its cheapest path.

  progress(`urls_list ×${CALLS} on each path, interleaved`);
  for (let i = 0; i < WARMUP + CALLS; i++) {
    for (const p of paths) {
      const t = now();
      await rawCall(p.client, "urls_list");
      if (i >= WARMUP) p.times.push(now() - t);
    }
  }
  const p50 = new Map(paths.map((p) => [p.label, stats(p.times).median]));
  const v1p50 = p50.get(paths[1].label)!;
  for (const p of paths) {
    const s = stats(p.times);
    row(
      area,
      `urls_list p50, 2025-11-25 client: ${p.label}`,
      ms(s.median),
      `${(s.median / v1p50).toFixed(2)}× the v1 proxy` +
        (p === paths[0] ? `; target ≤ ${TARGET_P50}×` : "") + `; p95 ${ms(s.p95)}`,
      String(s.n),
    );
  }

  progress(`${IN_FLIGHT} calls in flight, ${ROUNDS} rounds per path`);
  for (let r = -1; r < ROUNDS; r++) {
    for (const p of paths) {
      const t = now();
      await Promise.all(Array.from({ length: IN_FLIGHT }, () => rawCall(p.client, "urls_list")));
      if (r >= 0) p.spent += now() - t;
    }
  }
  const calls = IN_FLIGHT * ROUNDS;
  const perSec = (p: (typeof paths)[number]) => calls / (p.spent / 1000);
  for (const p of paths) {
    row(
      area,
      `urls_list, ${IN_FLIGHT} in flight: ${p.label}`,
      `${fmtNum(perSec(p))} calls/s`,
      `${(perSec(p) / perSec(paths[1])).toFixed(2)}× the v1 proxy` +
        (p === paths[0] ? `; target ≥ ${TARGET_THROUGHPUT}×` : ""),
      String(calls),
    );
  }
  await v2.close();
  await v1.close();
  await hub.close();
}
