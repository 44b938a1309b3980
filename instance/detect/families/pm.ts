// Package managers: npm, pnpm and yarn's own errors (a missing script, a failed lifecycle).

import type { Family, Rule } from "../types.ts";
import { take } from "./common.ts";

const npm: Rule = {
  name: "npm",
  start(plain) {
    const m = plain.match(/^npm (?:ERR!|error)(?: (.*))?$/);
    return m && { tool: "npm", kind: "package-manager", message: (m[1] ?? "").trim() };
  },
  next: (plain) => take(/^npm (ERR!|error)(\s|$)/.test(plain)),
};

const pnpm: Rule = {
  name: "pnpm",
  start(plain) {
    const m = plain.match(/^\s*(ERR_PNPM_\w+|ELIFECYCLE)\s+(.*)$/);
    return m && { tool: "pnpm", kind: "package-manager", message: `${m[1]}: ${m[2]}` };
  },
  next: () => "stop",
};

/** yarn 1's "error Command failed …", "error Couldn't find …": a capital or a quote follows. */
const yarn: Rule = {
  name: "yarn",
  start(plain) {
    const m = plain.match(/^error ([A-Z"'`].*)$/);
    return m && { tool: "yarn", kind: "package-manager", message: m[1] };
  },
  next: () => "stop",
};

export const family: Family = {
  name: "package managers",
  tools: [
    { tool: "npm", kinds: ["package-manager"], resolves: "a re-run of the script" },
    { tool: "pnpm", kinds: ["package-manager"], resolves: "a re-run of the script" },
    { tool: "yarn", kinds: ["package-manager"], resolves: "a re-run of the script" },
  ],
  rules: [npm, pnpm, yarn],
  mayStart: /^npm |^\s*(ERR_PNPM|ELIFECYCLE)|^error /,
  signals: [],
  maySignal: /$^/,
};
