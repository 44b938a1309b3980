// A monorepo's packages, read the way its package manager reads them:
// pnpm-workspace.yaml's `packages` (pnpm), package.json's `workspaces` (npm,
// yarn, bun; an array or `{packages: [...]}`), deno.json's `workspace` (Deno).
// Each member's scripts are listed as `<package dir's name>:<script>` (apps/api's
// `dev` is `api:dev`), or `<path from the root>:<script>` when two members'
// directories share a name (`apps/api:dev`, `services/api:dev`), and run in
// the member's directory with the workspace's package manager.

import { basename, join } from "node:path";
import picomatch from "picomatch";

export interface WorkspaceMember {
  /** The member's directory, relative to the project ("apps/api"), with "/" separators. */
  dir: string;
  /** What lists the member's scripts: its package.json, or (a Deno workspace) its deno.json. */
  kind: "package.json" | "deno.json";
}

/** Directories never searched for members. */
const SKIP = new Set(["node_modules", ".git"]);
/** How deep a `**` pattern searches, in directories below the project. */
const MAX_DEPTH = 6;

/**
 * The workspace members the project declares, in a stable order (sorted by
 * path). `pkg` and `deno` are the root's parsed package.json and deno.json,
 * if any. A malformed pnpm-workspace.yaml or workspaces field throws, naming the file.
 */
export async function workspaceMembers(
  dir: string,
  pkg: Record<string, unknown> | null,
  deno: Record<string, unknown> | null,
): Promise<WorkspaceMember[]> {
  const out: WorkspaceMember[] = [];
  const pnpm = await pnpmPatterns(dir);
  const npm = pnpm ?? packagePatterns(pkg);
  if (npm) out.push(...expand(dir, npm, "package.json"));
  const denoPatterns = deno?.workspace;
  if (denoPatterns !== undefined) {
    if (!isStrings(denoPatterns)) {
      throw new Error(`${join(dir, "deno.json")}: "workspace" must be a list of paths`);
    }
    for (const m of expand(dir, denoPatterns, "deno.json")) {
      if (!out.some((o) => o.dir === m.dir)) out.push(m);
    }
  }
  return out;
}

async function pnpmPatterns(dir: string): Promise<string[] | null> {
  const file = join(dir, "pnpm-workspace.yaml");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new Error(`${file}: cannot read: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    // Loaded only for a pnpm workspace: most projects never pay for the YAML parser at start.
    const { parse } = await import("yaml");
    doc = parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  // A pnpm-workspace.yaml may hold only settings (catalogs, overrides): then no members.
  const packages = (doc as { packages?: unknown } | null)?.packages;
  if (packages === undefined || packages === null) return [];
  if (!isStrings(packages)) throw new Error(`${file}: "packages" must be a list of globs`);
  return packages;
}

function packagePatterns(pkg: Record<string, unknown> | null): string[] | null {
  const field = pkg?.workspaces;
  if (field === undefined) return null;
  // Yarn's older form: {packages: [...], nohoist: [...]}.
  const list = isStrings(field) ? field : (field as { packages?: unknown })?.packages;
  if (!isStrings(list)) {
    throw new Error('package.json: "workspaces" must be a list of globs, or {"packages": [...]}');
  }
  return list;
}

/** The directories under `dir` that the patterns select and that hold `kind`. */
function expand(
  dir: string,
  patterns: string[],
  kind: WorkspaceMember["kind"],
): WorkspaceMember[] {
  const clean = (p: string) => p.replace(/^\.\//, "").replace(/\/+$/, "");
  const include = patterns.filter((p) => !p.startsWith("!")).map(clean).filter(Boolean);
  const exclude = patterns.filter((p) => p.startsWith("!")).map((p) => clean(p.slice(1)));
  if (!include.length) return [];
  const isIn = picomatch(include, { dot: false });
  const isOut = exclude.length ? picomatch(exclude) : () => false;
  const depth = include.some((p) => p.includes("**"))
    ? MAX_DEPTH
    : Math.max(...include.map((p) => p.split("/").length));
  const found: WorkspaceMember[] = [];
  const files = kind === "deno.json" ? ["deno.json", "deno.jsonc"] : ["package.json"];
  const walk = (sub: string, level: number) => {
    if (level > depth) return;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(join(dir, sub))];
    } catch {
      return;
    }
    const rel = sub.split("\\").join("/");
    if (rel && isIn(rel) && !isOut(rel) && entries.some((e) => files.includes(e.name))) {
      found.push({ dir: rel, kind });
    }
    for (const e of entries) {
      if (e.isDirectory && !SKIP.has(e.name) && !e.name.startsWith(".")) {
        walk(sub ? join(sub, e.name) : e.name, level + 1);
      }
    }
  };
  walk("", 0);
  return found.sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * The prefix each member's scripts are listed under: the directory's own name,
 * or its path from the root when another member's directory has the same name.
 */
export function memberPrefixes(members: WorkspaceMember[]): Map<string, string> {
  const counts = new Map<string, number>();
  for (const m of members) counts.set(basename(m.dir), (counts.get(basename(m.dir)) ?? 0) + 1);
  return new Map(
    members.map((m) => [m.dir, counts.get(basename(m.dir))! > 1 ? m.dir : basename(m.dir)]),
  );
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}
