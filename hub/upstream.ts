// One live connection from the hub to one instance: the SDK client, what the
// instance offers, and the two ways it can be found dead (a stream of its
// breaking, or a probe going unanswered once it has been silent: liveness.ts).
// It reports through callbacks and never touches registry state itself.
//
// The probe is light: an HTTP GET to the endpoint, in the session if there is
// one, answered by any server whose loop still runs, read no further than its
// status. An SDK ping cost the hub 1.1-1.6 ms of CPU (its SSE parsing and schema
// checks), 5-7 % of a core with 200 instances.

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
import { VERSION } from "../shared/version.ts";
import { log } from "../shared/log.ts";
import { type HeldCall, untranslatable } from "./translate.ts";
import { everyTick, hearingFetch, Liveness, PROBE_INTERVAL_MS } from "./liveness.ts";

const PROBE_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** A listen stream not acknowledged by then is given up on; the probe keeps watch alone. */
const LISTEN_ACK_TIMEOUT_MS = 3_000;

export interface Lists {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplateType[];
  prompts: Prompt[];
}

type Notification = { method: string; params?: Record<string, unknown> };
export type Era = "modern" | "legacy";
/**
 * How to open a connection: "auto" probes for 2026-07-28 and falls back to 2025; "legacy"
 * speaks 2025 at once (a server known to speak nothing newer); "prefer-legacy" tries 2025
 * first and, if the server refuses it, probes (for a 2025-era client, whose server's
 * push-style requests reach it only on a 2025 connection).
 */
export type ConnectMode = "auto" | "legacy" | "prefer-legacy";

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
  #stopTicking?: () => void;
  #probing = false;
  #lastReread = performance.now();
  /** Until connect() returns, a failure is connect()'s to report, with its real reason. */
  #live = false;
  #subscription?: McpSubscription;
  #subscribed = new Set<string>();
  /** Why changes to the server's lists are not followed, when they are not. */
  unfollowed?: string;
  /** Calls of a 2026-07-28 client in progress on this 2025 connection (translate.ts). */
  readonly held = new Set<HeldCall>();

  private constructor(
    private readonly record: DiscoveryRecord,
    private readonly heard: Liveness,
    readonly client: Client,
    /** What the hub told the server its client can do. */
    readonly capabilities: ClientCapabilities,
    private readonly hooks: UpstreamHooks,
    public lists: Lists,
  ) {}

  /** "modern" (2026-07-28) or "legacy" (2025): the era this connection speaks. */
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
    mode: ConnectMode = "auto",
  ): Promise<Upstream> {
    if (mode === "prefer-legacy") {
      try {
        return await Upstream.connect(record, hooks, capabilities, "legacy");
      } catch (e) {
        log.debug(`${record.id}: 2025 refused (${(e as Error).message}); probing for 2026-07-28`);
        return await Upstream.connect(record, hooks, capabilities, "auto");
      }
    }
    let self: Upstream | undefined;
    const heard = new Liveness();
    const transport = new StreamableHTTPClientTransport(new URL(record.url), {
      requestInit: { headers: { authorization: `Bearer ${record.token}` } },
      fetch: hearingFetch((reason) => self?.markLost(reason) ?? false, heard),
    });
    // The SDK's probe falls back to initialize as the spec's backward-compatibility section
    // asks: on an HTTP 4xx other than 401/403 (the v1 SDK example's 400 "Invalid or missing
    // session ID" included) and on any JSON-RPC error that is not a 2026-07-28 answer.
    const client = new Client({ name: "buzz-hub", version: VERSION }, {
      versionNegotiation: { mode, probe: { timeoutMs: CONNECT_TIMEOUT_MS } },
      capabilities,
      // The hub hands input_required results to its own client untouched.
      inputRequired: { autoFulfill: false },
    });
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
      self = new Upstream(record, heard, client, capabilities, hooks, await fetchLists(client));
      self.#wire(capabilities);
    } catch (e) {
      await (self ? self.close() : client.close().catch(() => {}));
      throw e;
    }
    self.#live = true;
    return self;
  }

  #wire(capabilities: ClientCapabilities): void {
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
        client.setRequestHandler(method, (req, ctx) => {
          const { signal } = ctx.mcpReq;
          // Asked during a call of a 2026-07-28 client: that call answers input_required.
          if (this.held.size === 1) {
            return [...this.held][0].ask(method, req.params, signal) as never;
          }
          if (this.held.size) throw untranslatable(method, this.held.size);
          return hooks.forwardRequest(method, req.params, signal) as never;
        });
      }
    } else {
      // Not awaited: a listen that is slow to be acknowledged must not hold up the connection.
      void this.#listen();
    }
    this.#stopTicking = everyTick(() => this.#tick());
  }

  /**
   * A modern server tells of changes on a listen stream, opened only for what it advertises.
   * Listening is optional: a listen refused (-32601), failed or never acknowledged leaves the
   * connection up, watched by the probe alone, and says why its changes are not followed.
   */
  async #listen(): Promise<void> {
    const caps = this.client.getServerCapabilities() ?? {};
    const filter = {
      toolsListChanged: !!caps.tools?.listChanged,
      resourcesListChanged: !!caps.resources?.listChanged,
      promptsListChanged: !!caps.prompts?.listChanged,
      ...(this.#subscribed.size && { resourceSubscriptions: [...this.#subscribed] }),
    };
    const old = this.#subscription;
    this.#subscription = undefined;
    await old?.close();
    const silent = (["tools", "resources", "prompts"] as const).filter((k) =>
      caps[k] && !caps[k].listChanged
    );
    this.unfollowed = silent.length
      ? `it does not announce changes to its ${silent.join(", ")}; the hub reads its lists ` +
        `again every ${PROBE_INTERVAL_MS / 1000} s instead`
      : undefined;
    if (!Object.values(filter).some(Boolean)) return;
    const abort = new AbortController();
    let sub: McpSubscription;
    try {
      sub = await this.client.listen(filter, {
        timeout: LISTEN_ACK_TIMEOUT_MS,
        signal: abort.signal,
      });
    } catch (e) {
      abort.abort();
      this.unfollowed = `its subscriptions/listen failed (${(e as Error).message}); ` +
        `the hub reads its lists again every ${PROBE_INTERVAL_MS / 1000} s instead`;
      log.info(`${this.client.getServerVersion()?.name ?? "server"}: ${this.unfollowed}`);
      return;
    }
    this.#subscription = sub;
    sub.closed.then((reason) => {
      if (reason !== "local" && this.#subscription === sub) {
        this.markLost(`notification stream closed (${reason})`);
      }
    });
  }

  #tick(): void {
    const now = performance.now();
    // Its lists are read again instead: changes to them are followed no other way.
    if (this.unfollowed) {
      if (now - this.#lastReread < PROBE_INTERVAL_MS) return;
      this.#lastReread = now;
      return this.#reread();
    }
    if (!this.#probing && this.heard.silent(now)) this.#probe();
  }

  /** Catches a hung instance: one that has been silent is asked. */
  #probe(): void {
    this.#probing = true;
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
      this.heard.heard();
      if (session && (response.status === 404 || response.status === 400)) {
        this.markLost(`probe: the server ended the session (HTTP ${response.status})`);
      }
    }).catch((e: Error) =>
      this.markLost(
        `probe failed: ${
          e.name === "TimeoutError" ? `no answer in ${PROBE_TIMEOUT_MS} ms` : e.message
        }`,
      )
    ).finally(() => this.#probing = false);
  }

  /** The probe of a server whose changes are not followed: its lists, read again. */
  #reread(): void {
    fetchLists(this.client, PROBE_TIMEOUT_MS).then((lists) => {
      if (JSON.stringify(lists) === JSON.stringify(this.lists)) return;
      this.lists = lists;
      this.hooks.onListsChanged(lists);
    }, (e: Error) => this.markLost(`probe failed: ${e.message}`));
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

  /** Reports the connection lost (once); returns whether it is being dropped, now or before. */
  markLost(reason: string): boolean {
    if (!this.#live) return false;
    if (this.#lost || this.#closing) return true;
    this.#lost = true;
    this.hooks.onLost(reason);
    return true;
  }

  /** Closes the connection; pending calls reject at once. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#stopTicking?.();
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
async function fetchLists(client: Client, timeout = CONNECT_TIMEOUT_MS): Promise<Lists> {
  const caps = client.getServerCapabilities() ?? {};
  // Bounded, so that a server that never answers is a failed attempt with a reason, not a
  // connection that stays pending for good.
  const fresh = { cacheMode: "refresh" as const, timeout };
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
