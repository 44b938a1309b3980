// Outside clients against real processes, with tools buzz shares no code with:
//
// 1. the official MCP conformance suite against a buzz instance, directly and through the hub;
// 2. a differential test: the same suite against servers buzz did not write (server-everything;
//    a 2025-era server built as the v1 SDK's own example builds it, as most in the wild are; and
//    one on the SDK 2.x), directly and through the hub, where every check that passes directly
//    must pass through the hub, and every check that fails both ways must fail with the same
//    message (the hub passes upstream errors through unchanged);
// 3. the MCP Inspector CLI through the hub with 0, 1 and 2 instances running.
//
// The suite speaks HTTP and the hub stdio, so supergateway fronts the hub for it: one hub per
// suite session, started with --discovery-dir pointing at the test's own directory. Every tool
// is pinned in tests/tools/package.json and installed there by the setup step (tests/tools.ts);
// no test downloads one. Results and exclusions are recorded in docs/conformance.md.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  DISCOVERY_PROTOCOL,
  parseDiscoveryRecord,
  writeDiscoveryFile,
} from "../shared/discovery.ts";
import {
  fixtureCopy,
  freePort,
  jsonFiles,
  killProcessesIn,
  MAIN,
  ROOT,
  startInstance,
  stopChild,
  type Structured,
  tempDir,
  trimmedEnv,
  until,
} from "./helpers.ts";
import { toolBin, toolEntry, toolVersion } from "./tools.ts";
import { startV1Express } from "./fixtures/v1_express.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const CONFORMANCE = "@modelcontextprotocol/conformance";
const EVERYTHING = "@modelcontextprotocol/server-everything";
const SUPERGATEWAY = "supergateway";
const INSPECTOR = "@modelcontextprotocol/inspector";
const LOOPBACK_ONLY = join(ROOT, "tests", "fixtures", "loopback_only.ts");
const V2_LEGACY = join(ROOT, "tests", "fixtures", "v2_legacy_server.ts");
/** Generous: a whole suite run on a loaded machine. */
const TOOL_TIMEOUT_MS = 180_000;

/**
 * Scenarios of conformance 0.1.16 (which tests MCP 2025-11-25) that exercise the protocol
 * itself rather than the suite's own reference tools: a buzz instance must pass each with no
 * failure and no warning.
 */
const PROTOCOL_LEVEL = [
  "server-initialize",
  "logging-set-level",
  "ping",
  "tools-list",
  "server-sse-multiple-streams",
  "resources-list",
  "resources-subscribe",
  "resources-unsubscribe",
  "prompts-list",
  "dns-rebinding-protection",
];
/**
 * Passes with no failure, but warns that the server offers no SSE resumability (no priming
 * event, no retry field), which buzz does not offer on purpose. See docs/conformance.md.
 */
const RESUMABILITY = {
  scenario: "server-sse-polling",
  warnings: ["server-sse-priming-event", "server-sse-retry-field"],
};
const ALL_SCENARIOS = 32;

/**
 * Checks left out of the differential, with the reason. Through the hub the suite talks to
 * supergateway's HTTP front, not to the hub (which speaks stdio, where there is no Host header
 * to check), so a DNS-rebinding check there tests the shim.
 */
const SHIM_EXCLUSIONS = new Map([
  [
    "dns-rebinding-protection/localhost-host-rebinding-rejected",
    "tests supergateway's HTTP front, which does not check Host; the hub speaks stdio",
  ],
]);

/**
 * Tools server-everything registers only for clients that declare roots or URL elicitation would
 * show up here if the hub told a 2025-era server other capabilities than its client's. It tells
 * it the client's own (reconnecting once they are known), so none are expected.
 */
const CAPABILITY_GAP: string[] = [];

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | string;
  errorMessage?: string;
}
/** scenario → its checks, INFO records left out. */
type Results = Map<string, Check[]>;

async function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const out = await new Deno.Command(command, {
    args,
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(TOOL_TIMEOUT_MS),
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    ms: Date.now() - started,
  };
}

/** A long-running outside server. Started with cwd `scratch`, so killProcessesIn finds it all. */
interface Server {
  proc: Deno.ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function spawnServer(args: string[], cwd: string, env: Record<string, string> = {}): Server {
  const proc = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  for (const stream of [proc.stdout, proc.stderr]) {
    (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) out += chunk;
    })().catch(() => {});
  }
  return {
    proc,
    output: () => out,
    async stop() {
      await stopChild(proc, 5_000);
    },
  };
}

async function waitForPort(port: number, server: Server, what: string): Promise<void> {
  let exited = false;
  server.proc.status.then(() => exited = true);
  await until(`${what} to listen on ${port}`, async () => {
    if (exited) throw new Error(`${what} exited early:\n${server.output()}`);
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return true;
    } catch {
      return false;
    }
  }, TOOL_TIMEOUT_MS);
}

/**
 * Node programs from tests/tools under Deno (which resolves their imports there); servers with a
 * fixed port are bound to 127.0.0.1, and allowed no other address.
 */
const NODE_SERVER = [
  "run",
  "--no-config",
  "--no-lock",
  "--node-modules-dir=manual",
  "--allow-net=127.0.0.1",
  "--allow-env",
  "--allow-read",
  "--allow-sys",
  "--preload",
  LOOPBACK_ONLY,
];

/** server-everything (the MCP project's reference server) on Streamable HTTP. */
async function startEverything(scratch: string): Promise<{ server: Server; url: string }> {
  const port = freePort();
  const server = spawnServer([...NODE_SERVER, toolEntry(EVERYTHING), "streamableHttp"], scratch, {
    PORT: String(port),
  });
  await waitForPort(port, server, "server-everything");
  return { server, url: `http://127.0.0.1:${port}/mcp` };
}

/** The hub behind supergateway's stateful Streamable HTTP front: one hub per session. */
async function startHubOverHttp(
  scratch: string,
  discoveryDir: string,
): Promise<{ server: Server; url: string; hubLog: string }> {
  const port = freePort();
  const hubLog = join(scratch, "hub.log");
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const hub = [Deno.execPath(), "run", "-A", MAIN, "--mcp", "--discovery-dir", discoveryDir]
    .map(q).join(" ") + ` 2>>${q(hubLog)}`;
  const server = spawnServer([
    ...NODE_SERVER,
    "--allow-run",
    toolEntry(SUPERGATEWAY),
    "--stdio",
    hub,
    "--outputTransport",
    "streamableHttp",
    "--stateful",
    "--port",
    String(port),
    "--logLevel",
    "none",
  ], scratch);
  await waitForPort(port, server, "supergateway");
  return { server, url: `http://127.0.0.1:${port}/mcp`, hubLog };
}

/** Runs the conformance suite (`--suite all`, or the scenarios named) and reads its results. */
async function conformance(url: string, scratch: string, label: string): Promise<Results> {
  const outDir = join(scratch, `results-${label}`);
  // --no-config and a scratch cwd keep the suite's packages out of buzz's deno.lock.
  const r = await run(Deno.execPath(), [
    "run",
    "-A",
    "--no-config",
    "--no-lock",
    "--node-modules-dir=manual",
    toolEntry(CONFORMANCE),
    "server",
    "--url",
    url,
    "--suite",
    "all",
    "--output-dir",
    outDir,
  ], scratch);
  console.log(`conformance suite, ${label}: ${r.ms} ms`);
  const results: Results = new Map();
  const entries = await Array.fromAsync(Deno.readDir(outDir)).catch(() => {
    throw new Error(`the suite wrote no results (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  });
  for (const e of entries) {
    const m = e.name.match(/^server-(.+)-\d{4}-\d{2}-\d{2}T/);
    if (!m) continue;
    const checks: Check[] = JSON.parse(
      await Deno.readTextFile(join(outDir, e.name, "checks.json")),
    );
    results.set(m[1], checks.filter((c) => c.status !== "INFO"));
  }
  assert.equal(
    results.size,
    ALL_SCENARIOS,
    `${label}: the suite ran other scenarios:\n${r.stdout}`,
  );
  return results;
}

function checksOf(results: Results): Map<string, Check> {
  const all = new Map<string, Check>();
  for (const [scenario, checks] of results) {
    for (const c of checks) all.set(`${scenario}/${c.id}`, c);
  }
  return all;
}

/** A one-line-per-check table for logs and failure messages. */
function table(direct: Results, hub: Results): string {
  const d = checksOf(direct);
  const h = checksOf(hub);
  return [...d.keys()].sort().map((k) =>
    `  ${k}: ${d.get(k)!.status} directly, ${h.get(k)?.status ?? "missing"} through the hub`
  ).join("\n");
}

/** Every check that passes directly must pass through the hub, bar the listed exclusions. */
function assertDifferential(direct: Results, hub: Results, context: string): string[] {
  const d = checksOf(direct);
  const h = checksOf(hub);
  const passed = [...d].filter(([, c]) => c.status === "SUCCESS").map(([k]) => k);
  const lost = passed.filter((k) => !SHIM_EXCLUSIONS.has(k) && h.get(k)?.status !== "SUCCESS")
    .map((k) => `${k}: ${h.get(k)?.status ?? "missing"} ${h.get(k)?.errorMessage ?? ""}`);
  assert.deepEqual(lost, [], `passes directly but not through the hub:\n${context}`);
  return passed;
}

Deno.test(
  "outside clients: the conformance suite passes every protocol-level scenario on an instance, directly and through the hub",
  opts,
  async () => {
    const project = await fixtureCopy();
    const disco = await tempDir();
    const scratch = await tempDir();
    // The suite cannot send a bearer token; the hub sends one anyway.
    const inst = await startInstance({ project, discoveryDir: disco, args: ["--no-auth"] });
    let front: Awaited<ReturnType<typeof startHubOverHttp>> | undefined;
    try {
      front = await startHubOverHttp(scratch, disco);
      const [direct, hub] = await Promise.all([
        conformance(inst.record.url, scratch, "buzz directly"),
        conformance(front.url, scratch, "buzz through the hub"),
      ]);
      const context = `${table(direct, hub)}\nhub log:\n${await Deno.readTextFile(front.hubLog)
        .catch(() => "")}`;

      for (const name of PROTOCOL_LEVEL) {
        const bad = direct.get(name)!.filter((c) => c.status !== "SUCCESS");
        assert.deepEqual(bad, [], `${name} must pass on an instance:\n${context}`);
      }
      const polling = direct.get(RESUMABILITY.scenario)!;
      assert.deepEqual(
        polling.filter((c) => c.status === "FAILURE"),
        [],
        `${RESUMABILITY.scenario}:\n${context}`,
      );
      assert.deepEqual(
        polling.filter((c) => c.status === "WARNING").map((c) => c.id).sort(),
        RESUMABILITY.warnings,
      );

      const passed = assertDifferential(direct, hub, context);
      console.log(`buzz: ${passed.length} checks pass directly, all of them through the hub`);
      assert.doesNotMatch(inst.stderr(), /\] (error|warn):/, "the instance logged a problem");
    } finally {
      await front?.server.stop();
      await inst.stop();
      killProcessesIn(scratch);
      for (const d of [project, disco, scratch]) await Deno.remove(d, { recursive: true });
    }
  },
);

/** A server the differential runs the suite against, announced in a discovery directory. */
type StartServer = (home: string, disco: string) => Promise<{ url: string; stop(): Promise<void> }>;

/**
 * The suite against `label`'s server directly and through the hub: every check that passes
 * directly passes through the hub, and every check that fails both ways fails the same way.
 */
async function differential(label: string, start: StartServer): Promise<void> {
  const disco = await tempDir();
  const scratch = await tempDir();
  const home = await tempDir("buzz-differential-");
  let server: Awaited<ReturnType<StartServer>> | undefined;
  let front: Awaited<ReturnType<typeof startHubOverHttp>> | undefined;
  try {
    server = await start(home, disco);
    front = await startHubOverHttp(scratch, disco);
    const [direct, hub] = await Promise.all([
      conformance(server.url, scratch, `${label} directly`),
      conformance(front.url, scratch, `${label} through the hub`),
    ]);
    const context = `${table(direct, hub)}\nhub log:\n${await Deno.readTextFile(front.hubLog)
      .catch(() => "")}`;

    const passed = assertDifferential(direct, hub, context);
    // Not vacuous: the server passes the protocol-level scenarios directly.
    for (const name of ["server-initialize", "ping", "tools-list", "tools-call-simple-text"]) {
      assert.ok(passed.includes(`${name}/${name}`), `${name} fails directly:\n${context}`);
    }
    console.log(`${label}: ${passed.length} checks pass directly, all of them through the hub`);

    // A check that fails both ways fails for the same reason: the hub passes the server's
    // JSON-RPC errors (code and message) and results through unchanged.
    const d = checksOf(direct);
    const h = checksOf(hub);
    const toolList = /Available tools: (.*)$/;
    for (const [key, c] of d) {
      if (c.status === "SUCCESS" || SHIM_EXCLUSIONS.has(key)) continue;
      const other = h.get(key);
      const directTools = c.errorMessage?.match(toolList);
      if (directTools) {
        // The hub adds its own tool and lists the merged tools sorted by name.
        const hubTools = other?.errorMessage?.match(toolList)?.[1].split(", ").sort();
        const expected = [...directTools[1].split(", "), "instances_list", ...CAPABILITY_GAP];
        assert.deepEqual(hubTools, expected.sort(), `${key}: the hub lists other tools`);
        continue;
      }
      assert.deepEqual(
        { status: other?.status, errorMessage: other?.errorMessage },
        { status: c.status, errorMessage: c.errorMessage },
        `${key} fails differently through the hub:\n${context}`,
      );
    }
  } finally {
    await front?.server.stop();
    await server?.stop();
    killProcessesIn(scratch);
    killProcessesIn(home);
    for (const d of [disco, scratch, home]) await Deno.remove(d, { recursive: true });
  }
}

Deno.test(
  "outside clients: differential, server-everything through the hub passes every check it passes directly",
  opts,
  () =>
    differential("server-everything", async (home, disco) => {
      const everything = await startEverything(home);
      const port = Number(new URL(everything.url).port);
      // Announced like a buzz instance; server-everything ignores the hub's bearer token.
      await writeDiscoveryFile(disco, {
        id: `everything-${randomBytes(4).toString("hex")}`,
        name: "everything",
        directory: home,
        url: everything.url,
        port,
        pid: everything.server.proc.pid,
        token: randomBytes(32).toString("hex"),
        started_at: new Date().toISOString(),
        version: toolVersion(EVERYTHING),
        protocol: DISCOVERY_PROTOCOL,
      });
      return { url: everything.url, stop: () => everything.server.stop() };
    }),
);

Deno.test(
  "outside clients: differential, a 2025-era server on the v1 SDK and express (HTTP 400 to the era probe) through the hub passes every check it passes directly",
  opts,
  () => differential("v1 SDK on express", (home, disco) => startV1Express(home, disco)),
);

Deno.test(
  "outside clients: differential, a 2025-era server on the SDK 2.x through the hub passes every check it passes directly",
  opts,
  () =>
    differential("2025-era SDK 2.x", async (home, disco) => {
      const server = spawnServer(["run", "-A", V2_LEGACY, disco], home);
      let exited = false;
      server.proc.status.then(() => exited = true);
      const name = await until("the 2025-era server's discovery file", () => {
        if (exited) throw new Error(`the 2025-era server exited early:\n${server.output()}`);
        return jsonFiles(disco)[0];
      }, TOOL_TIMEOUT_MS);
      const record = parseDiscoveryRecord(await Deno.readTextFile(join(disco, name)));
      return { url: record.url, stop: () => server.stop() };
    }),
);

/** Runs the Inspector CLI with `--format json`; its config and OAuth files stay in `scratch`. */
async function inspector(scratch: string, args: string[]) {
  const r = await run(
    toolBin(INSPECTOR, "mcp-inspector"),
    ["--cli", "--format", "json", ...args],
    scratch,
    {
      MCP_STORAGE_DIR: join(scratch, "storage"),
      MCP_CATALOG_PATH: join(scratch, "mcp.json"),
      MCP_CLIENT_CONFIG_PATH: join(scratch, "client.json"),
    },
  );
  // The result goes to stdout, an error envelope to stderr, each as one JSON object.
  const text = r.code === 0 ? r.stdout : r.stderr.trim().split("\n").at(-1) ?? "";
  let json: Structured;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`inspector printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json };
}

/** Pids of live processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/cmdline`).includes(text)) {
        pids.push(Number(e.name));
      }
    } catch { /* gone */ }
  }
  return pids;
}

Deno.test(
  "outside clients: the MCP Inspector CLI works through the hub with 0, 1 and 2 instances",
  opts,
  async () => {
    const disco = await tempDir();
    const scratch = await tempDir();
    const projects = [await fixtureCopy(), await fixtureCopy()];
    const instances: Awaited<ReturnType<typeof startInstance>>[] = [];
    // The Inspector starts the hub with a trimmed environment; as a user's agent would, it passes
    // on the TLS, proxy and cache variables (here Deno's cache is not under HOME).
    const passed = Object.entries(trimmedEnv({})).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const hub = [
      ...passed,
      "--",
      Deno.execPath(),
      "run",
      "-A",
      MAIN,
      "--mcp",
      "--discovery-dir",
      disco,
    ];
    const ask = async (what: string, args: string[]) => {
      const r = await inspector(scratch, [...args, ...hub]);
      console.log(`inspector, ${what}: ${r.ms} ms`);
      return r;
    };
    const result = (r: { json: Structured }) => r.json.result as Structured;
    const toolNames = (r: { json: Structured }) =>
      (result(r).tools as { name: string }[]).map((t) => t.name);
    const scriptNames = (r: { json: Structured }) =>
      (result(r).structuredContent as { scripts: { name: string }[] }).scripts.map((s) => s.name);
    const SCRIPTS = ["dev", "crash", "spawner", "ok", "ticker"];
    try {
      // No instance: the hub's own tool, and logging/setLevel (which belongs to no instance).
      let [level, list, call] = await Promise.all([
        ask("0 instances, logging/setLevel", [
          "--method",
          "logging/setLevel",
          "--log-level",
          "debug",
        ]),
        ask("0 instances, tools/list", ["--method", "tools/list"]),
        ask("0 instances, tools/call instances_list", [
          "--method",
          "tools/call",
          "--tool-name",
          "instances_list",
        ]),
      ]);
      assert.equal(level.code, 0, level.stderr);
      assert.deepEqual(result(level), {});
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(toolNames(list), ["instances_list"]);
      assert.equal(call.code, 0, call.stderr);
      assert.deepEqual(result(call).structuredContent, { instances: [] });

      // One instance: used by default, or named.
      instances.push(await startInstance({ project: projects[0], discoveryDir: disco }));
      const first = instances[0].record;
      [level, list, call] = await Promise.all([
        ask("1 instance, logging/setLevel", [
          "--method",
          "logging/setLevel",
          "--log-level",
          "info",
        ]),
        ask("1 instance, tools/list", ["--method", "tools/list"]),
        ask("1 instance, tools/call scripts_list", [
          "--method",
          "tools/call",
          "--tool-name",
          "scripts_list",
        ]),
      ]);
      assert.equal(level.code, 0, level.stderr);
      assert.equal(list.code, 0, list.stderr);
      assert.ok(toolNames(list).includes("instances_list"), list.stdout);
      assert.ok(toolNames(list).includes("scripts_list"), list.stdout);
      const scriptsList = (result(list).tools as { name: string; inputSchema: Structured }[])
        .find((t) => t.name === "scripts_list")!;
      assert.ok((scriptsList.inputSchema.properties as Structured).instance, list.stdout);
      assert.equal(call.code, 0, call.stderr);
      assert.deepEqual(scriptNames(call), SCRIPTS);
      call = await ask("1 instance, tools/call scripts_list with instance", [
        "--method",
        "tools/call",
        "--tool-name",
        "scripts_list",
        "--tool-arg",
        `instance=${first.id}`,
      ]);
      assert.equal(call.code, 0, call.stderr);
      assert.deepEqual(scriptNames(call), SCRIPTS);

      // Two instances: logging/setLevel still works; a call names its instance.
      instances.push(
        await startInstance({ project: projects[1], discoveryDir: disco, name: "second" }),
      );
      const named = await Promise.all([
        ask("2 instances, logging/setLevel", [
          "--method",
          "logging/setLevel",
          "--log-level",
          "debug",
        ]),
        ask("2 instances, tools/list", ["--method", "tools/list"]),
        ask("2 instances, tools/call scripts_list with instance", [
          "--method",
          "tools/call",
          "--tool-name",
          "scripts_list",
          "--tool-arg",
          "instance=second",
        ]),
        ask("2 instances, tools/call scripts_list without instance", [
          "--method",
          "tools/call",
          "--tool-name",
          "scripts_list",
        ]),
      ]);
      [level, list, call] = named;
      assert.equal(level.code, 0, level.stderr);
      assert.deepEqual(result(level), {});
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(toolNames(list), toolNames(named[1]));
      assert.ok(toolNames(list).includes("scripts_list"), list.stdout);
      assert.equal(call.code, 0, call.stderr);
      assert.deepEqual(scriptNames(call), SCRIPTS);
      // Without `instance` the hub cannot choose, and says how to.
      const unsure = named[3];
      assert.notEqual(unsure.code, 0);
      assert.match(unsure.stdout, /2 buzz instances could serve this/);
      assert.match(unsure.stdout, /second/);

      // Each hub the Inspector started ended with it.
      await until(
        "the hubs to exit",
        () => processesMentioning(`--mcp\0--discovery-dir\0${disco}`).length === 0,
      );
    } finally {
      for (const inst of instances) await inst.stop();
      for (const p of projects) killProcessesIn(p);
      killProcessesIn(scratch);
      for (const d of [disco, scratch, ...projects]) await Deno.remove(d, { recursive: true });
    }
  },
);

Deno.test(
  "outside clients: a hub started with an SDK client's scrubbed environment finds the instances' directory",
  opts,
  async () => {
    // The SDK's stdio client (the Inspector's, and many agents') starts the hub with only these,
    // and the variables a user's agent passes on.
    const kept = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"];
    const scrubbed = trimmedEnv(Object.fromEntries(kept.map((k) => [k, Deno.env.get(k)])));
    const module = pathToFileURL(join(ROOT, "shared", "discovery.ts")).href;
    const defaultDir = async (env: Record<string, string>) => {
      const out = await new Deno.Command(Deno.execPath(), {
        // --frozen: run as buzz runs from a checkout, from deno.lock and node_modules (--no-lock
        // would resolve every package afresh from the registry), and never touch deno.lock.
        args: [
          "eval",
          "--frozen",
          `import { discoveryDir } from ${JSON.stringify(module)}; console.log(discoveryDir());`,
        ],
        cwd: ROOT,
        clearEnv: true,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      return new TextDecoder().decode(out.stdout).trim();
    };
    const hub = await defaultDir(scrubbed);
    // An instance started from a shell, with a per-user TMPDIR (macOS) ...
    assert.equal(await defaultDir({ ...scrubbed, TMPDIR: "/var/folders/xy/T/" }), hub);
    // ... or with systemd's XDG_RUNTIME_DIR, where the machine has one.
    const runtime = `/run/user/${Deno.uid()}`;
    if (Deno.build.os === "linux" && (await Deno.stat(runtime).catch(() => null))) {
      assert.equal(await defaultDir({ ...scrubbed, XDG_RUNTIME_DIR: runtime }), hub);
    }
  },
);
