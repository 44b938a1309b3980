// The hub's face to its one client: a stdio MCP server that answers with its own
// tools plus the current instance's, and forwards everything else to the
// instance a request is routed to.

import {
  CallToolRequestSchema,
  type CallToolResult,
  CompleteRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  RootsListChangedNotificationSchema,
  Server,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  type Tool,
  UnsubscribeRequestSchema,
} from "../shared/sdk.ts";
import { log } from "../shared/log.ts";
import { VERSION } from "../shared/version.ts";
import type { Registry, State } from "./registry.ts";
import { callHubTool, describeInstances, HUB_TOOLS, resolveInstance } from "./instances_tools.ts";
import type { Upstream } from "./upstream.ts";

/** Long enough for logs_wait; progress notifications keep it alive beyond that. */
const PROXY_TIMEOUT_MS = 15 * 60_000;

type Route = { upstream: Upstream; id: string } | { error: string };

export function createFront(registry: Registry): Server {
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
      "project where `buzz --no-tui` runs. Call instances_list, then instances_connect; the instance's tools " +
      "(scripts_list, scripts_run, logs_tail, errors_list, ...) then appear. Each takes an optional instance_id " +
      "to reach another instance without switching.",
  });
  // Early requests wait (at most about 1 s) for the instances already running to connect.
  const startup = registry.ready;

  const route = async (instanceId?: string): Promise<Route> => {
    await startup;
    return await registry.ask((s) => {
      const target = instanceId
        ? resolveInstance(s, instanceId)
        : s.current
        ? s.instances.get(s.current)
        : undefined;
      if (typeof target === "string") return { error: target };
      if (!target) {
        return {
          error: `No current buzz instance.\n${describeInstances(s)}\n` +
            "Call instances_connect {instance_id} first, or pass instance_id.",
        };
      }
      if (!target.upstream) {
        return {
          error: `Instance ${target.record.id} is ${target.state}` +
            (target.lastError ? ` (${target.lastError})` : "") +
            ". Call instances_list to see which are connected.",
        };
      }
      return { upstream: target.upstream, id: target.record.id };
    });
  };
  const routeOrThrow = async () => {
    const r = await route();
    if ("error" in r) throw new McpError(ErrorCode.InvalidRequest, r.error);
    return r.upstream;
  };
  const currentLists = (s: State) => (s.current ? s.instances.get(s.current)?.lists : undefined);

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    await startup;
    const proxied = await registry.ask((s) => currentLists(s)?.tools ?? []);
    const own = new Set(HUB_TOOLS.map((t) => t.name));
    return {
      tools: [...HUB_TOOLS, ...proxied.filter((t) => !own.has(t.name)).map(withInstanceId)],
    };
  });

  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const { name } = req.params;
    const args = { ...(req.params.arguments ?? {}) };
    await startup;
    if (HUB_TOOLS.some((t) => t.name === name)) return callHubTool(registry, name, args);
    const instanceId = args.instance_id;
    delete args.instance_id;
    if (instanceId !== undefined && typeof instanceId !== "string") {
      return toolError(
        "instance_id must be a string: an instance id, id prefix, name or directory.",
      );
    }
    const target = await route(instanceId);
    if ("error" in target) return toolError(target.error);
    if (!target.upstream.lists.tools.some((t) => t.name === name)) {
      const names = target.upstream.lists.tools.map((t) => t.name).join(", ");
      return toolError(
        `Instance ${target.id} has no tool "${name}". Its tools: ${names}. Hub tools: ` +
          `${HUB_TOOLS.map((t) => t.name).join(", ")}.`,
      );
    }
    const progressToken = extra._meta?.progressToken;
    try {
      return await target.upstream.client.callTool({ name, arguments: args }, undefined, {
        signal: extra.signal,
        timeout: PROXY_TIMEOUT_MS,
        resetTimeoutOnProgress: true,
        onprogress: progressToken === undefined ? undefined : (p) => {
          extra.sendNotification({
            method: "notifications/progress",
            params: { ...p, progressToken },
          })
            .catch(() => {});
        },
      }) as CallToolResult;
    } catch (e) {
      if (extra.signal.aborted) throw e;
      return toolError(
        `Calling ${name} on instance ${target.id} failed: ${(e as Error).message}. ` +
          "The instance may have stopped; call instances_list to check.",
      );
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    await startup;
    return { resources: await registry.ask((s) => currentLists(s)?.resources ?? []) };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => {
    await startup;
    return {
      resourceTemplates: await registry.ask((s) => currentLists(s)?.resourceTemplates ?? []),
    };
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => {
    await startup;
    return { prompts: await registry.ask((s) => currentLists(s)?.prompts ?? []) };
  });
  const opts = (extra: { signal: AbortSignal }) => ({
    signal: extra.signal,
    timeout: PROXY_TIMEOUT_MS,
  });
  server.setRequestHandler(
    ReadResourceRequestSchema,
    async (req, extra) => (await routeOrThrow()).client.readResource(req.params, opts(extra)),
  );
  server.setRequestHandler(
    SubscribeRequestSchema,
    async (req, extra) => (await routeOrThrow()).client.subscribeResource(req.params, opts(extra)),
  );
  server.setRequestHandler(
    UnsubscribeRequestSchema,
    async (req, extra) =>
      (await routeOrThrow()).client.unsubscribeResource(req.params, opts(extra)),
  );
  server.setRequestHandler(
    GetPromptRequestSchema,
    async (req, extra) => (await routeOrThrow()).client.getPrompt(req.params, opts(extra)),
  );
  server.setRequestHandler(
    CompleteRequestSchema,
    async (req, extra) => (await routeOrThrow()).client.complete(req.params, opts(extra)),
  );
  server.setRequestHandler(
    SetLevelRequestSchema,
    async (req, extra) =>
      (await routeOrThrow()).client.setLoggingLevel(req.params.level, opts(extra)),
  );

  const refreshRoots = async () => {
    if (!server.getClientCapabilities()?.roots) return;
    try {
      const { roots } = await server.listRoots();
      const paths = roots.flatMap((r) =>
        r.uri.startsWith("file://") ? [decodeURIComponent(new URL(r.uri).pathname)] : []
      );
      await registry.ask((_s, reg) => reg.setRoots(paths));
    } catch (e) {
      log.debug("roots/list failed:", e);
    }
  };
  server.oninitialized = () => void refreshRoots();
  server.setNotificationHandler(RootsListChangedNotificationSchema, refreshRoots);
  return server;
}

/** Adds the optional instance_id argument that lets a call reach any instance. */
function withInstanceId(tool: Tool): Tool {
  const schema = tool.inputSchema;
  return {
    ...tool,
    inputSchema: {
      ...schema,
      properties: {
        ...schema.properties,
        instance_id: {
          type: "string",
          description:
            "Optional: run this on another buzz instance (id, id prefix, name or directory) " +
            "instead of the current one",
        },
      },
    },
  };
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}
