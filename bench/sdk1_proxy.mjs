// The floor under any MCP proxy, as people write one on the v1 SDK (1.32.2, from tests/tools),
// under Node: its stdio Server hands tools/list and tools/call to its Streamable HTTP Client,
// and nothing else. bench/floor.ts measures the hub beside it. "own" answers at once.
//
//   node bench/sdk1_proxy.mjs <instance url> <token>

import { createRequire } from "node:module";

const require = createRequire(new URL("../tests/tools/package.json", import.meta.url));
const { Server } = require("@modelcontextprotocol/sdk/server/index.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StreamableHTTPClientTransport } = require(
  "@modelcontextprotocol/sdk/client/streamableHttp.js",
);
const { CallToolRequestSchema, ListToolsRequestSchema } = require(
  "@modelcontextprotocol/sdk/types.js",
);

const [url, token] = process.argv.slice(2);
const client = new Client({ name: "sdk1-proxy", version: "0" });
await client.connect(
  new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  }),
);
const own = { content: [{ type: "text", text: "ok" }], structuredContent: {} };
const server = new Server({ name: "sdk1-proxy", version: "0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => client.listTools());
server.setRequestHandler(
  CallToolRequestSchema,
  (req) => req.params.name === "own" ? own : client.callTool(req.params),
);
await server.connect(new StdioServerTransport());
