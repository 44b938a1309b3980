// The instance's HTTP front: one Deno.serve listener on loopback, guarding /mcp
// with a Host/Origin check and a bearer token, and one SDK transport per session.

import { timingSafeEqual } from "node:crypto";
import {
  isInitializeRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "../shared/sdk.ts";
import { isLoopbackHostname } from "../shared/discovery.ts";
import { log } from "../shared/log.ts";

export interface McpHttpOptions {
  port: number;
  /** null turns authentication off (--no-auth). */
  token: string | null;
  /** Builds the MCP server for one new session; `close` releases what it holds. */
  createSession: () => { server: McpServer; close: () => void };
}

export interface McpHttpServer {
  port: number;
  /** Ends every session, then stops listening. */
  close(): Promise<void>;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  close: () => void;
}

/** Starts listening and resolves once the port accepts connections. */
export async function serveMcp(opts: McpHttpOptions): Promise<McpHttpServer> {
  const sessions = new Map<string, Session>();
  const expected = opts.token === null ? null : new TextEncoder().encode(`Bearer ${opts.token}`);

  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname !== "/mcp") return text(404, "Not found: buzz serves MCP at /mcp\n");
    const refusal = foreignHostOrOrigin(req);
    if (refusal) return text(403, `Forbidden: ${refusal}\n`);
    if (expected && !bearerMatches(req.headers.get("authorization"), expected)) {
      return new Response(
        "Unauthorized: send Authorization: Bearer <token from the discovery file>\n",
        {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="buzz"' },
        },
      );
    }
    const sessionId = req.headers.get("mcp-session-id");
    if (sessionId) {
      const session = sessions.get(sessionId);
      if (!session) return rpcError(404, -32001, "Session not found: initialize a new session");
      return await session.transport.handleRequest(req);
    }
    if (req.method !== "POST") {
      return rpcError(400, -32000, "Bad Request: no mcp-session-id header; initialize first");
    }
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return rpcError(400, -32700, "Parse error: the body is not JSON");
    }
    if (!isInitializeRequest(body)) {
      return rpcError(400, -32000, "Bad Request: no mcp-session-id header; initialize first");
    }
    const { server, close } = opts.createSession();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, close });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      close();
    };
    await server.connect(transport);
    return await transport.handleRequest(req, { parsedBody: body });
  };

  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const httpServer = Deno.serve({
    hostname: "127.0.0.1",
    port: opts.port,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
    onError: (e) => {
      log.error("request failed:", e);
      return text(500, "Internal error\n");
    },
  }, handler);
  const addr = await listening;

  return {
    port: addr.port,
    async close() {
      await Promise.allSettled([...sessions.values()].map((s) => s.transport.close()));
      sessions.clear();
      await httpServer.shutdown();
    },
  };
}

/** DNS-rebinding guard: a browser page on another site carries its own Host or Origin. */
function foreignHostOrOrigin(req: Request): string | null {
  const host = req.headers.get("host");
  if (host) {
    const hostname = new URL(`http://${host}`).hostname;
    if (!isLoopbackHostname(hostname)) return `Host ${host} is not a loopback name`;
  }
  const origin = req.headers.get("origin");
  if (origin && origin !== "null") {
    let hostname: string;
    try {
      hostname = new URL(origin).hostname;
    } catch {
      return `Origin ${origin} is not a URL`;
    }
    if (!isLoopbackHostname(hostname)) return `Origin ${origin} is not a loopback origin`;
  }
  return null;
}

function bearerMatches(header: string | null, expected: Uint8Array): boolean {
  if (!header) return false;
  const given = new TextEncoder().encode(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain" } });
}

function rpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status });
}
