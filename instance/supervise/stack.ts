// The dependency graph between scripts (buzz.json's depends_on): cycles, what
// a script needs started before it, and what must stop before it; and the
// settings buzz.json gives a script (config.ts reads them).

import type { ReadySpec } from "./ready.ts";

export type Condition = "started" | "ready" | "completed_successfully";
export const CONDITIONS: Condition[] = ["started", "ready", "completed_successfully"];

export type RestartWhen = "no" | "on_failure" | "always";

/** What buzz.json says about one script; every key has its default filled in. */
export interface StackSettings {
  depends_on: Dependency[];
  /** null: ready as soon as it has started. */
  ready: ReadySpec | null;
  autostart: boolean;
  restart: { when: RestartWhen; max_restarts: number; backoff_ms: number };
  watch: { paths: string[]; ignore: string[]; debounce_ms: number } | null;
  env: Record<string, string>;
  args: string[];
  /** Serve its local URLs through buzz's browser proxy (buzz.json's "browser", default true). */
  browser: boolean;
}

export interface Dependency {
  name: string;
  condition: Condition;
}

/** Each script's direct dependencies, by script name. */
export type Graph = Map<string, Dependency[]>;

/** The first cycle found, as a path that ends where it starts (["api", "web", "api"]), or null. */
export function findCycle(graph: Graph): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    const at = path.indexOf(name);
    if (at !== -1) return [...path.slice(at), name];
    if (done.has(name)) return null;
    path.push(name);
    for (const dep of graph.get(name) ?? []) {
      const cycle = visit(dep.name);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(name);
    return null;
  };
  for (const name of graph.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * What depends on `name`, directly or not, ordered so that each script comes
 * before everything it depends on: the order to stop them in.
 */
export function dependentsFirst(graph: Graph, name: string): string[] {
  const dependents = new Set<string>();
  const grow = (target: string) => {
    for (const [script, deps] of graph) {
      if (deps.some((d) => d.name === target) && !dependents.has(script)) {
        dependents.add(script);
        grow(script);
      }
    }
  };
  grow(name);
  // Post-order over dependencies puts dependencies first; reversed, dependents come first.
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (script: string) => {
    if (seen.has(script)) return;
    seen.add(script);
    for (const dep of graph.get(script) ?? []) if (dependents.has(dep.name)) visit(dep.name);
    order.push(script);
  };
  for (const script of dependents) visit(script);
  return order.reverse();
}
