// Phase: hub cold start as an agent sees it, from spawn to the answer to the
// client's first message (a 2025-era `initialize`, or a 2026-07-28
// `server/discover` sent in place) and on to the first tools/list that holds a
// running instance's tools; and where that time goes.
//
// The measuring client is bare: it writes its first JSON line the moment the
// hub is spawned and reads lines back, so no client library sits in the
// measured path (this is a stopwatch, not an MCP client of buzz's). The SDK's
// own stdio client is measured beside it, and so are the floors: Deno running
// an empty file and `main.ts --version`, alternating with the hubs.

import { join } from "node:path";
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LATEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
} from "../shared/sdk.ts";
import { type Era, MAIN, ROOT } from "../tests/helpers.ts";
import { COLD_TRIALS, POLL_MS, TARGET_COLD_MS } from "./settings.ts";
import { ms, now, poll, progress, row, rowStats, sleep, stats } from "./stats.ts";
import { rawListTools } from "./calls.ts";
import { spawnHub } from "./hubs.ts";
import { cleanups, cpuMs } from "./procs.ts";
import type { V1 } from "./v1.ts";

const GOAL_COLD_MS = 150;
/** A tool every buzz instance lists: the hub's list holds the instance's tools once it is there. */
const INSTANCE_TOOL = "scripts_list";

interface Variant {
  label: string;
  era: Era;
  /** "bare": the stopwatch client below; the others are the SDK's StdioClientTransport. */
  client: "bare" | "sdk" | "sdk-sibling";
  dir: string;
  main?: string;
  config?: string;
  cwd?: string;
}

interface Result {
  /** ms from spawn: the first answer, "hub ready" and "connected to" logged, the full list. */
  answer: number;
  ready: number;
  connected: number;
  listed: number;
  lists: number;
  /** The hub's CPU time (every thread) when the full list arrived. */
  cpu: number;
}

function hubArgs(v: Variant): string[] {
  return [
    "run",
    "-A",
    ...(v.config ? ["--config", v.config] : []),
    v.main ?? MAIN,
    "--mcp",
    "--discovery-dir",
    v.dir,
    "--log-level",
    "debug",
  ];
}

/** What a 2026-07-28 client puts in every request's _meta. */
const MODERN_META = {
  [PROTOCOL_VERSION_META_KEY]: "2026-07-28",
  [CLIENT_INFO_META_KEY]: { name: "buzz-bench", version: "0" },
  [CLIENT_CAPABILITIES_META_KEY]: {},
};

function firstMessage(era: Era) {
  return era === "modern"
    ? { jsonrpc: "2.0", id: 0, method: "server/discover", params: { _meta: MODERN_META } }
    : {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: "buzz-bench", version: "0" },
      },
    };
}

/** Collects a stream's lines, each with the performance.now() it arrived at. */
async function stampLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (text: string, at: number) => void | Promise<void>,
) {
  let partial = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const at = now();
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    for (const text of parts) await onLine(text, at);
  }
}

async function bareColdStart(v: Variant): Promise<Result> {
  const encoder = new TextEncoder();
  const stderr: { at: number; text: string }[] = [];
  const spawnedAt = now();
  const child = new Deno.Command(Deno.execPath(), {
    args: hubArgs(v),
    cwd: v.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const send = (m: unknown) => writer.write(encoder.encode(JSON.stringify(m) + "\n"));
  const sent = send(firstMessage(v.era));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await writer.close().catch(() => {});
    // The hub exits on stdin EOF; make sure of it.
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 3000);
    await child.status;
    clearTimeout(timer);
  };
  cleanups.push(close);
  const errDone = stampLines(child.stderr, (text, at) => void stderr.push({ at, text }));

  let answer = NaN, listed = NaN, cpu = NaN, lists = 0;
  const { promise: done, resolve, reject } = Promise.withResolvers<void>();
  const list = () =>
    send({
      jsonrpc: "2.0",
      id: ++lists,
      method: "tools/list",
      ...(v.era === "modern" && { params: { _meta: MODERN_META } }),
    });
  const outDone = stampLines(child.stdout, async (text, at) => {
    const m = JSON.parse(text);
    if (m.id === 0) {
      answer = at - spawnedAt;
      if (v.era === "legacy") await send({ jsonrpc: "2.0", method: "notifications/initialized" });
      await list();
    } else if (m.id === lists && m.result && Number.isNaN(listed)) {
      if (m.result.tools.some((t: { name: string }) => t.name === INSTANCE_TOOL)) {
        listed = at - spawnedAt;
        cpu = cpuMs(child.pid);
        resolve();
      } else {
        await sleep(POLL_MS);
        await list();
      }
    } else if (m.error) {
      reject(new Error(`${v.label}: ${JSON.stringify(m.error)}`));
    }
  }).then(() => reject(new Error(`${v.label}: the hub closed stdout`)));
  const timer = setTimeout(
    () => reject(new Error(`${v.label}: no full tools/list in 15 s`)),
    15_000,
  );
  try {
    await sent;
    await done;
  } catch (e) {
    await close();
    throw new Error(`${(e as Error).message}\n${stderr.map((l) => l.text).join("\n")}`);
  } finally {
    clearTimeout(timer);
  }
  await close();
  await Promise.allSettled([outDone, errDone]);
  const at = (re: RegExp) => (stderr.find((l) => re.test(l.text))?.at ?? NaN) - spawnedAt;
  return {
    answer,
    ready: at(/hub ready/),
    connected: at(/connected to /),
    listed,
    lists,
    cpu,
  };
}

async function sdkColdStart(v: Variant): Promise<Result> {
  const hub = await spawnHub({
    ...v,
    discoveryDir: v.dir,
    logLevel: "debug",
    probe: v.client === "sdk-sibling" ? "sibling" : "in-place",
  });
  try {
    let lists = 0;
    await poll(`${v.label}: tools/list with ${INSTANCE_TOOL}`, async () => {
      lists++;
      const { tools } = await rawListTools(hub.client);
      return tools.some((t) => t.name === INSTANCE_TOOL);
    });
    const listed = now() - hub.spawnedAt;
    const cpu = cpuMs(hub.pid);
    const at = (re: RegExp) => (hub.lines.find((l) => re.test(l.text))?.at ?? NaN) - hub.spawnedAt;
    return {
      answer: hub.initAt - hub.spawnedAt,
      ready: at(/hub ready/),
      connected: at(/connected to /),
      listed,
      lists,
      cpu,
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
    { label: "2025-11-25 client (`initialize`)", era: "legacy", client: "bare", dir },
    {
      label: "2026-07-28 client (`server/discover` in place)",
      era: "modern",
      client: "bare",
      dir,
    },
    { label: "SDK stdio client, 2025-11-25", era: "legacy", client: "sdk", dir },
    { label: "SDK stdio client, 2026-07-28 probing in place", era: "modern", client: "sdk", dir },
    {
      label: "SDK stdio client, 2026-07-28 (probes a throwaway sibling hub first)",
      era: "modern",
      client: "sdk-sibling",
      dir,
    },
  ];
  variants.push({
    label: "floor: the SDK's stdio server alone, one tool, 2025-11-25 client",
    era: "legacy",
    client: "bare",
    dir,
    main: join(ROOT, "bench", "sdk_floor_server.ts"),
  });
  if (v1) {
    variants.push({
      label: "v1 hub, 2025-11-25 client (`initialize`)",
      era: "legacy",
      client: "bare",
      dir: v1.discoveryDir,
      main: v1.main,
      config: v1.config,
      cwd: v1.worktree,
    });
  }
  const results = variants.map(() => [] as Result[]);
  const empty = await Deno.makeTempFile({ suffix: ".ts" });
  const bare: number[] = [], version: number[] = [];
  // Variants and floors alternate, so load on the machine hits them alike.
  try {
    for (let i = 0; i < COLD_TRIALS; i++) {
      bare.push((await timeRun(["run", "-A", empty])).ms);
      version.push((await timeRun(["run", "-A", MAIN, "--version"])).ms);
      for (const [j, v] of variants.entries()) {
        results[j].push(await (v.client === "bare" ? bareColdStart(v) : sdkColdStart(v)));
      }
    }
  } finally {
    await Deno.remove(empty);
  }

  const area = "cold";
  const floor = stats(version).median;
  rowStats(area, "floor: deno run of an empty file, spawn → exit", bare);
  rowStats(area, "floor: deno run -A main.ts --version, spawn → exit", version);
  for (const [j, v] of variants.entries()) {
    const r = results[j];
    const med = (f: (x: Result) => number) => stats(r.map(f)).median;
    rowStats(area, `${v.label}: spawn → its first message answered`, r.map((x) => x.answer));
    const s = rowStats(
      area,
      `${v.label}: spawn → tools/list with the instance's tools`,
      r.map((x) => x.listed),
    );
    row(
      area,
      `${v.label}: target ≤ ${TARGET_COLD_MS} ms (goal ${GOAL_COLD_MS} ms)`,
      s.median <= GOAL_COLD_MS ? "goal met" : s.median <= TARGET_COLD_MS ? "met" : "not met",
      `p50 from spawn: "hub ready" logged ${ms(med((x) => x.ready))}, ` +
        `instance connected ${ms(med((x) => x.connected))}; ` +
        `${ms(s.median - floor)} over the --version floor; ` +
        `hub CPU by then ${ms(med((x) => x.cpu))}; ` +
        `tools/list calls ${Math.max(...r.map((x) => x.lists))} at most`,
      String(r.length),
    );
  }

  // Where the time goes inside one process: the hub's start-up steps, each timed.
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
