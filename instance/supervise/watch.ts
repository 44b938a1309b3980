// buzz.json's `watch`: a running script restarts when files matching its globs
// change, once per burst of changes (debounced). The OS reports the changes
// (Deno.watchFs on the globs' base folders only, never the whole tree unless a
// glob asks for it); nothing polls. It sends the Supervisor commands and owns
// no run state.

import { dirname, join, relative } from "node:path";
import picomatch from "picomatch";
import { log } from "../../shared/log.ts";
import type { Supervisor } from "./supervisor.ts";

/** Never worth a restart, and too many files to watch. */
const ALWAYS_IGNORED = ["**/node_modules/**", "**/.git/**"];

interface Rule {
  script: string;
  matches: (path: string) => boolean;
  debounceMs: number;
}

/** Starts watching for sup.scripts' `watch`; call update() when the scripts change. */
export function watchRestarts(sup: Supervisor): { update(): void; close(): void } {
  let watchers: Deno.FsWatcher[] = [];
  let rules: Rule[] = [];
  let shape = "";
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const restart = (script: string) => {
    timers.delete(script);
    // Only a running script restarts; a stopped one stays stopped.
    if (!sup.runs().some((r) => r.script === script && r.state === "running")) return;
    sup.start(script, { restart: true, actor: "watch" }).catch((e) =>
      log.error(`restarting ${script} after a change: ${(e as Error).message}`)
    );
  };

  const changed = (paths: string[]) => {
    for (const abs of paths) {
      const rel = relative(sup.dir, abs).replaceAll("\\", "/");
      if (rel.startsWith("..")) continue;
      for (const rule of rules) {
        if (!rule.matches(rel)) continue;
        clearTimeout(timers.get(rule.script));
        timers.set(rule.script, setTimeout(() => restart(rule.script), rule.debounceMs));
      }
    }
  };

  const listen = (watcher: Deno.FsWatcher) => {
    (async () => {
      for await (const ev of watcher) if (ev.kind !== "access") changed(ev.paths);
    })().catch((e) => log.warn("watching files for restarts stopped:", e));
  };

  const close = () => {
    for (const w of watchers) {
      try {
        w.close();
      } catch { /* already closed */ }
    }
    watchers = [];
  };

  const update = () => {
    const configured = sup.scripts.filter((s) => s.stack?.watch);
    const next = JSON.stringify(configured.map((s) => [s.name, s.stack!.watch]));
    if (next === shape) return;
    shape = next;
    close();
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    const deep = new Set<string>();
    const shallow = new Set<string>();
    rules = configured.map((s) => {
      const w = s.stack!.watch!;
      for (const glob of w.paths) {
        const scan = picomatch.scan(glob);
        // A plain file is watched through its folder: editors replace files when saving.
        if (scan.isGlob) deep.add(join(sup.dir, scan.base));
        else shallow.add(join(sup.dir, dirname(glob)));
      }
      const include = picomatch(w.paths, { dot: true });
      const ignore = picomatch([...ALWAYS_IGNORED, ...w.ignore], { dot: true });
      return {
        script: s.name,
        matches: (p: string) => include(p) && !ignore(p),
        debounceMs: w.debounce_ms,
      };
    });
    for (const [paths, recursive] of [[deep, true], [shallow, false]] as const) {
      for (const path of paths) {
        try {
          const watcher = Deno.watchFs(path, { recursive });
          watchers.push(watcher);
          listen(watcher);
        } catch (e) {
          log.warn(`cannot watch ${path} for restarts: ${(e as Error).message}`);
        }
      }
    }
  };

  update();
  return {
    update,
    close() {
      shape = "";
      close();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
