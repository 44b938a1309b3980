// Run by coldstart.ts as its own process: the hub's start-up steps one by one,
// each timed, in a fresh Deno (so module loading and JIT are as cold as in a
// real hub). Only dynamic imports, so nothing runs before the first mark.
// Prints one JSON line of marks: wall-clock ms at start, then durations in ms.
//
//   deno run -A bench/coldstart_probe.ts <discovery dir>

const wallStart = Date.now();
const t = performance.now();
const marks: Record<string, number> = { wallStart };
let last = t;
const mark = (name: string) => {
  const at = performance.now();
  marks[name] = at - last;
  last = at;
};

const dir = Deno.args[0];
// In the hub's order: the SDK's server half and hub/ answer the client; the client half
// loads with the first connection to an instance.
await import("../shared/sdk_server.ts");
mark("import the SDK's server half (zod, protocol, server, stdio)");
const [{ watchAnnouncements }, { config: zodConfig }] = await Promise.all([
  import("../hub/discovery.ts"),
  import("zod"),
  import("../hub/main.ts"),
]);
zodConfig({ jitless: true }); // as runHub does
mark("import hub/ (front, registry, discovery)");
const { Upstream } = await import("../hub/upstream.ts");
mark("import the SDK's client half (with the first connection)");

const stop = new AbortController();
let record;
for await (const a of watchAnnouncements(dir, { signal: stop.signal })) {
  if (a.type === "found") {
    record = a.record;
    break;
  }
}
mark("discovery: watch + scan + read first file");
if (!record) throw new Error(`nothing announced in ${dir}`);

// Upstream.connect's steps as the hub takes them, cold: the era probe and
// handshake, every list, the listen stream (modern era).
const { Client, StreamableHTTPClientTransport } = await import("../shared/sdk.ts");
const transport = new StreamableHTTPClientTransport(new URL(record.url), {
  requestInit: { headers: { authorization: `Bearer ${record.token}` } },
});
const client = new Client({ name: "buzz-hub", version: "0" }, {
  versionNegotiation: { mode: "auto", probe: { timeoutMs: 5_000 } },
  capabilities: { sampling: { tools: {} }, elicitation: { form: {}, url: {} }, roots: {} },
  inputRequired: { autoFulfill: false },
});
await client.connect(transport, { timeout: 5_000 });
mark("upstream: era probe + handshake (client.connect)");
const caps = client.getServerCapabilities() ?? {};
const fresh = { cacheMode: "refresh" as const };
await Promise.all([
  caps.tools ? client.listTools(undefined, fresh) : null,
  caps.resources ? client.listResources(undefined, fresh) : null,
  caps.resources ? client.listResourceTemplates(undefined, fresh) : null,
  caps.prompts ? client.listPrompts(undefined, fresh) : null,
]);
mark("upstream: tools, resources, templates, prompts lists");
if (client.getProtocolEra() === "modern") {
  const sub = await client.listen({ toolsListChanged: true, resourcesListChanged: true });
  mark("upstream: listen stream open");
  await sub.close();
}
marks.era = client.getProtocolEra() === "modern" ? 2026 : 2025;
await client.close();
last = performance.now();

// The hub's own Upstream.connect, now warm: what part of the above is cold-start cost.
const hooks = {
  onLost: () => {},
  onListsChanged: () => {},
  onNotification: () => {},
  forwardRequest: () => Promise.reject(new Error("no")),
};
const up = await Upstream.connect(record, hooks, {});
mark("Upstream.connect once more, warm");
await up.close();
stop.abort();
console.log(JSON.stringify(marks));
Deno.exit(0);
