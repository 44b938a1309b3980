// Phase: what the hub adds to a call, compared with calling the instance
// directly, one at a time and with several calls in flight.

import { connectInstance } from "../tests/helpers.ts";
import { PROXY_CALLS, PROXY_WARMUP } from "./settings.ts";
import { fmtNum, mib, ms, now, poll, progress, row, rowStats, timeCalls } from "./stats.ts";
import { cleanups, type Hub, memory, startAnnounced } from "./procs.ts";
import { listInstances, rawCall, rawListTools } from "./calls.ts";

export async function phaseProxy(project: string, dir: string, hub: Hub) {
  progress("proxy overhead");
  const a = await startAnnounced(project, dir, "proxy");
  const id = a.record.id;
  await poll(
    "proxy instance connected",
    async () => (await listInstances(hub)).find((x) => x.id === id && x.state === "connected"),
  );
  await rawCall(hub.client, "instances_connect", { instance_id: id });
  const direct = await connectInstance(a.record);
  cleanups.push(() => direct.close());

  const viaDirect = () => rawCall(direct.client, "scripts_list");
  const viaHub = () => rawCall(hub.client, "scripts_list");
  const hubOwn = () => rawCall(hub.client, "instances_list");
  for (let i = 0; i < PROXY_WARMUP; i++) {
    await viaDirect();
    await viaHub();
    await hubOwn();
  }
  const d: number[] = [], h: number[] = [], o: number[] = [];
  // Interleaved, so drift (GC, other load) hits all three alike.
  for (let i = 0; i < PROXY_CALLS; i++) {
    let t = now();
    await viaDirect();
    d.push(now() - t);
    t = now();
    await viaHub();
    h.push(now() - t);
    t = now();
    await hubOwn();
    o.push(now() - t);
  }
  const area = "proxy";
  const sd = rowStats(area, "scripts_list direct (HTTP)", d);
  const sh = rowStats(area, "scripts_list through the hub (stdio → HTTP)", h);
  rowStats(area, "instances_list (hub's own tool, stdio only)", o);
  row(
    area,
    "ratio hub / direct",
    `${(sh.median / sd.median).toFixed(2)}×`,
    `p95 ${(sh.p95 / sd.p95).toFixed(2)}×; added ${ms(sh.median - sd.median)} per call`,
    String(PROXY_CALLS),
  );
  row(area, "hub RSS with 1 connected instance", mib(memory(hub.pid).rss));

  // What the hub fetches on connect and on every list_changed, and serves from its cache.
  for (let i = 0; i < 5; i++) await rawListTools(direct.client);
  rowStats(
    area,
    "tools/list direct (9 tools, zod → JSON Schema per call)",
    await timeCalls(50, () => rawListTools(direct.client)),
  );
  rowStats(
    area,
    "tools/list through the hub (served from its cache)",
    await timeCalls(50, () => rawListTools(hub.client)),
  );

  // Concurrency: 8 calls in flight at once; hub and direct rounds alternate.
  const batch = 8, rounds = 40;
  let hubMs = 0, directMs = 0;
  for (let r = 0; r < rounds; r++) {
    let t = now();
    await Promise.all(Array.from({ length: batch }, viaHub));
    hubMs += now() - t;
    t = now();
    await Promise.all(Array.from({ length: batch }, viaDirect));
    directMs += now() - t;
  }
  const perSec = (batch * rounds) / (hubMs / 1000);
  const perSecDirect = (batch * rounds) / (directMs / 1000);
  row(
    area,
    "scripts_list throughput, 8 in flight: hub / direct",
    `${fmtNum(perSec)} / ${fmtNum(perSecDirect)} calls/s`,
    `ratio ${(perSec / perSecDirect).toFixed(2)}×`,
    String(batch * rounds),
  );
  return { a, direct };
}
