// Phase: a crowd of 2025-era clients at one instance.
//
// - 200 clients at once (the SDK's client: initialize, its GET stream, tools/call
//   scripts_list, close): how many are served, and how long the slowest took;
// - 1,000 initialize-only sessions, 50 in flight at a time, never ended, on a
//   fresh instance: its RSS before, at the peak (VmHWM, reset before the burst)
//   and right after it, with no quiet time for a collection; per session at the peak.
//
//   deno task bench crowd

import { connectInstance } from "../tests/helpers.ts";
import { mib, ms, now, progress, row, sleep, stats } from "./stats.ts";
import { idleProject } from "./fixture.ts";
import { cleanups, memory, startAnnounced } from "./procs.ts";
import { rawCall } from "./calls.ts";

const CROWD = 200;
const SESSIONS = 1000;
const IN_FLIGHT = 50;
const TARGET_PER_SESSION_KB = 20;
const TARGET_BURST_MB = 40;

export async function phaseCrowd() {
  const area = "crowd";
  const { project, disco } = await idleProject("crowd");
  const a = await startAnnounced(project, disco, "crowd");
  cleanups.push(() => void a.inst.stop());

  progress(`${CROWD} 2025 clients at once`);
  const times: number[] = [];
  const failures: string[] = [];
  await Promise.all(Array.from({ length: CROWD }, async () => {
    const t = now();
    try {
      const c = await connectInstance(a.record, {}, "legacy");
      await rawCall(c.client, "scripts_list");
      await c.close();
      times.push(now() - t);
    } catch (e) {
      failures.push((e as Error).message);
    }
  }));
  const s = stats(times);
  row(
    area,
    `${CROWD} 2025 clients at once (initialize, scripts_list, close): served`,
    `${times.length} / ${CROWD}`,
    `target ${CROWD} / ${CROWD}; slowest ${ms(s.max)}, p50 ${ms(s.median)}` +
      (failures.length ? `; first failure: ${failures[0].slice(0, 120)}` : ""),
  );

  await a.inst.stop();
  // As a checkout runs it, then as the installed command does (npm/bin/buzz.cjs's V8 flag).
  await burst(project, disco, "checkout (deno run -A main.ts)", []);
  await burst(project, disco, "installed command's V8 flags", [
    "--v8-flags=--max-semi-space-size=2",
  ]);
}

/** SESSIONS initialize-only sessions on a fresh, settled instance; RSS at the peak and after. */
async function burst(project: string, disco: string, label: string, denoArgs: string[]) {
  const area = "crowd";
  progress(`${SESSIONS} initialize-only sessions, on a fresh instance: ${label}`);
  const b = await startAnnounced(project, disco, "burst", undefined, denoArgs);
  cleanups.push(() => void b.inst.stop());
  const pid = b.inst.pid;
  const headers = {
    authorization: `Bearer ${b.record.token}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "leaky", version: "0" },
    },
  });
  // Past its start-up collection (one second after start-up, collect.ts).
  await sleep(2500);
  const before = memory(pid).rss;
  // Resets VmHWM to the current RSS, so that it reads the burst's own peak.
  await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5");
  let next = 0;
  let refused = 0;
  const t0 = now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next++ < SESSIONS) {
      const r = await fetch(b.record.url, { method: "POST", headers, body });
      await r.body?.cancel();
      if (r.status !== 200) refused++;
    }
  }));
  const burstMs = now() - t0;
  const after = memory(pid);
  const peakGrowth = after.hwm - before;
  row(
    area,
    `${SESSIONS} initialize-only sessions, ${label}: RSS growth at the peak, per session`,
    `${(peakGrowth / SESSIONS).toFixed(1)} KiB`,
    `target ≤ ${TARGET_PER_SESSION_KB} KB; before ${mib(before)}, peak ${mib(after.hwm)}, ` +
      `burst ${ms(burstMs)}, ${refused} refused`,
  );
  row(
    area,
    `${SESSIONS} initialize-only sessions, ${label}: RSS growth right after the burst`,
    mib(after.rss - before),
    `target ≤ ${TARGET_BURST_MB} MB; ${mib(after.rss)} right after`,
  );
  await b.inst.stop();
}
