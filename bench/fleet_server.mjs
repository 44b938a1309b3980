// N real MCP servers in one Node process, for the bench's scale phase: each the v1 SDK
// (1.32.2, from tests/tools) on its own loopback port, with sessions (one transport and one
// server per session, as in the v1 SDK's own example), announced in a discovery directory the
// way a buzz instance announces itself. Killing the process drops all N at once.
//
//   node bench/fleet_server.mjs <count> <discovery dir>
//
// Prints {"ready": N} once all N listen and are announced. Tools: `echo` (answers at once) and
// `slow` (answers after `ms`).

import { createRequire } from "node:module";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(new URL("../tests/tools/package.json", import.meta.url));
const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StreamableHTTPServerTransport } = require(
  "@modelcontextprotocol/sdk/server/streamableHttp.js",
);
const { isInitializeRequest } = require("@modelcontextprotocol/sdk/types.js");
const { z } = require("zod");

const [count, dir] = [Number(process.argv[2]), process.argv[3]];

function buildServer(i) {
  const server = new McpServer({ name: `fleet-${i}`, version: "1.32.2" });
  server.registerTool("echo", {
    description: "Answers with its text",
    inputSchema: { text: z.string() },
  }, ({ text }) => ({ content: [{ type: "text", text }] }));
  server.registerTool("slow", {
    description: "Answers after ms milliseconds",
    inputSchema: { ms: z.number() },
  }, async ({ ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return { content: [{ type: "text", text: `slept ${ms} ms` }] };
  });
  return server;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (c) => s += c);
    req.on("end", () => {
      try {
        resolve(s ? JSON.parse(s) : undefined);
      } catch (e) {
        reject(e);
      }
    });
  });
}

function start(i) {
  const transports = new Map();
  const http = createServer(async (req, res) => {
    try {
      const id = req.headers["mcp-session-id"];
      const body = req.method === "POST" ? await readBody(req) : undefined;
      let transport = id ? transports.get(id) : undefined;
      if (!transport && !id && isInitializeRequest(body)) {
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sid) => transports.set(sid, transport),
        });
        transport.onclose = () => transport.sessionId && transports.delete(transport.sessionId);
        await buildServer(i).connect(transport);
      }
      if (!transport) {
        res.writeHead(id ? 404 : 400).end(JSON.stringify({
          jsonrpc: "2.0",
          error: { code: -32000, message: "Bad Request: no valid session ID" },
          id: null,
        }));
        return;
      }
      await transport.handleRequest(req, res, body);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    }
  });
  return new Promise((resolve) => {
    http.listen(0, "127.0.0.1", () => {
      const port = http.address().port;
      const record = {
        id: `fleet-${i}-${randomBytes(4).toString("hex")}`,
        name: `fleet-${i}`,
        directory: join(dir, `project-${i}`),
        url: `http://127.0.0.1:${port}/mcp`,
        port,
        pid: process.pid,
        token: randomBytes(32).toString("hex"),
        started_at: new Date().toISOString(),
        version: "1.32.2",
        protocol: 1,
      };
      resolve(record);
    });
  });
}

const records = await Promise.all(Array.from({ length: count }, (_, i) => start(i)));
// Announced together, as fast as files can be written: a crowd arriving at once.
for (const r of records) {
  const tmp = join(dir, `.${r.id}.tmp`);
  writeFileSync(tmp, JSON.stringify(r));
  renameSync(tmp, join(dir, `${r.id}.json`));
}
console.log(JSON.stringify({ ready: count, ids: records.map((r) => r.id) }));
