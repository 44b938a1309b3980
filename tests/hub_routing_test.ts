// End-to-end: the hub's choice of current instance by MCP roots, and requests an
// instance makes of the agent passed through the hub and answered back.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from "../shared/sdk.ts";
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
  "hub: with several instances, the one inside the client's roots becomes current",
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
      client.setRequestHandler(ListRootsRequestSchema, () => ({
        roots: [{ uri: `file://${web.directory}`, name: "web" }],
      }));
    });
    try {
      const list = await until("roots to pick an instance", async () => {
        const { instances } = await call(hub.client, "instances_list") as {
          instances: { id: string; current: boolean }[];
        };
        return instances.some((i) => i.current) ? instances : null;
      });
      assert.equal(list.length, 2, "roots break ties; they hide nothing");
      assert.equal(list.find((i) => i.current)?.id, web.id);
    } finally {
      await hub.close();
      for (const r of running) await r.stop();
    }
  },
);

Deno.test(
  "hub: sampling, elicitation and roots requests from an instance reach the client and back",
  opts,
  async () => {
    const disco = await tempDir();
    const asker = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(ROOT, "tests", "fixtures", "asking_server.ts"), disco],
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    await until("the asking server's file", () => jsonFiles(disco).length === 1);
    const hub = await startHub(disco, { sampling: {}, elicitation: {}, roots: {} }, (client) => {
      client.setRequestHandler(CreateMessageRequestSchema, () => ({
        role: "assistant",
        content: { type: "text", text: "hi from the agent" },
        model: "test-model",
      }));
      client.setRequestHandler(
        ElicitRequestSchema,
        () => ({ action: "accept", content: { name: "Ada" } }),
      );
      client.setRequestHandler(
        ListRootsRequestSchema,
        () => ({ roots: [{ uri: "file:///tmp/x" }] }),
      );
    });
    try {
      const r = await hub.client.callTool({ name: "ask_client", arguments: {} });
      const answer = JSON.parse((r.content as { text: string }[])[0].text);
      assert.equal(answer.sampled.content.text, "hi from the agent");
      assert.deepEqual(answer.elicited.content, { name: "Ada" });
      assert.deepEqual(answer.roots, [{ uri: "file:///tmp/x" }]);
    } finally {
      await hub.close();
      asker.kill("SIGTERM");
      await asker.status;
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
          instances: { id: string; url: string; state: string; current: boolean }[];
        };
        const e = instances.find((i) => i.id === id);
        return e?.url === second.record.url && e.state === "connected" ? e : null;
      });
      assert.equal(entry.current, true);
      const { scripts } = await call(hub.client, "scripts_list") as { scripts: unknown[] };
      assert.equal(scripts.length, 5);
    } finally {
      await hub.close();
      await first.stop();
      await second.stop();
    }
  },
);
