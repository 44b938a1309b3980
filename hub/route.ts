// Which instance a request goes to. An explicit `instance` argument names it;
// without one: the only connected instance, else the one whose project holds
// the client's working directory, else an error that lists them all. A
// resource URI or prompt belongs to the instances that list it.

import { resolve } from "node:path";
import type { Entry, State } from "./state.ts";

export function describeInstances(s: State): string {
  if (s.instances.size === 0) {
    return "No buzz instances are running. Start one in a project with `buzz` (or `buzz --no-tui`).";
  }
  // Why an instance is not connected, so that an agent can tell its user.
  return [...s.instances.values()].map((e) =>
    `  ${e.record.id} (${e.record.name}) ${e.state} ${e.record.directory}` +
    (e.state !== "connected" && e.lastError ? `; last error: ${e.lastError}` : "") +
    (e.state === "connected" && e.upstream?.unfollowed ? `; ${unfollowedNote(e)}` : "")
  ).join("\n");
}

/** Why the hub cannot tell when this connected instance's lists change. */
export function unfollowedNote(e: Entry): string | undefined {
  const why = e.upstream?.unfollowed;
  return why && `changes to its lists are not followed: ${why}`;
}

/** Resolves what a caller typed to exactly one instance, or explains why not. */
export function resolveInstance(s: State, query: string): Entry | string {
  const all = [...s.instances.values()];
  const exact = s.instances.get(query);
  if (exact) return exact;
  const inside = query.startsWith("/") ? resolve(query) : null;
  for (
    const match of [
      all.filter((e) => e.record.id.startsWith(query)),
      all.filter((e) => e.record.name === query),
      inside ? deepest(all.filter((e) => isInside(inside, e.record.directory))) : [],
    ]
  ) {
    if (match.length === 1) return match[0];
    if (match.length > 1) {
      return `"${query}" matches ${match.length} instances (${
        match.map((e) => e.record.id).join(", ")
      }); call again with instance set to a full id.`;
    }
  }
  return `No instance matches "${query}". Running instances:\n${
    describeInstances(s)
  }\nCall again with instance set to one of these ids.`;
}

/**
 * Picks the instance for a request. `candidates` narrows the choice (to the
 * instances that list a resource or prompt); an explicit `instance` wins.
 */
export function pickInstance(
  s: State,
  instance: string | undefined,
  candidates?: Entry[],
): Entry | string {
  const target = instance !== undefined ? resolveInstance(s, instance) : defaultInstance(
    s,
    candidates ?? [...s.instances.values()],
  );
  if (typeof target === "string") return target;
  if (!target.upstream) {
    return `Instance ${target.record.id} is ${target.state}` +
      (target.lastError ? ` (${target.lastError})` : "") +
      ". Call instances_list to see which are connected.";
  }
  return target;
}

function defaultInstance(s: State, candidates: Entry[]): Entry | string {
  const connected = candidates.filter((e) => e.state === "connected");
  if (connected.length === 1) return connected[0];
  const hinted = deepest(
    connected.filter((e) => s.hints.some((h) => isInside(h, e.record.directory))),
  );
  if (hinted.length === 1) return hinted[0];
  if (connected.length === 0) {
    return `No buzz instance is connected.\n${describeInstances(s)}`;
  }
  return `${connected.length} buzz instances could serve this; pass the instance argument ` +
    `(an id, name or project directory) to choose one:\n${describeInstances(s)}`;
}

/** Of nested projects, the innermost holds the directory. */
function deepest(entries: Entry[]): Entry[] {
  const depth = Math.max(...entries.map((e) => e.record.directory.length));
  return entries.filter((e) => e.record.directory.length === depth);
}

export function isInside(dir: string, root: string): boolean {
  const r = root.replace(/\/+$/, "");
  return dir === r || dir.startsWith(r + "/");
}

/** The instances that list uri as a resource or match it with one of their templates. */
export function ownersOfUri(s: State, uri: string): Entry[] {
  return [...s.instances.values()].filter((e) =>
    e.lists?.resources.some((r) => r.uri === uri) ||
    e.lists?.resourceTemplates.some((t) => templateMatches(t.uriTemplate, uri))
  );
}

export function ownersOfPrompt(s: State, name: string): Entry[] {
  return [...s.instances.values()].filter((e) => e.lists?.prompts.some((p) => p.name === name));
}

/** RFC 6570 level-1 matching: each {var} stands for one or more characters. */
function templateMatches(template: string, uri: string): boolean {
  const pattern = template.split(/\{[^}]+\}/).map((part) =>
    part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  )
    .join("[^/]+");
  return new RegExp(`^${pattern}$`).test(uri);
}
