// One live connection from the hub to one instance: the SDK client, what the
// instance offers, and the two ways it can be found dead (its notification
// stream closing, or a ping going unanswered). It reports through callbacks and
// never touches registry state itself.

import {
  Client,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  type Prompt,
  PromptListChangedNotificationSchema,
  type Resource,
  ResourceListChangedNotificationSchema,
  type ResourceTemplateInfo,
  ResourceUpdatedNotificationSchema,
  type ServerCapabilities,
  StreamableHTTPClientTransport,
  type Tool,
  ToolListChangedNotificationSchema,
} from "../shared/sdk.ts";
import type { DiscoveryRecord } from "../shared/discovery.ts";
import { VERSION } from "../shared/version.ts";

export const PING_INTERVAL_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

export interface Lists {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplateInfo[];
  prompts: Prompt[];
}

/** What the hub lends each connection: where to send what the instance says. */
export interface UpstreamHooks {
  /** Called at most once, when the connection is found dead. */
  onLost(reason: string): void;
  onListsChanged(lists: Lists): void;
  /** Logging and resources/updated notifications, to pass on to the hub's client. */
  onNotification(notification: { method: string; params?: Record<string, unknown> }): void;
  /** Requests the instance makes of the agent (sampling, elicitation, roots). */
  forwardRequest(method: string, params: unknown, signal: AbortSignal): Promise<unknown>;
}

export class Upstream {
  #lost = false;
  #closing = false;
  #pingTimer?: ReturnType<typeof setInterval>;

  private constructor(
    readonly client: Client,
    private readonly transport: StreamableHTTPClientTransport,
    private readonly hooks: UpstreamHooks,
    public lists: Lists,
  ) {}

  get capabilities(): ServerCapabilities {
    return this.client.getServerCapabilities() ?? {};
  }

  static async connect(record: DiscoveryRecord, hooks: UpstreamHooks): Promise<Upstream> {
    let self: Upstream | undefined;
    const lost = (reason: string) => self?.markLost(reason);
    const transport = new StreamableHTTPClientTransport(new URL(record.url), {
      requestInit: { headers: { authorization: `Bearer ${record.token}` } },
      fetch: watchStream(lost),
      // The hub does its own reconnecting, on its own backoff, as a whole new session.
      reconnectionOptions: {
        maxRetries: 0,
        initialReconnectionDelay: 0,
        maxReconnectionDelay: 0,
        reconnectionDelayGrowFactor: 1,
      },
    });
    const client = new Client({ name: "buzz-hub", version: VERSION }, {
      capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
    });
    try {
      await client.connect(transport, { timeout: CONNECT_TIMEOUT_MS });
      const lists = await fetchLists(client);
      self = new Upstream(client, transport, hooks, lists);
    } catch (e) {
      await closeQuietly(client, transport);
      throw e;
    }
    self.#wire();
    return self;
  }

  #wire(): void {
    const { client, hooks } = this;
    client.onclose = () => this.markLost("connection closed");
    const refresh = async () => {
      try {
        this.lists = await fetchLists(client);
        hooks.onListsChanged(this.lists);
      } catch (e) {
        this.markLost(`listing failed: ${(e as Error).message}`);
      }
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, refresh);
    client.setNotificationHandler(ResourceListChangedNotificationSchema, refresh);
    client.setNotificationHandler(PromptListChangedNotificationSchema, refresh);
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => hooks.onNotification(n));
    client.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      (n) => hooks.onNotification(n),
    );
    const forward =
      (method: string) => (req: { params?: unknown }, extra: { signal: AbortSignal }) =>
        hooks.forwardRequest(method, req.params, extra.signal) as Promise<never>;
    client.setRequestHandler(CreateMessageRequestSchema, forward("sampling/createMessage"));
    client.setRequestHandler(ElicitRequestSchema, forward("elicitation/create"));
    client.setRequestHandler(ListRootsRequestSchema, forward("roots/list"));
    this.#pingTimer = setInterval(() => {
      client.ping({ timeout: PING_TIMEOUT_MS }).catch((e) =>
        this.markLost(`ping failed: ${e.message}`)
      );
    }, PING_INTERVAL_MS);
  }

  markLost(reason: string): void {
    if (this.#lost || this.#closing) return;
    this.#lost = true;
    this.hooks.onLost(reason);
  }

  /** Ends the session (HTTP DELETE) and closes; pending calls reject at once. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#pingTimer);
    await closeQuietly(this.client, this.transport);
  }
}

async function fetchLists(client: Client): Promise<Lists> {
  const caps = client.getServerCapabilities() ?? {};
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    caps.tools ? client.listTools().then((r) => r.tools) : [],
    caps.resources ? client.listResources().then((r) => r.resources) : [],
    caps.resources ? client.listResourceTemplates().then((r) => r.resourceTemplates) : [],
    caps.prompts ? client.listPrompts().then((r) => r.prompts) : [],
  ]);
  return { tools, resources, resourceTemplates, prompts };
}

async function closeQuietly(client: Client, transport: StreamableHTTPClientTransport) {
  // Without the DELETE the SDK's client keeps the process alive after close().
  // A hung instance must not hold the hub up, so the DELETE gets a short leash.
  if (transport.sessionId) {
    await Promise.race([
      transport.terminateSession().catch(() => {}),
      new Promise((r) => setTimeout(r, 300)),
    ]);
  }
  await client.close().catch(() => {});
}

/**
 * A fetch that watches the long-lived GET notification stream: when it ends or
 * breaks, the instance is gone (or restarted) and we learn it at once, not at
 * the next ping.
 */
function watchStream(lost: (reason: string) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if ((init?.method ?? "GET") !== "GET" || !response.ok || !response.body) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            controller.close();
            lost("notification stream closed");
          } else controller.enqueue(value);
        } catch (e) {
          controller.error(e);
          lost(`notification stream broke: ${(e as Error).message}`);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
