// The processes the bench starts and watches: /proc readers for memory and
// CPU, the cleanup registry that stops everything on the way out, and spawning
// instances (announced through the discovery directory) and the hub (over stdio).

import { join } from "node:path";
import type { Client } from "../shared/sdk.ts";
import { type DiscoveryRecord, parseDiscoveryRecord } from "../shared/discovery.ts";
import { jsonFiles, MAIN, spawnLogged } from "../tests/helpers.ts";
import { now, progress } from "./stats.ts";

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

/** Another buzz checkout to run instead of this one (the v1 worktree), with its own deno.json. */
export interface Checkout {
  main: string;
  config: string;
  cwd: string;
}

export function spawnInstance(
  project: string,
  discoveryDir: string,
  name: string,
  checkout?: Checkout,
  /** Deno options before the program, such as --v8-flags. */
  denoArgs: string[] = [],
): Instance {
  const spawnedAt = now();
  const child = spawnLogged(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...denoArgs,
      ...(checkout ? ["--config", checkout.config, checkout.main] : [MAIN]),
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
    cwd: checkout?.cwd,
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
  checkout?: Checkout,
  denoArgs: string[] = [],
): Promise<Announced> {
  const before = new Set(jsonFiles(dir));
  const inst = spawnInstance(project, dir, name, checkout, denoArgs);
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

/** The first line a child prints on stdout, parsed as JSON (how the bench's servers say they are up). */
export async function firstJsonLine<T>(
  stdout: ReadableStream<Uint8Array>,
  who: string,
): Promise<T> {
  const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${who} exited before it said it was up`);
    out += value;
  }
  reader.releaseLock();
  return JSON.parse(out.split("\n")[0]) as T;
}
