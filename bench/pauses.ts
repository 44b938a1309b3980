// Phase: pauses. A forced full collection (shared/collect.ts) stops a process
// for tens of milliseconds; it must never land while requests wait or work
// streams in. Two checks, each printed as p50/p99/max:
//
// - scripts_status asked over and over from three 2025 sessions while two
//   scripts flood 100 MB of log each;
// - a running instance's discovery file moved out of the hub's directory and
//   back in, 30 times: file moved in → the hub has read it and holds the
//   instance connected (its connection stands: the record is unchanged).
//
//   deno task bench pauses
//
// BUZZ_BENCH_TRACE=1 runs the instance with V8's --trace-gc and the hub at
// --log-level debug (each forced collection logs its cost), and prints every
// pause over 20 ms that either reported, to find where a slow answer came from.

import { join } from "node:path";
import { connectInstance, MAIN } from "../tests/helpers.ts";
import { floodWriter } from "./logs.ts";
import { ms, now, poll, progress, row, sleep, stats } from "./stats.ts";
import { cleanups, startAnnounced } from "./procs.ts";
import { idleProject } from "./fixture.ts";
import { rawCall } from "./calls.ts";
import { spawnHub } from "./hubs.ts";

const FLOOD_BYTES = 100 * 1024 * 1024;
const SESSIONS = 3;
const MOVES = 30;
const TRACE = Deno.env.get("BUZZ_BENCH_TRACE") === "1";
const TARGET_FLOOD_P99 = 250;
const TARGET_MOVE_P99 = 20;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};

async function tempDir(prefix: string, mode?: number) {
  const dir = await Deno.makeTempDir({ prefix });
  cleanups.push(() => Deno.remove(dir, { recursive: true }));
  if (mode) await Deno.chmod(dir, mode);
  return dir;
}

export async function phasePauses() {
  await floodProbes();
  await discoveryMoves();
}

export async function floodProbes() {
  const area = "pauses";
  const project = await tempDir("buzz-bench-pauses-");
  const disco = await tempDir("buzz-bench-pauses-disc-", 0o700);
  await Deno.writeTextFile(join(project, "flood.js"), floodWriter(`${FLOOD_BYTES} /* BYTES */`));
  await Deno.writeTextFile(
    join(project, "package.json"),
    JSON.stringify({
      private: true,
      scripts: { flood1: "node flood.js f1", flood2: "node flood.js f2" },
    }),
  );
  let record;
  if (TRACE) {
    // Its own process, so that the trace (on stdout) can be read.
    const proc = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--trace-gc",
        MAIN,
        "--no-tui",
        "--dir",
        project,
        "--discovery-dir",
        disco,
        "--log-level",
        "debug",
      ],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const lines: string[] = [];
    for (const stream of [proc.stdout, proc.stderr]) {
      (async () => {
        let part = "";
        for await (const c of stream.pipeThrough(new TextDecoderStream())) {
          const parts = (part + c).split("\n");
          part = parts.pop()!;
          for (const l of parts) lines.push(`${now().toFixed(0)} ${l}`);
        }
      })().catch(() => {});
    }
    cleanups.push(async () => {
      try {
        proc.kill("SIGTERM");
      } catch { /* gone */ }
      await proc.status;
      const slow = lines.filter((l) => {
        const m = /(?:Mark-Compact|Scavenge|Mark-sweep)[^,]*?, ([\d.]+) \/|gc ([\d.]+) ms/.exec(l);
        return m && Number(m[1] ?? m[2]) > 20;
      });
      progress(`instance pauses over 20 ms:\n${slow.join("\n")}`);
    });
    const file = await poll("the traced instance's file", async () => {
      for await (const e of Deno.readDir(disco)) if (e.name.endsWith(".json")) return e.name;
    }, 30_000);
    record = JSON.parse(await Deno.readTextFile(join(disco, file)));
  } else {
    record = (await startAnnounced(project, disco, "pauses")).record;
  }
  const clients = await Promise.all(
    Array.from({ length: SESSIONS }, () => connectInstance(record, {}, "legacy")),
  );
  for (const c of clients) cleanups.push(() => c.close());
  const c0 = clients[0].client;

  progress(`scripts_status from ${SESSIONS} sessions during a 2 × 100 MB flood`);
  const ids: string[] = [];
  for (const name of ["flood1", "flood2"]) {
    ids.push((await rawCall(c0, "scripts_run", { name })).process_id as string);
  }
  const times: number[] = [];
  let done = false;
  const deadline = now() + 180_000;
  await Promise.all(clients.map(async ({ client }, i) => {
    await sleep(i * 7);
    while (!done && now() < deadline) {
      const t = now();
      const st = await rawCall(client, "scripts_status", {});
      times.push(now() - t);
      const runs = st.runs as { process_id: string; state: string }[];
      if (runs.filter((r) => ids.includes(r.process_id) && r.state !== "running").length === 2) {
        done = true;
      }
    }
  }));
  const s = stats(times);
  row(
    area,
    `scripts_status during a 2 × 100 MB flood, ${SESSIONS} sessions: p99`,
    ms(pct(times, 0.99)),
    `target ≤ ${TARGET_FLOOD_P99} ms; p50 ${ms(s.median)}, max ${ms(s.max)}`,
    String(s.n),
  );
}

export async function discoveryMoves() {
  const area = "pauses";
  const { project, disco } = await idleProject("moves");
  const aside = await tempDir("buzz-bench-moves-aside-", 0o700);
  const a = await startAnnounced(project, disco, "moves");
  const hub = await spawnHub({ discoveryDir: disco, era: "legacy", logLevel: "debug" });
  const id = a.record.id;
  const lineAfter = (t: number, text: string) =>
    poll(
      `"${text}" in the hub's log`,
      () => hub.lines.find((l) => l.at >= t && l.text.includes(text)),
    );
  await lineAfter(0, `connected to ${id}`);
  const before = hub.lines.filter((l) => l.text.includes(`connected to ${id}`)).length;
  progress(`discovery file moved in ×${MOVES}`);
  const inside = a.file;
  const outside = join(aside, `${id}.json`);
  const lat: number[] = [];
  for (let i = 0; i < MOVES; i++) {
    // A connected instance whose file goes stays connected; its file coming back unchanged
    // is the same instance, whose connection stands.
    await Deno.rename(inside, outside);
    // Varied waits, so that moves land in every part of the hub's quiet time after a connection.
    await sleep(100 + (i * 137) % 1400);
    const t = now();
    await Deno.rename(outside, inside);
    lat.push((await lineAfter(t, `${id} announced again, unchanged`)).at - t);
  }
  const reconnects = hub.lines.filter((l) => l.text.includes(`connected to ${id}`)).length - before;
  const s = stats(lat);
  row(
    area,
    `discovery file moved in → read, instance connected (hub's log), ×${MOVES}: p99`,
    ms(pct(lat, 0.99)),
    `target ≤ ${TARGET_MOVE_P99} ms; p50 ${ms(s.median)}, max ${ms(s.max)}; ` +
      `connections made again: ${reconnects}`,
    String(s.n),
  );
  if (TRACE) {
    const slow = hub.lines.filter((l) => /collected: gc/.test(l.text));
    progress(`hub collections:\n${slow.map((l) => `${l.at.toFixed(0)} ${l.text}`).join("\n")}`);
    progress(`moves ended at: ${lat.map((x) => x.toFixed(1)).join(" ")}`);
  }
  await hub.close();
  await a.inst.stop();
}
