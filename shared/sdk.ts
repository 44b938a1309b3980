// The door to the official MCP SDK (v2: @modelcontextprotocol/server and
// @modelcontextprotocol/client, pinned in deno.json). Both packages ship real
// declaration files under their `import` condition, so `deno check` checks every
// SDK call made through here. The protocol types and errors come from the
// server package; the client package re-exports the same core definitions.
// The instance imports only the server half (sdk_server.ts), and so does the hub
// until it has begun to serve its own client.
// The SDK's stdio client, which only tests start servers with, has its own
// module (sdk_stdio.ts), so that the hub does not load it.

export * from "./sdk_server.ts";
export {
  Client,
  type ClientOptions,
  type McpSubscription,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
