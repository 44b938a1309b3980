// The floor under any hub built on the official SDK: a stdio server whose only
// work is handing tools/call to one instance through the SDK's HTTP client and
// the answer back. No discovery, routing, catalog or health checks. proxy.ts
// measures it beside the hub, so what the hub costs above the SDK is visible.
//
//   deno run -A bench/sdk_proxy.ts <instance url> <token>
//
// "own" answers at once, without the instance: its stdio round trip.

import {
  type CallToolResult,
  Client,
  type Result,
  Server,
  serveStdio,
  type StandardSchemaV1,
  StdioServerTransport,
  StreamableHTTPClientTransport,
} from "../shared/sdk.ts";

const [url, token] = Deno.args;
const client = new Client({ name: "sdk-proxy", version: "0" }, {
  versionNegotiation: { mode: "auto" },
});
await client.connect(
  new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  }),
);

// As in the hub: the answer goes back as it came, unchecked here.
const Unchecked: StandardSchemaV1<unknown, Result> = {
  "~standard": { version: 1, vendor: "bench", validate: (value) => ({ value: value as Result }) },
};
const own: CallToolResult = { content: [{ type: "text", text: "ok" }], structuredContent: {} };

serveStdio(() => {
  const server = new Server({ name: "sdk-proxy", version: "0" }, { capabilities: { tools: {} } });
  server.setRequestHandler("tools/list", () => ({ tools: [] }));
  server.setRequestHandler(
    "tools/call",
    async (req) =>
      req.params.name === "own"
        ? own
        : await client.request({ method: "tools/call", params: req.params }, Unchecked) as never,
  );
  return server;
}, { transport: new StdioServerTransport() });
