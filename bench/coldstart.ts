// Phase: hub cold start, from spawn to the first tools/list that already holds
// a running instance's tools (what an agent sees when it starts a session),
// and where that time goes: Deno's own start, module loading, the discovery
// scan, connecting to the instance and fetching its lists.

import { join } from "node:path";
import { type Era, MAIN, ROOT } from "../tests/helpers.ts";
import { COLD_TRIALS, TARGET_COLD_MS } from "./settings.ts";
import { ms, now, poll, progress, row, rowStats, stats } from "./stats.ts";
import { rawListTools } from "./calls.ts";
import { spawnHub } from "./hubs.ts";
import type { V1 } from "./v1.ts";

interface Variant {
  label: string;
  era: Era;
  probe?: "sibling" | "in-place";
  dir: string;
  main?: string;
  config?: string;
  cwd?: string;
}

async function coldStart(v: Variant) {
  const hub = await spawnHub({ ...v, discoveryDir: v.dir, logLevel: "debug" });
  try {
    // The hub holds early lists until start-up settles, so the first one should do.
    let lists = 0;
    await poll(`${v.label}: tools/list with scripts_list`, async () => {
      lists++;
      const { tools } = await rawListTools(hub.client);
      return tools.some((t) => t.name === "scripts_list");
    });
    const listed = now();
    const at = (re: RegExp) => hub.lines.find((l) => re.test(l.text))?.at ?? NaN;
    return {
      total: listed - hub.spawnedAt,
      init: hub.initAt - hub.spawnedAt,
      ready: at(/hub ready/) - hub.spawnedAt,
      connected: at(/connected to /) - hub.spawnedAt,
      lists,
    };
  } finally {
    await hub.close();
  }
}

async function timeRun(args: string[], cwd?: string) {
  const t0 = now();
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return { ms: now() - t0, stdout: new TextDecoder().decode(out.stdout) };
}

export async function phaseColdStart(dir: string, v1: V1 | null) {
  progress(`hub cold start ×${COLD_TRIALS}`);
  const variants: Variant[] = [
    { label: "v2, 2026-07-28 client probing in place", era: "modern", dir, probe: "in-place" },
    {
      label: "v2, 2026-07-28 client, SDK stdio (probes a throwaway sibling hub first)",
      era: "modern",
      dir,
      probe: "sibling",
    },
    { label: "v2, 2025-11-25 client", era: "legacy", dir },
  ];
  if (v1) {
    variants.push({
      label: "v1, 2025-11-25 client",
      era: "legacy",
      dir: v1.discoveryDir,
      main: v1.main,
      config: v1.config,
      cwd: v1.worktree,
    });
  }
  const results = variants.map(() => [] as Awaited<ReturnType<typeof coldStart>>[]);
  // Variants alternate, so load on the machine hits them alike.
  for (let i = 0; i < COLD_TRIALS; i++) {
    for (const [j, v] of variants.entries()) results[j].push(await coldStart(v));
  }
  const area = "cold";
  for (const [j, v] of variants.entries()) {
    const r = results[j];
    const s = rowStats(
      area,
      `${v.label}: hub spawn → tools/list with the instance's tools`,
      r.map((x) => x.total),
    );
    const med = (f: (x: (typeof r)[number]) => number) => stats(r.map(f)).median;
    row(
      area,
      `${v.label}: target ≤ ${TARGET_COLD_MS} ms`,
      s.median <= TARGET_COLD_MS ? "met" : "not met",
      `p50 from spawn: "hub ready" logged ${ms(med((x) => x.ready))}, ` +
        `upstream connected ${ms(med((x) => x.connected))}, ` +
        `client.connect done (initialize or server/discover) ${ms(med((x) => x.init))}; ` +
        `tools/list calls ${Math.max(...r.map((x) => x.lists))} at most`,
      String(r.length),
    );
  }

  // Where the time goes: Deno alone, buzz's entry point, then the hub's steps in a probe process.
  const bare: number[] = [], version: number[] = [];
  const empty = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    for (let i = 0; i < COLD_TRIALS; i++) {
      bare.push((await timeRun(["run", "-A", empty])).ms);
      version.push((await timeRun(["run", "-A", MAIN, "--version"])).ms);
    }
  } finally {
    await Deno.remove(empty);
  }
  rowStats(area, "breakdown: deno run of an empty file, spawn → exit", bare);
  rowStats(area, "breakdown: deno run main.ts --version (no hub modules), spawn → exit", version);
  const probe = join(ROOT, "bench", "coldstart_probe.ts");
  const marks: Record<string, number>[] = [];
  for (let i = 0; i < COLD_TRIALS; i++) {
    const t0 = Date.now();
    const out = await timeRun(["run", "-A", probe, dir]);
    const m = JSON.parse(out.stdout.trim().split("\n").pop()!) as Record<string, number>;
    m["process start → first statement (wall clock)"] = m.wallStart - t0;
    delete m.wallStart;
    marks.push(m);
  }
  const keys = Object.keys(marks[0]).filter((k) => k !== "era");
  keys.unshift(keys.pop()!);
  for (const k of keys) rowStats(area, `breakdown: ${k}`, marks.map((m) => m[k]));
}
