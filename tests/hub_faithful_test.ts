// The hub as a faithful proxy: against a server that is not buzz, each of these
// answers the same through the hub as directly: paginated lists, _meta on
// requests, JSON-RPC errors with data, a response stream closed mid-call
// (SEP-1699), and notifications no spec names.

import assert from "node:assert/strict";
import { join } from "node:path";
import { parseDiscoveryRecord } from "../shared/discovery.ts";
import { type Client, ProtocolError } from "../shared/sdk.ts";
import { connectInstance, jsonFiles, ROOT, startHub, tempDir, until } from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("hub: answers exactly as a foreign server does directly", opts, async (t) => {
  const disco = await tempDir();
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "tests", "fixtures", "quirky_server.ts"), disco],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const odd: unknown[] = [];
  let hub: Awaited<ReturnType<typeof startHub>> | undefined;
  let direct: Awaited<ReturnType<typeof connectInstance>> | undefined;
  try {
    await until("the server's file", () => jsonFiles(disco).length === 1);
    const record = parseDiscoveryRecord(
      await Deno.readTextFile(join(disco, jsonFiles(disco)[0])),
    );
    direct = await connectInstance(record, {}, "legacy");
    hub = await startHub(disco, {}, (c) => {
      c.fallbackNotificationHandler = (n) => {
        odd.push(n);
        return Promise.resolve();
      };
    }, { era: "legacy" });
    const both = async <T>(f: (c: Client) => Promise<T>) =>
      [await f(direct!.client), await f(hub!.client)] as const;

    await t.step("every page of a paginated list", async () => {
      const [d, h] = await both((c) => c.listResources());
      assert.equal(d.resources.length, 5);
      assert.deepEqual(h.resources.map((r) => r.uri), d.resources.map((r) => r.uri));
    });

    await t.step("_meta on a request reaches the server unchanged", async () => {
      const call = { name: "echo_meta", arguments: {}, _meta: { "example.com/trace": "t-1" } };
      const [d, h] = await both((c) => c.callTool(call));
      assert.deepEqual(h.content, d.content);
      assert.match(JSON.stringify(h.content), /example\.com\/trace/);
    });

    await t.step("JSON-RPC errors keep their code, message and data", async () => {
      const failures = [
        (c: Client) => c.readResource({ uri: "test://quirky/missing" }),
        (c: Client) => c.callTool({ name: "no_such_tool", arguments: {} }),
      ];
      for (const fail of failures) {
        const [d, h] = await both((c) => fail(c).then(() => assert.fail("no error"), (e) => e));
        assert.ok(h instanceof ProtocolError, String(h));
        assert.deepEqual(
          { code: h.code, message: h.message, data: h.data },
          { code: d.code, message: d.message, data: d.data },
        );
        assert.doesNotMatch(h.message, /MCP error .*MCP error/);
      }
    });

    await t.step("a call whose stream the server closes mid-call completes", async () => {
      const [d, h] = await both((c) => c.callTool({ name: "slow_close", arguments: {} }));
      assert.deepEqual(h, d);
    });

    await t.step("a notification no spec names is passed on", async () => {
      await hub!.client.callTool({ name: "notify_odd", arguments: {} });
      await until(
        "the odd notification",
        () => odd.some((n) => (n as { method: string }).method === "notifications/quirky/odd"),
      );
    });

    await t.step("an invalid log level is refused as invalid params", async () => {
      const e = await hub!.client.request(
        { method: "logging/setLevel", params: { level: "loud" } } as never,
      ).then(() => null, (e) => e);
      assert.ok(e instanceof ProtocolError, String(e));
      assert.equal(e.code, -32602);
    });
  } finally {
    await direct?.close();
    await hub?.close();
    server.kill("SIGTERM");
    await server.status;
  }
});
