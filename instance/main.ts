// An instance's life: load scripts, listen, announce, supervise, and on the way
// out stop every child, close the server and remove the announcement, once.

import { randomBytes } from "node:crypto";
import {
  DISCOVERY_PROTOCOL,
  discoveryDir,
  type DiscoveryRecord,
  ensureDiscoveryDir,
  writeDiscoveryFile,
} from "../shared/discovery.ts";
import { configureLog, log, type LogLevel } from "../shared/log.ts";
import { VERSION } from "../shared/version.ts";
import { serveMcp } from "./http.ts";
import { createSession } from "./mcp.ts";
import { loadScripts } from "./scripts.ts";
import { Supervisor } from "./supervisor.ts";

export interface InstanceOptions {
  dir: string;
  port: number;
  name: string;
  auth: boolean;
  graceMs: number;
  discoveryDir?: string;
  logLevel: LogLevel;
  scripts: string[];
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
  let scripts;
  try {
    scripts = await loadScripts(opts.dir);
  } catch (e) {
    log.error((e as Error).message);
    return 1;
  }
  const unknown = opts.scripts.filter((s) => !scripts.some((k) => k.name === s));
  if (unknown.length) {
    log.error(
      `no script named ${unknown.join(", ")} in ${opts.dir}; scripts: ` +
        (scripts.map((s) => s.name).join(", ") || "none"),
    );
    return 2;
  }

  const id = `${opts.name.replace(/[^A-Za-z0-9._-]+/g, "-")}-${randomHex(4)}`;
  const token = randomHex(32);
  const dir = discoveryDir(opts.discoveryDir);
  const sup = new Supervisor(opts.dir, scripts, { graceMs: opts.graceMs });
  const info = { id, name: opts.name, directory: opts.dir };

  // Listen first: the announcement must never point at a port that is not accepting yet.
  let http;
  try {
    await ensureDiscoveryDir(dir);
    http = await serveMcp({
      port: opts.port,
      token: opts.auth ? token : null,
      createSession: () => createSession(sup, scripts, info),
    });
  } catch (e) {
    log.error(`cannot start: ${(e as Error).message}`);
    return 1;
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
  let file: string | undefined;
  const { promise: done, resolve: finish } = Promise.withResolvers<number>();
  let shuttingDown = false;
  const shutdown = async (code: number, why: string) => {
    if (shuttingDown) {
      log.warn("second signal: exiting now");
      if (file) await Deno.remove(file).catch(() => {});
      Deno.exit(130);
    }
    shuttingDown = true;
    log.info(`shutting down (${why})`);
    await sup.stopAll().catch((e) => log.error("stopping scripts:", e));
    await http.close().catch((e) => log.error("closing server:", e));
    if (file) await Deno.remove(file).catch((e) => log.warn(`removing ${file}:`, e));
    finish(code);
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
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

  try {
    file = await writeDiscoveryFile(dir, record);
  } catch (e) {
    log.error(`cannot write discovery file in ${dir}: ${(e as Error).message}`);
    await shutdown(1, "no discovery file");
    return await done;
  }
  log.info(
    `${id} serving ${scripts.length} scripts of ${opts.dir} at ${record.url}` +
      (opts.auth ? "" : " (no auth)"),
  );
  log.debug(`announced in ${file}`);
  for (const name of opts.scripts) {
    const { run } = await sup.start(name);
    log.info(`started ${name} as ${run.process_id} (pid ${run.pid})`);
  }
  return await done;
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}
