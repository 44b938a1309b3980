// A smoke test of a built buzz command: a compiled binary from `deno task compile`
// or the `buzz` of an installed buzz-mcp package. It checks --version, starts an
// instance in a throwaway project, and has a real MCP client start a hub that
// runs one of the project's scripts through the instance. The release workflow
// runs it on each binary's own OS; tests/install_test.ts runs it on the package.
//
//   deno run -A npm/smoke.ts path/to/buzz [args before buzz's own...]

import { join } from "node:path";
import { Client } from "../shared/sdk.ts";
import { StdioClientTransport } from "../shared/sdk_stdio.ts";
import { parseDiscoveryRecord } from "../shared/discovery.ts";
import { VERSION } from "../shared/version.ts";

const decoder = new TextDecoder();

export interface SmokeOptions {
  /** The command, and any arguments that come before buzz's own (e.g. a launcher). */
  command: string[];
  /** The whole environment of every buzz process (nothing else is inherited). */
  env?: Record<string, string>;
  /** Progress lines; default stderr. */
  say?: (line: string) => void;
}

async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  ms: number,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  while (true) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the smoke test; throws with everything buzz printed when a step fails. */
export async function smoke(opts: SmokeOptions): Promise<void> {
  const say = opts.say ?? ((l: string) => console.error(`[smoke] ${l}`));
  const [cmd, ...pre] = opts.command;
  const env = opts.env ?? Deno.env.toObject();
  const work = await Deno.makeTempDir({ prefix: "buzz-smoke-" });
  const project = join(work, "project");
  const discovery = join(work, "discovery");
  await Deno.mkdir(project);
  await Deno.writeTextFile(
    join(project, "package.json"),
    JSON.stringify({ scripts: { hello: `node -e "console.log('hello from ' + 'buzz')"` } }),
  );
  let instance: Deno.ChildProcess | undefined;
  let instanceErr = "";
  let hubErr = "";
  let client: Client | undefined;
  try {
    const version = await new Deno.Command(cmd, {
      args: [...pre, "--version"],
      env,
      clearEnv: true,
      cwd: project,
      stdin: "null",
    }).output();
    const printed = decoder.decode(version.stdout).trim();
    if (!version.success || printed !== `buzz ${VERSION}`) {
      throw new Error(
        `--version printed "${printed}" (exit ${version.code}):\n${decoder.decode(version.stderr)}`,
      );
    }
    say(`--version: ${printed}`);

    instance = new Deno.Command(cmd, {
      args: [...pre, "--no-tui", "--discovery-dir", discovery],
      env,
      clearEnv: true,
      cwd: project,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    (async () => {
      for await (const c of instance!.stderr.pipeThrough(new TextDecoderStream())) {
        instanceErr += c;
      }
    })();
    let exited: Deno.CommandStatus | undefined;
    instance.status.then((s) => exited = s);
    const file = await until("the instance's discovery file", () => {
      if (exited) throw new Error(`the instance exited with code ${exited.code}`);
      try {
        return [...Deno.readDirSync(discovery)].find((e) =>
          e.name.endsWith(".json") && !e.name.startsWith(".")
        )?.name;
      } catch {
        return undefined;
      }
    }, 60_000);
    const record = parseDiscoveryRecord(await Deno.readTextFile(join(discovery, file)));
    say(`instance ${record.id} at ${record.url}`);

    const transport = new StdioClientTransport({
      command: cmd,
      args: [...pre, "--mcp", "--discovery-dir", discovery, "--log-level", "debug"],
      env,
      cwd: project,
      stderr: "pipe",
    });
    transport.stderr?.on("data", (d: Uint8Array) => hubErr += decoder.decode(d));
    client = new Client({ name: "buzz-smoke", version: VERSION }, { capabilities: {} });
    await client.connect(transport);
    const c = client;
    const tools = (await c.listTools()).tools.map((t) => t.name);
    if (!tools.includes("instances_list")) throw new Error(`hub tools: ${tools.join(", ")}`);
    say(`hub: ${tools.length} tools`);
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const r = await c.callTool({ name, arguments: args });
      if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content)}`);
      return r.structuredContent as Record<string, unknown>;
    };
    await until("the hub to connect to the instance", async () => {
      const { instances } = await call("instances_list") as {
        instances: { id: string; state: string }[];
      };
      return instances.some((i) => i.id === record.id && i.state === "connected");
    }, 30_000);
    const { process_id } = await call("scripts_run", { name: "hello", instance: record.id });
    await until("the script's output through the hub", async () => {
      const { lines } = await call("logs_tail", { process_id, instance: record.id }) as {
        lines: { text: string }[];
      };
      return lines.some((l) => l.text.includes("hello from buzz"));
    }, 30_000);
    say("scripts_run and logs_tail through the hub: ok");
    // Scripts' output goes to stdout; anything on stderr but buzz's own lines (a runtime
    // warning, say) would land in the user's terminal.
    const foreign = instanceErr.split("\n").filter((l) => l.trim() && !l.startsWith("buzz["));
    if (foreign.length) {
      throw new Error(`the instance wrote lines that are not buzz's own:\n${foreign.join("\n")}`);
    }
    say("instance stderr holds buzz's own lines only: ok");
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\n--- instance stderr ---\n${instanceErr}\n--- hub stderr ---\n` +
        hubErr,
    );
  } finally {
    await client?.close().catch(() => {});
    if (instance) {
      try {
        instance.kill("SIGTERM");
      } catch { /* already gone */ }
      // A stuck instance must not hang the smoke test.
      const late = setTimeout(() => {
        try {
          instance?.kill("SIGKILL");
        } catch { /* gone */ }
      }, 10_000);
      await instance.status;
      clearTimeout(late);
    }
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  if (!Deno.args.length) {
    console.error("usage: deno run -A npm/smoke.ts path/to/buzz [args...]");
    Deno.exit(2);
  }
  try {
    await smoke({ command: Deno.args });
    console.error("[smoke] passed");
    Deno.exit(0);
  } catch (e) {
    console.error(`[smoke] FAILED: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
