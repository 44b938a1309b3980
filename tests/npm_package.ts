// The buzz-mcp package in tests: build and pack it, install it from the tarball
// into a fresh prefix with a fresh HOME, and give its runs an environment in
// which every registry and proxy points at a recorder that must never be asked.

import assert from "node:assert/strict";
import { delimiter, dirname, join } from "node:path";
import { VERSION } from "../shared/version.ts";
import { ROOT } from "./helpers.ts";

const decoder = new TextDecoder();
const isWindows = Deno.build.os === "windows";

export async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; clearEnv?: boolean } = {},
) {
  const out = await new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...options,
  }).output();
  const stdout = decoder.decode(out.stdout), stderr = decoder.decode(out.stderr);
  return { code: out.code, stdout, stderr, text: `${stdout}\n${stderr}` };
}

/** Where this machine's npm keeps its cache: the install takes the package's dependencies from it. */
async function npmCache(): Promise<string> {
  return (await run("npm", ["config", "get", "cache"])).stdout.trim();
}

/** Builds and packs the package; returns the tarball. */
export async function packTarball(into: string): Promise<string> {
  const r = await run(Deno.execPath(), [
    "run",
    "-A",
    join(ROOT, "npm", "build.ts"),
    "--out",
    join(into, "package"),
    "--pack",
    into,
  ], { cwd: ROOT });
  assert.equal(r.code, 0, r.text);
  const tarball = r.stdout.trim().split("\n").at(-1)!;
  assert.match(tarball, new RegExp(`buzz-mcp-${VERSION.replaceAll(".", "\\.")}\\.tgz$`));
  return tarball;
}

export interface Installed {
  /** The installed `buzz` command. */
  buzz: string;
  prefix: string;
  home: string;
}

/** Why an offline install of the package can fail: tests download nothing. */
export const OFFLINE_HINT = "npm installs the package offline, from the npm cache: run the setup " +
  "step first (bash .ci/setup), which installs the packed package once to fill that cache.";

/**
 * `npm install -g` from the tarball into a fresh prefix, with a fresh HOME, offline; with
 * `npmArgs` such as --ignore-scripts.
 */
export async function installTarball(
  tarball: string,
  root: string,
  npmArgs: string[] = [],
): Promise<Installed> {
  const prefix = join(root, "prefix"), home = join(root, "home");
  await Deno.mkdir(prefix, { recursive: true });
  await Deno.mkdir(home, { recursive: true });
  const r = await run("npm", [
    "install",
    "--global",
    "--prefix",
    prefix,
    "--cache",
    await npmCache(),
    "--offline",
    "--no-audit",
    "--no-fund",
    "--no-update-notifier",
    ...npmArgs,
    tarball,
  ], { env: { HOME: home, USERPROFILE: home } });
  assert.equal(r.code, 0, `${r.text}\n${OFFLINE_HINT}`);
  const buzz = isWindows ? join(prefix, "buzz.cmd") : join(prefix, "bin", "buzz");
  assert.ok(await Deno.stat(buzz).catch(() => null), `npm made no ${buzz}:\n${r.text}`);
  return { buzz, prefix, home };
}

/** A PATH with the installed command and node, and no other Deno. */
export async function pathWithoutDeno(installed: Installed): Promise<string> {
  const node = (await run("node", ["-p", "process.execPath"])).stdout.trim();
  const dirs = [dirname(installed.buzz)];
  const nodeDir = dirname(node);
  const hasDeno = (dir: string) =>
    ["deno", "deno.exe"].some((n) => {
      try {
        return Deno.statSync(join(dir, n)).isFile;
      } catch {
        return false;
      }
    });
  if (hasDeno(nodeDir)) {
    // node sits beside a deno: give node a directory of its own.
    const own = join(installed.home, ".node-bin");
    await Deno.mkdir(own, { recursive: true });
    await Deno.symlink(node, join(own, "node")).catch(() => {});
    dirs.push(own);
  } else {
    dirs.push(nodeDir);
  }
  for (const dir of (Deno.env.get("PATH") ?? "").split(delimiter)) {
    if (dir && !dirs.includes(dir) && !hasDeno(dir)) dirs.push(dir);
  }
  return dirs.join(delimiter);
}

/** Something listening where registries and proxies are said to be; remembers every request. */
export function recorder() {
  const asked: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    asked.push(`${req.method} ${req.url}`);
    return new Response("offline\n", { status: 503 });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    asked,
    /** The environment that sends every registry and proxy request here. */
    env: {
      HTTP_PROXY: url,
      HTTPS_PROXY: url,
      ALL_PROXY: url,
      http_proxy: url,
      https_proxy: url,
      all_proxy: url,
      npm_config_registry: `${url}/`,
      npm_config_offline: "true",
      NPM_CONFIG_UPDATE_NOTIFIER: "false",
      JSR_URL: `${url}/`,
      NPM_CONFIG_REGISTRY: `${url}/`,
    },
    close: () => server.shutdown(),
  };
}
