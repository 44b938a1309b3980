// MCP calls as the bench makes them, to an instance directly or through the hub.

import type { Client } from "../shared/sdk.ts";
import type { Hub } from "./procs.ts";

export interface ListedInstance {
  id: string;
  name: string;
  state: string;
  connected_since?: string | null;
  tool_count?: number;
}

/**
 * tools/call through the client's generic request(), without callTool's
 * outputSchema validation (which runs only once a client has cached
 * tools/list), so the bench's own client costs the same on every path; the
 * hub's upstream client does validate, and that is part of what the hub path
 * measures.
 */
export async function rawCall(client: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await client.request({ method: "tools/call", params: { name, arguments: args } });
  if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
  return r.structuredContent as Record<string, unknown>;
}

export const rawListTools = (client: Client) => client.request({ method: "tools/list" });

export async function listInstances(hub: Pick<Hub, "client">): Promise<ListedInstance[]> {
  const r = await rawCall(hub.client, "instances_list");
  return r.instances as ListedInstance[];
}
