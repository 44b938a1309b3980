// The hub and the 2025-era servers found in the wild: one built the way the v1 SDK's own
// Streamable HTTP example builds it (SDK 1.32.2 on express, HTTP 400 to anything without a
// session, the era probe included), run under Node; and a server the hub cannot reach, whose
// error an agent must be able to read.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { DISCOVERY_PROTOCOL, writeDiscoveryFile } from "../shared/discovery.ts";
import { Client, StreamableHTTPClientTransport } from "../shared/sdk.ts";
import { startV1Express, type V1Server } from "./fixtures/v1_express.ts";
import { call, killProcessesIn, startHub, type Structured, tempDir, until } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
type Hub = Awaited<ReturnType<typeof startHub>>;

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, "g"))?.length ?? 0;
const textOf = (r: { content?: unknown }) =>
  (r.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join("\n");

async function withV1Server(fn: (server: V1Server, disco: string) => Promise<void>) {
  const disco = await tempDir();
  const home = await tempDir("buzz-v1-");
  const server = await startV1Express(home, disco);
  try {
    await fn(server, disco);
  } finally {
    await server.stop();
    killProcessesIn(home);
  }
}

async function toolNames(hub: Hub): Promise<string[]> {
  return (await hub.client.listTools()).tools.map((t) => t.name);
}

Deno.test(
  "the SDK's own client falls back to initialize when the probe gets HTTP 400",
  opts,
  () =>
    withV1Server(async (server) => {
      // The minimal reproduction the hub relies on: auto negotiation, nothing else.
      const client = new Client({ name: "probe-check", version: "0" }, {
        versionNegotiation: { mode: "auto" },
      });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      try {
        assert.equal(client.getProtocolEra(), "legacy");
        assert.match(server.output(), /refused server\/discover: no session/);
        assert.equal(count(server.output(), /session opened/), 1);
      } finally {
        await client.close();
      }
    }),
);

Deno.test(
  "hub: reaches a v1-SDK express server, and after the server ends the session, reconnects without probing again",
  opts,
  () =>
    withV1Server(async (server, disco) => {
      let hub: Hub | undefined;
      try {
        // A 2026-07-28 client: the hub probes for its era first (a 2025 client's hub would
        // speak 2025 at once), and the server refuses the probe.
        hub = await startHub(disco);
        const h = hub;
        await until("the server's tools through the hub", async () =>
          (await toolNames(h)).includes("test_simple_text"));
        assert.match(h.stderr(), /connected to v1-express-\w+ .*, 2025 era/);
        const r = await h.client.callTool({ name: "test_simple_text", arguments: {} });
        assert.equal(textOf(r), "This is a simple text response for testing.");
        assert.equal(count(server.output(), /refused server\/discover/), 1);

        await h.client.callTool({ name: "test_end_session", arguments: {} });
        await until("the server to end the session", () =>
          /session closed/.test(server.output()));
        await until(
          "the hub to open a new session",
          () =>
            count(server.output(), /session opened/) === 2 && /connected to .*\n.*connected to /s
              .test(h.stderr()),
          20_000,
        );
        // The era was remembered: the second session began with initialize, not with a probe.
        assert.equal(count(server.output(), /refused server\/discover/), 1, server.output());
        const again = await h.client.callTool({ name: "test_simple_text", arguments: {} });
        assert.equal(textOf(again), "This is a simple text response for testing.");
      } finally {
        await hub?.close();
      }
    }),
);

Deno.test(
  "hub: a server that closes its standalone GET stream stays connected and is heard on the new one",
  opts,
  () =>
    withV1Server(async (server, disco) => {
      let hub: Hub | undefined;
      try {
        hub = await startHub(disco, {}, () => {}, { era: "legacy" });
        const h = hub;
        await until("the server's tools through the hub", async () =>
          (await toolNames(h)).includes("test_close_notification_stream"));
        assert.ok(!(await toolNames(h)).includes("test_after_stream_closed"));
        await h.client.callTool({ name: "test_close_notification_stream", arguments: {} });
        // The server announces the new tool on its standalone stream, after it closed it.
        await until(
          "the tool announced on the reopened stream",
          async () =>
            (await toolNames(h)).includes("test_after_stream_closed"),
          15_000,
        );
        const r = await h.client.callTool({ name: "test_after_stream_closed", arguments: {} });
        assert.equal(textOf(r), "the notification stream came back");
        assert.doesNotMatch(h.stderr(), /disconnected|connecting failed/, h.stderr());
        assert.equal(count(server.output(), /session opened/), 1, server.output());
      } finally {
        await hub?.close();
      }
    }),
);

Deno.test(
  "hub: a server it cannot reach is listed with its last error, and each failed attempt is logged",
  opts,
  async () => {
    const disco = await tempDir();
    // Answers everything, the probe included, with a server error.
    const http = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response("the database is down", { status: 500 }),
    );
    const port = http.addr.port;
    const id = `broken-${randomBytes(4).toString("hex")}`;
    await writeDiscoveryFile(disco, {
      id,
      name: "broken",
      directory: disco,
      url: `http://127.0.0.1:${port}/mcp`,
      port,
      pid: Deno.pid,
      token: randomBytes(32).toString("hex"),
      started_at: new Date().toISOString(),
      version: "0",
      protocol: DISCOVERY_PROTOCOL,
    });
    let hub: Hub | undefined;
    try {
      hub = await startHub(disco);
      const h = hub;
      // The first failure at info, the ones while backing off at debug (the hub runs at debug).
      await until(
        "a second failed attempt",
        () => /debug: broken-\w+: connecting failed \(attempt 2\)/.test(h.stderr()),
        15_000,
      );
      assert.match(h.stderr(), /info: broken-\w+: connecting failed \(attempt 1\): .*HTTP 500/);

      const listed = await call(h.client, "instances_list");
      const [entry] = listed.instances as Structured[];
      assert.equal(entry.id, id);
      assert.equal(entry.state, "disconnected");
      assert.match(String(entry.last_error), /HTTP 500/);
      const text = await h.client.callTool({ name: "instances_list", arguments: {} });
      assert.match(textOf(text), new RegExp(`${id} .*last error: .*HTTP 500`));

      // A request that needs an instance says why none is connected.
      const r = await h.client.readResource({ uri: "test://static-text" })
        .then(() => "no error", (e: Error) => e.message);
      assert.match(r, /No buzz instance is connected[^]*last error: .*HTTP 500/);
    } finally {
      await hub?.close();
      await http.shutdown();
    }
  },
);
