// Error lines of JavaScript loggers: consola's " ERROR " badge (Nuxt, Nitro,
// unjs tools) with the error's stack, and structured JSON logs (pino, bunyan,
// winston's json format) at error or fatal level.

import type { Family, Rule } from "../types.ts";
import { INDENTED, ownFile, take, userFrame } from "./common.ts";

const consola: Rule = {
  name: "consola",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^ (?:ERROR|FATAL) {2}(\S.*)$/);
    // turbo prints its own failures with the same badge.
    const tool = m && /^run failed\b/.test(m[1]) ? "turbo" : "consola";
    // In a terminal, consola puts the time at the right edge.
    const message = m?.[1].replace(/\s{2,}\d{1,2}:\d{2}:\d{2}(?: [AP]M)?$/, "");
    return m && { tool, kind: "runtime", message: message! };
  },
  next: (plain) => take(/^\s+at /.test(plain) || INDENTED.test(plain) && /^\s{4}/.test(plain)),
  finish: (d) => void userFrame(d),
};

/** NestJS's logger: "[Nest] 123  - 12/08/2026, 2:17:59 AM   ERROR [ExceptionsHandler] message". */
const nest: Rule = {
  name: "nest",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^\[Nest\] \d+\s+- .*?\s(?:ERROR|FATAL) \[([\w-]+)\] (.+)$/);
    return m && { tool: "nest", kind: "runtime", message: m[2] };
  },
  // Its stack, the error's properties and Nest's hints, up to its next log line.
  next: (plain) => take(!/^\[Nest\] /.test(plain)),
  finish: (d) => void userFrame(d),
};

const LEVEL = /"level":\s*(?:5\d|6\d|"(?:error|fatal|critical|crit|emerg|alert)")\s*[,}]/i;

const jsonLog: Rule = {
  name: "json-log",
  start(plain) {
    if (plain[0] !== "{" || !LEVEL.test(plain)) return null;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(plain);
    } catch {
      return null;
    }
    const err = (rec.err ?? rec.error) as { message?: string; stack?: string } | undefined;
    const msg = [rec.msg ?? rec.message, err?.message].filter((s) => typeof s === "string");
    if (!msg.length) return null;
    const start = { tool: "log", kind: "runtime" as const, message: msg.join(": ") };
    for (const frame of (err?.stack ?? "").split("\n")) {
      const m = frame.match(/^\s+at (?:.*?\()?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/);
      if (m && ownFile(m[1])) {
        const file = m[1].replace(/^file:\/\//, "");
        return { ...start, file, line: Number(m[2]), column: Number(m[3]) };
      }
    }
    return start;
  },
  next: () => "stop",
};

export const family: Family = {
  name: "logs",
  tools: [
    {
      tool: "nest",
      kinds: ["runtime"],
      resolves: "a restart (`nest start --watch`), a re-run",
    },
    {
      tool: "consola",
      kinds: ["runtime"],
      resolves: "a restart (Nuxt's or Nitro's reload, a watcher's), a re-run",
    },
    {
      tool: "turbo",
      kinds: ["runtime"],
      resolves: "turbo run again (its tasks' own errors are read per task prefix, `web:dev: `)",
    },
    {
      tool: "log",
      kinds: ["runtime"],
      resolves: "a restart by a watcher, a re-run (a JSON log line at error or fatal level)",
    },
  ],
  rules: [nest, consola, jsonLog],
  mayStart: /^ (?:ERROR|FATAL) {2}|^\{.*"level"|^\[Nest\] /,
  signals: [],
  maySignal: /$^/,
};
