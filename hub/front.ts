// The hub's face to its one client: a low-level MCP server (the hub owns
// dispatch, as a gateway does) that answers lists from the merged catalog and
// routes everything else to the instance a request belongs to.

import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type LoggingLevel,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerContext,
} from "../shared/sdk_server.ts";
import { VERSION } from "../shared/version.ts";
import type { Catalog } from "./catalog.ts";
import { INSTANCE_ARG } from "./catalog.ts";
import { forward, type FrontInfo, passResultsOn } from "./forward.ts";
import { HUB_TOOLS, listInstances } from "./instances_tools.ts";
import { paginate } from "./paginate.ts";
import type { Entry, Registry, State } from "./registry.ts";
import type { Upstream } from "./upstream.ts";
import { ownersOfPrompt, ownersOfUri, pickInstance } from "./route.ts";

const LOG_LEVELS: LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

type ListRequest = { params?: { cursor?: string } };

/** How long a request waits for an instance that is being connected. */
const CONNECTING_WAIT_MS = 5_000;

export function createFront(registry: Registry, era: "modern" | "legacy"): FrontInfo {
  const server = new Server({ name: "buzz", title: "buzz hub", version: VERSION }, {
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      completions: {},
      logging: {},
    },
    instructions:
      "buzz connects you to the dev processes (dev servers, watchers, test runners) of every " +
      "project where buzz runs. Call instances_list to see them; every other tool takes an " +
      "optional `instance` (id, name or project directory), needed only when several run.",
  });
  passResultsOn(server);
  const front: FrontInfo = { era, server, fetched: new Set(), held: new Map() };
  const startup = registry.ready;
  if (era === "modern") registry.ask((_s, reg) => reg.clientIsModern());
  // The client says what it can do at initialize (2025) or with each request (2026-07-28).
  let noted: unknown;
  const noteClient = (ctx?: ServerContext) => {
    const envelope = ctx?.mcpReq.envelope as Record<string, unknown> | undefined;
    const told = envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
    const caps = told ?? server.getClientCapabilities();
    if (!caps || caps === noted || JSON.stringify(caps) === JSON.stringify(noted)) return;
    noted = caps;
    registry.ask((_s, reg) => reg.setClientCapabilities(caps, era));
  };

  /** Finds the instance for a request, or throws an error that says how to choose one. */
  const route = async (instance: unknown, candidates?: (s: State) => Entry[]) => {
    noteClient();
    if (instance !== undefined && typeof instance !== "string") {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `${INSTANCE_ARG} must be a string: an instance id, name or project directory.`,
      );
    }
    await startup;
    const deadline = Date.now() + CONNECTING_WAIT_MS;
    while (true) {
      // A URI or prompt that no instance lists goes where a request without one would (the only
      // connected instance, say), so that instance's own answer or error reaches the client.
      const target = await registry.ask((s) => {
        const owners = candidates?.(s);
        return pickInstance(s, instance, owners?.length ? owners : undefined);
      });
      // pickInstance answers only with a connected instance.
      if (typeof target !== "string") return target as Entry & { upstream: Upstream };
      // An instance being reconnected may be the one: wait for it rather than fail.
      if (!await connectionSettled(deadline)) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, target);
      }
    }
  };

  /**
   * Waits for a first connection still under way (one slower than the start-up wait, as a
   * 2025-era server's probe, initialize and lists can be on a busy machine) or a reconnection
   * the hub started itself (to tell an instance the client's capabilities) to end; false when
   * none is under way, or the deadline has passed.
   */
  const connectionSettled = async (deadline: number): Promise<boolean> => {
    const left = deadline - Date.now();
    const pending = (e: Entry) => e.reconnecting || e.state === "discovered";
    if (left <= 0 || !await registry.ask((s) => [...s.instances.values()].some(pending))) {
      return false;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      registry.nextSettled(),
      new Promise((r) => timer = setTimeout(r, left)),
    ]);
    clearTimeout(timer);
    return true;
  };

  const list = (kind: keyof Catalog) => async (req: ListRequest, ctx: ServerContext) => {
    noteClient(ctx);
    await startup;
    // A list answered mid-reconnection would miss that instance's part, then change back.
    const deadline = Date.now() + CONNECTING_WAIT_MS;
    while (await connectionSettled(deadline));
    front.fetched.add(kind === "resourceTemplates" ? "resources" : kind);
    const page = paginate<unknown>(registry.catalog[kind], req.params?.cursor);
    return { [kind]: page.items, ...(page.nextCursor && { nextCursor: page.nextCursor }) } as never;
  };
  server.setRequestHandler("tools/list", list("tools"));
  server.setRequestHandler("resources/list", list("resources"));
  server.setRequestHandler("resources/templates/list", list("resourceTemplates"));
  server.setRequestHandler("prompts/list", list("prompts"));

  server.setRequestHandler("tools/call", async (req, ctx) => {
    noteClient(ctx);
    const { name } = req.params;
    await startup;
    const deadline = Date.now() + CONNECTING_WAIT_MS;
    if (name === "instances_list") {
      // A first connection under way is reported once it ends, not as "discovered".
      while (await connectionSettled(deadline));
      return await registry.ask(listInstances);
    }
    let known = registry.catalog.tools.some((t) => t.name === name);
    while (!known && await connectionSettled(deadline)) {
      known = registry.catalog.tools.some((t) => t.name === name);
    }
    const { instance, args } = takeInstance(req.params.arguments);
    let upstream;
    try {
      upstream = (await route(instance)).upstream;
    } catch (e) {
      return known ? toolError((e as Error).message) : unknownTool(name, registry);
    }
    // A tool no instance lists still goes where the call would: that server answers it in
    // its own way, as it would directly.
    return await forward(
      front,
      upstream,
      "tools/call",
      { ...req.params, arguments: args },
      ctx,
    ) as never;
  });

  const byUri =
    (method: string) => async (req: { params: { uri: string } }, ctx: ServerContext) => {
      noteClient(ctx);
      const { upstream } = await route(undefined, (s) => ownersOfUri(s, req.params.uri));
      return await forward(front, upstream, method, req.params, ctx);
    };
  server.setRequestHandler("resources/read", byUri("resources/read") as never);

  server.setRequestHandler("prompts/get", async (req, ctx) => {
    noteClient(ctx);
    const { instance, args } = takeInstance(req.params.arguments);
    const { upstream } = await route(instance, (s) => ownersOfPrompt(s, req.params.name));
    return await forward(
      front,
      upstream,
      "prompts/get",
      { ...req.params, arguments: args },
      ctx,
    ) as never;
  });

  server.setRequestHandler("completion/complete", async (req, ctx) => {
    noteClient(ctx);
    const ref = req.params.ref;
    const instance = req.params.context?.arguments?.[INSTANCE_ARG];
    const { upstream } = await route(
      instance,
      (s) => ref.type === "ref/prompt" ? ownersOfPrompt(s, ref.name) : ownersOfUri(s, ref.uri),
    );
    return await forward(front, upstream, "completion/complete", req.params, ctx) as never;
  });

  // The registry keeps each subscription on the instance that serves the URI.
  server.setRequestHandler("resources/subscribe", async (req) => {
    const { uri } = req.params;
    const owner = await route(undefined, (s) => ownersOfUri(s, uri));
    await registry.ask((_s, reg) => reg.subscribe(uri, owner.record.id));
    return {};
  });
  server.setRequestHandler("resources/unsubscribe", async (req) => {
    await registry.ask((_s, reg) => reg.unsubscribe(req.params.uri));
    return {};
  });

  // Belongs to no instance, so it never fails for lack of one: remembered, and passed on.
  // Answered by hand: the SDK's own handler meets a bad level with an internal error and a
  // schema dump, where a client should get invalid params that say what to send.
  server.removeRequestHandler("logging/setLevel");
  server.fallbackRequestHandler = async (req) => {
    if (req.method !== "logging/setLevel") {
      throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `Method not found: ${req.method}`);
    }
    const level = (req.params as { level?: unknown } | undefined)?.level;
    if (!LOG_LEVELS.includes(level as LoggingLevel)) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Invalid log level ${JSON.stringify(level)}: use one of ${LOG_LEVELS.join(", ")}.`,
      );
    }
    front.logLevel = level as LoggingLevel;
    await startup;
    const upstreams = await registry.ask((s) =>
      [...s.instances.values()].flatMap((e) =>
        e.upstream?.era === "legacy" && e.upstream.client.getServerCapabilities()?.logging
          ? [e.upstream]
          : []
      )
    );
    await Promise.allSettled(upstreams.map((u) => u.client.setLoggingLevel(level as LoggingLevel)));
    return {};
  };

  const refreshRoots = async () => {
    if (era !== "legacy" || !server.getClientCapabilities()?.roots) return;
    try {
      const { roots } = await server.listRoots();
      const paths = roots.flatMap((r) =>
        r.uri.startsWith("file://") ? [decodeURIComponent(new URL(r.uri).pathname)] : []
      );
      await registry.ask((_s, reg) => reg.setHints([Deno.cwd(), ...paths]));
    } catch {
      // A client that declares roots but cannot list them leaves the hints as they are.
    }
  };
  server.oninitialized = () => {
    noteClient();
    void refreshRoots();
  };
  server.setNotificationHandler("notifications/roots/list_changed", refreshRoots);
  return front;
}

async function unknownTool(name: string, registry: Registry): Promise<CallToolResult> {
  await registry.ready;
  const names = registry.catalog.tools.map((t) => t.name).join(", ");
  return toolError(
    `There is no tool "${name}". Tools: ${names}.` +
      (registry.catalog.tools.length === HUB_TOOLS.length
        ? " No buzz instance is connected; start `buzz` in a project, then call instances_list."
        : ""),
  );
}

/** Splits the hub's own `instance` argument from the arguments the instance receives. */
function takeInstance(
  all: Record<string, unknown> | undefined,
): { instance: unknown; args: Record<string, unknown> } {
  const { [INSTANCE_ARG]: instance, ...args } = all ?? {};
  return { instance, args };
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}
