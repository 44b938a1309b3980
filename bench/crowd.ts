// Phase: a crowd of 2025-era clients at one instance.
//
// - 200 clients at once (the SDK's client: initialize, its GET stream, tools/call
//   scripts_list, close): how many are served, and how long the slowest took;
// - 1,000 initialize-only sessions, 50 in flight at a time, never ended, on a
//   fresh instance: its RSS before, at the peak (VmHWM, reset before the burst)
//   and right after it, with no quiet time for a collection; per session at the peak;
//   beside the same burst on the SDK's own stateful server (sdk_sessions_floor.ts).
//
//   deno task bench crowd

import { join } from "node:path";
import { connectInstance } from "../tests/helpers.ts";
import { mib, ms, now, progress, row, sleep, stats } from "./stats.ts";
import { idleProject } from "./fixture.ts";
import { cleanups, firstJsonLine, memory, startAnnounced } from "./procs.ts";
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
  // As `deno run -A main.ts` runs it, then as buzz runs (the installed command, the binaries and
  // deno task pass 1 MB semi-spaces), each beside the SDK's own stateful server with the same
  // V8 flags: the floor under any server that keeps 2025 sessions on this SDK.
  const runs: [string, string[]][] = [
    ["no V8 flags", []],
    ["as buzz runs (1 MB semi-spaces)", [SEMI]],
  ];
  for (const [label, flags] of runs) {
    const b = await startAnnounced(project, disco, "burst", undefined, flags);
    cleanups.push(() => void b.inst.stop());
    const own = await burst(`buzz, ${label}`, b.record.url, b.record.token, b.inst.pid);
    await b.inst.stop();
    const floor = await sdkFloor(flags);
    const sdk = await burst(`the SDK's own stateful server, ${label}`, floor.url, "", floor.pid);
    await floor.stop();
    progress(`buzz / SDK floor, ${label}: ${(own / sdk).toFixed(2)}×`);
  }
}

const SEMI = "--v8-flags=--max-semi-space-size=1";

/** bench/sdk_sessions_floor.ts, started with the given Deno flags. */
async function sdkFloor(denoArgs: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...denoArgs, join(import.meta.dirname!, "sdk_sessions_floor.ts")],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.status;
  };
  cleanups.push(stop);
  const { url } = await firstJsonLine<{ url: string }>(child.stdout, "the SDK floor server");
  return { url, pid: child.pid, stop };
}

/**
 * SESSIONS initialize-only sessions on a fresh, settled server; RSS at the peak and right
 * after. Returns the growth right after, in kB.
 */
async function burst(label: string, url: string, token: string, pid: number): Promise<number> {
  const area = "crowd";
  progress(`${SESSIONS} initialize-only sessions: ${label}`);
  const headers = {
    authorization: `Bearer ${token}`,
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
      const r = await fetch(url, { method: "POST", headers, body });
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
  return after.rss - before;
}
