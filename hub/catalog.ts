// The hub's one stable surface: what every connected instance offers, merged.
// It depends only on what is callable, never on a "current" instance or on
// earlier calls, so tools/list stays byte-identical until an instance appears,
// goes, or changes what it offers. Order is deterministic.

import type { Prompt, Resource, ResourceTemplateType, Tool } from "../shared/sdk.ts";
import type { Lists } from "./upstream.ts";

export const INSTANCE_ARG = "instance";
const INSTANCE_HELP = "Which buzz instance to use: its id, a unique id prefix, its name, or a " +
  "directory inside its project. Optional when only one instance runs or the hub's working " +
  "directory is inside one project; instances_list shows them all.";

export interface Catalog {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplateType[];
  prompts: Prompt[];
}

export type CatalogKind = "tools" | "resources" | "prompts";

export interface Source {
  id: string;
  /** The instance's buzz version: when versions differ, the newest definition wins. */
  version: string;
  lists: Lists;
}

export function buildCatalog(hubTools: Tool[], sources: Source[]): Catalog {
  // Newest version first, then by id, so the same inputs always give the same pick.
  const ordered = [...sources].sort((a, b) =>
    compareVersions(b.version, a.version) || a.id.localeCompare(b.id)
  );
  const own = new Set(hubTools.map((t) => t.name));
  const tools = firstByKey(ordered.flatMap((s) => s.lists.tools), (t) => t.name)
    .filter((t) => !own.has(t.name))
    .map(withInstanceArg);
  return {
    tools: [...hubTools, ...tools],
    resources: firstByKey(ordered.flatMap((s) => s.lists.resources), (r) => r.uri),
    resourceTemplates: firstByKey(
      ordered.flatMap((s) => s.lists.resourceTemplates),
      (t) => t.uriTemplate,
    ),
    prompts: firstByKey(ordered.flatMap((s) => s.lists.prompts), (p) => p.name)
      .map(withInstancePromptArg),
  };
}

/** Which kinds of list differ between two catalogs. */
export function changedKinds(a: Catalog, b: Catalog): CatalogKind[] {
  const kinds: CatalogKind[] = [];
  if (JSON.stringify(a.tools) !== JSON.stringify(b.tools)) kinds.push("tools");
  if (
    JSON.stringify([a.resources, a.resourceTemplates]) !==
      JSON.stringify([b.resources, b.resourceTemplates])
  ) kinds.push("resources");
  if (JSON.stringify(a.prompts) !== JSON.stringify(b.prompts)) kinds.push("prompts");
  return kinds;
}

function firstByKey<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

function withInstanceArg(tool: Tool): Tool {
  const schema = tool.inputSchema;
  return {
    ...tool,
    inputSchema: {
      ...schema,
      properties: {
        ...schema.properties,
        [INSTANCE_ARG]: { type: "string", description: INSTANCE_HELP },
      },
    },
  };
}

function withInstancePromptArg(prompt: Prompt): Prompt {
  const args = (prompt.arguments ?? []).filter((a) => a.name !== INSTANCE_ARG);
  return {
    ...prompt,
    arguments: [...args, { name: INSTANCE_ARG, description: INSTANCE_HELP, required: false }],
  };
}

/** Compares dotted version strings numerically, part by part. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number(p) || 0);
  const pb = b.split(/[.-]/).map((p) => Number(p) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
