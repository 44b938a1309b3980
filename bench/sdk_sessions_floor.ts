// The memory floor under 2025 sessions on the official SDK: its own stateful
// Streamable HTTP server as its documentation builds one (an McpServer and a
// transport for each session, kept until the session ends), one tool, on
// Deno.serve, and nothing else. crowd.ts opens the same burst of sessions on it
// as on an instance, so what buzz adds to the SDK's own cost is visible.
// Prints {"url": ...} on stdout once it listens.

import { McpServer, WebStandardStreamableHTTPServerTransport } from "../shared/sdk_server.ts";
import { z } from "zod";

const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  const id = req.headers.get("mcp-session-id");
  if (id) {
    const known = sessions.get(id);
    return known
      ? await known.handleRequest(req)
      : new Response("no such session", { status: 404 });
  }
  const mcp = new McpServer({ name: "sdk-sessions-floor", version: "0" });
  mcp.registerTool(
    "scripts_list",
    { description: "floor", inputSchema: z.object({}) },
    () => ({ content: [{ type: "text", text: "[]" }] }),
  );
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (sid) => void sessions.set(sid, transport),
  });
  await mcp.connect(transport);
  return await transport.handleRequest(req);
});
console.log(JSON.stringify({ url: `http://127.0.0.1:${server.addr.port}/mcp` }));
