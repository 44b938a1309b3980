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
  progress,
  row,
  rowStats,
  sleep,
  stats,
  timeCalls,
} from "./stats.ts";
import { type Announced, cpuMs, type Hub, memory } from "./procs.ts";
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
