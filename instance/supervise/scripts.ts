// The project's runnable scripts: package.json scripts (run with the project's
// own package manager) and deno.json/deno.jsonc tasks (run with `deno task`),
// and a watcher that reloads them when those files change.

import { basename, join, resolve } from "node:path";
import { log } from "../../shared/log.ts";
import type { StackSettings } from "./stack.ts";
import { memberPrefixes, workspaceMembers } from "./workspace.ts";

export interface ScriptInfo {
  /** Unique among the project's scripts; see loadScripts for name clashes. */
  name: string;
  /** The script body as written. */
  command: string;
  source: "package.json" | "deno.json" | "buzz.json";
  /** How to run it, e.g. ["npm", "run", "dev"]. */
  argv: string[];
  /** The program that runs it: the package manager, deno, or the shell (a buzz.json command). */
  runner: Runner;
  /** What buzz.json says about it (config.ts), if anything. */
  stack?: StackSettings;
  /**
   * Where it runs, relative to the project directory ("apps/api" for a
   * workspace package's script, or buzz.json's `cwd`); unset: the project directory.
   */
  cwd?: string;
}

/** The directory a script runs in. */
export function scriptDir(dir: string, script: ScriptInfo): string {
  return script.cwd ? resolve(dir, script.cwd) : dir;
}

type PackageManager = "npm" | "pnpm" | "yarn" | "bun";
export type Runner = PackageManager | "deno" | "shell";

/** How to get a runner that is not installed. */
export const RUNNER_HINTS: Record<Runner, string> = {
  npm: "npm comes with Node.js: install Node.js (https://nodejs.org)",
  pnpm: "run `corepack enable` (Corepack ships with Node.js), or `npm install -g pnpm`",
  yarn: "run `corepack enable` (Corepack ships with Node.js), or `npm install -g yarn`",
  bun: "run `npm install -g bun`, or see https://bun.sh",
  deno: "run `npm install -g deno`, or see https://deno.com",
  shell: "buzz.json commands run with sh (cmd.exe on Windows), which must be on PATH",
};
const PACKAGE_MANAGERS: PackageManager[] = ["npm", "pnpm", "yarn", "bun"];
/**
 * Checked in this order; a project with several lockfiles gets the first match.
 * A pnpm workspace not installed yet has no lockfile, but its pnpm-workspace.yaml.
 */
const LOCKFILES: [string, PackageManager][] = [
  ["package-lock.json", "npm"],
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["bun.lockb", "bun"],
  ["bun.lock", "bun"],
  ["pnpm-workspace.yaml", "pnpm"],
];

/**
 * Loads package.json scripts first, then deno tasks, each in file order, then
 * the scripts of the workspace's packages (workspace.ts), each package's under
 * "<package>:<script>" and run in its directory.
 * A deno task whose name a package.json script already uses is renamed
 * "deno:<name>" so both stay runnable by name; its argv keeps the real name.
 * Missing files contribute nothing; malformed ones throw, naming the file.
 */
export async function loadScripts(dir: string): Promise<ScriptInfo[]> {
  const pkg = await readPackage(dir);
  const deno = await readDeno(dir);
  const pm = await packageManager(dir, pkg?.packageManager);
  const scripts = pkg ? packageScripts(join(dir, "package.json"), pkg, pm) : [];
  const taken = new Set(scripts.map((s) => s.name));
  const add = (script: ScriptInfo, names: string[]) => {
    let name = names.find((n) => !taken.has(n)) ?? names.at(-1)!;
    while (taken.has(name)) name = `deno:${name}`;
    taken.add(name);
    scripts.push({ ...script, name });
  };
  for (const task of deno ? denoTasks(deno.file, deno.config) : []) add(task, [task.name]);
  const members = await workspaceMembers(dir, pkg, deno?.config ?? null);
  const prefixes = memberPrefixes(members);
  for (const member of members) {
    const at = join(dir, member.dir);
    const own = member.kind === "package.json"
      ? packageScripts(join(at, "package.json"), (await readPackage(at)) ?? {}, pm)
      : await memberTasks(at);
    for (const script of own) {
      // apps/api's dev is "api:dev"; its full path when that name is taken.
      const names = [`${prefixes.get(member.dir)}:${script.name}`, `${member.dir}:${script.name}`];
      add({ ...script, cwd: member.dir }, names);
    }
  }
  return scripts;
}

async function readPackage(dir: string): Promise<Record<string, unknown> | null> {
  const file = join(dir, "package.json");
  const text = await readIfExists(file);
  return text === null ? null : parseObject(file, text, JSON.parse);
}

function packageScripts(
  file: string,
  pkg: Record<string, unknown>,
  pm: PackageManager,
): ScriptInfo[] {
  if (pkg.scripts === undefined) return [];
  if (!isRecord(pkg.scripts)) throw new Error(`${file}: "scripts" must be an object`);
  return Object.entries(pkg.scripts).map(([name, command]) => {
    if (typeof command !== "string") throw new Error(`${file}: script "${name}" must be a string`);
    return { name, command, source: "package.json", argv: [pm, "run", name], runner: pm };
  });
}

async function packageManager(dir: string, field: unknown): Promise<PackageManager> {
  // The field looks like "pnpm@9.1.0" or "yarn@4.1.0+sha512.…".
  const named = typeof field === "string" ? field.split("@")[0] : "";
  const known = PACKAGE_MANAGERS.find((pm) => pm === named);
  if (known) return known;
  for (const [lockfile, pm] of LOCKFILES) {
    if (await exists(join(dir, lockfile))) return pm;
  }
  return "npm";
}

async function readDeno(
  dir: string,
): Promise<{ file: string; config: Record<string, unknown> } | null> {
  // Deno itself prefers deno.json when both exist, and reads either as JSONC.
  for (const name of ["deno.json", "deno.jsonc"]) {
    const file = join(dir, name);
    const text = await readIfExists(file);
    if (text === null) continue;
    return { file, config: parseObject(file, text, (t) => JSON.parse(stripJsonc(t))) };
  }
  return null;
}

async function memberTasks(dir: string): Promise<ScriptInfo[]> {
  const deno = await readDeno(dir);
  return deno ? denoTasks(deno.file, deno.config) : [];
}

function denoTasks(file: string, config: Record<string, unknown>): ScriptInfo[] {
  if (config.tasks === undefined) return [];
  if (!isRecord(config.tasks)) throw new Error(`${file}: "tasks" must be an object`);
  // In a compiled buzz, execPath() is buzz itself, not a deno that knows `task`.
  const deno = Deno.build.standalone ? "deno" : Deno.execPath();
  return Object.entries(config.tasks).map(([name, task]) => ({
    name,
    command: taskCommand(file, name, task),
    source: "deno.json",
    argv: [deno, "task", name],
    runner: "deno" as const,
  }));
}

/** Files whose change can change the script list or a script's runner. */
const WATCHED = new Set([
  "package.json",
  "deno.json",
  "deno.jsonc",
  "buzz.json",
  "buzz.jsonc",
  ...LOCKFILES.map(([f]) => f),
]);
/** Editors write a file in several steps; reload once they have settled. */
const SETTLE_MS = 100;

/**
 * Calls onChange with the new script list whenever package.json, deno.json(c),
 * buzz.json(c), pnpm-workspace.yaml or a lockfile changes, at the root or in a
 * workspace package with scripts (Deno.watchFs: the OS tells us, nothing
 * polls). A file that does not parse keeps the previous list; onError says why.
 */
export function watchScripts(
  dir: string,
  onChange: (scripts: ScriptInfo[]) => void,
  load: (dir: string) => Promise<ScriptInfo[]> = loadScripts,
  onError: (message: string) => void = (m) => log.warn(`keeping the previous script list: ${m}`),
): { close(): void } {
  const watchers = new Map<string, Deno.FsWatcher>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const watch = (path: string) => {
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(path, { recursive: false });
    } catch (e) {
      if (path === dir) throw e;
      return; // a package directory that went away meanwhile
    }
    watchers.set(path, watcher);
    (async () => {
      for await (const ev of watcher) {
        if (!ev.paths.some((p) => WATCHED.has(basename(p)))) continue;
        clearTimeout(timer);
        timer = setTimeout(reload, SETTLE_MS);
      }
    })().catch((e) => log.warn("watching the project's script files stopped:", e));
  };
  /** Watches the directories of the workspace packages that have scripts, and only those. */
  const followPackages = (scripts: ScriptInfo[]) => {
    if (closed) return;
    const wanted = new Set(scripts.flatMap((s) => s.cwd ? [resolve(dir, s.cwd)] : []));
    wanted.delete(resolve(dir));
    for (const [path, watcher] of watchers) {
      if (path === dir || wanted.has(path)) continue;
      closeWatcher(watcher);
      watchers.delete(path);
    }
    for (const path of wanted) if (!watchers.has(path)) watch(path);
  };
  const reload = async () => {
    timer = undefined;
    try {
      const scripts = await load(dir);
      if (closed) return;
      followPackages(scripts);
      onChange(scripts);
    } catch (e) {
      if (!closed) onError((e as Error).message);
    }
  };
  watch(dir);
  // The packages as they are now; a file that does not parse is reported by the first reload.
  loadScripts(dir).then(followPackages, () => {});
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) closeWatcher(watcher);
    },
  };
}

function closeWatcher(watcher: Deno.FsWatcher): void {
  try {
    watcher.close();
  } catch { /* already closed */ }
}

function taskCommand(file: string, name: string, task: unknown): string {
  if (typeof task === "string") return task;
  // An object task may have no command at all when it only runs its dependencies.
  if (isRecord(task) && (task.command === undefined || typeof task.command === "string")) {
    return task.command ?? "";
  }
  throw new Error(`${file}: task "${name}" must be a string or an object with a string "command"`);
}

function parseObject(
  file: string,
  text: string,
  parse: (text: string) => unknown,
): Record<string, unknown> {
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    throw new Error(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(value)) throw new Error(`${file}: expected a JSON object at the top level`);
  return value;
}

/**
 * Turns JSONC into JSON by blanking comments and trailing commas. Blanking
 * (rather than deleting) keeps JSON.parse's error positions true to the file.
 */
export function stripJsonc(text: string): string {
  const out = text.split(""); // UTF-16 units, so indices match text's
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== "\n") out[i] = " ";
  };
  let lastComma = -1; // a comma that is trailing if only blanks follow it before } or ]
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      lastComma = -1;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      blank(i, end === -1 ? text.length : end);
      i = end === -1 ? text.length : end;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      blank(i, end === -1 ? text.length : end + 2);
      i = end === -1 ? text.length : end + 1;
    } else if (c === ",") {
      lastComma = i;
    } else if ((c === "}" || c === "]") && lastComma !== -1) {
      out[lastComma] = " ";
      lastComma = -1;
    } else if (!/\s/.test(c)) {
      lastComma = -1;
    }
  }
  return out.join("");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new Error(`${file}: cannot read: ${(e as Error).message}`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await Deno.stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The script's argv with extra args. npm needs `--` before them, or it takes
 * them as its own options; pnpm, yarn, bun and `deno task` pass them on as is.
 */
export function withArgs(script: ScriptInfo, args: string[]): string[] {
  if (!args.length) return script.argv;
  return script.runner === "npm" ? [...script.argv, "--", ...args] : [...script.argv, ...args];
}

export function missingRunner(script: ScriptInfo, program: string): Error {
  const tool = basename(program);
  const hint = tool === script.runner ? ` To get it, ${RUNNER_HINTS[script.runner]}.` : "";
  return new Error(
    `Cannot run "${script.name}": ${tool} is not installed (not found on PATH).${hint} ` +
      "Then call scripts_run again.",
  );
}
