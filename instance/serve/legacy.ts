// 2025-era (initialize + Mcp-Session-Id) sessions: one server per session with
// its own resource subscriptions (the servers share their tools: mcp.ts). Sessions
// end on DELETE, on shutdown, after sitting idle, and when idle ones pile up:
// clients that never say goodbye must neither grow the instance without bound nor
// lock an honest client out. So idle sessions are capped (past the cap the least
// recently used one ends), sessions in use are not: a crowd of clients working at
// once is served, and only a ceiling far above any real load refuses a newcomer.

import {
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "../../shared/sdk_server.ts";
import { log } from "../../shared/log.ts";
import { onBodyEnd } from "../../shared/stream_end.ts";
import { activity } from "../activity.ts";
import { sessionClients } from "./tool_kit.ts";

export interface LegacySessionOptions {
  /** A session with no request and no open stream for this long is closed. */
  idleMs: number;
  /** At most this many sessions sit unused; beyond it, the least recently used one ends. */
  maxIdle: number;
  /** At most this many sessions are in use at once (a request in flight or a stream open). */
  maxInUse: number;
  /**
   * An idle session past the cap ends only once it has sat unused this long: a client in the
   * middle of its handshake or between two calls is idle for a moment, and is no leak (on a
   * loaded machine, 200 clients at once left sessions idle for up to 6 s between requests).
   * Leaked sessions meanwhile are bounded by maxIdle + maxInUse, about 11 KB each.
   */
  graceMs: number;
}

const DEFAULTS: LegacySessionOptions = {
  idleMs: 30 * 60_000,
  maxIdle: 100,
  maxInUse: 1000,
  graceMs: 15_000,
};

interface Session {
  /** Set once the SDK has accepted the client's initialize. */
  id?: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  subscribed: Set<string>;
  /** Responses not yet finished: requests in flight and open GET streams. */
  busy: number;
  /** When it last became unused (performance.now()). */
  idleSince: number;
  /** Whether a client-connected was posted, so that a disconnect pairs with it. */
  announced: boolean;
}

export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  /** The open sessions not in use, least recently used first (re-inserted when used). */
  readonly #idle = new Map<string, Session>();
  /** Sessions in use: busy > 0, and initializes under way (they have no id yet). */
  #inUse = 0;
  #expiry?: ReturnType<typeof setTimeout>;
  readonly #opts: LegacySessionOptions;

  constructor(
    private readonly buildServer: () => McpServer,
    opts: Partial<LegacySessionOptions> = {},
  ) {
    this.#opts = { ...DEFAULTS, ...opts };
  }

  get size(): number {
    return this.#sessions.size;
  }

  async handle(req: Request, body?: unknown): Promise<Response> {
    const id = req.headers.get("mcp-session-id");
    if (id) {
      const session = this.#sessions.get(id);
      if (!session) return rpcError(404, -32001, "Session not found: initialize a new session");
      return await this.#serve(session, req, body);
    }
    if (req.method !== "POST" || !isInitialize(body)) {
      return rpcError(400, -32000, "Bad Request: no mcp-session-id header; initialize first");
    }
    // However fast sessions are opened and left, at most maxIdle + maxInUse are open.
    if (this.#sessions.size >= this.#opts.maxIdle + this.#opts.maxInUse) {
      const oldest = this.#idle.values().next();
      if (!oldest.done) this.#end(oldest.value, "making room for a new session");
    }
    if (this.#inUse >= this.#opts.maxInUse) {
      return rpcError(
        503,
        -32000,
        `Too many sessions in use: all ${this.#opts.maxInUse} are in use (each has an open ` +
          `stream or a request in flight). End a session you no longer need with HTTP DELETE ` +
          `and its Mcp-Session-Id header, or close its GET stream, then initialize again; ` +
          `or speak protocol version 2026-07-28, which needs no session.`,
      );
    }
    return await this.#open(req, body);
  }

  async #open(req: Request, body: unknown): Promise<Response> {
    const server = this.buildServer();
    const session: Session = {
      server,
      subscribed: new Set(),
      busy: 0,
      idleSince: 0,
      announced: false,
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => {
          session.id = id;
          this.#sessions.set(id, session);
        },
      }),
    };
    session.transport.onclose = () => this.#forget(session);
    // Only once initialized does the session know its client's name.
    server.server.oninitialized = () => {
      session.announced = true;
      if (session.id) sessionClients.set(session.id, clientOf(server));
      activity.post({ kind: "client-connected", client: clientOf(server) });
    };
    server.server.setRequestHandler("resources/subscribe", (r) => {
      session.subscribed.add(r.params.uri);
      return {};
    });
    server.server.setRequestHandler("resources/unsubscribe", (r) => {
      session.subscribed.delete(r.params.uri);
      return {};
    });
    // In use while it opens; #serve holds it from there.
    this.#inUse++;
    try {
      await server.connect(session.transport);
      return await this.#serve(session, req, body);
    } finally {
      this.#inUse--;
    }
  }

  /** Hands a request to the session's transport, holding the session in use until its response ends. */
  async #serve(session: Session, req: Request, body: unknown): Promise<Response> {
    if (session.busy++ === 0) this.#inUse++;
    if (session.id) this.#idle.delete(session.id);
    let response: Response;
    try {
      response = await session.transport.handleRequest(req, { parsedBody: body });
    } catch (e) {
      this.#release(session);
      throw e;
    }
    if (!response.body) {
      this.#release(session);
      return response;
    }
    return onBodyEnd(response, () => this.#release(session));
  }

  #release(session: Session): void {
    if (--session.busy > 0) return;
    this.#inUse--;
    if (!session.id || this.#sessions.get(session.id) !== session) return;
    session.idleSince = performance.now();
    this.#idle.set(session.id, session);
    this.#trim();
  }

  /**
   * Ends the sessions idle past idleMs, and past the cap of idle ones those that have sat
   * graceMs, least recently used first; then sets one timer for the next that will be due.
   */
  #trim(): void {
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    const { idleMs, maxIdle, graceMs } = this.#opts;
    const now = performance.now();
    for (const s of this.#idle.values()) {
      const idle = now - s.idleSince;
      if (idle >= idleMs) this.#end(s, "idle");
      else if (this.#idle.size > maxIdle && idle >= graceMs) this.#end(s, "too many idle sessions");
      else break;
    }
    const oldest = this.#idle.values().next();
    if (oldest.done) return;
    const due = this.#idle.size > maxIdle ? Math.min(graceMs, idleMs) : idleMs;
    this.#expiry = setTimeout(() => this.#trim(), Math.max(0, oldest.value.idleSince + due - now));
  }

  /** Takes it out of the books at once (its next request gets 404), then closes it. */
  #end(session: Session, why: string): void {
    log.debug(`closing 2025 session ${session.id}: ${why}`);
    this.#forget(session);
    session.transport.close().catch(() => {});
  }

  /** Removes it from both maps, once, and tells the activity view. */
  #forget(session: Session): void {
    if (!session.id || this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    this.#idle.delete(session.id);
    sessionClients.delete(session.id);
    if (session.announced) {
      activity.post({ kind: "client-disconnected", client: clientOf(session.server) });
    }
  }

  resourceUpdated(uri: string): void {
    for (const s of this.#sessions.values()) {
      if (s.subscribed.has(uri)) s.server.server.sendResourceUpdated({ uri }).catch(() => {});
    }
  }

  resourcesChanged(): void {
    for (const s of this.#sessions.values()) s.server.sendResourceListChanged();
  }

  log(level: "info" | "error", data: string): void {
    for (const s of this.#sessions.values()) {
      s.server.sendLoggingMessage({ level, logger: "buzz", data }).catch(() => {});
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.#expiry);
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#idle.clear();
    await Promise.allSettled(all.map((s) => s.transport.close()));
  }
}

function clientOf(server: McpServer): string {
  return server.server.getClientVersion()?.name ?? "agent";
}

function isInitialize(body: unknown): boolean {
  return typeof body === "object" && body !== null &&
    (body as { method?: unknown }).method === "initialize";
}

function rpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status });
}
