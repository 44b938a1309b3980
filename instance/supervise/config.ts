// buzz.json (or buzz.jsonc): what package.json cannot say about a project's
// scripts: dependencies, readiness, autostart, restart, watch, env and args.
// Read as JSONC with every node's position kept, so a mistake is reported with
// its key and line; buzz.schema.json describes the same format for editors.

import { isAbsolute, join } from "node:path";
import { type Node, type ParseError, parseTree } from "jsonc-parser";
import { describeSyntaxError } from "./jsonc_error.ts";
import { DEFAULT_READY_TIMEOUT_MS, type ReadySpec } from "./ready.ts";
import {
  type Condition,
  CONDITIONS,
  type Dependency,
  findCycle,
  type Graph,
  type RestartWhen,
  type StackSettings,
} from "./stack.ts";
import { loadScripts, type ScriptInfo } from "./scripts.ts";

export const CONFIG_FILES = ["buzz.json", "buzz.jsonc"];

/** A buzz.json mistake: names the file, the line and the key. */
export class ConfigError extends Error {}

export interface BuzzConfig {
  file: string;
  scripts: Map<string, StackSettings & ScriptKeys & { line: number }>;
}

/** What buzz.json says about how a script runs, beside its StackSettings. */
interface ScriptKeys {
  command: string | null;
  /** Where it runs, relative to the project directory. */
  cwd: string | null;
}

const SCRIPT_KEYS = [
  "command",
  "cwd",
  "depends_on",
  "ready",
  "autostart",
  "restart",
  "watch",
  "env",
  "args",
  "browser",
];
const RESTARTS: RestartWhen[] = ["no", "on_failure", "always"];
const DEFAULT_RESTART = { max_restarts: 5, backoff_ms: 1000 };
const DEFAULT_DEBOUNCE_MS = 200;

/** Reads buzz.json, else buzz.jsonc; null when neither exists. Throws ConfigError. */
export async function loadConfig(dir: string): Promise<BuzzConfig | null> {
  for (const name of CONFIG_FILES) {
    const file = join(dir, name);
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw new ConfigError(`${name}: cannot read: ${(e as Error).message}`);
    }
    return parseConfig(name, text);
  }
  return null;
}

export function parseConfig(file: string, text: string): BuzzConfig {
  const at = (offset: number) => text.slice(0, offset).split("\n").length;
  const fail = (node: Node, key: string, problem: string): never => {
    throw new ConfigError(`${file} line ${at(node.offset)}: ${key} ${problem}`);
  };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true });
  if (errors.length) {
    throw new ConfigError(describeSyntaxError(file, text, errors[0]));
  }
  if (!root || root.type !== "object") {
    throw new ConfigError(`${file} line 1: expected an object with a "scripts" key`);
  }
  const top = entries(root);
  for (const [key, , keyNode] of top) {
    if (key !== "$schema" && key !== "scripts") {
      fail(keyNode, key, 'is not a buzz.json key; the top level has "$schema" and "scripts"');
    }
  }
  const scriptsNode = top.find(([k]) => k === "scripts")?.[1];
  const scripts: BuzzConfig["scripts"] = new Map();
  if (!scriptsNode) return { file, scripts };
  if (scriptsNode.type !== "object") fail(scriptsNode, "scripts", "must be an object");
  for (const [name, node] of entries(scriptsNode)) {
    scripts.set(name, { ...readScript(name, node, fail), line: at(node.offset) });
  }
  const graph: Graph = new Map([...scripts].map(([n, s]) => [n, s.depends_on]));
  for (const [name, s] of scripts) {
    for (const dep of s.depends_on) {
      if (dep.name === name) {
        fail(
          dependsNode(scriptsNode, name),
          `scripts.${name}.depends_on`,
          "names the script itself",
        );
      }
    }
  }
  const cycle = findCycle(graph);
  if (cycle) {
    fail(
      dependsNode(scriptsNode, cycle[0]),
      `scripts.${cycle[0]}.depends_on`,
      `makes a cycle: ${cycle.join(" → ")}; no script can start first`,
    );
  }
  return { file, scripts };
}

type Fail = (node: Node, key: string, problem: string) => never;

function readScript(
  name: string,
  obj: Node,
  fail: Fail,
): StackSettings & ScriptKeys {
  const key = `scripts.${name}`;
  if (obj.type !== "object") fail(obj, key, "must be an object");
  const out: StackSettings & ScriptKeys = {
    command: null,
    cwd: null,
    depends_on: [],
    ready: null,
    autostart: false,
    restart: { when: "no", ...DEFAULT_RESTART },
    watch: null,
    env: {},
    args: [],
    browser: true,
  };
  for (const [k, v, keyNode] of entries(obj)) {
    const path = `${key}.${k}`;
    switch (k) {
      case "command":
        out.command = str(v, path, fail);
        if (!out.command.trim()) fail(v, path, "must not be empty");
        break;
      case "cwd":
        out.cwd = str(v, path, fail);
        if (!out.cwd.trim() || isAbsolute(out.cwd)) {
          fail(v, path, `must be a directory relative to the project, like "apps/api"`);
        }
        break;
      case "depends_on":
        out.depends_on = dependsOn(v, path, fail);
        break;
      case "ready":
        out.ready = ready(v, path, fail);
        break;
      case "autostart":
        if (v.type !== "boolean") fail(v, path, "must be true or false");
        out.autostart = v.value;
        break;
      case "restart":
        out.restart = restart(v, path, fail);
        break;
      case "watch":
        out.watch = watch(v, path, fail);
        break;
      case "env":
        if (v.type !== "object") fail(v, path, 'must be an object like {"PORT": "3000"}');
        for (const [ek, ev] of entries(v)) out.env[ek] = str(ev, `${path}.${ek}`, fail);
        break;
      case "args":
        out.args = strings(v, path, fail);
        break;
      case "browser":
        if (v.type !== "boolean") fail(v, path, "must be true or false");
        out.browser = v.value;
        break;
      default:
        fail(
          keyNode,
          path,
          `is not a buzz.json key; a script's keys are ${SCRIPT_KEYS.join(", ")}`,
        );
    }
  }
  return out;
}

function dependsOn(v: Node, path: string, fail: Fail): Dependency[] {
  // ["db", "api"]: each must be ready (which is "started" for a script without `ready`).
  if (v.type === "array") {
    return strings(v, path, fail).map((name) => ({ name, condition: "ready" as const }));
  }
  if (v.type !== "object") {
    fail(v, path, 'must be an object like {"db": "ready"} or a list of script names');
  }
  return entries(v).map(([name, c]) => {
    const condition = str(c, `${path}.${name}`, fail) as Condition;
    if (!CONDITIONS.includes(condition)) {
      fail(c, `${path}.${name}`, `must be ${quoted(CONDITIONS)} (not "${condition}")`);
    }
    return { name, condition };
  });
}

function ready(v: Node, path: string, fail: Fail): ReadySpec {
  if (v.type === "string" && v.value === "url") {
    return { kind: "url", timeout_ms: DEFAULT_READY_TIMEOUT_MS };
  }
  const shapes =
    'must be "url", or an object with one of "url": true, "log": "text", "http": "http://…", ' +
    '"tcp": 5432 (and "timeout_ms")';
  if (v.type !== "object") fail(v, path, shapes);
  const fields = new Map(entries(v).map(([k, n]) => [k, n]));
  let timeout_ms = DEFAULT_READY_TIMEOUT_MS;
  const t = fields.get("timeout_ms");
  if (t) timeout_ms = int(t, `${path}.timeout_ms`, fail, 1, 3_600_000);
  const kinds = ["url", "log", "http", "tcp"].filter((k) => fields.has(k));
  if (kinds.length !== 1) {
    fail(v, path, `${shapes}; it has ${kinds.length ? kinds.join(" and ") : "none"}`);
  }
  for (const [k, n] of fields) {
    if (![...kinds, "timeout_ms", ...(kinds[0] === "log" ? ["regex"] : [])].includes(k)) {
      fail(n, `${path}.${k}`, `is not a key of ready here; ${shapes}`);
    }
  }
  const kind = kinds[0];
  const n = fields.get(kind)!;
  const key = `${path}.${kind}`;
  switch (kind) {
    case "url":
      if (n.value !== true) fail(n, key, "must be true (ready at the first URL the script prints)");
      return { kind: "url", timeout_ms };
    case "log": {
      const pattern = str(n, key, fail);
      const r = fields.get("regex");
      if (r && r.type !== "boolean") fail(r, `${path}.regex`, "must be true or false");
      return { kind: "log", pattern, regex: r?.value === true, timeout_ms };
    }
    case "http": {
      const url = str(n, key, fail);
      if (!/^https?:\/\/[^/]/.test(url)) {
        fail(n, key, `must be an http:// or https:// URL (not "${url}")`);
      }
      return { kind: "http", url, timeout_ms };
    }
    default: {
      if (n.type === "number") {
        return { kind: "tcp", host: null, port: port(n, key, fail), timeout_ms };
      }
      const hostPort = str(n, key, fail);
      const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(hostPort);
      if (!m) fail(n, key, `must be a port (5432) or "host:port" (not "${hostPort}")`);
      const p = Number(m![2]);
      if (p < 1 || p > 65535) fail(n, key, "has a port outside 1–65535");
      return { kind: "tcp", host: m![1].replace(/^\[|\]$/g, ""), port: p, timeout_ms };
    }
  }
}

function restart(v: Node, path: string, fail: Fail): StackSettings["restart"] {
  if (v.type === "string") return { when: when(v, path, fail), ...DEFAULT_RESTART };
  if (v.type !== "object") {
    fail(
      v,
      path,
      `must be ${quoted(RESTARTS)}, or an object with "when", "max_restarts", "backoff_ms"`,
    );
  }
  const out = { when: "on_failure" as RestartWhen, ...DEFAULT_RESTART };
  for (const [k, n, keyNode] of entries(v)) {
    if (k === "when") out.when = when(n, `${path}.when`, fail);
    else if (k === "max_restarts") out.max_restarts = int(n, `${path}.${k}`, fail, 1, 100);
    else if (k === "backoff_ms") out.backoff_ms = int(n, `${path}.${k}`, fail, 0, 60_000);
    else {fail(
        keyNode,
        `${path}.${k}`,
        "is not a key of restart; its keys are when, max_restarts, backoff_ms",
      );}
  }
  return out;
}

function when(v: Node, path: string, fail: Fail): RestartWhen {
  const w = str(v, path, fail) as RestartWhen;
  if (!RESTARTS.includes(w)) fail(v, path, `must be ${quoted(RESTARTS)} (not "${w}")`);
  return w;
}

function watch(v: Node, path: string, fail: Fail): StackSettings["watch"] {
  if (v.type === "array") {
    return { paths: globs(v, path, fail), ignore: [], debounce_ms: DEFAULT_DEBOUNCE_MS };
  }
  if (v.type !== "object") {
    fail(v, path, 'must be a list of globs, or an object with "paths", "ignore", "debounce_ms"');
  }
  const out = { paths: [] as string[], ignore: [] as string[], debounce_ms: DEFAULT_DEBOUNCE_MS };
  for (const [k, n, keyNode] of entries(v)) {
    if (k === "paths") out.paths = globs(n, `${path}.paths`, fail);
    else if (k === "ignore") out.ignore = globs(n, `${path}.ignore`, fail);
    else if (k === "debounce_ms") out.debounce_ms = int(n, `${path}.${k}`, fail, 0, 60_000);
    else {fail(
        keyNode,
        `${path}.${k}`,
        "is not a key of watch; its keys are paths, ignore, debounce_ms",
      );}
  }
  if (!out.paths.length) fail(v, `${path}.paths`, "must list at least one glob");
  return out;
}

function globs(v: Node, path: string, fail: Fail): string[] {
  const list = strings(v, path, fail);
  list.forEach((g, i) => {
    if (g.startsWith("/") || g.split("/").includes("..")) {
      fail(v.children![i], path, `globs are relative to the project directory (not "${g}")`);
    }
  });
  return list;
}

/**
 * The project's scripts with buzz.json applied: settings attached to the
 * scripts they name, and scripts with a `command` added (run by the shell).
 * A name that is neither, or a dependency on an unknown script, throws.
 */
export function applyConfig(scripts: ScriptInfo[], config: BuzzConfig | null): ScriptInfo[] {
  if (!config) return scripts;
  const out = scripts.map((s) => ({ ...s }));
  for (const [name, settings] of config.scripts) {
    const { command, line, cwd, ...stack } = settings;
    const known = out.find((s) => s.name === name);
    // A workspace package's script keeps its own directory unless buzz.json says otherwise.
    const dir = cwd !== null ? { cwd } : {};
    if (command !== null) {
      const script = shellScript(name, command);
      if (known) Object.assign(known, script, { stack }, dir);
      else out.push({ ...script, stack, ...dir });
    } else if (known) {
      Object.assign(known, { stack }, dir);
    } else {
      throw new ConfigError(
        `${config.file} line ${line}: scripts.${name} names no package.json script or deno.json ` +
          `task; give it a "command" to run, or fix the name (scripts: ${
            out.map((s) => s.name).join(", ") || "none"
          })`,
      );
    }
  }
  for (const [name, settings] of config.scripts) {
    for (const dep of settings.depends_on) {
      if (!out.some((s) => s.name === dep.name)) {
        throw new ConfigError(
          `${config.file} line ${settings.line}: scripts.${name}.depends_on names "${dep.name}", ` +
            `which is not a script (scripts: ${out.map((s) => s.name).join(", ")})`,
        );
      }
    }
  }
  return out;
}

function shellScript(name: string, command: string): ScriptInfo {
  // "$@" after the command takes the run's extra args; "sh" fills $0.
  const argv = Deno.build.os === "windows"
    ? ["cmd.exe", "/d", "/s", "/c", command]
    : ["sh", "-c", `${command} "$@"`, "sh"];
  return { name, command, source: "buzz.json", argv, runner: "shell" };
}

function entries(obj: Node): [string, Node, Node][] {
  return (obj.children ?? []).map((
    p,
  ) => [p.children![0].value as string, p.children![1], p.children![0]]);
}

/** The key node at scripts.<name>.depends_on, where a dependency mistake is reported. */
function dependsNode(scripts: Node, name: string): Node {
  const script = entries(scripts).find(([k]) => k === name)![1];
  return entries(script).find(([k]) => k === "depends_on")![2];
}

function str(v: Node, path: string, fail: Fail): string {
  if (v.type !== "string") fail(v, path, "must be a string");
  return v.value;
}

function strings(v: Node, path: string, fail: Fail): string[] {
  if (v.type !== "array") fail(v, path, "must be a list of strings");
  return (v.children ?? []).map((c, i) => str(c, `${path}[${i}]`, fail));
}

function int(v: Node, path: string, fail: Fail, min: number, max: number): number {
  if (v.type !== "number" || !Number.isInteger(v.value) || v.value < min || v.value > max) {
    fail(v, path, `must be a whole number from ${min} to ${max}`);
  }
  return v.value;
}

function port(v: Node, path: string, fail: Fail): number {
  return int(v, path, fail, 1, 65535);
}

function quoted(list: string[]): string {
  return list.map((s) => `"${s}"`).join(", ").replace(/, ([^,]*)$/, " or $1");
}

/**
 * The scripts of package.json, deno.json and buzz.json together. Throws on a
 * malformed file (a ConfigError for buzz.json, which names key and line).
 */
export async function loadProject(dir: string): Promise<ScriptInfo[]> {
  const config = await loadConfig(dir);
  const scripts = applyConfig(await loadScripts(dir), config);
  for (const [name, { cwd, line }] of config?.scripts ?? []) {
    if (cwd === null) continue;
    const isDir = await Deno.stat(join(dir, cwd)).then((s) => s.isDirectory, () => false);
    if (!isDir) {
      throw new ConfigError(
        `${config!.file} line ${line}: scripts.${name}.cwd "${cwd}" is not a directory in ${dir}`,
      );
    }
  }
  return scripts;
}
