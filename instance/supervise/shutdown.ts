// Stopping everything in dependency order (process-compose's ordered
// shutdown): a script's runs get their SIGTERM only once every running script
// that depends on it, directly or through scripts that are not running, has
// stopped; scripts that do not depend on each other stop in parallel. Each
// stop has its own grace period, so a chain of three takes at most three.

import type { Graph } from "./stack.ts";

export interface Stoppable {
  script: string;
  stop: () => Promise<unknown>;
}

/** Stops the runs, dependents first; resolves once all have stopped. A failed stop is reported, not fatal. */
export async function stopInOrder(
  runs: Stoppable[],
  graph: Graph,
  onError: (run: Stoppable, e: unknown) => void,
): Promise<void> {
  const dependents = new Map<string, string[]>();
  for (const [script, deps] of graph) {
    for (const dep of deps) dependents.set(dep.name, [...dependents.get(dep.name) ?? [], script]);
  }
  const stopping = new Map<string, Promise<void>>();
  const stopScript = (script: string, path: string[]): Promise<void> => {
    const known = stopping.get(script);
    if (known) return known;
    // A cycle cannot come from buzz.json (config.ts refuses it); never wait on oneself anyway.
    const first = (dependents.get(script) ?? []).filter((d) => !path.includes(d));
    const done = Promise.all(first.map((d) => stopScript(d, [...path, script]))).then(() =>
      Promise.all(
        runs.filter((r) => r.script === script).map((r) => r.stop().catch((e) => onError(r, e))),
      )
    ).then(() => {});
    stopping.set(script, done);
    return done;
  };
  await Promise.all([...new Set(runs.map((r) => r.script))].map((s) => stopScript(s, [])));
}
