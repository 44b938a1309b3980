// The npm packages the tests and the bench run (the real dev tools, the MCP Inspector, the
// conformance suite, reference servers, ...), pinned in tests/tools/package.json and installed up
// front by `.ci/run` (`npm ci --prefix tests/tools`). Tests run them from that prefix and never
// download anything: a missing or stale install fails with the command that fixes it.

import { join } from "node:path";
import { ROOT } from "./helpers.ts";

export const TOOLS = join(ROOT, "tests", "tools");
const NODE_MODULES = join(TOOLS, "node_modules");
const SETUP = "npm ci --prefix tests/tools";

interface Manifest {
  version: string;
  devDependencies?: Record<string, string>;
  bin?: string | Record<string, string>;
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}

/** The version tests/tools/package.json pins for `pkg`. */
export function toolVersion(pkg: string): string {
  const pinned = readManifest(join(TOOLS, "package.json"))?.devDependencies?.[pkg];
  if (!pinned) {
    throw new Error(`${pkg} is not in tests/tools/package.json: add it at an exact version`);
  }
  return pinned;
}

/** The installed package's directory, checked against the pinned version. */
export function toolDir(pkg: string): string {
  const pinned = toolVersion(pkg);
  const dir = join(NODE_MODULES, pkg);
  const installed = readManifest(join(dir, "package.json"))?.version;
  if (installed !== pinned) {
    throw new Error(
      `${pkg} ${pinned} is not installed in tests/tools (${
        installed ? `found ${installed}` : "missing"
      }). ` +
        `Tests never download: run the setup step first, \`${SETUP}\` (bash .ci/run does it).`,
    );
  }
  return dir;
}

/**
 * The file behind `pkg`'s command `bin` (default: its only one), to run under node directly or
 * under Deno with `--node-modules-dir=manual`, which resolves its imports from tests/tools.
 */
export function toolEntry(pkg: string, bin?: string): string {
  const dir = toolDir(pkg);
  const bins = readManifest(join(dir, "package.json"))!.bin;
  const entry = typeof bins === "string" ? bins : bins?.[bin ?? Object.keys(bins)[0]];
  if (!entry) throw new Error(`${pkg} has no command ${bin ?? ""} in its package.json`);
  return join(dir, entry);
}

/** The installed command `name` of `pkg` (tests/tools/node_modules/.bin/name). */
export function toolBin(pkg: string, name: string): string {
  toolDir(pkg);
  const path = join(NODE_MODULES, ".bin", name);
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(`${path} is missing: run the setup step first, \`${SETUP}\``);
  }
  return path;
}

/** tests/tools/node_modules, for a test project that runs `pkgs`' commands by name. */
export function toolsNodeModules(...pkgs: string[]): string {
  for (const pkg of pkgs) toolDir(pkg);
  return NODE_MODULES;
}
