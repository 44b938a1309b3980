// End-to-end: a real hub over stdio and real instances, driven by the SDK client.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  call,
  connectInstance,
  fixtureCopy,
  jsonFiles,
  MAIN,
  type RunningInstance,
  sleep,
  startHub,
  startInstance,
  type Structured,
  tempDir,
  until,
} from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
type Listed = { id: string; state: string; tool_count: number; directory: string };

async function instances(client: Awaited<ReturnType<typeof startHub>>["client"]) {
  return (await call(client, "instances_list") as { instances: Listed[] }).instances;
}

for (const era of ["modern", "legacy"] as const) {
  Deno.test(
    `hub (${era} client): discovers instances and proxies tools, resources and prompts exactly`,
    opts,
    async (t) => {
      const disco = await tempDir();
      const before = await startInstance({
        project: await fixtureCopy(),
        discoveryDir: disco,
        name: "before",
      });
      const running: RunningInstance[] = [before];
      const hub = await startHub(disco, {}, () => {}, { era });
      const direct = await connectInstance(before.record, {}, era);
      const id = before.record.id;
      try {
        await t.step("the very first tools/list already has the instance's tools", async () => {
          const { tools } = await hub.client.listTools();
          const names = tools.map((x) => x.name);
          assert.ok(
            names.includes("instances_list") && names.includes("scripts_run"),
            names.join(),
          );
          const run = tools.find((x) => x.name === "scripts_run")!;
          assert.ok((run.inputSchema.properties as Structured).instance, "instance was added");
          const list = await instances(hub.client);
          assert.equal(list.length, 1);
          assert.equal(list[0].state, "connected");
          assert.ok(list[0].tool_count >= 8);
        });

        await t.step("proxied calls answer exactly as the instance does directly", async () => {
          const viaHub = await hub.client.callTool({ name: "scripts_list", arguments: {} });
          const viaDirect = await direct.client.callTool({ name: "scripts_list", arguments: {} });
          assert.deepEqual(viaHub, viaDirect);
          await call(hub.client, "scripts_run", { name: "ok" });
          await until("ok to exit", async () => {
            const { runs } = await call(direct.client, "scripts_status") as { runs: Structured[] };
            return runs[0]?.state === "exited";
          });
          for (const uri of [`buzz://${id}/processes`, `buzz://${id}/logs/ok-1`]) {
            assert.deepEqual(
              await hub.client.readResource({ uri }),
              await direct.client.readResource({ uri }),
            );
          }
          assert.deepEqual(
            (await hub.client.listResourceTemplates()).resourceTemplates,
            (await direct.client.listResourceTemplates()).resourceTemplates,
          );
          const prompt = { name: "diagnose", arguments: { process_id: "ok-1" } };
          assert.deepEqual(
            await hub.client.getPrompt(prompt),
            await direct.client.getPrompt(prompt),
          );
          const ref = { type: "ref/resource" as const, uri: `buzz://${id}/logs/{process_id}` };
          const completion = await hub.client.complete({
            ref,
            argument: { name: "process_id", value: "o" },
          });
          assert.deepEqual(completion.completion.values, ["ok-1"]);
        });

        await t.step("with two instances, a call names its instance or is told to", async () => {
          const after = await startInstance({
            project: await fixtureCopy(),
            discoveryDir: disco,
            name: "after",
          });
          running.push(after);
          await until("the new instance to connect", async () => {
            const l = await instances(hub.client);
            return l.find((i) => i.id === after.record.id && i.state === "connected");
          });
          const other = after.record.id;
          await call(hub.client, "scripts_run", {
            name: "dev",
            instance: other.slice(0, other.length - 3),
          });
          const { runs } = await call(hub.client, "scripts_status", { instance: "after" }) as {
            runs: Structured[];
          };
          assert.equal(runs[0].script, "dev");
          const byDir = await call(hub.client, "scripts_status", {
            instance: before.record.directory,
          }) as { runs: Structured[] };
          assert.ok(byDir.runs.every((r) => r.script !== "dev"));
          const ambiguous = await hub.client.callTool({ name: "scripts_status", arguments: {} });
          assert.equal(ambiguous.isError, true);
          assert.match(JSON.stringify(ambiguous.content), /pass the instance argument/);
          assert.match(JSON.stringify(ambiguous.content), new RegExp(other));
          const bad = await hub.client.callTool({
            name: "scripts_status",
            arguments: { instance: "nope" },
          });
          assert.equal(bad.isError, true);
          assert.match(JSON.stringify(bad.content), /No instance matches/);
          // Resources list every instance's, and a read goes to the one that owns the URI.
          // The new run's log resource reaches the hub's list after the instance says it changed.
          await until("the new run's log resource", async () => {
            const { resources } = await hub.client.listResources();
            return resources.some((r) => r.uri === `buzz://${other}/logs/dev-1`);
          });
          const read = await hub.client.readResource({ uri: `buzz://${other}/processes` });
          assert.match(JSON.stringify(read), /dev-1/);
          // Requests that belong to no instance never fail for lack of one.
          await hub.client.setLoggingLevel("info").catch((e) => {
            // 2026-07-28 has no logging/setLevel; only a 2025 client may send it.
            assert.equal(era, "modern", e.message);
          });
        });
      } finally {
        await direct.close();
        await hub.close();
        for (const i of running) await i.stop();
      }
    },
  );
}

Deno.test(
  "hub: tools/list is byte-identical before and after calls, changing only when instances come and go",
  opts,
  async () => {
    const disco = await tempDir();
    const hub = await startHub(disco, {}, () => {}, { era: "legacy" });
    const changed: Record<string, number> = { tools: 0, resources: 0, prompts: 0 };
    for (const kind of Object.keys(changed)) {
      hub.client.setNotificationHandler(
        `notifications/${kind}/list_changed` as "notifications/tools/list_changed",
        () => void changed[kind]++,
      );
    }
    const running: RunningInstance[] = [];
    const listed = async () => JSON.stringify(await hub.client.listTools());
    try {
      const zero = await listed();
      await hub.client.callTool({ name: "instances_list", arguments: {} });
      await hub.client.callTool({ name: "scripts_list", arguments: {} });
      assert.equal(await listed(), zero, "0 instances: unchanged by calls");
      assert.equal(JSON.parse(zero).tools.length, 1);

      running.push(await startInstance({ project: await fixtureCopy(), discoveryDir: disco }));
      await until("tools list_changed for the first instance", () => changed.tools === 1);
      const one = await listed();
      assert.notEqual(one, zero);
      await call(hub.client, "scripts_run", { name: "ok" });
      await call(hub.client, "scripts_status");
      await sleep(700); // longer than the instance's update batching
      assert.equal(await listed(), one, "1 instance: unchanged by calls");
      assert.equal(changed.tools, 1, "no tools list_changed from a call");
      // The client never fetched the prompts, so it is never told they changed.
      assert.equal(changed.prompts, 0, "no prompts list_changed before prompts/list");

      running.push(await startInstance({ project: await fixtureCopy(), discoveryDir: disco }));
      await until(
        "the second instance",
        async () =>
          (await instances(hub.client)).filter((i) => i.state === "connected").length === 2,
      );
      await call(hub.client, "scripts_run", { name: "ok", instance: running[1].record.id });
      await sleep(700);
      const two = await listed();
      assert.equal(two, one, "a second instance of the same version adds no tools");
      assert.equal(changed.tools, 1);
      assert.equal(await listed(), two, "2 instances: unchanged by calls");

      await running.pop()!.stop();
      await running.pop()!.stop();
      await until("the last instance to go", () => changed.tools === 2);
      assert.equal(await listed(), zero);
    } finally {
      await hub.close();
      for (const i of running) await i.stop();
    }
  },
);

Deno.test(
  "hub: with several instances, the one holding the hub's working directory is the default",
  opts,
  async () => {
    const disco = await tempDir();
    const mine = await fixtureCopy();
    await Deno.mkdir(join(mine, "src"));
    const a = await startInstance({ project: mine, discoveryDir: disco, name: "mine" });
    const b = await startInstance({ project: await fixtureCopy(), discoveryDir: disco });
    const hub = await startHub(disco, {}, () => {}, { cwd: join(mine, "src") });
    try {
      await until(
        "both instances",
        async () =>
          (await instances(hub.client)).filter((i) => i.state === "connected").length === 2,
      );
      await call(hub.client, "scripts_run", { name: "ok" });
      const { runs } = await call(hub.client, "scripts_status", { instance: "mine" }) as {
        runs: Structured[];
      };
      assert.equal(runs.length, 1);
    } finally {
      await hub.close();
      await a.stop();
      await b.stop();
    }
  },
);

Deno.test(
  "hub: forwards progress notifications, and cancels the matching upstream call",
  opts,
  async () => {
    const disco = await tempDir();
    const inst = await startInstance({
      project: await fixtureCopy(),
      discoveryDir: disco,
      args: ["--log-level", "debug"],
    });
    const hub = await startHub(disco);
    try {
      const progress: number[] = [];
      const r = await hub.client.callTool(
        { name: "logs_wait", arguments: { pattern: "never printed", timeout_ms: 2500 } },
        { onprogress: (p) => void progress.push(p.progress) },
      );
      assert.equal((r.structuredContent as Structured).matched, false);
      assert.ok(progress.length >= 1, "progress reached the client");

      const ac = new AbortController();
      const pending = hub.client.callTool(
        { name: "logs_wait", arguments: { pattern: "never printed", timeout_ms: 60000 } },
        { signal: ac.signal },
      );
      await sleep(300);
      ac.abort("test cancels");
      await assert.rejects(pending);
      await until(
        "the instance to see the cancellation",
        () => inst.stderr().includes("logs_wait cancelled"),
      );
      // The hub and instance still serve after a cancellation.
      await call(hub.client, "scripts_list");
    } finally {
      await hub.close();
      await inst.stop();
    }
  },
);

Deno.test(
  "hub: SIGKILLed instance is Disconnected within 1 s and its stale file removed; a restart is followed",
  opts,
  async () => {
    const disco = await tempDir();
    const project = await fixtureCopy();
    const first = await startInstance({ project, discoveryDir: disco });
    const hub = await startHub(disco);
    let second: RunningInstance | undefined;
    try {
      // The hub's start-up wait (1 s) can run out before the first connection on a busy machine.
      await until(
        "the instance to connect",
        async () => (await instances(hub.client))[0]?.state === "connected",
      );
      // A call in flight when the instance dies must end promptly with an error, not hang.
      const inFlight = hub.client.callTool({
        name: "logs_wait",
        arguments: { pattern: "never printed", timeout_ms: 60_000 },
      });
      await sleep(200);
      await first.stop("SIGKILL");
      const killedAt = Date.now();
      const failed = await inFlight;
      assert.equal(failed.isError, true);
      assert.ok(Date.now() - killedAt < 1000, "the in-flight call failed within 1 s");
      await until("the hub to notice", async () => {
        const l = await instances(hub.client);
        return l.length === 0 || l[0].state === "disconnected";
      }, 1000);
      assert.ok(Date.now() - killedAt <= 1000);
      await until("the stale file to be removed", () => jsonFiles(disco).length === 0, 2000);
      await until(
        "the dead instance to be forgotten",
        async () => (await instances(hub.client)).length === 0,
      );

      // A new instance in the same project is used by default, being the only one.
      second = await startInstance({ project, discoveryDir: disco });
      await until("the restart to connect", async () => {
        const l = await instances(hub.client);
        return l[0]?.state === "connected" ? l : null;
      });
      const { scripts } = await call(hub.client, "scripts_list") as { scripts: unknown[] };
      assert.equal(scripts.length, 5);
    } finally {
      await hub.close();
      await second?.stop();
    }
  },
);

Deno.test(
  "hub: a stalled instance goes Disconnected on the probe and reconnects when it recovers",
  opts,
  async () => {
    const disco = await tempDir();
    const inst = await startInstance({ project: await fixtureCopy(), discoveryDir: disco });
    const hub = await startHub(disco);
    try {
      inst.proc.kill("SIGSTOP");
      // Its listen stream is open, so the hub waits for a keep-alive period (15 s) and 5 s
      // more of silence before it probes (hub/liveness.ts); the probe waits 2 s for an answer.
      await until(
        "the probe to fail",
        async () => (await instances(hub.client))[0].state === "disconnected",
        40_000,
      );
      inst.proc.kill("SIGCONT");
      await until(
        "the reconnect",
        async () => (await instances(hub.client))[0].state === "connected",
        12_000,
      );
      await call(hub.client, "scripts_list");
    } finally {
      inst.proc.kill("SIGCONT");
      await hub.close();
      await inst.stop();
    }
  },
);

Deno.test("hub: malformed discovery files are ignored and the hub keeps going", opts, async () => {
  const disco = await tempDir();
  await Deno.writeTextFile(join(disco, "junk-00000000.json"), "{ not json");
  const hub = await startHub(disco);
  try {
    await Deno.writeTextFile(
      join(disco, "shape-00000000.json"),
      JSON.stringify({ id: "shape-00000000" }),
    );
    await Deno.writeTextFile(join(disco, "big-00000000.json"), "x".repeat(100_000));
    const inst = await startInstance({ project: await fixtureCopy(), discoveryDir: disco });
    try {
      const list = await until("the good instance", async () => {
        const l = await instances(hub.client);
        return l.some((i) => i.state === "connected") ? l : null;
      });
      assert.equal(list.length, 1);
      await until(
        "a warning per bad file",
        () => (hub.stderr().match(/ignoring/g) ?? []).length >= 3,
      );
    } finally {
      await inst.stop();
    }
  } finally {
    await hub.close();
  }
});

Deno.test(
  "hub: a 2026-07-28 client's listen stream hears an instance's resource updates",
  opts,
  async () => {
    const disco = await tempDir();
    const inst = await startInstance({ project: await fixtureCopy(), discoveryDir: disco });
    const hub = await startHub(disco);
    const uri = `buzz://${inst.record.id}/processes`;
    try {
      const updates: string[] = [];
      hub.client.setNotificationHandler(
        "notifications/resources/updated",
        (n) => void updates.push(n.params.uri),
      );
      // Connected first: a listen is followed on the instance that serves the URI.
      await until(
        "the instance to connect",
        async () => (await instances(hub.client))[0]?.state === "connected",
      );
      const sub = await hub.client.listen({ resourceSubscriptions: [uri] });
      await call(hub.client, "scripts_run", { name: "ok" });
      await until("the update through the hub", () => updates.includes(uri));
      await sub.close();
    } finally {
      await hub.close();
      await inst.stop();
    }
  },
);

Deno.test(
  "hub: the discovery directory removed while it runs is made again, and new instances are found",
  opts,
  async () => {
    const disco = await tempDir();
    const hub = await startHub(disco);
    let inst: RunningInstance | undefined;
    try {
      // A call is answered once the hub has scanned the directory, so it is watching it.
      await instances(hub.client);
      await Deno.remove(disco, { recursive: true });
      await until("the hub to say so", () => hub.stderr().includes("was removed")).catch((e) => {
        throw new Error(`${e.message}\n${hub.stderr()}`);
      });
      inst = await startInstance({ project: await fixtureCopy(), discoveryDir: disco });
      await until(
        "the new instance",
        async () => (await instances(hub.client)).some((i) => i.state === "connected"),
      );
    } finally {
      await hub.close();
      await inst?.stop();
    }
  },
);

Deno.test(
  "hub: stdout carries only JSON-RPC, and stdin EOF ends the hub within 1 s",
  opts,
  async () => {
    const disco = await tempDir();
    const inst = await startInstance({ project: await fixtureCopy(), discoveryDir: disco });
    const proc = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--mcp", "--discovery-dir", disco, "--log-level", "debug"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const writer = proc.stdin.getWriter();
      const send = (msg: unknown) =>
        writer.write(new TextEncoder().encode(JSON.stringify(msg) + "\n"));
      await send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "0" },
        },
      });
      await send({ jsonrpc: "2.0", method: "notifications/initialized" });
      await send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      await send({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "scripts_list", arguments: {} },
      });
      await send({
        jsonrpc: "2.0",
        id: 4,
        method: "tools/call",
        params: { name: "no_such_tool", arguments: {} },
      });
      const lines: string[] = [];
      const ids = new Set<number>();
      const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      while (ids.size < 4) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        const parts = buf.split("\n");
        buf = parts.pop()!;
        for (const line of parts.filter((l) => l.trim())) {
          lines.push(line);
          const id = JSON.parse(line).id;
          if (typeof id === "number") ids.add(id);
        }
      }
      for (const line of lines) assert.equal(JSON.parse(line).jsonrpc, "2.0", line);
      const byId = new Map(
        lines.map((l) => JSON.parse(l)).filter((m) => "id" in m).map((m) => [m.id, m]),
      );
      assert.ok(byId.get(3).result.structuredContent.scripts.length === 5);
      // A tool no instance lists goes to the only instance, which answers as it would directly.
      assert.equal(byId.get(4).error.code, -32602);
      assert.match(byId.get(4).error.message, /no_such_tool/);
      const closedAt = Date.now();
      await writer.close();
      const status = await proc.status;
      const took = Date.now() - closedAt;
      assert.equal(status.code, 0);
      assert.ok(took < 1000, `exited ${took} ms after EOF`);
      // Whatever else came out of stdout is JSON-RPC too.
      for (let r = await reader.read(); !r.done; r = await reader.read()) buf += r.value;
      for (const line of buf.split("\n").filter((l) => l.trim())) {
        assert.equal(
          JSON.parse(line).jsonrpc,
          "2.0",
        );
      }
      const stderr = new TextDecoder().decode(await new Response(proc.stderr).arrayBuffer());
      assert.match(stderr, /buzz\[hub\]/);
    } finally {
      try {
        proc.kill("SIGKILL");
      } catch { /* exited */ }
      await proc.status;
      await inst.stop();
    }
  },
);
