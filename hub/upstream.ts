// One live connection from the hub to one instance: the SDK client, what the
// instance offers, and the two ways it can be found dead (its notification
// stream breaking, or the 5-second probe going unanswered). It reports through
// callbacks and never touches registry state itself.
//
// The open stream proves the instance is there: a crash or an exit closes it at
// once. The probe only has to catch one that hangs (or a 2025 session the
// server ended), so it is light: an HTTP GET to the endpoint, in the session if
// there is one, answered by any server whose loop still runs, read no further
// than its status. An SDK ping cost the hub 1.1-1.6 ms of CPU (its SSE parsing
// and schema checks), 5-7 % of a core with 200 instances. Any answer the
// instance gave since the last probe proves as much, so then none is sent.

import {
  Client,
  type ClientCapabilities,
  type McpSubscription,
  type Prompt,
  type Resource,
  type ResourceTemplateType,
  StreamableHTTPClientTransport,
  type Tool,
} from "../shared/sdk.ts";
import type { DiscoveryRecord } from "../shared/discovery.ts";
import { onBodyEnd } from "../shared/stream_end.ts";
import { VERSION } from "../shared/version.ts";

export const PROBE_INTERVAL_MS = 5_000;
const PROBE_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

/** What the hub has heard from an instance, kept by its transport's fetch. */
interface Liveness {
  /** When it last answered anything (performance.now()). */
  at: number;
}

export interface Lists {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplateType[];
  prompts: Prompt[];
}

type Notification = { method: string; params?: Record<string, unknown> };
export type Era = "modern" | "legacy";

/** What the hub lends each connection: where to send what the instance says. */
export interface UpstreamHooks {
  /** Called at most once, when the connection is found dead. */
  onLost(reason: string): void;
  onListsChanged(lists: Lists): void;
  /** Every notification other than list changes, to pass on to the hub's client unchanged. */
  onNotification(notification: Notification): void;
  /** Requests a 2025-era instance makes of the agent (sampling, elicitation, roots). */
  forwardRequest(method: string, params: unknown, signal: AbortSignal): Promise<unknown>;
}

const LIST_CHANGED = new Set([
  "notifications/tools/list_changed",
  "notifications/resources/list_changed",
  "notifications/prompts/list_changed",
]);

export class Upstream {
  #lost = false;
  #closing = false;
  #probeTimer?: ReturnType<typeof setInterval>;
  #lastTick = performance.now();
  #subscription?: McpSubscription;
  #subscribed = new Set<string>();

  private constructor(
    private readonly record: DiscoveryRecord,
    private readonly heard: Liveness,
    readonly client: Client,
    /** What the hub told the server its client can do. */
    readonly capabilities: ClientCapabilities,
    private readonly hooks: UpstreamHooks,
    public lists: Lists,
  ) {}

  /** "modern" (2026-07-28) or "legacy" (2025): the newest era both sides speak. */
  get era(): Era {
    return this.client.getProtocolEra() === "modern" ? "modern" : "legacy";
  }

  /**
   * A 2025 server hears the client's capabilities once, at initialize, so it is
   * told those of the hub's client (a 2026-07-28 one hears them with every request).
   */
  static async connect(
    record: DiscoveryRecord,
    hooks: UpstreamHooks,
    capabilities: ClientCapabilities,
    /** The era this instance spoke last time: a 2025-era one is not probed again. */
    known?: Era,
  ): Promise<Upstream> {
    let self: Upstream | undefined;
    const heard: Liveness = { at: performance.now() };
    const transport = new StreamableHTTPClientTransport(new URL(record.url), {
      requestInit: { headers: { authorization: `Bearer ${record.token}` } },
      fetch: watchStreams((reason) => self?.markLost(reason), heard),
    });
    // The SDK's probe falls back to initialize as the spec's backward-compatibility section
    // asks: on an HTTP 4xx other than 401/403 (the v1 SDK example's 400 "Invalid or missing
    // session ID" included) and on any JSON-RPC error that is not a 2026-07-28 answer.
    const mode = known === "legacy" ? "legacy" : "auto";
    const client = new Client({ name: "buzz-hub", version: VERSION }, {
      versionNegotiation: { mode, probe: { timeoutMs: CONNECT_TIMEOUT_MS } },
      capabilities,
      // The hub hands input_required results to its own client untouched.
      inputRequired: { autoFulfill: false },
    });
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
      self = new Upstream(record, heard, client, capabilities, hooks, await fetchLists(client));
      await self.#wire(capabilities);
    } catch (e) {
      await client.close().catch(() => {});
      throw e;
    }
    return self;
  }

  async #wire(capabilities: ClientCapabilities): Promise<void> {
    const { client, hooks } = this;
    client.onclose = () => this.markLost("connection closed");
    client.fallbackNotificationHandler = (n) => {
      if (LIST_CHANGED.has(n.method)) {
        fetchLists(client).then(
          (lists) => {
            this.lists = lists;
            hooks.onListsChanged(lists);
          },
          (e) => this.markLost(`listing failed: ${(e as Error).message}`),
        );
      } else {
        hooks.onNotification(n as Notification);
      }
      return Promise.resolve();
    };
    if (this.era === "legacy") {
      const families = {
        "sampling/createMessage": "sampling",
        "elicitation/create": "elicitation",
        "roots/list": "roots",
      } as const;
      for (
        const [method, capability] of Object.entries(families) as [keyof typeof families, string][]
      ) {
        // Only what the client can answer is offered to the server.
        if (!(capability in capabilities)) continue;
        client.setRequestHandler(
          method,
          (req, ctx) => hooks.forwardRequest(method, req.params, ctx.mcpReq.signal) as never,
        );
      }
    } else {
      await this.#listen();
    }
    this.#probeTimer = setInterval(() => this.#probe(), PROBE_INTERVAL_MS);
  }

  /** A modern instance tells of changes on a listen stream; its end means the instance is gone. */
  async #listen(): Promise<void> {
    const caps = this.client.getServerCapabilities() ?? {};
    const old = this.#subscription;
    const sub = await this.client.listen({
      toolsListChanged: !!caps.tools?.listChanged,
      resourcesListChanged: !!caps.resources?.listChanged,
      promptsListChanged: !!caps.prompts?.listChanged,
      ...(this.#subscribed.size && { resourceSubscriptions: [...this.#subscribed] }),
    });
    this.#subscription = sub;
    sub.closed.then((reason) => {
      if (reason !== "local" && this.#subscription === sub) {
        this.markLost(`notification stream closed (${reason})`);
      }
    });
    await old?.close();
  }

  /** Catches a hung instance: one that has answered nothing since the last probe is asked. */
  #probe(): void {
    const since = this.#lastTick;
    this.#lastTick = performance.now();
    // Anything it answered since the last tick (a probe's answer does not count) proves it.
    if (this.heard.at > since) return;
    // A 2025 session is named, so that a session the server has ended shows: 404 (the spec),
    // or 400 (the v1 SDK's own example, which knows no ended sessions).
    const session = (this.client.transport as StreamableHTTPClientTransport | undefined)
      ?.sessionId;
    fetch(this.record.url, {
      headers: {
        authorization: `Bearer ${this.record.token}`,
        accept: "text/event-stream",
        ...(session && { "mcp-session-id": session }),
      },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }).then((response) => {
      response.body?.cancel();
      if (session && (response.status === 404 || response.status === 400)) {
        this.markLost(`probe: the server ended the session (HTTP ${response.status})`);
      }
    }).catch((e: Error) =>
      this.markLost(
        `probe failed: ${
          e.name === "TimeoutError" ? `no answer in ${PROBE_TIMEOUT_MS} ms` : e.message
        }`,
      )
    );
  }

  /** Follows the resources the hub's client subscribed to. */
  async setSubscriptions(uris: Set<string>): Promise<void> {
    const before = this.#subscribed;
    if (before.size === uris.size && [...uris].every((u) => before.has(u))) return;
    this.#subscribed = new Set(uris);
    if (this.era === "modern") return await this.#listen();
    for (const uri of uris) if (!before.has(uri)) await this.client.subscribeResource({ uri });
    for (const uri of before) if (!uris.has(uri)) await this.client.unsubscribeResource({ uri });
  }

  markLost(reason: string): void {
    if (this.#lost || this.#closing) return;
    this.#lost = true;
    this.hooks.onLost(reason);
  }

  /** Closes the connection; pending calls reject at once. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#probeTimer);
    const transport = this.client.transport as StreamableHTTPClientTransport | undefined;
    // A 2025 session is ended with DELETE; a hung instance must not hold the hub up, and one
    // found dead gets none (nobody would answer it).
    if (transport?.sessionId && !this.#lost) {
      await Promise.race([
        transport.terminateSession().catch(() => {}),
        new Promise((r) => setTimeout(r, 300)),
      ]);
    }
    await Promise.race([
      this.client.close().catch(() => {}),
      new Promise((r) => setTimeout(r, 300)),
    ]);
  }
}

/** Every page of every list the instance offers (the SDK follows the cursors). */
async function fetchLists(client: Client): Promise<Lists> {
  const caps = client.getServerCapabilities() ?? {};
  // Bounded, so that a server that never answers is a failed attempt with a reason, not a
  // connection that stays pending for good.
  const fresh = { cacheMode: "refresh" as const, timeout: CONNECT_TIMEOUT_MS };
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    caps.tools ? client.listTools(undefined, fresh).then((r) => r.tools) : [],
    caps.resources ? client.listResources(undefined, fresh).then((r) => r.resources) : [],
    caps.resources
      ? client.listResourceTemplates(undefined, fresh).then((r) => r.resourceTemplates)
      : [],
    caps.prompts ? client.listPrompts(undefined, fresh).then((r) => r.prompts) : [],
  ]);
  return { tools, resources, resourceTemplates, prompts };
}

/**
 * A fetch that watches a 2025 session's GET streams. One that breaks means the instance is
 * gone (or restarted), and we learn it at once, not at the next probe; so does a GET that
 * cannot reach it. One the server ends cleanly says nothing of the server: a server may close
 * its standalone stream whenever it likes (and a resumed response stream ends once its answer
 * is delivered), and the SDK opens it again.
 */
function watchStreams(lost: (reason: string) => void, heard: Liveness): typeof fetch {
  const watch = async (input: string | URL | Request, init?: RequestInit) => {
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (e) {
      if (!init?.signal?.aborted) lost(`notification stream failed: ${(e as Error).message}`);
      throw e;
    }
    heard.at = performance.now();
    if (!response.ok) return response;
    return onBodyEnd(response, (e) => {
      if (e && !init?.signal?.aborted) lost(`notification stream broke: ${e.message}`);
    });
  };
  // Every call is a POST: those go straight to fetch, on the hot path; an answer is news.
  const post = (input: string | URL | Request, init?: RequestInit) =>
    fetch(input, init).then((response) => {
      heard.at = performance.now();
      return response;
    });
  return (input, init) =>
    (init?.method ?? "GET") === "GET" ? watch(input, init) : post(input, init);
}
