// The hub's own tools: see the instances and choose the session's current one.

import type { CallToolResult, Tool } from "../shared/sdk.ts";
import type { Entry, Registry, State } from "./registry.ts";

export const HUB_TOOLS: Tool[] = [
  {
    name: "instances_list",
    title: "List buzz instances",
    description:
      "Every buzz instance on this machine (one per project running `buzz --no-tui`): id, name, " +
      "directory, state, and whether it is the session's current instance. Then call instances_connect.",
    inputSchema: { type: "object", properties: {} },
    outputSchema: {
      type: "object",
      properties: {
        current: { type: ["string", "null"] },
        instances: {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "string" },
              name: { type: "string" },
              directory: { type: "string" },
              state: { type: "string", enum: ["discovered", "connected", "disconnected"] },
              current: { type: "boolean" },
              pid: { type: "number" },
              url: { type: "string" },
              connected_since: { type: ["string", "null"] },
              last_error: { type: ["string", "null"] },
              tool_count: { type: "number" },
            },
            required: ["id", "name", "directory", "state", "current", "pid", "url", "tool_count"],
          },
        },
      },
      required: ["current", "instances"],
    },
    annotations: { readOnlyHint: true },
  },
  {
    name: "instances_connect",
    title: "Use a buzz instance",
    description:
      "Makes an instance the session's current one, so its tools (scripts_run, logs_tail, ...) " +
      "appear in tools/list. Accepts an id, a unique id prefix, or a name or directory that matches exactly one.",
    inputSchema: {
      type: "object",
      properties: {
        instance_id: { type: "string", description: "id, id prefix, name or directory" },
      },
      required: ["instance_id"],
    },
    annotations: { readOnlyHint: false },
  },
  {
    name: "instances_disconnect",
    title: "Stop using the current instance",
    description: "Clears the session's current instance; its tools leave tools/list.",
    inputSchema: { type: "object", properties: {} },
  },
];

export function describeInstances(s: State): string {
  if (s.instances.size === 0) {
    return "No buzz instances are running. Start one in a project with `buzz --no-tui`.";
  }
  return [...s.instances.values()].map((e) =>
    `${
      e.record.id === s.current ? "* " : "  "
    }${e.record.id} (${e.record.name}) ${e.state} ${e.record.directory}`
  ).join("\n");
}

/** Resolves what a caller typed to exactly one instance, or explains why not. */
export function resolveInstance(s: State, query: string): Entry | string {
  const all = [...s.instances.values()];
  const exact = s.instances.get(query);
  if (exact) return exact;
  for (
    const match of [
      all.filter((e) => e.record.id.startsWith(query)),
      all.filter((e) => e.record.name === query || e.record.directory === query),
    ]
  ) {
    if (match.length === 1) return match[0];
    if (match.length > 1) {
      return `"${query}" matches ${match.length} instances (${
        match.map((e) => e.record.id).join(", ")
      }); ` +
        "call again with a full id.";
    }
  }
  return `No instance matches "${query}".\n${
    describeInstances(s)
  }\nCall instances_connect with one of these ids.`;
}

export function callHubTool(
  registry: Registry,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return registry.ask((s, reg): CallToolResult => {
    switch (name) {
      case "instances_list": {
        const instances = [...s.instances.values()].map((e) => ({
          id: e.record.id,
          name: e.record.name,
          directory: e.record.directory,
          state: e.state,
          current: e.record.id === s.current,
          pid: e.record.pid,
          url: e.record.url,
          connected_since: e.state === "connected" ? e.connectedSince ?? null : null,
          last_error: e.lastError ?? null,
          tool_count: e.lists?.tools.length ?? 0,
        }));
        return {
          content: [{ type: "text", text: describeInstances(s) }],
          structuredContent: { current: s.current, instances },
        };
      }
      case "instances_connect": {
        const query = args.instance_id;
        if (typeof query !== "string" || !query) {
          return error(`instances_connect needs instance_id (a string).\n${describeInstances(s)}`);
        }
        const found = resolveInstance(s, query);
        if (typeof found === "string") return error(found);
        reg.select(found.record.id, true);
        const tools = found.lists?.tools.map((t) => t.name).join(", ") ?? "none yet";
        return text(
          `Current instance: ${found.record.id} (${found.record.directory}), ${found.state}. ` +
            `Its tools are now in tools/list: ${tools}.`,
        );
      }
      case "instances_disconnect": {
        const was = s.current;
        reg.select(null, true);
        return text(
          was ? `Cleared the current instance (was ${was}).` : "No instance was current.",
        );
      }
    }
    return error(`Unknown hub tool ${name}.`);
  });
}

function text(t: string): CallToolResult {
  return { content: [{ type: "text", text: t }] };
}

function error(t: string): CallToolResult {
  return { content: [{ type: "text", text: t }], isError: true };
}
