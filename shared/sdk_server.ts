// The server half of shared/sdk.ts, for the instance: it serves MCP and never
// connects to a server, and loading the client package too (with its OAuth,
// SSE and process-spawning dependencies) costs a process about 10 MB of RSS.
// The hub and the tests import shared/sdk.ts, which re-exports all of this.

export * from "@modelcontextprotocol/server";
