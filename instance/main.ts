// An instance's life: load scripts, listen, announce, supervise, and on the way
// out stop every child, close the server and remove the announcement, once.

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  DISCOVERY_PROTOCOL,
  discoveryDir,
  type DiscoveryRecord,
  ensureDiscoveryDir,
  writeDiscoveryFile,
} from "../shared/discovery.ts";
import { configureLog, log, type LogLevel } from "../shared/log.ts";
import { VERSION } from "../shared/version.ts";
import type { McpHttpServer } from "./serve/http.ts";
import { loadScripts, type ScriptInfo, watchScripts } from "./supervise/scripts.ts";
import { ConfigError, loadProject } from "./supervise/config.ts";
import { watchRestarts } from "./supervise/watch.ts";
import { duplicateMessage, runningInstanceFor } from "./single.ts";
import { Supervisor } from "./supervise/supervisor.ts";
import { activity } from "./activity.ts";
import { startConsole } from "./views/console.ts";
import { mapLargeBlocks, startedUp } from "../shared/collect.ts";
import { BrowserRoom } from "./browser/room.ts";

export interface InstanceOptions {
  dir: string;
  port: number;
  name: string;
  auth: boolean;
  graceMs: number;
  discoveryDir?: string;
  logLevel: LogLevel;
  scripts: string[];
  /** Start even when another instance already serves the directory (--allow-duplicate). */
  allowDuplicate?: boolean;
  /** Serve the dev servers' URLs through the browser proxy (off with --no-browser). */
  browser?: boolean;
  /** What the terminal shows: the interactive UI, the prefixed output stream, or nothing. */
  view: "tui" | "console" | "quiet";
}

/** Runs until SIGINT/SIGTERM; resolves to the process exit code. */
export async function runInstance(opts: InstanceOptions): Promise<number> {
  configureLog({ level: opts.logLevel, role: "instance" });
  try {
    if (!(await Deno.stat(opts.dir)).isDirectory) throw new Error("not a directory");
  } catch (e) {
    log.error(`cannot use project directory ${opts.dir}: ${(e as Error).message}`);
    return 1;
  }
  let scripts: ScriptInfo[];
  let configProblem: string | null = null;
  try {
    scripts = await loadProject(opts.dir);
  } catch (e) {
    log.error((e as Error).message);
    if (!(e instanceof ConfigError)) return 1;
    configProblem = (e as Error).message;
    // A buzz.json mistake does not keep the project's own scripts from running.
    log.warn("starting without buzz.json; fix it and buzz picks it up");
    try {
      scripts = await loadScripts(opts.dir);
    } catch (e) {
      log.error((e as Error).message);
      return 1;
    }
  }
  const unknown = opts.scripts.filter((s) => !scripts.some((k) => k.name === s));
  if (unknown.length) {
    log.error(
      `no script named ${unknown.join(", ")} in ${opts.dir}; ` +
        (scripts.length
          ? `scripts: ${scripts.map((s) => s.name).join(", ")}`
          : await noScriptsReason(opts.dir)),
    );
    return 2;
  }
  // An empty project still gets an instance (the agent sees it and that it has nothing to run),
  // but the person starting it is told why, and where buzz looks.
  if (!scripts.length) log.warn(`${await noScriptsReason(opts.dir)}; serving it anyway`);

  const id = `${opts.name.replace(/[^A-Za-z0-9._-]+/g, "-")}-${randomHex(4)}`;
  const token = randomHex(32);
  const dir = discoveryDir(opts.discoveryDir);
  const sup = new Supervisor(opts.dir, scripts, { graceMs: opts.graceMs });
  sup.configProblem = configProblem;
  // The browser proxies: one per local URL a run prints (instance/browser/).
  const browser = opts.browser === false ? null : new BrowserRoom(sup);
  if (browser) sup.browserUrl = browser.link;
  const info = { id, name: opts.name, directory: opts.dir };

  try {
    await ensureDiscoveryDir(dir);
    const other = opts.allowDuplicate ? null : await runningInstanceFor(dir, opts.dir);
    if (other) {
      log.error(`refusing to start: ${duplicateMessage(other)}`);
      return 1;
    }
  } catch (e) {
    log.error(`cannot start: ${(e as Error).message}`);
    return 1;
  }

  let http: McpHttpServer | undefined;
  let file: string | undefined;
  const { promise: done, resolve: finish } = Promise.withResolvers<number>();
  let shuttingDown = false;
  /** The terminal's view (UI or output stream); closed after the children are stopped. */
  let view: { close: () => Promise<void> } | undefined;
  // buzz.json's watch globs restart their scripts when files change.
  const restarts = watchRestarts(sup);
  // Editing package.json, deno.json or buzz.json updates the script list live.
  const scriptWatch = watchScripts(
    opts.dir,
    (next) => {
      const before = new Set(sup.autostart());
      scripts = next;
      sup.setScripts(next);
      restarts.update();
      http?.notify.resourcesChanged();
      log.info(`scripts changed: ${next.map((s) => s.name).join(", ") || "none"}`);
      // An edit that turns autostart on starts the script, as the first load would have.
      for (const name of sup.autostart().filter((n) => !before.has(n))) {
        sup.start(name, { actor: "autostart" }).catch((e) =>
          shuttingDown || log.error((e as Error).message)
        );
      }
    },
    loadProject,
    (message) => {
      const text = `${message}; keeping the last good configuration`;
      sup.configProblem = message;
      log.error(text);
      http?.notify.log("error", text);
    },
  );
  const shutdown = async (code: number, why: string) => {
    if (shuttingDown) {
      log.warn("second signal: exiting now");
      if (file) await Deno.remove(file).catch(() => {});
      Deno.exit(130);
    }
    shuttingDown = true;
    log.info(`shutting down (${why})`);
    scriptWatch.close();
    restarts.close();
    await sup.stopAll().catch((e) => log.error("stopping scripts:", e));
    await browser?.close().catch((e) => log.error("closing browser proxies:", e));
    await http?.close().catch((e) => log.error("closing server:", e));
    if (file) await Deno.remove(file).catch((e) => log.warn(`removing ${file}:`, e));
    await view?.close().catch(() => {});
    finish(code);
  };
  // SIGHUP: the terminal buzz runs in was closed; shut down as cleanly as for SIGTERM.
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const sig of signals) Deno.addSignalListener(sig, () => shutdown(0, sig));
  // A fatal error still stops the children and removes the announcement.
  globalThis.addEventListener("unhandledrejection", (ev) => {
    ev.preventDefault();
    log.error("fatal:", ev.reason);
    shutdown(1, "fatal error");
  });
  globalThis.addEventListener("error", (ev) => {
    ev.preventDefault();
    log.error("fatal:", ev.error);
    shutdown(1, "fatal error");
  });

  if (opts.view === "console") {
    const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
    view = startConsole(sup, activity, { color });
  }
  // The scripts named on the command line and buzz.json's autostart ones, each
  // after its dependencies; chains that share a dependency start it once. They
  // start before the MCP side loads (the SDK is most of buzz's start-up), so a
  // dev stack comes up as soon as it would by hand; the supervisor owns them
  // either way, and the server only reads it.
  for (const name of new Set([...opts.scripts, ...sup.autostart()])) {
    sup.start(name, { actor: opts.scripts.includes(name) ? "you" : "autostart" }).then(
      // The UI and the output stream show starts themselves.
      ({ run }) =>
        opts.view === "quiet" && log.info(`started ${name} as ${run.process_id} (pid ${run.pid})`),
      (e) => shuttingDown || log.error((e as Error).message),
    );
  }

  // Listen first: the announcement must never point at a port that is not accepting yet.
  try {
    const [{ serveMcp }, { serverFactory }, { forwardChanges }] = await Promise.all([
      import("./serve/http.ts"),
      import("./serve/mcp.ts"),
      import("./serve/notify.ts"),
    ]);
    http = await serveMcp({
      port: opts.port,
      token: opts.auth ? token : null,
      buildServer: serverFactory({ sup, scripts: () => scripts, info }),
    });
    forwardChanges(sup, http.notify, id);
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      log.error(
        `cannot start: port ${opts.port} on 127.0.0.1 is already in use; ` +
          `choose another with --port N, or use --port 0 for any free port`,
      );
    } else {
      log.error(`cannot start: ${(e as Error).message}`);
    }
    await shutdown(1, "no server");
    return await done;
  }
  const record: DiscoveryRecord = {
    id,
    name: opts.name,
    directory: opts.dir,
    url: `http://127.0.0.1:${http.port}/mcp`,
    port: http.port,
    pid: Deno.pid,
    token,
    started_at: new Date().toISOString(),
    version: VERSION,
    protocol: DISCOVERY_PROTOCOL,
  };
  try {
    file = await writeDiscoveryFile(dir, record);
  } catch (e) {
    log.error(`cannot write discovery file in ${dir}: ${(e as Error).message}`);
    await shutdown(1, "no discovery file");
    return await done;
  }
  log.info(
    `${id} serving ${scripts.length || "no"} script${scripts.length === 1 ? "" : "s"} ` +
      `of ${opts.dir} at ${record.url}` +
      (opts.auth ? "" : " (no auth)"),
  );
  log.debug(`announced in ${file}`);
  if (opts.view === "tui") {
    const { startUi } = await importUi();
    view = startUi({
      sup,
      scripts,
      activity,
      url: record.url,
      name: opts.name,
      quit: () => shutdown(0, "quit from the terminal UI"),
    });
  }
  startedUp();
  mapLargeBlocks();
  return await done;
}

/**
 * Loads the terminal UI. Ink decides once, when it is imported, whether it runs
 * in CI (from CI or CONTINUOUS_INTEGRATION) and then draws only a final frame.
 * buzz opens the UI only on a real terminal, so it hides those two variables
 * from that import and puts them back for the scripts it runs.
 */
async function importUi(): Promise<typeof import("./views/ui/main.tsx")> {
  const hidden = ["CI", "CONTINUOUS_INTEGRATION"].flatMap((k) => {
    const v = Deno.env.get(k);
    if (v === undefined) return [];
    Deno.env.delete(k);
    return [[k, v] as const];
  });
  try {
    return await import("./views/ui/main.tsx");
  } finally {
    for (const [k, v] of hidden) Deno.env.set(k, v);
  }
}

/** Says why a project has no scripts, and what buzz looks for. */
async function noScriptsReason(dir: string): Promise<string> {
  const present: string[] = [];
  for (const name of ["package.json", "deno.json", "deno.jsonc"]) {
    if (await Deno.stat(join(dir, name)).then(() => true, () => false)) present.push(name);
  }
  const where =
    `buzz runs the "scripts" of package.json and the "tasks" of deno.json or deno.jsonc`;
  if (!present.length) {
    return `${dir} has no package.json, deno.json or deno.jsonc, so no scripts (${where})`;
  }
  const verb = present.length > 1 ? "list" : "lists";
  return `${dir} has no scripts: its ${present.join(" and ")} ${verb} none (${where})`;
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}
