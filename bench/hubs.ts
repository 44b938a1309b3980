// Hubs the bench starts itself: any buzz checkout's main.ts (this one or the v1
// worktree), a client of either protocol era, and every stderr line stamped
// with when it arrived, so a cold start can be taken apart.

import { Client } from "../shared/sdk.ts";
import { StdioClientTransport } from "../shared/sdk_stdio.ts";
import { type Era, MAIN, pidAlive } from "../tests/helpers.ts";
import { now, sleep } from "./stats.ts";
import { cleanups, type Hub } from "./procs.ts";

export interface HubProc extends Hub {
  era: Era;
  /** performance.now() just before the spawn, and when initialize finished. */
  spawnedAt: number;
  initAt: number;
  /** Every stderr line with the performance.now() it arrived at. */
  lines: { at: number; text: string }[];
}

export interface HubSpec {
  discoveryDir: string;
  era: Era;
  main?: string;
  /** A deno.json for that checkout (the v1 worktree has its own). */
  config?: string;
  cwd?: string;
  logLevel?: "info" | "debug";
  /** Another stdio server to run instead of a hub (deno run arguments after -A). */
  script?: string[];
  /** A Node script to run instead (its path and arguments). */
  node?: string[];
  /**
   * How a 2026-07-28 client learns the era: "sibling" is the SDK's default for its own
   * stdio transport (server/discover goes to a throwaway second process, then the real
   * one starts); "in-place" probes the one process, as a client with its own transport does.
   */
  probe?: "sibling" | "in-place";
}

/** The SDK probes in place on any subclass of its stdio transport (it cannot clone one). */
class InPlaceStdioTransport extends StdioClientTransport {}

export async function spawnHub(spec: HubSpec): Promise<HubProc> {
  const args = spec.node ? [...spec.node] : ["run", "-A"];
  if (spec.config) args.push("--config", spec.config);
  if (spec.node) { /* its own arguments only */ }
  else if (spec.script) args.push(...spec.script);
  else {
    args.push(spec.main ?? MAIN, "--mcp", "--discovery-dir", spec.discoveryDir);
    args.push("--log-level", spec.logLevel ?? "info");
  }
  const Transport = spec.probe === "in-place" ? InPlaceStdioTransport : StdioClientTransport;
  const transport = new Transport({
    command: spec.node ? "node" : Deno.execPath(),
    args,
    // The SDK's stdio client trims the environment; Deno's cache location must survive.
    env: Deno.env.toObject(),
    cwd: spec.cwd,
    stderr: "pipe",
  });
  const lines: { at: number; text: string }[] = [];
  let partial = "";
  const decoder = new TextDecoder();
  transport.stderr?.on("data", (d: Uint8Array) => {
    const at = now();
    const parts = (partial + decoder.decode(d, { stream: true })).split("\n");
    partial = parts.pop()!;
    for (const text of parts) if (lines.length < 5_000) lines.push({ at, text });
  });
  const client = new Client({ name: "buzz-bench", version: "0" }, {
    capabilities: {},
    versionNegotiation: { mode: spec.era === "modern" ? { pin: "2026-07-28" } : "legacy" },
  });
  const spawnedAt = now();
  let closed = false;
  let pid: number | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close().catch(() => {});
    if (pid === undefined) return;
    // The hub exits on stdin EOF; make sure of it.
    const deadline = now() + 3000;
    while (pidAlive(pid) && now() < deadline) await sleep(20);
    if (pidAlive(pid)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  };
  cleanups.push(close);
  try {
    await client.connect(transport);
  } catch (e) {
    pid = transport.pid ?? undefined;
    await close();
    const err = lines.map((l) => l.text).join("\n");
    throw new Error(`hub did not start: ${(e as Error).message}\n${err}`);
  }
  pid = transport.pid!;
  return {
    client,
    pid,
    era: spec.era,
    spawnedAt,
    initAt: now(),
    lines,
    stderr: () => lines.map((l) => l.text).join("\n"),
    close,
  };
}
