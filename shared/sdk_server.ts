// The server half of shared/sdk.ts, for the instance: it serves MCP and never
// connects to a server, and loading the client package too (with its OAuth,
// SSE and process-spawning dependencies) costs a process about 10 MB of RSS.
// The hub serves its own client with this half first, and loads the client package
// (through shared/sdk.ts, which re-exports all of this) only to reach instances.

export * from "@modelcontextprotocol/server";
export { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
