// The browser room: a proxy (proxy.ts) for each local origin a run prints,
// opened the first time it is printed and kept for the instance's life, so a
// tab keeps its URL (and port) across restarts of the script and its page
// reconnects. The supervisor asks link() when a run prints a URL; the room
// owns the proxies, the supervisor the runs.

import { log } from "../../shared/log.ts";
import type { Supervisor } from "../supervise/supervisor.ts";
import { type Proxy, startProxy } from "./proxy.ts";
import { type BrowserContext, clientScript, handleEvents } from "./telemetry.ts";

export interface BrowserView {
  script: string;
  /** The dev server's origin (http://localhost:5173). */
  upstream: string;
  /** Its proxy's origin (http://127.0.0.1:41234). */
  proxied: string;
}

/**
 * Proxies an instance opens at most: a dev stack has a few origins, and a run
 * that prints hundreds of local URLs (a test report) must not open a port each.
 */
const MAX_PROXIES = 32;

/** Hosts a dev server prints that mean this machine; anything else is not proxied. */
const LOCAL = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|\[::\])$/i;

export class BrowserRoom {
  readonly secret: string;
  #sup: Supervisor;
  #proxies = new Map<string, { proxy: Proxy; ctx: BrowserContext }>();
  #closed = false;

  constructor(sup: Supervisor, secret = randomSecret()) {
    this.#sup = sup;
    this.secret = secret;
  }

  /**
   * A run of `script` printed `url`: the same URL through the script's proxy
   * (started on first sight), or null when it is not a local http URL, the
   * script has "browser": false in buzz.json, or no port could be had.
   */
  link = (script: string, url: string): string | null => {
    if (this.#closed) return null;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return null;
    }
    if (u.protocol !== "http:" || !LOCAL.test(u.hostname)) return null;
    if (this.#sup.scripts.find((s) => s.name === script)?.stack?.browser === false) return null;
    let entry = this.#proxies.get(u.origin) ?? this.#moved(script, u);
    if (!entry) {
      if (this.#proxies.size >= MAX_PROXIES) {
        log.warn(`no browser view for ${u.origin}: already ${MAX_PROXIES} open`);
        return null;
      }
      try {
        entry = this.#open(script, new URL(u.origin));
      } catch (e) {
        log.warn(`no browser view for ${u.origin}: ${(e as Error).message}`);
        return null;
      }
      this.#proxies.set(u.origin, entry);
      log.debug(`browser view of ${u.origin} (${script}) at ${entry.proxy.origin}`);
    }
    // The origin now belongs to whichever script printed it last.
    entry.ctx.script = script;
    return entry.proxy.proxied(url);
  };

  /**
   * The script's proxy for an origin its running run no longer prints (its dev
   * server came back on another port), pointed at the new origin: the tab keeps
   * its URL. Null when every proxy of the script still stands for a live origin.
   */
  #moved(script: string, u: URL): { proxy: Proxy; ctx: BrowserContext } | null {
    const printed = new Set(
      (latestRun(this.#sup, script, true)?.urls ?? []).flatMap((url) => {
        try {
          return [new URL(url).origin];
        } catch {
          return [];
        }
      }),
    );
    for (const [origin, entry] of this.#proxies) {
      if (entry.ctx.script !== script || printed.has(origin)) continue;
      this.#proxies.delete(origin);
      entry.proxy.retarget(new URL(u.origin));
      entry.ctx.upstream = new URL(u.origin);
      this.#proxies.set(u.origin, entry);
      log.debug(
        `browser view ${entry.proxy.origin} (${script}) moved from ${origin} to ${u.origin}`,
      );
      return entry;
    }
    return null;
  }

  /** Every proxy open now. */
  views(): BrowserView[] {
    return [...this.#proxies].map(([upstream, { proxy, ctx }]) => ({
      script: ctx.script,
      upstream,
      proxied: proxy.origin,
    }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#proxies.values()];
    this.#proxies.clear();
    await Promise.all(all.map((p) => p.proxy.close()));
  }

  #open(script: string, upstream: URL): { proxy: Proxy; ctx: BrowserContext } {
    const sup = this.#sup;
    const ctx: BrowserContext = {
      script,
      upstream,
      proxied: upstream, // set below, once the port is known
      secret: this.secret,
      runId: () => latestRun(sup, ctx.script, true)?.process_id,
      supervisor: sup,
    };
    const proxy = startProxy({
      upstream,
      secret: this.secret,
      describe: () => ({ script: ctx.script, state: scriptState(sup, ctx.script, ctx.upstream) }),
      telemetry: { clientScript, handleEvents: (req) => handleEvents(req, ctx) },
    });
    ctx.proxied = new URL(proxy.origin);
    return { proxy, ctx };
  }
}

function latestRun(sup: Supervisor, script: string, running = false) {
  return sup.runs().filter((r) => r.script === script && (!running || r.state === "running"))
    .at(-1);
}

/** What the script behind a proxy is doing, in words for the down page. */
export function scriptState(sup: Supervisor, script: string, upstream: URL): string {
  const waiting = sup.waiting().find((w) => w.script === script);
  if (waiting) return `${script} is waiting for ${waiting.waiting_for}`;
  const run = latestRun(sup, script);
  if (!run) return `${script} has not been started`;
  const id = run.process_id;
  if (run.state === "running") {
    return `${id} is running but does not answer at ${upstream.origin} (yet)`;
  }
  const how = run.signal ? `by ${run.signal}` : `with code ${run.exit_code}`;
  const ended = run.state === "stopped"
    ? `${id} was stopped`
    : run.state === "exited"
    ? `${id} exited ${how}`
    : `${id} failed ${how}`;
  return sup.restartPending(id) ? `${ended}; buzz restarts it shortly` : ended;
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}
