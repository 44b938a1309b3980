// The buzz-mcp npm package as users get it: built and packed (npm pack),
// installed from the tarball into a fresh prefix with a fresh HOME, then run as
// the `buzz` command (an instance, and a hub driven by a real MCP client) with
// every registry out of reach: npm and every proxy variable point at a recorder
// that must never be asked anything, and no other Deno is on PATH.

import assert from "node:assert/strict";
import { join } from "node:path";
import { Client, StdioClientTransport } from "../shared/sdk.ts";
import { parseDiscoveryRecord } from "../shared/discovery.ts";
import { VERSION } from "../shared/version.ts";
import { call, jsonFiles, killProcessesIn, type Structured, tempDir, until } from "./helpers.ts";
import { installTarball, packTarball, pathWithoutDeno, recorder, run } from "./npm_package.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const decoder = new TextDecoder();

Deno.test(
  "npm pack, npm install -g from the tarball, then buzz runs an instance and a hub with no registry",
  opts,
  async () => {
    const work = await tempDir("buzz-install-");
    const tarball = await packTarball(work);
    const installed = await installTarball(tarball, work);
    const offline = recorder();
    // Only what a user's shell would have: a fresh HOME (so a fresh Deno cache), a PATH
    // without any other Deno, and every registry and proxy pointing at the recorder.
    const env: Record<string, string> = {
      HOME: installed.home,
      USERPROFILE: installed.home,
      PATH: await pathWithoutDeno(installed),
      LANG: "C.UTF-8",
      ...offline.env,
    };
    const project = await tempDir("buzz-install-project-");
    await Deno.writeTextFile(
      join(project, "deno.json"),
      JSON.stringify({ tasks: { hello: "echo hello from the installed buzz" } }),
    );
    const discovery = await tempDir("buzz-install-discovery-");
    let instance: Deno.ChildProcess | undefined;
    let client: Client | undefined;
    let hubErr = "";
    try {
      // buzz --version and -v, from the installed command.
      for (const flag of ["--version", "-v"]) {
        const r = await run(installed.buzz, [flag], { env, clearEnv: true, cwd: project });
        assert.equal(r.code, 0, r.text);
        assert.equal(r.stdout.trim(), `buzz ${VERSION}`);
      }

      // An instance.
      instance = new Deno.Command(installed.buzz, {
        args: ["--no-tui", "--discovery-dir", discovery],
        cwd: project,
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      let instanceErr = "";
      (async () => {
        for await (const c of instance!.stderr.pipeThrough(new TextDecoderStream())) {
          instanceErr += c;
        }
      })();
      const file = await until("the instance's discovery file", () => {
        return jsonFiles(discovery)[0];
      }, 60_000).catch((e) => {
        throw new Error(`${(e as Error).message}\ninstance stderr:\n${instanceErr}`);
      });
      const record = parseDiscoveryRecord(await Deno.readTextFile(join(discovery, file)));
      assert.equal(record.directory, project);
      assert.equal(record.version, VERSION);

      // A hub, started by the SDK's stdio client as an agent would.
      const transport = new StdioClientTransport({
        command: installed.buzz,
        args: ["--mcp", "--discovery-dir", discovery, "--log-level", "debug"],
        env,
        cwd: project,
        stderr: "pipe",
      });
      transport.stderr?.on("data", (d: Uint8Array) => hubErr += decoder.decode(d));
      client = new Client({ name: "buzz-install-test", version: "0" }, { capabilities: {} });
      await client.connect(transport);
      const c = client;
      const tools = (await c.listTools()).tools.map((t) => t.name);
      assert.ok(tools.includes("instances_list"), tools.join(", "));
      await until("the hub to connect to the instance", async () => {
        const { instances } = await call(c, "instances_list") as { instances: Structured[] };
        return instances.find((i) => i.id === record.id && i.state === "connected");
      }, 30_000);
      const { scripts } = await call(c, "scripts_list", { instance: record.id }) as {
        scripts: Structured[];
      };
      assert.deepEqual(scripts.map((s) => s.name), ["hello"]);
      const { process_id } = await call(c, "scripts_run", { name: "hello", instance: record.id });
      await until("the task's output", async () => {
        const { lines } = await call(c, "logs_tail", { process_id, instance: record.id }) as {
          lines: Structured[];
        };
        return lines.some((l) => l.text === "hello from the installed buzz");
      });
      assert.deepEqual(offline.asked, [], "nothing asked a registry or a proxy");
    } finally {
      await client?.close().catch(() => {});
      if (instance) {
        try {
          instance.kill("SIGTERM");
        } catch { /* already gone */ }
        await instance.status;
      }
      killProcessesIn(project);
      await offline.close();
    }
    if (hubErr && !/hub ready/.test(hubErr)) console.error(hubErr);
  },
);
