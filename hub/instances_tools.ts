// The hub's own tool: what instances are running, and which the instance
// argument can name. There is no "current instance": every instance tool takes
// an explicit `instance`, so the tool list never changes with the agent's choices.

import type { CallToolResult, Tool } from "../shared/sdk.ts";
import type { State } from "./registry.ts";
import { describeInstances, unfollowedNote } from "./route.ts";

export const HUB_TOOLS: Tool[] = [
  {
    name: "instances_list",
    title: "List buzz instances",
    description:
      "Every buzz instance on this machine (one per project where buzz runs): id, name, project " +
      "directory and state, for one not connected the last error in reaching it, and for one whose " +
      "list changes the hub cannot follow, why (lists_unfollowed). Pass an id " +
      "(or name, or a directory inside the project) as the instance argument of any other tool " +
      "to choose where it runs.",
    inputSchema: { type: "object", properties: {} },
    outputSchema: {
      type: "object",
      properties: {
        instances: {
          type: "array",
          items: {
            type: "object",
            properties: {
              id: { type: "string" },
              name: { type: "string" },
              directory: { type: "string" },
              state: { type: "string", enum: ["discovered", "connected", "disconnected"] },
              pid: { type: "number" },
              url: { type: "string" },
              version: { type: "string" },
              connected_since: { type: "string" },
              last_error: { type: "string" },
              tool_count: { type: "number" },
              lists_unfollowed: { type: "string" },
            },
            required: ["id", "name", "directory", "state", "pid", "url", "version", "tool_count"],
          },
        },
      },
      required: ["instances"],
    },
    annotations: { readOnlyHint: true },
  },
];

export function listInstances(s: State): CallToolResult {
  const instances = [...s.instances.values()].map((e) => ({
    id: e.record.id,
    name: e.record.name,
    directory: e.record.directory,
    state: e.state,
    pid: e.record.pid,
    url: e.record.url,
    version: e.record.version,
    ...(e.state === "connected" && e.connectedSince && { connected_since: e.connectedSince }),
    ...(e.state !== "connected" && e.lastError && { last_error: e.lastError }),
    tool_count: e.lists?.tools.length ?? 0,
    ...(e.state === "connected" && e.upstream?.unfollowed &&
      { lists_unfollowed: unfollowedNote(e) }),
  }));
  return {
    content: [{ type: "text", text: describeInstances(s) }],
    structuredContent: { instances },
  };
}
