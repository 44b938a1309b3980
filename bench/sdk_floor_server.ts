// The cold-start floor under any stdio MCP server on the official SDK: the
// SDK's server half, one zod-typed tool, served over stdio, and nothing else.
// coldstart.ts times it beside the hub, so what the hub adds to the SDK's own
// start-up is visible. It takes (and ignores) the hub's arguments.

import { McpServer, StdioServerTransport } from "../shared/sdk_server.ts";
import { z } from "zod";

const server = new McpServer({ name: "sdk-floor", version: "0" });
// Named as a buzz instance's tool, so the bench's "list holds the instance's tools" is met at once.
server.registerTool(
  "scripts_list",
  { description: "floor", inputSchema: z.object({}) },
  () => ({ content: [{ type: "text", text: "[]" }] }),
);
await server.connect(new StdioServerTransport());
