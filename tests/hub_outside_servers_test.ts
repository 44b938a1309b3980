// The hub keeps MCP servers built with frameworks buzz shares no code with, for
// agents of both eras: the official Python SDK (its FastMCP class, MCPServer),
// npm fastmcp on the v1 SDK (2025 only), and small SDK 2.x servers whose
// subscriptions/listen is refused (-32601) or answered as newline-delimited JSON
// that never acknowledges it. For each server and each client era, the same
// battery runs against the server directly and through `buzz --mcp`: every item
// answered directly must be answered the same through the hub. The figures are
// printed per server and era, and recorded in docs/conformance.md.

import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { Client, ProtocolError, StreamableHTTPClientTransport } from "../shared/sdk.ts";
import type { DiscoveryRecord } from "../shared/discovery.ts";
import { type Era, killProcessesIn, startHub, type Structured, tempDir, until } from "./helpers.ts";
import { type OutsideKind, startOutside } from "./fixtures/outside.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** What the client can do, and how it answers what a server asks. */
const CAPABILITIES = { elicitation: { form: {} }, sampling: {} };
function answerAsks(c: Client): void {
  c.setRequestHandler("elicitation/create", () => ({ action: "accept", content: { name: "Ada" } }));
  c.setRequestHandler("sampling/createMessage", () => ({
    role: "assistant",
    content: { type: "text", text: "hi" },
    model: "test-model",
  }));
}

interface Side {
  client: Client;
  notes: { method: string; params?: Structured }[];
  close(): Promise<void>;
}

/** An item's outcome: its answer or its error, as a client sees it. */
async function outcome(f: () => Promise<unknown>): Promise<unknown> {
  try {
    return normalise(await f());
  } catch (e) {
    if (e instanceof ProtocolError) return { error: { code: e.code, message: e.message } };
    return { failure: (e as Error).name };
  }
}

/** What the hub adds on purpose: its own tool, and the `instance` argument on every other. */
function normalise(v: unknown): unknown {
  const value = JSON.parse(JSON.stringify(v ?? null));
  if (value && Array.isArray(value.tools)) {
    value.tools = value.tools.filter((t: Structured) => t.name !== "instances_list")
      .map((t: { inputSchema?: { properties?: Structured } }) => {
        delete t.inputSchema?.properties?.instance;
        return t;
      })
      .sort((a: Structured, b: Structured) => String(a.name).localeCompare(String(b.name)));
  }
  if (value && Array.isArray(value.prompts)) {
    for (const p of value.prompts) {
      p.arguments = p.arguments?.filter((a: Structured) => a.name !== "instance");
    }
  }
  // A result's envelope: whose it is and how long to cache it, the hub's own to a 2026-07-28
  // client (it is that client's server), and none at all from a 2025 server.
  const strip = (o: unknown, depth: number) => {
    if (!o || typeof o !== "object" || depth > 1) return;
    for (const k of ["_meta", "ttlMs", "cacheScope"]) delete (o as Structured)[k];
    for (const v of Object.values(o)) strip(v, depth + 1);
  };
  strip(value, 0);
  return value;
}

interface Item {
  name: string;
  /** Only for these servers (all when absent). */
  only?: OutsideKind[];
  run(side: Side, era: Era, tag: string): Promise<unknown>;
  /**
   * "same" (the default): equal both ways. "at-least": a true flag directly is true through the
   * hub (the hub may know more, as when it reads again the lists of a server that cannot say).
   */
  compare?: "same" | "at-least";
}

const call = (name: string, args: Structured = {}) => (s: Side) =>
  s.client.callTool({ name, arguments: args });

async function waitFor(s: Side, method: string, from: number, ms = 12_000): Promise<boolean> {
  try {
    await until(method, () => s.notes.slice(from).some((n) => n.method === method), ms);
    return true;
  } catch {
    return false;
  }
}

const ITEMS: Item[] = [
  { name: "tools/list", run: (s) => s.client.listTools() },
  { name: "call add", only: ["python", "fastmcp"], run: call("add", { a: 2, b: 3 }) },
  {
    name: "structured result",
    only: ["python"],
    run: call("weather", { city: "Paris" }),
  },
  {
    name: "call echo",
    only: ["quirks-ndjson", "quirks-refused"],
    run: call("echo", { text: "hi" }),
  },
  {
    name: "progress and logs",
    only: ["python", "fastmcp"],
    run: async (s) => {
      await s.client.setLoggingLevel("debug").catch(() => {});
      const from = s.notes.length;
      const result = await s.client.callTool({ name: "count", arguments: { steps: 3 } }, {
        onprogress: () => {},
      });
      // As they came on the wire: the SDK client drops a progress notification read in the same
      // chunk as the answer (it dispatches one a microtask later than it settles the other),
      // which over a loaded stdio pipe is a matter of luck.
      const progress = s.notes.slice(from).filter((n) => n.method === "notifications/progress")
        .map((n) => ({ progress: n.params?.progress, total: n.params?.total }));
      const logged = () =>
        s.notes.slice(from).filter((n) => n.method === "notifications/message").length;
      await until("the logs", () => logged() >= 3, 5_000).catch(() => {});
      const logs = s.notes.slice(from).filter((n) => n.method === "notifications/message")
        .map((n) => ({ level: n.params?.level, data: n.params?.data }));
      return { result, progress, logs };
    },
  },
  { name: "tool error", only: ["python", "fastmcp"], run: call("fail") },
  { name: "bad arguments", only: ["python", "fastmcp"], run: call("add", { a: "x" }) },
  { name: "unknown tool", run: call("no_such_tool") },
  { name: "resources/list", run: (s) => s.client.listResources() },
  {
    name: "resources/templates/list",
    only: ["python", "fastmcp"],
    run: (s) => s.client.listResourceTemplates(),
  },
  {
    name: "read a resource",
    only: ["python", "fastmcp"],
    run: (s) => s.client.readResource({ uri: "note://main" }),
  },
  {
    name: "read a template's resource",
    only: ["python", "fastmcp"],
    run: (s) => s.client.readResource({ uri: "users://ada/profile" }),
  },
  {
    name: "read a missing resource",
    only: ["python", "fastmcp"],
    run: (s) => s.client.readResource({ uri: "note://missing" }),
  },
  { name: "prompts/list", only: ["python", "fastmcp"], run: (s) => s.client.listPrompts() },
  {
    name: "prompts/get",
    only: ["python", "fastmcp"],
    run: (s) => s.client.getPrompt({ name: "greet", arguments: { name: "Ada" } }),
  },
  {
    name: "complete a prompt argument",
    only: ["python", "fastmcp"],
    run: (s) =>
      s.client.complete({
        ref: { type: "ref/prompt", name: "greet" },
        argument: { name: "name", value: "a" },
      }),
  },
  {
    name: "complete a template argument",
    only: ["python", "fastmcp"],
    run: (s) =>
      s.client.complete({
        ref: { type: "ref/resource", uri: "users://{userId}/profile" },
        argument: { name: "userId", value: "g" },
      }),
  },
  {
    name: "cancellation",
    only: ["python", "fastmcp"],
    run: async (s) => {
      const abort = new AbortController();
      const pending = s.client.callTool({ name: "sleepy", arguments: { seconds: 30 } }, {
        signal: abort.signal,
      });
      setTimeout(() => abort.abort("enough"), 300);
      const cancelled = await pending.then(() => false, () => true);
      // The server is still there, and answers the next call.
      const after = await s.client.callTool({ name: "add", arguments: { a: 1, b: 1 } });
      return { cancelled, after };
    },
  },
  {
    name: "list change",
    only: ["python", "fastmcp"],
    compare: "at-least",
    run: async (s, _era, tag) => {
      const from = s.notes.length;
      await s.client.listTools();
      // A name of each side's own: the other side's tool is already there.
      const name = `grown_${tag}`;
      await s.client.callTool({ name: "grow", arguments: { name } });
      const notified = await waitFor(s, "notifications/tools/list_changed", from);
      let listed = false;
      await until("the new tool", async () => {
        const { tools } = await s.client.listTools();
        return listed = tools.some((t) => t.name === name);
      }, 12_000).catch(() => {});
      return { notified, listed, tag: tag.length > 0 };
    },
  },
  {
    name: "resource subscription",
    only: ["python", "fastmcp"],
    compare: "at-least",
    run: async (s, era) => {
      const from = s.notes.length;
      let subscribed = true;
      if (era === "legacy") {
        await s.client.subscribeResource({ uri: "note://main" }).catch(() => subscribed = false);
      } else {
        await s.client.listen({ resourceSubscriptions: ["note://main"] }, { timeout: 5_000 })
          .catch(() => subscribed = false);
      }
      // Touched until an update arrives: the hub acknowledges a listen at once (the SDK's entry
      // answers it) and follows the resource upstream a moment later.
      let updated = false;
      for (let i = 0; i < 10 && !updated; i++) {
        await s.client.callTool({ name: "touch", arguments: {} });
        updated = await waitFor(s, "notifications/resources/updated", from, 1_000);
      }
      return { subscribed, updated };
    },
  },
  { name: "elicitation (push-style)", run: call("ask_name") },
  { name: "sampling (push-style)", run: call("ask_sample") },
  { name: "elicitation and sampling (input_required)", only: ["python"], run: call("ask_rounds") },
];

/** The flags an "at-least" item compares: each true directly must be true through the hub. */
function atLeast(direct: unknown, hub: unknown): boolean {
  const d = direct as Record<string, unknown>;
  const h = hub as Record<string, unknown>;
  if (!d || !h || typeof d !== "object") return isDeepStrictEqual(d, h);
  return Object.entries(d).every(([k, v]) => v !== true || h[k] === true);
}

/** A client of either era straight to the server, as the helpers' connectInstance, with handlers. */
async function connectDirectly(record: DiscoveryRecord, era: Era, setup: (c: Client) => void) {
  const transport = new StreamableHTTPClientTransport(new URL(record.url), {
    requestInit: { headers: { authorization: `Bearer ${record.token}` } },
  });
  const client = new Client({ name: "buzz-test", version: "0" }, {
    capabilities: CAPABILITIES,
    // "auto": a 2025-only server is reached in its era, the baseline the hub must match.
    versionNegotiation: { mode: era === "modern" ? "auto" : "legacy" },
  });
  setup(client);
  await client.connect(transport);
  return {
    client,
    async close() {
      if (transport.sessionId) await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

async function side(
  era: Era,
  connect: (setup: (c: Client) => void) => Promise<{ client: Client; close(): Promise<void> }>,
): Promise<Side> {
  const notes: Side["notes"] = [];
  const { client, close } = await connect((c) => {
    answerAsks(c);
    c.fallbackNotificationHandler = (n) => {
      notes.push(n as Side["notes"][number]);
      return Promise.resolve();
    };
    for (
      const m of [
        "notifications/tools/list_changed",
        "notifications/resources/updated",
        "notifications/message",
      ] as const
    ) {
      c.setNotificationHandler(m, (n) => void notes.push(n as Side["notes"][number]));
    }
  });
  // Progress as it arrives on the wire, before the SDK's dispatch (see "progress and logs").
  const transport = client.transport!;
  const onmessage = transport.onmessage!;
  transport.onmessage = (m, extra) => {
    if ("method" in m && m.method === "notifications/progress") {
      notes.push(m as Side["notes"][number]);
    }
    onmessage.call(transport, m, extra);
  };
  // A 2026-07-28 client hears of list changes only on a listen stream.
  if (era === "modern") {
    await client.listen({ toolsListChanged: true }, { timeout: 5_000 }).catch(() => {});
  }
  return { client, notes, close };
}

/** Runs the battery against `kind` for one client era; returns [same, total]. */
async function differential(kind: OutsideKind, era: Era): Promise<[number, number, string[]]> {
  const home = await tempDir();
  const disco = await tempDir();
  const server = await startOutside(kind, home, disco);
  let direct: Side | undefined;
  let hub: Side | undefined;
  let hubProc: Awaited<ReturnType<typeof startHub>> | undefined;
  const differ: string[] = [];
  let total = 0;
  try {
    direct = await side(era, (setup) => connectDirectly(server.record, era, setup));
    hub = await side(era, async (setup) => {
      hubProc = await startHub(disco, CAPABILITIES, setup, { era });
      return hubProc;
    });
    for (const item of ITEMS) {
      if (item.only && !item.only.includes(kind)) continue;
      total++;
      const d = await outcome(() => item.run(direct!, era, "direct"));
      const h = await outcome(() => item.run(hub!, era, "hub"));
      const same = item.compare === "at-least" ? atLeast(d, h) : isDeepStrictEqual(d, h);
      const brief = (o: unknown) => JSON.stringify(o).slice(0, 90);
      console.log(`  ${same ? "same" : "DIFFERS"}  ${item.name}: ${brief(d)}`);
      if (!same) {
        differ.push(
          `${item.name}:\n  directly: ${JSON.stringify(d)}\n  via hub:  ${JSON.stringify(h)}`,
        );
      }
    }
    const label = era === "modern" ? "2026-07-28" : "2025";
    console.log(
      `${kind}, ${label} client: ${total - differ.length}/${total} items the same through the hub`,
    );
    if (differ.length) console.log(differ.join("\n"));
    return [total - differ.length, total, differ];
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\nserver output:\n${server.output()}\nhub log:\n${
        hubProc?.stderr() ?? ""
      }`,
    );
  } finally {
    await direct?.close();
    await hub?.close();
    await server.stop();
    killProcessesIn(home);
  }
}

for (const kind of ["python", "fastmcp", "quirks-ndjson", "quirks-refused"] as OutsideKind[]) {
  Deno.test(
    `hub: ${kind} answers the same through the hub as directly, for both client eras`,
    opts,
    async (t) => {
      for (const era of ["legacy", "modern"] as Era[]) {
        await t.step(era === "modern" ? "2026-07-28 client" : "2025 client", async () => {
          const [, , differ] = await differential(kind, era);
          assert.deepEqual(differ, [], differ.join("\n"));
        });
      }
    },
  );
}

/** The hub's instances_list, for the one instance announced. */
async function soleInstance(client: Client): Promise<Structured> {
  const r = await client.callTool({ name: "instances_list", arguments: {} });
  return (r.structuredContent as { instances: Structured[] }).instances[0] ?? {};
}

for (const kind of ["quirks-ndjson", "quirks-refused"] as OutsideKind[]) {
  Deno.test(
    `hub: a server whose listen is ${
      kind === "quirks-refused" ? "refused" : "never acknowledged"
    } stays connected, and instances_list says its list changes are not followed`,
    opts,
    async () => {
      const home = await tempDir();
      const disco = await tempDir();
      const server = await startOutside(kind, home, disco);
      let hub: Awaited<ReturnType<typeof startHub>> | undefined;
      try {
        hub = await startHub(disco);
        const entry = await until("the note on its lists", async () => {
          const e = await soleInstance(hub!.client);
          return e.state === "connected" && e.lists_unfollowed ? e : undefined;
        }, 30_000);
        assert.match(
          String(entry.lists_unfollowed),
          kind === "quirks-refused"
            ? /subscriptions\/listen failed \(.*Method not found/
            : /subscriptions\/listen failed/,
        );
        // Still connected, a while later: no probe took the connection down.
        const r = await hub.client.callTool({ name: "echo", arguments: { text: "still here" } });
        assert.deepEqual(r.content, [{ type: "text", text: "still here" }]);
        assert.doesNotMatch(hub.stderr(), /disconnected|connecting failed/);
      } finally {
        await hub?.close();
        await server.stop();
        killProcessesIn(home);
      }
    },
  );
}

Deno.test(
  "hub: a connection that fails is reported with its real reason, in the log and in instances_list",
  opts,
  async () => {
    const home = await tempDir();
    const disco = await tempDir();
    const server = await startOutside("quirks-badlist", home, disco);
    let hub: Awaited<ReturnType<typeof startHub>> | undefined;
    try {
      hub = await startHub(disco);
      const entry = await until("the failure", async () => {
        const e = await soleInstance(hub!.client);
        return e.last_error ? e : undefined;
      }, 30_000);
      assert.equal(entry.state, "disconnected");
      assert.match(String(entry.last_error), /connect failed: .*the tool registry is broken/);
      await until(
        "the log line",
        () =>
          /connecting failed \(attempt 1\): connect failed: .*the tool registry is broken/.test(
            hub!.stderr(),
          ),
      );
    } finally {
      await hub?.close();
      await server.stop();
      killProcessesIn(home);
    }
  },
);

Deno.test(
  "hub: no list_changed reaches the client before it has fetched that list; after, it does",
  opts,
  async () => {
    const home = await tempDir();
    const disco = await tempDir();
    const servers = [await startOutside("quirks-plain", home, disco)];
    let hub: Awaited<ReturnType<typeof startHub>> | undefined;
    const notes: string[] = [];
    try {
      hub = await startHub(disco, {}, (c) => {
        c.fallbackNotificationHandler = (n) => {
          notes.push(n.method);
          return Promise.resolve();
        };
        for (
          const m of [
            "notifications/tools/list_changed",
            "notifications/resources/list_changed",
            "notifications/prompts/list_changed",
          ] as const
        ) c.setNotificationHandler(m, (n) => void notes.push(n.method));
      }, { era: "legacy" });
      await until(
        "the instance",
        async () => (await soleInstance(hub!.client)).state === "connected",
      );
      assert.deepEqual(notes.filter((m) => m.endsWith("list_changed")), []);
      await hub.client.listTools();
      // Another server, with a tool of its own: the tool list changes.
      servers.push(await startOutside("quirks-refused", home, disco));
      await until(
        "tools/list_changed",
        () => notes.includes("notifications/tools/list_changed"),
        30_000,
      );
      // Resources and prompts were never fetched: nothing said of them.
      assert.deepEqual(notes.filter((m) => m.endsWith("list_changed")), [
        "notifications/tools/list_changed",
      ]);
    } finally {
      await hub?.close();
      for (const s of servers) await s.stop();
      killProcessesIn(home);
    }
  },
);

Deno.test(
  "hub: a 2025-only server's elicitation reaches a 2026-07-28 client as input_required; one it cannot tie to a call is refused with the reason",
  opts,
  async () => {
    const home = await tempDir();
    const disco = await tempDir();
    const server = await startOutside("fastmcp", home, disco);
    let hub: Awaited<ReturnType<typeof startHub>> | undefined;
    try {
      hub = await startHub(disco, CAPABILITIES);
      const manual = { allowInputRequired: true, timeout: 60_000 };
      const ask = (params: Structured) =>
        hub!.client.request({ method: "tools/call", params } as never, manual as never) as Promise<
          Structured
        >;
      // By hand, as a client that does not fulfil input_required itself would.
      const first = await ask({ name: "ask_name", arguments: {} });
      assert.equal(first.resultType, "input_required", JSON.stringify(first));
      const requests = first.inputRequests as Record<string, { method: string }>;
      assert.deepEqual(Object.values(requests).map((r) => r.method), ["elicitation/create"]);
      // While that call is held, a second one asks too: the hub cannot tell which call asked.
      const second = await ask({ name: "ask_name", arguments: {} });
      assert.match(
        JSON.stringify(second),
        /could not pass elicitation\/create to its client .*cannot tell which asked/,
      );
      // The first call's retry carries the answer; the server's real result comes back.
      const [key] = Object.keys(requests);
      const done = await ask({
        name: "ask_name",
        arguments: {},
        inputResponses: { [key]: { action: "accept", content: { name: "Ada" } } },
        requestState: first.requestState,
      });
      assert.deepEqual(done.content, [{ type: "text", text: 'accept: name="Ada"' }]);
    } finally {
      await hub?.close();
      await server.stop();
      killProcessesIn(home);
    }
  },
);
