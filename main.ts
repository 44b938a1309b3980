// buzz's entry point: parse the command line and hand over to one role.
// The hub (--mcp) speaks stdio; an instance (--no-tui) speaks HTTP. They never mix.

import { parseArgs } from "node:util";
import { basename, resolve } from "node:path";
import { VERSION } from "./shared/version.ts";
import { LOG_LEVELS, type LogLevel } from "./shared/log.ts";
import { bypassProxyForLoopback } from "./shared/loopback.ts";
import type { HubOptions } from "./hub/main.ts";
import type { InstanceOptions } from "./instance/main.ts";

export const USAGE = `buzz ${VERSION}: your project's dev processes, served to AI agents over MCP.

Usage:
  buzz [options] [script ...]            run an instance with the interactive terminal UI
  buzz --no-tui [options] [script ...]   run an instance that streams its scripts' output instead
  buzz --mcp [options]                   run the hub: the one stdio MCP server for your agent

Instance options:
  --dir DIR              project directory (default: the current directory)
  --port N               port to listen on at 127.0.0.1 (default: 0, any free port)
  --name NAME            instance name (default: the directory's basename)
  --no-auth              accept MCP requests without the bearer token
  --grace-ms N           how long a stopped script gets between SIGTERM and SIGKILL (default: 3000)
  --allow-duplicate      start even if another instance already serves this directory
  --no-browser           no browser proxy for the dev servers' URLs (see buzz.json's "browser")
  --quiet                no UI and no output stream; only buzz's own log lines, on stderr
  script ...             scripts to start at launch, e.g. buzz dev api

  Without a terminal on stdout (piped, CI), buzz behaves as buzz --no-tui.

Common options:
  --discovery-dir DIR    where instances announce themselves (env: BUZZ_DISCOVERY_DIR)
  --log-level LEVEL      error, warn, info or debug (default: info); logs go to stderr
  -h, --help             show this help
  -v, --version          show buzz's version
`;

/** Everything either role takes; each role reads its own part. */
export type CliOptions = InstanceOptions & HubOptions & { mode: "hub" | "instance" };

export class UsageError extends Error {}

/** Parses argv; returns "help"/"version" for those flags, throws UsageError on bad input. */
export function parseCli(argv: string[]): CliOptions | "help" | "version" {
  let parsed;
  try {
    parsed = parseArgs({
      // -v and -V both mean --version, as in most tools.
      args: argv.map((a) => a === "-V" ? "-v" : a),
      allowPositionals: true,
      strict: true,
      options: {
        "mcp": { type: "boolean" },
        "no-tui": { type: "boolean" },
        "quiet": { type: "boolean" },
        "dir": { type: "string" },
        "port": { type: "string" },
        "name": { type: "string" },
        "no-auth": { type: "boolean" },
        "allow-duplicate": { type: "boolean" },
        "no-browser": { type: "boolean" },
        "grace-ms": { type: "string" },
        "discovery-dir": { type: "string" },
        "log-level": { type: "string" },
        "help": { type: "boolean", short: "h" },
        "version": { type: "boolean", short: "v" },
      },
    });
  } catch (e) {
    throw new UsageError(argsProblem(e as Error));
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.version) return "version";
  if (v.mcp && v["no-tui"]) throw new UsageError("choose one of --mcp and --no-tui, not both");
  const mode = v.mcp ? "hub" : "instance";
  if (mode === "hub") {
    for (
      const flag of [
        "dir",
        "port",
        "name",
        "no-auth",
        "grace-ms",
        "quiet",
        "allow-duplicate",
        "no-browser",
      ] as const
    ) {
      if (v[flag] !== undefined) throw new UsageError(`--${flag} applies to instances, not --mcp`);
    }
    if (parsed.positionals.length) {
      throw new UsageError(`unexpected argument for --mcp: ${parsed.positionals[0]}`);
    }
  }
  const logLevel = (v["log-level"] ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const dir = resolve(v.dir ?? Deno.cwd());
  return {
    mode,
    dir,
    port: integer("--port", v.port ?? "0", 0, 65535),
    name: v.name ?? (basename(dir) || "buzz"),
    auth: !v["no-auth"],
    graceMs: integer("--grace-ms", v["grace-ms"] ?? "3000", 0, 600_000),
    discoveryDir: v["discovery-dir"],
    logLevel,
    scripts: parsed.positionals,
    allowDuplicate: !!v["allow-duplicate"],
    browser: !v["no-browser"],
    // The UI needs a terminal to draw on; piped or in CI, buzz streams instead.
    view: v.quiet ? "quiet" : v["no-tui"] || !stdoutIsTerminal() ? "console" : "tui",
  };
}

/** node:util's parseArgs errors, in buzz's own words. */
function argsProblem(e: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(e.message)?.[1];
  if (!option) return e.message;
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return /argument missing/.test(e.message)
      ? `${option} needs a value`
      : `${option} is a switch and takes no value`;
  }
  return e.message;
}

function stdoutIsTerminal(): boolean {
  try {
    return Deno.stdout.isTerminal() && Deno.stdin.isTerminal();
  } catch {
    return false;
  }
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

if (import.meta.main) {
  let opts;
  try {
    opts = parseCli(Deno.args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`buzz: ${e.message}\nRun \`buzz --help\` for usage.`);
    Deno.exit(2);
  }
  if (opts === "help") {
    console.log(USAGE);
  } else if (opts === "version") {
    console.log(`buzz ${VERSION}`);
  } else if (opts.mode === "hub") {
    // Before any fetch: the hub's requests to instances on 127.0.0.1 never go through a proxy.
    bypassProxyForLoopback();
    const { runHub } = await import("./hub/main.ts");
    Deno.exit(await runHub(opts));
  } else {
    const { runInstance } = await import("./instance/main.ts");
    Deno.exit(await runInstance(opts));
  }
}
