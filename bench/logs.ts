// Phase: log ingestion (the fixture's flood script through one instance) and
// then logs_tail / logs_search over the full buffer, direct and through the hub.

import { join } from "node:path";
import type { connectInstance } from "../tests/helpers.ts";
import { FLOOD_FIRST, FLOOD_MORE, FLOOD_TOTAL, SEARCH_CALLS, TAIL_CALLS } from "./settings.ts";
import {
  fmtNum,
  mib,
  ms,
  now,
  poll,
  printTable,
  progress,
  row,
  rowStats,
  sleep,
  stats,
  timeCalls,
} from "./stats.ts";
import {
  type Announced,
  cleanupAll,
  cleanups,
  cpuMs,
  type Hub,
  memory,
  startAnnounced,
} from "./procs.ts";
import { rawCall } from "./calls.ts";

export async function phaseLogs(
  project: string,
  a: Announced,
  direct: Awaited<ReturnType<typeof connectInstance>>,
  hub: Hub,
) {
  progress(`log ingestion: ${FLOOD_MORE.toLocaleString("en-US")} lines`);
  const pid = a.inst.pid;
  const area = "logs";
  const rss0 = memory(pid).rss;
  const gates = [join(project, "go1"), join(project, "go2")];
  for (const g of gates) await Deno.remove(g).catch(() => {});

  const run = await rawCall(direct.client, "scripts_run", { name: "flood" });
  const processId = run.process_id as string;
  type Line = { seq: number; time: string; text: string };
  const lastLine = async () => {
    const r = await rawCall(direct.client, "logs_tail", { process_id: processId, limit: 1 });
    return (r.lines as Line[])[0] as Line | undefined;
  };
  const lastLineStarting = (prefix: string) =>
    poll(
      prefix,
      async () => {
        const l = await lastLine();
        return l?.text.startsWith(prefix) ? l : undefined;
      },
      60_000,
      20,
    );
  const marker = await lastLineStarting("phase1-done");
  await sleep(300); // let the instance settle before sampling
  const rss10k = memory(pid).rss;
  const cpu0 = cpuMs(pid);
  const tGate = now();
  await Deno.writeTextFile(gates[0], "");
  const done = await lastLineStarting("phase2-done");
  const seenDone = now() - tGate;
  const cpu1 = cpuMs(pid);
  await sleep(300);
  const mem200k = memory(pid);
  await Deno.writeTextFile(gates[1], "");
  // Stage three: sample RSS as the lines go by, to see where it levels off.
  const rssAt: { seq: number; rss: number }[] = [];
  const final = await poll(
    "flood-done",
    async () => {
      const l = await lastLine();
      if (l) rssAt.push({ seq: l.seq - marker.seq, rss: memory(pid).rss });
      return l?.text.startsWith("flood-done") ? l : undefined;
    },
    60_000,
    20,
  );
  const midway = rssAt.find((x) => x.seq >= (FLOOD_TOTAL + FLOOD_MORE) / 2) ?? rssAt[0];
  await poll("the flood run to exit", async () => {
    const s = await rawCall(direct.client, "scripts_status", { name: "flood" });
    return (s.runs as { state: string }[]).every((r) => r.state !== "running");
  });
  await sleep(300);
  const memEnd = memory(pid);

  const m = /start=(\d+) end=(\d+)/.exec(done.text)!;
  const start = Number(m[1]), end = Number(m[2]);
  const phase2Lines = FLOOD_TOTAL - FLOOD_FIRST;
  const capturedAt = Date.parse(done.time);
  const captureRate = phase2Lines / ((capturedAt - start) / 1000);
  const producerRate = phase2Lines / (Math.max(1, end - start) / 1000);
  const captured = done.seq - marker.seq - 1; // lines strictly between the two markers
  row(
    area,
    "ingestion rate (producer's first line → instance stamps the last)",
    `${fmtNum(captureRate)} lines/s`,
    `${fmtNum(phase2Lines)} lines in ${ms(capturedAt - start)}`,
  );
  row(
    area,
    "producer's own write rate (blocked by the pipe when buzz lags)",
    `${fmtNum(producerRate)} lines/s`,
    `${ms(end - start)} of writing`,
  );
  row(
    area,
    "lines captured / printed",
    `${fmtNum(captured)} / ${fmtNum(phase2Lines)}`,
    captured === phase2Lines ? "none lost" : "MISMATCH",
  );
  row(
    area,
    "instance CPU per 100k lines",
    ms(((cpu1 - cpu0) / phase2Lines) * 100_000),
    `${ms(cpu1 - cpu0)} CPU over ${ms(seenDone)} wall (incl. ≤20 ms poll)`,
  );
  row(area, "instance RSS before the run", mib(rss0));
  row(
    area,
    `instance RSS at ${fmtNum(FLOOD_FIRST)} lines (buffer full)`,
    mib(rss10k),
    `+${mib(rss10k - rss0)} ≈ ${fmtNum(((rss10k - rss0) * 1024) / FLOOD_FIRST)} B/line`,
  );
  row(
    area,
    `instance RSS after ${fmtNum(FLOOD_TOTAL)} lines`,
    mib(mem200k.rss),
    `peak (VmHWM) so far ${mib(mem200k.hwm)}`,
  );
  row(
    area,
    `instance RSS after ${fmtNum(FLOOD_MORE)} lines (run exited)`,
    mib(memEnd.rss),
    `peak (VmHWM) ${mib(memEnd.hwm)}`,
  );
  row(
    area,
    `RSS ratio ${fmtNum(FLOOD_TOTAL)} / ${fmtNum(FLOOD_FIRST)} lines`,
    `${(mem200k.rss / rss10k).toFixed(2)}×`,
    `${fmtNum(FLOOD_MORE)} / ${fmtNum(FLOOD_TOTAL)}: ${(memEnd.rss / mem200k.rss).toFixed(2)}×`,
  );
  row(
    area,
    `RSS ratio ${fmtNum(FLOOD_MORE)} / ~${fmtNum(Math.round(midway.seq / 1000) * 1000)} lines`,
    `${(memEnd.rss / midway.rss).toFixed(2)}×`,
    `${mib(midway.rss)} → ${mib(memEnd.rss)}: levels off when ≈ 1.00×`,
  );

  progress("logs_tail / logs_search over a full buffer");
  const tailArgs = { process_id: processId, limit: 1000 };
  const sample = await direct.client.callTool({ name: "logs_tail", arguments: tailArgs });
  const bytes = JSON.stringify(sample).length;
  for (let i = 0; i < 5; i++) {
    await rawCall(direct.client, "logs_tail", tailArgs);
    await rawCall(hub.client, "logs_tail", tailArgs);
  }
  const td: number[] = [], th: number[] = [];
  for (let i = 0; i < TAIL_CALLS; i++) {
    let t = now();
    await rawCall(direct.client, "logs_tail", tailArgs);
    td.push(now() - t);
    t = now();
    await rawCall(hub.client, "logs_tail", tailArgs);
    th.push(now() - t);
  }
  const sd = rowStats(area, "logs_tail limit 1000 direct", td);
  const sh = rowStats(area, "logs_tail limit 1000 through the hub", th);
  row(
    area,
    "logs_tail limit 1000: hub / direct, result size",
    `${(sh.median / sd.median).toFixed(2)}×`,
    `${fmtNum(bytes / 1024)} KiB of JSON per result`,
    String(TAIL_CALLS),
  );
  const sinceTimes = await timeCalls(
    TAIL_CALLS,
    () => rawCall(direct.client, "logs_tail", { since_seq: final.seq - 5000, limit: 1000 }),
  );
  rowStats(area, "logs_tail since_seq (1000 lines, all runs) direct", sinceTimes);
  const search = await timeCalls(
    SEARCH_CALLS,
    () => rawCall(direct.client, "logs_search", { query: "no such text anywhere" }),
  );
  rowStats(area, "logs_search miss over the 10k-line buffer, direct", search);
  const searchRe = await timeCalls(
    SEARCH_CALLS,
    () =>
      rawCall(direct.client, "logs_search", {
        query: `flood line ${String(FLOOD_MORE - 1).slice(0, -1)}\\d `,
        regex: true,
      }),
  );
  rowStats(area, "logs_search regex (10 hits) over 10k lines, direct", searchRe);

  // What the hub's upstream client does to every proxied result: validate
  // structuredContent against the tool's outputSchema (cached by listTools).
  // Interleaved with plain requests, so drift hits both alike.
  await direct.client.listTools();
  const plain: number[] = [], checked: number[] = [];
  for (let i = 0; i < TAIL_CALLS; i++) {
    let t = now();
    await rawCall(direct.client, "logs_tail", tailArgs);
    plain.push(now() - t);
    t = now();
    const r = await direct.client.callTool({ name: "logs_tail", arguments: tailArgs });
    if (r.isError) throw new Error("logs_tail failed");
    checked.push(now() - t);
  }
  const sp = stats(plain);
  const sv = rowStats(
    area,
    "logs_tail limit 1000 direct, SDK callTool + outputSchema check",
    checked,
  );
  row(
    area,
    "outputSchema check per 1000-line result (vs plain, interleaved)",
    ms(sv.median - sp.median),
    "added to each proxied call by the hub's client; ≈0 = negligible",
    String(TAIL_CALLS),
  );
}

// ---------------------------------------------------------------- supervision

/** A node script that writes lines as fast as it can; `total` counts lines, or BYTES. */
export const floodWriter = (total: string) => `
const fs = require("fs");
const nap = new Int32Array(new SharedArrayBuffer(4));
function out(s) {
  const buf = Buffer.from(s);
  let off = 0;
  while (off < buf.length) {
    try { off += fs.writeSync(1, buf, off); }
    catch (e) { if (e.code !== "EAGAIN") throw e; Atomics.wait(nap, 0, 0, 1); }
  }
}
const tag = process.argv[2] || "x";
const total = ${total};
out("begin " + Date.now() + "\\n");
let s = "", i = 0, bytes = 0;
while (${total.includes("BYTES") ? "bytes < total" : "i < total"}) {
  const line = tag + " line " + i++ + " lorem ipsum dolor sit amet, consectetur adipiscing\\n";
  s += line; bytes += line.length;
  if (s.length > 32768) { out(s); s = ""; }
}
if (s) out(s);
out("end " + Date.now() + " lines=" + i + "\\n");
`;

const PTY_LINES = 1_000_000;
const FLOOD_BYTES = 100 * 1024 * 1024;

/**
 * Ingestion through the pseudo-terminal path (the default for runs), the
 * instance's RSS after a million lines, and request latency while two scripts
 * flood 100 MB each. A separate project and instance, so nothing else competes.
 */
export async function phaseSupervision() {
  const area = "supervision";
  const project = await Deno.makeTempDir({ prefix: "buzz-bench-supervision-" });
  const disco = await Deno.makeTempDir({ prefix: "buzz-bench-supervision-disc-" });
  cleanups.push(() => Deno.remove(project, { recursive: true }));
  cleanups.push(() => Deno.remove(disco, { recursive: true }));
  await Deno.chmod(disco, 0o700);
  await Deno.writeTextFile(join(project, "lines.js"), floodWriter(String(PTY_LINES)));
  await Deno.writeTextFile(
    join(project, "flood.js"),
    floodWriter(`${FLOOD_BYTES} /* BYTES */`),
  );
  await Deno.writeTextFile(
    join(project, "package.json"),
    JSON.stringify({
      private: true,
      scripts: { lines: "node lines.js", flood1: "node flood.js f1", flood2: "node flood.js f2" },
    }),
  );
  const a = await startAnnounced(project, disco, "supervision");
  const { connectInstance } = await import("../tests/helpers.ts");
  const direct = await connectInstance(a.record);
  cleanups.push(() => direct.close());
  type L = { seq: number; time: string; text: string };
  const lastOf = async (id: string) => {
    const r = await rawCall(direct.client, "logs_tail", { process_id: id, limit: 1 });
    return (r.lines as L[])[0] as L | undefined;
  };
  const waitLine = async (pattern: string) => {
    const r = await rawCall(direct.client, "logs_wait", { pattern, timeout_ms: 60_000 });
    return r.line as L;
  };
  const find = async (id: string, prefix: string) => {
    const r = await rawCall(direct.client, "logs_search", { query: prefix, process_id: id });
    return (r.matches as L[]).find((l) => l.text.startsWith(prefix));
  };

  progress(`PTY ingestion: ${fmtNum(PTY_LINES)} lines`);
  const rss0 = memory(a.inst.pid).rss;
  // The buffer keeps the latest 10k lines only: catch the first marker as it passes.
  const beginWait = waitLine("begin ");
  const run = await rawCall(direct.client, "scripts_run", { name: "lines" });
  const id = run.process_id as string;
  const end = await poll(
    "the end line",
    async () => {
      const l = await lastOf(id);
      return l?.text.startsWith("end ") ? l : undefined;
    },
    120_000,
    20,
  );
  const begin = await beginWait;
  const captured = end.seq - begin.seq - 1;
  const secs = (Date.parse(end.time) - Number(begin.text.split(" ")[1])) / 1000;
  row(
    area,
    "ingestion through the PTY (producer's first line → last line stamped)",
    `${fmtNum(PTY_LINES / secs)} lines/s`,
    `${fmtNum(captured)} / ${fmtNum(PTY_LINES)} lines captured` +
      (captured === PTY_LINES ? ", none lost" : ", MISMATCH"),
  );
  await sleep(300);
  const mem = memory(a.inst.pid);
  row(
    area,
    `instance RSS after ${fmtNum(PTY_LINES)} PTY lines`,
    mib(mem.rss),
    `before ${mib(rss0)}; peak (VmHWM) ${mib(mem.hwm)}`,
  );

  progress("requests during a 2 × 100 MB flood");
  const ids: string[] = [];
  const begins: L[] = [];
  for (const name of ["flood1", "flood2"]) {
    const w = waitLine(`${name.replace("flood", "f")} line 0 `);
    ids.push((await rawCall(direct.client, "scripts_run", { name })).process_id as string);
    begins.push(await w);
  }
  const times: number[] = [];
  const deadline = now() + 180_000;
  let finished = 0;
  while (now() < deadline) {
    const t = now();
    const st = await rawCall(direct.client, "scripts_status", {});
    times.push(now() - t);
    const t2 = now();
    await rawCall(direct.client, "logs_tail", { limit: 20 });
    times.push(now() - t2);
    const runs = st.runs as { process_id: string; state: string }[];
    finished = runs.filter((r) => ids.includes(r.process_id) && r.state !== "running").length;
    if (finished === ids.length) break;
  }
  const s = stats(times);
  const sorted = [...times].sort((x, y) => x - y);
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
  row(
    area,
    "scripts_status / logs_tail during a 2 × 100 MB flood",
    `p99 ${ms(p99)}`,
    `median ${ms(s.median)}, max ${ms(s.max)}`,
    String(s.n),
  );
  const marks = await Promise.all(ids.map(async (fid) => ({
    b: begins[ids.indexOf(fid)],
    e: (await find(fid, "end "))!,
  })));
  const want = marks.reduce((n, m) => n + Number(/lines=(\d+)/.exec(m.e.text)![1]), 0);
  const first = Math.min(...marks.map((m) => m.b.seq));
  const last = Math.max(...marks.map((m) => m.e.seq));
  row(
    area,
    "flood lines captured / printed (both runs, between their markers)",
    `${fmtNum(last - first + 1)} / ${fmtNum(want + 2)}`,
    "a few more captured = npm's own header lines; fewer = lost",
  );
  await a.inst.stop();
}

if (import.meta.main) {
  try {
    await phaseSupervision();
    printTable();
  } finally {
    await cleanupAll();
  }
  Deno.exit(0);
}
