// The SDK's stdio client: the other half of buzz's door to the MCP SDK (shared/sdk.ts
// is the first). Only the tests, the bench and the npm smoke test start MCP servers
// as child processes; buzz itself never does, and loading this (cross-spawn through
// Deno's CommonJS loader, node:stream) would cost every hub start about 25 ms.

export { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
