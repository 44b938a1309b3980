// The instance's HTTP front: one Deno.serve listener on loopback that guards
// /mcp (Host/Origin, bearer token) and hands each request to its era: the SDK's
// stateless handler for 2026-07-28 requests, or a 2025 session (legacy.ts).

import { timingSafeEqual } from "node:crypto";
import { createMcpHandler, isLegacyRequest, type McpServer } from "../../shared/sdk_server.ts";
import { isLoopbackHostname } from "../../shared/discovery.ts";
import { log } from "../../shared/log.ts";
import { noteGarbage, workBegan, workEnded } from "../../shared/collect.ts";
import { type LegacySessionOptions, LegacySessions } from "./legacy.ts";

export interface McpHttpOptions {
  port: number;
  /** null turns authentication off (--no-auth). */
  token: string | null;
  /** Builds a server for one modern request or one legacy session. */
  buildServer: () => McpServer;
  legacy?: Partial<LegacySessionOptions>;
}

export interface McpHttpServer {
  port: number;
  /** Publishes change events to modern listeners and legacy sessions alike. */
  notify: {
    resourceUpdated(uri: string): void;
    resourcesChanged(): void;
    log(level: "info" | "error", data: string): void;
  };
  /** Ends every session, then stops listening. */
  close(): Promise<void>;
}

/** Roughly what one request leaves behind (measured: 37–50 MB over 500 requests). */
const REQUEST_GARBAGE = 80 * 1024;

/** Starts listening and resolves once the port accepts connections. */
export async function serveMcp(opts: McpHttpOptions): Promise<McpHttpServer> {
  const expected = opts.token === null ? null : new TextEncoder().encode(`Bearer ${opts.token}`);
  const modern = createMcpHandler(() => opts.buildServer(), {
    legacy: "reject",
    onerror: (e) => log.debug("mcp:", e.message),
  });
  const legacy = new LegacySessions(opts.buildServer, opts.legacy);

  // No forced collection while a request is being handled (collect.ts).
  const handler = async (req: Request): Promise<Response> => {
    workBegan();
    try {
      return await handle(req);
    } finally {
      workEnded();
    }
  };
  const handle = async (req: Request): Promise<Response> => {
    // The guard comes first: Deno builds req.url from the Host header, so until
    // the Host is known to be ours, parsing req.url can throw (a 500) or bend its path.
    const refusal = foreignHostOrOrigin(req);
    if (refusal) return text(403, `Forbidden: ${refusal}\n`);
    if (new URL(req.url).pathname !== "/mcp") {
      return text(404, "Not found: buzz serves MCP at /mcp\n");
    }
    if (expected && !bearerMatches(req.headers.get("authorization"), expected)) {
      return new Response(
        "Unauthorized: send Authorization: Bearer <token from the discovery file>\n",
        { status: 401, headers: { "www-authenticate": 'Bearer realm="buzz"' } },
      );
    }
    // Each request builds an SDK server that V8 keeps until a full collection.
    noteGarbage(REQUEST_GARBAGE);
    // GET (the standalone stream) and DELETE exist only in 2025 sessions.
    if (req.method !== "POST") return await legacy.handle(req);
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return rpcError(400, -32700, "Parse error: the body is not JSON");
    }
    if (req.headers.get("mcp-session-id") || await isLegacyRequest(req, body)) {
      return await legacy.handle(req, body);
    }
    return await modern.fetch(req, { parsedBody: body });
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
    notify: {
      resourceUpdated(uri) {
        modern.notify.resourceUpdated(uri);
        legacy.resourceUpdated(uri);
      },
      resourcesChanged() {
        modern.notify.resourcesChanged();
        legacy.resourcesChanged();
      },
      // 2026-07-28 has no unsolicited log messages; only 2025 sessions get these.
      log: (level, data) => legacy.log(level, data),
    },
    async close() {
      await legacy.close();
      await modern.close().catch(() => {});
      await httpServer.shutdown();
    },
  };
}

/** DNS-rebinding guard: a browser page on another site carries its own Host or Origin. */
function foreignHostOrOrigin(req: Request): string | null {
  const host = req.headers.get("host");
  if (host !== null && !isLoopbackHost(host)) return `Host ${host} is not a loopback name`;
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

/** uri-host [":" port] (RFC 9110), read by hand: new URL() throws on a malformed one. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[^\s:/?#@[\]]+)(?::(\d{1,5}))?$/i;

function isLoopbackHost(host: string): boolean {
  const m = HOST_HEADER.exec(host);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return false;
  const hostname = m[1].toLowerCase();
  // A loopback name that is still no valid URL host, such as 127.0.0.300, is refused too.
  return isLoopbackHostname(hostname) && URL.canParse(`http://${hostname}/`);
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
