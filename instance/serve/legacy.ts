// 2025-era (initialize + Mcp-Session-Id) sessions: one server per session with
// its own resource subscriptions. Sessions end on DELETE, on shutdown, after
// sitting idle, and when room is needed: clients that never say goodbye must
// neither grow the instance without bound nor lock an honest client out, so at
// the cap a new session ends the least recently used one that is not in use.

import {
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "../../shared/sdk_server.ts";
import { log } from "../../shared/log.ts";
import { onBodyEnd } from "../../shared/stream_end.ts";
import { activity } from "../activity.ts";

export interface LegacySessionOptions {
  /** A session with no request and no open stream for this long is closed. */
  idleMs: number;
  /** At most this many sessions are open; beyond it, an unused one makes room. */
  maxSessions: number;
}

const DEFAULTS: LegacySessionOptions = { idleMs: 30 * 60_000, maxSessions: 100 };

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
  /** Initializes under way: they count against the cap before they have an id. */
  #opening = 0;
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
    if (this.#sessions.size + this.#opening >= this.#opts.maxSessions && !this.#evictOne()) {
      return rpcError(
        503,
        -32000,
        `Too many open sessions: all ${this.#opts.maxSessions} are in use (each has an open ` +
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
    this.#opening++;
    try {
      await server.connect(session.transport);
      return await this.#serve(session, req, body);
    } finally {
      this.#opening--;
    }
  }

  /** Hands a request to the session's transport, holding the session in use until its response ends. */
  async #serve(session: Session, req: Request, body: unknown): Promise<Response> {
    session.busy++;
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
    if (--session.busy > 0 || !session.id || this.#sessions.get(session.id) !== session) return;
    session.idleSince = performance.now();
    this.#idle.set(session.id, session);
    this.#armExpiry();
  }

  /** Ends the least recently used session not in use; false when every session is in use. */
  #evictOne(): boolean {
    const oldest = this.#idle.values().next();
    if (oldest.done) return false;
    this.#end(oldest.value, "making room for a new session");
    return true;
  }

  /** One timer, set for the session that has been unused longest. */
  #armExpiry(): void {
    if (this.#expiry !== undefined) return;
    const oldest = this.#idle.values().next();
    if (oldest.done) return;
    const wait = oldest.value.idleSince + this.#opts.idleMs - performance.now();
    this.#expiry = setTimeout(() => {
      this.#expiry = undefined;
      const now = performance.now();
      for (const s of this.#idle.values()) {
        if (now - s.idleSince < this.#opts.idleMs) break;
        this.#end(s, "idle");
      }
      this.#armExpiry();
    }, Math.max(0, wait));
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
