// 2025-era (initialize + Mcp-Session-Id) sessions: one server per session with
// its own resource subscriptions. Sessions end on DELETE, on shutdown, after
// sitting idle, and their number is capped, so clients that never say goodbye
// cannot grow the instance without bound.

import { type McpServer, WebStandardStreamableHTTPServerTransport } from "../../shared/sdk.ts";
import { log } from "../../shared/log.ts";
import { onBodyEnd } from "../../shared/stream_end.ts";
import { activity } from "../activity.ts";

export interface LegacySessionOptions {
  /** A session with no request and no open stream for this long is closed. */
  idleMs: number;
  /** New sessions beyond this many are refused. */
  maxSessions: number;
}

const DEFAULTS: LegacySessionOptions = { idleMs: 30 * 60_000, maxSessions: 100 };

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  subscribed: Set<string>;
  openStreams: number;
  idleTimer?: ReturnType<typeof setTimeout>;
}

export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
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
      this.#touch(session);
      const response = await session.transport.handleRequest(req, { parsedBody: body });
      return req.method === "GET" ? this.#watchStream(session, response) : response;
    }
    if (req.method !== "POST" || !isInitialize(body)) {
      return rpcError(400, -32000, "Bad Request: no mcp-session-id header; initialize first");
    }
    if (this.#sessions.size >= this.#opts.maxSessions) {
      return rpcError(
        503,
        -32000,
        `Too many open sessions (${this.#opts.maxSessions}): end unused ones with HTTP DELETE, ` +
          `or wait; idle sessions close after ${Math.round(this.#opts.idleMs / 1000)} s.`,
      );
    }
    return await this.#open(req, body);
  }

  async #open(req: Request, body: unknown): Promise<Response> {
    const server = this.buildServer();
    const session: Session = {
      server,
      subscribed: new Set(),
      openStreams: 0,
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => {
          this.#sessions.set(id, session);
          this.#touch(session);
        },
      }),
    };
    session.transport.onclose = () => {
      clearTimeout(session.idleTimer);
      if (session.transport.sessionId && this.#sessions.delete(session.transport.sessionId)) {
        activity.post({ kind: "client-disconnected", client: clientOf(server) });
      }
    };
    // Only once initialized does the session know its client's name.
    server.server.oninitialized = () =>
      void activity.post({ kind: "client-connected", client: clientOf(server) });
    server.server.setRequestHandler("resources/subscribe", (r) => {
      session.subscribed.add(r.params.uri);
      return {};
    });
    server.server.setRequestHandler("resources/unsubscribe", (r) => {
      session.subscribed.delete(r.params.uri);
      return {};
    });
    await server.connect(session.transport);
    return await session.transport.handleRequest(req, { parsedBody: body });
  }

  /** Restarts the idle clock; a session with an open stream never idles out. */
  #touch(session: Session): void {
    clearTimeout(session.idleTimer);
    if (session.openStreams > 0) return;
    session.idleTimer = setTimeout(() => {
      log.debug(`closing 2025 session ${session.transport.sessionId}: idle`);
      session.transport.close().catch(() => {});
    }, this.#opts.idleMs);
  }

  /** Counts the session's open GET stream, so that idling starts when it ends. */
  #watchStream(session: Session, response: Response): Response {
    if (!response.ok || !response.body) return response;
    session.openStreams++;
    clearTimeout(session.idleTimer);
    return onBodyEnd(response, () => {
      session.openStreams--;
      this.#touch(session);
    });
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
    const all = [...this.#sessions.values()];
    this.#sessions.clear();
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
