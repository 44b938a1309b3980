// Shared plumbing for the end-to-end tests: real buzz processes, real files,
// real sockets. Every helper returns something with a cleanup method.

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, type ClientOptions, StreamableHTTPClientTransport } from "../shared/sdk.ts";
import { StdioClientTransport } from "../shared/sdk_stdio.ts";
import { type DiscoveryRecord, parseDiscoveryRecord } from "../shared/discovery.ts";
import { pidAlive } from "../shared/pid.ts";

export { pidAlive };

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const MAIN = join(ROOT, "main.ts");
export const FIXTURE = join(ROOT, "tests", "fixtures", "webapp");

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn returns a truthy value; tests may poll, buzz itself never does. */
export async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Ports freePort handed out: the kernel may offer a port it just freed again. */
const handedOut = new Set<number>();

/** A port nothing listens on right now, and not given before, for a server the test starts. */
export function freePort(): number {
  while (true) {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

// Every temp dir a test file makes is removed when that test file's process ends,
// pass or fail, so a failing assertion never leaves files behind.
const made: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of made) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone */ }
  }
});

export async function tempDir(prefix = "buzz-test-"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  made.push(dir);
  return dir;
}

/** A copy of the fixture project, so tests never share a directory. */
export async function fixtureCopy(): Promise<string> {
  const dir = await tempDir("buzz-project-");
  for await (const f of Deno.readDir(FIXTURE)) {
    await Deno.copyFile(join(FIXTURE, f.name), join(dir, f.name));
  }
  return dir;
}

export function jsonFiles(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n.endsWith(".json") && !n.startsWith(".")
    );
  } catch {
    return [];
  }
}

export interface RunningInstance {
  proc: Deno.ChildProcess;
  record: DiscoveryRecord;
  file: string;
  stderr: () => string;
  /** Sends the signal and waits for exit. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Starts `buzz --no-tui` and waits for its discovery file. */
export async function startInstance(
  opts: {
    project: string;
    discoveryDir: string;
    args?: string[];
    name?: string;
    /** Added to this process's environment (e.g. a PATH with the test tools' commands). */
    env?: Record<string, string>;
  },
): Promise<RunningInstance> {
  const before = new Set(jsonFiles(opts.discoveryDir));
  const args = [
    "run",
    "-A",
    MAIN,
    "--no-tui",
    "--dir",
    opts.project,
    "--discovery-dir",
    opts.discoveryDir,
  ];
  if (opts.name) args.push("--name", opts.name);
  const child = spawnLogged(Deno.execPath(), {
    args: [...args, ...(opts.args ?? [])],
    env: opts.env,
  });
  const name = await until("the discovery file", () => {
    const status = child.exited();
    if (status) throw new Error(`instance exited (${status.code}) early:\n${child.stderr()}`);
    return jsonFiles(opts.discoveryDir).find((n) => !before.has(n));
  }, 20_000);
  const file = join(opts.discoveryDir, name);
  const record = parseDiscoveryRecord(await Deno.readTextFile(file));
  return { proc: child.proc, record, file, stderr: child.stderr, stop: (s) => child.stop(s) };
}

export interface Spawned {
  proc: Deno.ChildProcess;
  /** The tail of what it wrote to stderr. */
  stderr: () => string;
  /** Its status once it has exited. */
  exited: () => Deno.CommandStatus | undefined;
  /** Signals it unless it has exited (SIGKILL after killAfterMs, if given) and waits for exit. */
  stop(signal?: Deno.Signal, killAfterMs?: number): Promise<Deno.CommandStatus>;
}

/** SIGTERM (if it still runs), SIGKILL after killAfterMs, and its exit status. */
export async function stopChild(
  proc: Deno.ChildProcess,
  killAfterMs: number,
): Promise<Deno.CommandStatus> {
  const kill = (signal: Deno.Signal) => {
    try {
      proc.kill(signal);
    } catch { /* already gone */ }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), killAfterMs);
  try {
    return await proc.status;
  } finally {
    clearTimeout(timer);
  }
}

/** Spawns a process with no stdin or stdout, keeping the last 20,000 characters of its stderr. */
export function spawnLogged(
  command: string,
  options: Omit<Deno.CommandOptions, "stdin" | "stdout" | "stderr">,
): Spawned {
  const proc = new Deno.Command(command, {
    ...options,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let err = "";
  (async () => {
    for await (const chunk of proc.stderr.pipeThrough(new TextDecoderStream())) {
      err = (err + chunk).slice(-20_000);
    }
  })().catch(() => {});
  let status: Deno.CommandStatus | undefined;
  // Awaiting the status also lets Deno reap the child at once, so a killed
  // process does not linger as a zombie that still answers kill(pid, 0).
  proc.status.then((s) => status = s);
  const kill = (signal: Deno.Signal) => {
    try {
      proc.kill(signal);
    } catch { /* already gone */ }
  };
  return {
    proc,
    stderr: () => err,
    exited: () => status,
    async stop(signal = "SIGTERM", killAfterMs) {
      if (status) return status;
      kill(signal);
      const timer = killAfterMs === undefined
        ? undefined
        : setTimeout(() => kill("SIGKILL"), killAfterMs);
      try {
        return await proc.status;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Which protocol era a test client speaks: 2026-07-28 ("modern") or 2025-11-25 ("legacy"). */
export type Era = "modern" | "legacy";

function newClient(era: Era, opts: ClientOptions = {}): Client {
  return new Client({ name: "buzz-test", version: "0" }, {
    ...opts,
    versionNegotiation: { mode: era === "modern" ? { pin: "2026-07-28" } : "legacy" },
  });
}

/** An SDK client talking straight to an instance over Streamable HTTP. */
export async function connectInstance(
  record: DiscoveryRecord,
  capabilities = {},
  era: Era = "modern",
) {
  const transport = new StreamableHTTPClientTransport(new URL(record.url), {
    requestInit: { headers: { authorization: `Bearer ${record.token}` } },
  });
  const client = newClient(era, { capabilities });
  await client.connect(transport);
  return {
    client,
    async close() {
      // A 2025 session lives on in the instance until it is ended.
      if (transport.sessionId) await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** The CA, proxy and cache variables: a user's agent inherits them from the user's shell. */
const NETWORK_VARS = [
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "DENO_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
];
/** What `npm exec`/`npx` sets to describe its own run; a user's shell has none of it. */
const NPM_RUN_VARS =
  /^npm_config_(prefix|global_prefix|local_prefix|userconfig|globalconfig|init_module|node_gyp|nodedir|user_agent|npm_version|yes)$/i;

/**
 * A trimmed environment (`kept` and nothing else of this process's) plus the variables any real
 * agent passes on: the TLS and proxy settings and npm's `npm_config_*`, without which a child
 * behind a TLS-intercepting proxy cannot reach a registry, and DENO_DIR (Deno's module cache,
 * which .ci/run keeps outside HOME). `kept` wins over them.
 */
export function trimmedEnv(kept: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (NETWORK_VARS.includes(k) || (/^npm_config_/i.test(k) && !NPM_RUN_VARS.test(k))) env[k] = v;
  }
  for (const [k, v] of Object.entries(kept)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * A real hub over stdio, driven by the SDK's stdio client. The client trims the
 * child's environment, so the variables Deno needs here are passed on.
 */
export async function startHub(
  discoveryDir: string,
  capabilities = {},
  setup: (client: Client) => void = () => {},
  opts: { era?: Era; cwd?: string; env?: Record<string, string> } = {},
) {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "--mcp", "--discovery-dir", discoveryDir, "--log-level", "debug"],
    env: opts.env ?? Deno.env.toObject(),
    cwd: opts.cwd,
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (d: Uint8Array) => err += new TextDecoder().decode(d));
  const client = newClient(opts.era ?? "modern", { capabilities });
  setup(client);
  await client.connect(transport);
  return {
    client,
    transport,
    pid: transport.pid,
    stderr: () => err,
    close: () => client.close(),
  };
}

export type Structured = Record<string, unknown>;

/** Calls a tool and returns its structuredContent, failing loudly on isError. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent as Structured;
}

/** Pids of live processes whose working directory is dir (Linux /proc): a project's whole tree. */
export function processesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readLinkSync(`/proc/${entry.name}/cwd`) === dir && pidAlive(Number(entry.name))) {
        pids.push(Number(entry.name));
      }
    } catch { /* gone, or not ours to look at */ }
  }
  return pids;
}

/** Last-resort cleanup for a failed test: kill whatever still runs in dir. */
export function killProcessesIn(dir: string): void {
  for (const pid of processesIn(dir)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
}
