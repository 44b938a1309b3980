// The processes the bench starts and watches: /proc readers for memory and
// CPU, the cleanup registry that stops everything on the way out, and spawning
// instances (announced through the discovery directory) and the hub (over stdio).

import { join } from "node:path";
import { Client, StdioClientTransport } from "../shared/sdk.ts";
import { type DiscoveryRecord, parseDiscoveryRecord } from "../shared/discovery.ts";
import { jsonFiles, MAIN, pidAlive, spawnLogged } from "../tests/helpers.ts";
import { now, progress, sleep } from "./stats.ts";

/** VmRSS and VmHWM (peak RSS) in kB, from /proc/<pid>/status. */
export function memory(pid: number): { rss: number; hwm: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

const CLK_TCK = 100; // Linux USER_HZ, the unit of utime/stime in /proc/<pid>/stat
/** User + system CPU time of a process, in ms. */
export function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the ")" the fields start at #3 (state); utime is #14, stime #15.
  return (Number(fields[11]) + Number(fields[12])) * (1000 / CLK_TCK);
}

// ---------------------------------------------------------------- cleanup

export const cleanups: (() => Promise<void> | void)[] = [];
export async function cleanupAll() {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (e) {
      progress(`cleanup: ${(e as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------- processes

export interface Instance {
  proc: Deno.ChildProcess;
  pid: number;
  spawnedAt: number;
  exited: () => boolean;
  stderr: () => string;
  /** Signals it (unless it has exited) and waits for exit; returns ms from signal to exit. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Waits for exit without signalling. */
  waitExit(): Promise<void>;
}

export function spawnInstance(project: string, discoveryDir: string, name: string): Instance {
  const spawnedAt = now();
  const child = spawnLogged(Deno.execPath(), {
    args: [
      "run", "--cpu-prof", "--cpu-prof-dir=/tmp/iprof",
      "-A",
      MAIN,
      "--no-tui",
      "--dir",
      project,
      "--discovery-dir",
      discoveryDir,
      "--name",
      name,
      "--grace-ms",
      "500",
    ],
  });
  const inst: Instance = {
    proc: child.proc,
    pid: child.proc.pid,
    spawnedAt,
    exited: () => child.exited() !== undefined,
    stderr: child.stderr,
    async stop(signal: Deno.Signal = "SIGTERM") {
      const t0 = now();
      await child.stop(signal);
      return now() - t0;
    },
    async waitExit() {
      await child.proc.status;
    },
  };
  cleanups.push(async () => void await child.stop("SIGTERM", 3000));
  return inst;
}

/** Resolves with the name of the next announcement file to appear in dir (watching, not polling). */
export async function nextAnnouncement(
  dir: string,
  before: Set<string>,
  inst: Instance,
  timeoutMs = 20_000,
): Promise<{ name: string; at: number }> {
  const watcher = Deno.watchFs(dir, { recursive: false });
  const timer = setTimeout(() => watcher.close(), timeoutMs);
  const exitCheck = setInterval(() => {
    if (inst.exited()) watcher.close();
  }, 50);
  try {
    // A file may have landed before the watcher started.
    const early = jsonFiles(dir).find((n) => !before.has(n));
    if (early) return { name: early, at: now() };
    for await (const _ of watcher) {
      const found = jsonFiles(dir).find((n) => !before.has(n));
      if (found) return { name: found, at: now() };
    }
  } finally {
    clearTimeout(timer);
    clearInterval(exitCheck);
    try {
      watcher.close();
    } catch { /* closed */ }
  }
  throw new Error(`no announcement appeared (instance exited: ${inst.exited()})\n${inst.stderr()}`);
}

export interface Announced {
  inst: Instance;
  record: DiscoveryRecord;
  file: string;
  /** performance.now() when the bench saw the file. */
  seenAt: number;
  /** The file's mtime (wall clock, ms): when the instance wrote it. */
  mtime: number;
}

export async function startAnnounced(
  project: string,
  dir: string,
  name: string,
): Promise<Announced> {
  const before = new Set(jsonFiles(dir));
  const inst = spawnInstance(project, dir, name);
  const { name: fileName, at } = await nextAnnouncement(dir, before, inst);
  const file = join(dir, fileName);
  const [text, info] = await Promise.all([Deno.readTextFile(file), Deno.stat(file)]);
  return {
    inst,
    record: parseDiscoveryRecord(text),
    file,
    seenAt: at,
    mtime: info.mtime?.getTime() ?? NaN,
  };
}

export interface Hub {
  client: Client;
  pid: number;
  stderr: () => string;
  close(): Promise<void>;
}

export async function startHub(discoveryDir: string): Promise<{ hub: Hub; initMs: number }> {
  const t0 = now();
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "--cpu-prof", "--cpu-prof-dir=/tmp/iprof", "-A", MAIN, "--mcp", "--discovery-dir", discoveryDir, "--log-level", "info"],
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (d: Uint8Array) => {
    err = (err + new TextDecoder().decode(d)).slice(-20_000);
  });
  const client = new Client({ name: "buzz-bench", version: "0" }, { capabilities: {} });
  await client.connect(transport);
  const initMs = now() - t0;
  const pid = transport.pid!;
  let closed = false;
  const hub: Hub = {
    client,
    pid,
    stderr: () => err,
    async close() {
      if (closed) return;
      closed = true;
      await client.close().catch(() => {});
      // The hub exits on stdin EOF; make sure of it.
      const deadline = now() + 3000;
      while (pidAlive(pid) && now() < deadline) await sleep(20);
      if (pidAlive(pid)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
      }
    },
  };
  cleanups.push(() => hub.close());
  return { hub, initMs };
}
