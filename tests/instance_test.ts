// End-to-end: real `buzz --no-tui` processes against a real fixture project,
// driven by the SDK's Streamable HTTP client.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  call,
  connectInstance,
  fixtureCopy,
  jsonFiles,
  killProcessesIn,
  MAIN,
  pidAlive,
  processesIn,
  startInstance,
  type Structured,
  tempDir,
  until,
} from "./helpers.ts";
import {} from "../shared/sdk.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "instance: discovery file is written after listening, with the contract's fields and modes",
  opts,
  async () => {
    const project = await fixtureCopy();
    const disco = join(await tempDir(), "nested", "instances");
    const inst = await startInstance({ project, discoveryDir: disco, name: "web app" });
    try {
      const r = inst.record;
      assert.match(r.id, /^web-app-[0-9a-f]{8}$/);
      assert.equal(r.name, "web app");
      assert.equal(r.directory, project);
      assert.equal(r.url, `http://127.0.0.1:${r.port}/mcp`);
      assert.equal(r.pid, inst.proc.pid);
      assert.match(r.token, /^[0-9a-f]{64}$/);
      assert.ok(!Number.isNaN(Date.parse(r.started_at)));
      assert.equal(r.protocol, 1);
      assert.equal(inst.file, join(disco, `${r.id}.json`));
      assert.equal((await Deno.stat(inst.file)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(disco)).mode! & 0o777, 0o700);
      assert.deepEqual(jsonFiles(disco), [`${r.id}.json`]);
      // No temp file is left behind.
      assert.deepEqual([...Deno.readDirSync(disco)].map((e) => e.name), [`${r.id}.json`]);
    } finally {
      await inst.stop();
    }
  },
);

Deno.test(
  "instance: the port accepts connections the moment the file appears (many starts)",
  opts,
  async () => {
    const project = await fixtureCopy();
    const disco = await tempDir();
    for (let i = 0; i < 5; i++) {
      const watcher = Deno.watchFs(disco);
      const proc = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "--no-tui", "--dir", project, "--discovery-dir", disco],
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        for await (const ev of watcher) {
          const target = ev.paths.find((p) =>
            p.endsWith(".json") && !p.split("/").pop()!.startsWith(".")
          );
          if (!target || ev.kind === "remove") continue;
          const record = JSON.parse(await Deno.readTextFile(target));
          const conn = await Deno.connect({ hostname: "127.0.0.1", port: record.port });
          conn.close();
          break;
        }
      } finally {
        watcher.close();
        proc.kill("SIGTERM");
        await proc.status;
      }
    }
    assert.deepEqual(jsonFiles(disco), []);
  },
);

Deno.test("instance: 401 without the token, 403 for a foreign Host or Origin", opts, async () => {
  const project = await fixtureCopy();
  const inst = await startInstance({ project, discoveryDir: await tempDir() });
  try {
    const init = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "t", version: "0" },
      },
    });
    const headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const post = (extra: Record<string, string>) =>
      fetch(inst.record.url, { method: "POST", headers: { ...headers, ...extra }, body: init });
    let res = await post({});
    assert.equal(res.status, 401);
    await res.body?.cancel();
    res = await post({ authorization: "Bearer " + "0".repeat(64) });
    assert.equal(res.status, 401);
    await res.body?.cancel();
    const auth = { authorization: `Bearer ${inst.record.token}` };
    res = await post({ ...auth, origin: "http://evil.example" });
    assert.equal(res.status, 403);
    await res.body?.cancel();
    // fetch will not let us forge Host, so speak HTTP/1.1 by hand for that case.
    const withHost = async (host: string) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: inst.record.port });
      await conn.write(new TextEncoder().encode(
        `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${inst.record.token}\r\n` +
          `Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${init.length}\r\n` +
          `Connection: close\r\n\r\n${init}`,
      ));
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf);
      conn.close();
      return new TextDecoder().decode(buf.subarray(0, n ?? 0));
    };
    // Hosts that are no valid URL authority once made Deno's req.url unparsable: a 500.
    for (
      const host of [
        `evil.example:${inst.record.port}`,
        "evil.example",
        "evil.example:99999",
        "evil.example:abc",
        "evil example",
        "[::1",
        "127.0.0.300",
        "localhost:99999",
        `evil.example/mcp`,
      ]
    ) {
      assert.match(await withHost(host), /^HTTP\/1\.1 403 .*\r\n\r\nForbidden: Host /s, host);
    }
    assert.match(await withHost(`localhost:${inst.record.port}`), /^HTTP\/1\.1 200/);
    assert.doesNotMatch(inst.stderr(), /request failed/);
    res = await post({ ...auth, origin: `http://localhost:${inst.record.port}` });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    await inst.stop();
  }
});

Deno.test("instance: every tool, end to end", opts, async (t) => {
  const project = await fixtureCopy();
  const inst = await startInstance({ project, discoveryDir: await tempDir() });
  const { client, close } = await connectInstance(inst.record);
  try {
    await t.step("tools/list has the contract's tools with output schemas", async () => {
      const { tools } = await client.listTools();
      const names = tools.map((x) => x.name).sort();
      for (
        const n of [
          "errors_list",
          "logs_search",
          "logs_tail",
          "scripts_list",
          "scripts_run",
          "scripts_status",
          "scripts_stop",
          "urls_list",
        ]
      ) {
        assert.ok(names.includes(n), `missing ${n}`);
      }
      for (const tool of tools) assert.ok(tool.outputSchema, `${tool.name} has an outputSchema`);
      // Each 2026-07-28 request gets a server of its own; the schemas' JSON forms are made once
      // per process and must come out the same for every one.
      const run = tools.find((x) => x.name === "scripts_run")!;
      assert.equal(run.inputSchema.type, "object");
      assert.deepEqual(run.inputSchema.required, ["name"]);
      const again = await client.listTools(undefined, { cacheMode: "refresh" });
      assert.deepEqual(again.tools, tools);
    });

    await t.step("scripts_list", async () => {
      const { scripts } = await call(client, "scripts_list") as { scripts: Structured[] };
      assert.deepEqual(scripts.map((s) => s.name), ["dev", "crash", "spawner", "ok", "ticker"]);
      assert.equal(scripts[0].command, "node dev.js");
      assert.equal(scripts[0].source, "package.json");
      assert.equal(scripts[0].running, false);
    });

    await t.step("scripts_run, urls_list and scripts_status", async () => {
      const run = await call(client, "scripts_run", { name: "dev" });
      assert.equal(run.process_id, "dev-1");
      assert.equal(run.already_running, false);
      const again = await call(client, "scripts_run", { name: "dev" });
      assert.equal(again.already_running, true);
      assert.equal(again.process_id, "dev-1");
      const urls = await until("the dev URL", async () => {
        const { runs } = await call(client, "urls_list") as { runs: Structured[] };
        return runs.length ? runs : null;
      });
      assert.deepEqual(urls[0].urls, ["http://localhost:5173/"]);
      const { runs } = await call(client, "scripts_status", { name: "dev" }) as {
        runs: Structured[];
      };
      assert.equal(runs[0].state, "running");
      assert.deepEqual(runs[0].urls, ["http://localhost:5173/"]);
    });

    await t.step("a failing script: state, exit code, grouped multi-line error", async () => {
      await call(client, "scripts_run", { name: "crash" });
      const run = await until("crash to fail", async () => {
        const { runs } = await call(client, "scripts_status", { name: "crash" }) as {
          runs: Structured[];
        };
        return runs[0]?.state === "failed" ? runs[0] : null;
      });
      assert.equal(run.exit_code, 1);
      const { errors } = await call(client, "errors_list", { process_id: "crash-1" }) as {
        errors: Structured[];
      };
      const stack = errors.find((e) => String(e.message).includes("TypeError"));
      assert.ok(stack, JSON.stringify(errors));
      assert.equal((stack.lines as string[]).length, 4);
    });

    await t.step("logs_tail follows with a cursor, never missing or repeating a line", async () => {
      const { process_id } = await call(client, "scripts_run", { name: "ticker" });
      const seen: number[] = [];
      let cursor = 0;
      while (seen.length < 30) {
        const r = await call(client, "logs_tail", { process_id, since_seq: cursor, limit: 7 }) as {
          lines: { text: string; seq: number }[];
          next_seq: number;
        };
        for (const l of r.lines) {
          const m = l.text.match(/^tick (\d+)$/);
          if (m) seen.push(Number(m[1]));
        }
        cursor = r.next_seq;
      }
      assert.deepEqual(seen, Array.from({ length: seen.length }, (_, i) => i + 1));
      const latest = await call(client, "logs_tail", { process_id, limit: 3 }) as {
        lines: unknown[];
      };
      assert.equal(latest.lines.length, 3);
      await call(client, "scripts_stop", { process_id });
    });

    await t.step("logs_search: substring, regex, and a bad regex", async () => {
      const { matches } = await call(client, "logs_search", { query: "cannot read" }) as {
        matches: Structured[];
      };
      assert.ok(matches.some((m) => m.process_id === "crash-1"));
      const re = await call(client, "logs_search", { query: "local:\\s+http", regex: true }) as {
        matches: unknown[];
      };
      assert.ok(re.matches.length >= 1);
      const bad = await client.callTool({
        name: "logs_search",
        arguments: { query: "(", regex: true },
      });
      assert.equal(bad.isError, true);
    });

    await t.step("bad input gets an isError result that says what to call", async () => {
      const unknown = await client.callTool({ name: "scripts_run", arguments: { name: "nope" } });
      assert.equal(unknown.isError, true);
      assert.match(JSON.stringify(unknown.content), /scripts_list/);
      const badArgs = await client.callTool({ name: "logs_tail", arguments: { limit: "many" } });
      assert.equal(badArgs.isError, true);
      const noRun = await client.callTool({
        name: "scripts_stop",
        arguments: { process_id: "nope-9" },
      });
      assert.equal(noRun.isError, true);
      assert.match(JSON.stringify(noRun.content), /scripts_status|dev-1/);
    });

    await t.step("scripts_stop reaches grandchildren", async () => {
      const { process_id, pid } = await call(client, "scripts_run", { name: "spawner" });
      const line = await until("the grandchild pid", async () => {
        const { matches } = await call(client, "logs_search", {
          query: "^grandchild \\d+",
          regex: true,
          process_id,
        }) as {
          matches: { text: string }[];
        };
        return matches[0]?.text;
      });
      const grandchild = Number(line.match(/grandchild (\d+)/)![1]);
      assert.ok(pidAlive(grandchild));
      const { run } = await call(client, "scripts_stop", { name: "spawner" }) as {
        run: Structured;
      };
      assert.equal(run.state, "stopped");
      await until("the grandchild to die", () => !pidAlive(grandchild));
      assert.ok(!pidAlive(pid as number));
    });

    await t.step("stderr carries buzz's own lines only, no runtime warnings", () => {
      // A runtime warning here lands in the user's terminal, or across the terminal UI.
      const foreign = inst.stderr().split("\n").filter((l) => l && !l.startsWith("buzz["));
      assert.deepEqual(foreign, []);
    });
  } finally {
    await close();
    await inst.stop();
  }
});

Deno.test(
  "instance: 2025 clients subscribe to resources and hear about exits",
  opts,
  async () => {
    const project = await fixtureCopy();
    const inst = await startInstance({ project, discoveryDir: await tempDir() });
    const { client, close } = await connectInstance(inst.record, {}, "legacy");
    const { id } = inst.record;
    try {
      const updates: string[] = [];
      const messages: unknown[] = [];
      client.setNotificationHandler(
        "notifications/resources/updated",
        (n) => void updates.push(n.params.uri),
      );
      client.setNotificationHandler(
        "notifications/message",
        (n) => void messages.push(n.params.data),
      );
      await client.subscribeResource({ uri: `buzz://${id}/processes` });
      await client.subscribeResource({ uri: `buzz://${id}/logs/ok-1` });
      await call(client, "scripts_run", { name: "ok" });
      await until(
        "an exit notification",
        () => messages.some((m) => String(m).includes("ok-1 exited")),
      );
      await until(
        "resource updates",
        () =>
          updates.includes(`buzz://${id}/processes`) && updates.includes(`buzz://${id}/logs/ok-1`),
      );
      const { contents } = await client.readResource({ uri: `buzz://${id}/processes` });
      const runs = JSON.parse(String((contents[0] as { text: string }).text)).runs;
      assert.equal(runs[0].process_id, "ok-1");
      const logs = await client.readResource({ uri: `buzz://${id}/logs/ok-1` });
      assert.match(String((logs.contents[0] as { text: string }).text), /all good/);
      const { resourceTemplates } = await client.listResourceTemplates();
      assert.equal(resourceTemplates[0].uriTemplate, `buzz://${id}/logs/{process_id}`);
      const { resources } = await client.listResources();
      assert.ok(resources.some((r) => r.uri === `buzz://${id}/logs/ok-1`));
    } finally {
      await close();
      await inst.stop();
    }
  },
);

Deno.test("instance: 2026-07-28 clients hear of changes on a listen stream", opts, async () => {
  const inst = await startInstance({ project: await fixtureCopy(), discoveryDir: await tempDir() });
  const { client, close } = await connectInstance(inst.record, {}, "modern");
  const { id } = inst.record;
  try {
    const updates: string[] = [];
    let listChanged = 0;
    client.setNotificationHandler(
      "notifications/resources/updated",
      (n) => void updates.push(n.params.uri),
    );
    client.setNotificationHandler(
      "notifications/resources/list_changed",
      () => void listChanged++,
    );
    const sub = await client.listen({
      resourcesListChanged: true,
      resourceSubscriptions: [`buzz://${id}/processes`],
    });
    await call(client, "scripts_run", { name: "ok" });
    await until(
      "a list change and an update",
      () => listChanged > 0 && updates.includes(`buzz://${id}/processes`),
    );
    await sub.close();
    assert.equal(await sub.closed, "local");
  } finally {
    await close();
    await inst.stop();
  }
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(
    `instance: ${signal} stops every child and grandchild and removes the file`,
    opts,
    async () => {
      const project = await fixtureCopy();
      const disco = await tempDir();
      const inst = await startInstance({ project, discoveryDir: disco, args: ["spawner", "dev"] });
      try {
        const { client, close } = await connectInstance(inst.record);
        await until("the grandchild and the dev server", async () => {
          const r = await call(client, "logs_search", {
            query: "^grandchild \\d+|Local:",
            regex: true,
          }) as {
            matches: unknown[];
          };
          return r.matches.length >= 2;
        });
        await close();
        // npm, sh, node, sleep: the whole tree runs in the project directory.
        assert.ok(processesIn(project).length >= 4, `tree: ${processesIn(project)}`);
        const status = await inst.stop(signal);
        assert.equal(status.code, 0);
        assert.deepEqual(jsonFiles(disco), []);
        await until(
          "every process of the project to be gone",
          () => processesIn(project).length === 0,
          2000,
        );
      } finally {
        await inst.stop("SIGKILL");
        killProcessesIn(project);
      }
    },
  );
}

Deno.test("instance: CLI errors exit 2 with a clear message", opts, async () => {
  for (
    const args of [["--no-tui", "--bogus"], ["--mcp", "--no-tui"], ["--no-tui", "--port", "abc"]]
  ) {
    const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", MAIN, ...args] })
      .output();
    assert.equal(out.code, 2, args.join(" "));
    assert.match(new TextDecoder().decode(out.stderr), /buzz: .+/);
  }
  const help = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", MAIN, "--help"] })
    .output();
  assert.equal(help.code, 0);
  assert.match(new TextDecoder().decode(help.stdout), /--discovery-dir/);
});
