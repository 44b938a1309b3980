// End-to-end: the hub's default instance by a client's MCP roots, and what an
// instance asks of the agent (input_required, or 2025 requests) passed through
// the hub and answered back.

import assert from "node:assert/strict";
import { join } from "node:path";
import { writeDiscoveryFile } from "../shared/discovery.ts";
import {
  call,
  fixtureCopy,
  jsonFiles,
  ROOT,
  type RunningInstance,
  startHub,
  startInstance,
  tempDir,
  until,
} from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "hub: with several instances, a 2025 client's roots choose the default one",
  opts,
  async () => {
    const disco = await tempDir();
    const running: RunningInstance[] = [];
    for (const name of ["api", "web"]) {
      running.push(
        await startInstance({ project: await fixtureCopy(), discoveryDir: disco, name }),
      );
    }
    const web = running[1].record;
    const hub = await startHub(disco, { roots: { listChanged: true } }, (client) => {
      client.setRequestHandler("roots/list", () => ({
        roots: [{ uri: `file://${web.directory}`, name: "web" }],
      }));
    }, { era: "legacy" });
    try {
      await until("both instances", async () => {
        const { instances } = await call(hub.client, "instances_list") as {
          instances: { state: string }[];
        };
        return instances.filter((i) => i.state === "connected").length === 2;
      });
      await call(hub.client, "scripts_run", { name: "ok" });
      const { runs } = await call(hub.client, "scripts_status", { instance: "web" }) as {
        runs: unknown[];
      };
      assert.equal(runs.length, 1, "the call went to the instance inside the roots");
    } finally {
      await hub.close();
      for (const r of running) await r.stop();
    }
  },
);

const asks = [
  { server: "modern", client: "modern", how: "input_required passes through" },
  { server: "modern", client: "legacy", how: "input_required becomes requests to the client" },
  { server: "legacy", client: "legacy", how: "the server's own requests reach the client" },
] as const;
for (const { server, client, how } of asks) {
  Deno.test(
    `hub: a ${server} server asks a ${client} client for elicitation, sampling and roots: ${how}`,
    opts,
    async () => {
      const disco = await tempDir();
      const asker = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(ROOT, "tests", "fixtures", "asking_server.ts"), disco, server],
        stdout: "null",
        stderr: "inherit",
      }).spawn();
      await until("the asking server's file", () => jsonFiles(disco).length === 1);
      const hub = await startHub(disco, { sampling: {}, elicitation: {}, roots: {} }, (c) => {
        c.setRequestHandler("sampling/createMessage", () => ({
          role: "assistant",
          content: { type: "text", text: "hi from the agent" },
          model: "test-model",
        }));
        c.setRequestHandler("elicitation/create", () => ({
          action: "accept",
          content: { name: "Ada" },
        }));
        c.setRequestHandler("roots/list", () => ({ roots: [{ uri: "file:///tmp/x" }] }));
      }, { era: client });
      try {
        const r = await hub.client.callTool({ name: "ask_client", arguments: {} });
        assert.ok(!r.isError, JSON.stringify(r.content));
        const answer = JSON.parse((r.content as { text: string }[])[0].text);
        assert.deepEqual(answer.name, { name: "Ada" });
        assert.equal(answer.sampled.content.text, "hi from the agent");
        assert.deepEqual(answer.roots.roots, [{ uri: "file:///tmp/x" }]);
      } finally {
        await hub.close();
        asker.kill("SIGTERM");
        await asker.status;
      }
    },
  );
}

Deno.test(
  "hub: an instance's file moved out and back in unchanged keeps its connection and the call in flight",
  opts,
  async () => {
    const disco = await tempDir();
    const inst = await startInstance({ project: await fixtureCopy(), discoveryDir: disco });
    const hub = await startHub(disco);
    const aside = await tempDir();
    try {
      const listed = async () => {
        const { instances } = await call(hub.client, "instances_list") as {
          instances: { state: string; connected_since?: string }[];
        };
        return instances[0];
      };
      const before = await until("connected", async () => {
        const e = await listed();
        return e?.state === "connected" ? e : null;
      });
      const inFlight = call(hub.client, "logs_wait", {
        pattern: "never printed",
        timeout_ms: 3000,
      });
      const outside = join(aside, "moved.json");
      await Deno.rename(inst.file, outside);
      await until(
        "the file's absence seen",
        () => /file was removed; still connected/.test(hub.stderr()),
      );
      await Deno.rename(outside, inst.file);
      await until("the file read again", () => /announced again, unchanged/.test(hub.stderr()));
      // The call ends as the instance answers it (its wait timed out), not as a broken connection.
      const waited = await inFlight;
      assert.equal(waited.timed_out, true);
      const after = await listed();
      assert.equal(after.state, "connected");
      assert.equal(after.connected_since, before.connected_since);
    } finally {
      await hub.close();
      await inst.stop();
    }
  },
);

Deno.test(
  "hub: the same id announced again (a new port) replaces the entry and reconnects",
  opts,
  async () => {
    const disco = await tempDir();
    const first = await startInstance({ project: await fixtureCopy(), discoveryDir: disco });
    const hub = await startHub(disco);
    const other = await tempDir();
    const second = await startInstance({ project: await fixtureCopy(), discoveryDir: other });
    try {
      const id = first.record.id;
      // Re-announce the first id, pointing at the second instance's port and token.
      await writeDiscoveryFile(disco, { ...second.record, id });
      const entry = await until("the entry to move to the new url", async () => {
        const { instances } = await call(hub.client, "instances_list") as {
          instances: { id: string; url: string; state: string }[];
        };
        const e = instances.find((i) => i.id === id);
        return e?.url === second.record.url && e.state === "connected" ? e : null;
      });
      assert.ok(entry);
      const { scripts } = await call(hub.client, "scripts_list") as { scripts: unknown[] };
      assert.equal(scripts.length, 5);
    } finally {
      await hub.close();
      await first.stop();
      await second.stop();
    }
  },
);
