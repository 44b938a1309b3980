// Vite (esbuild and Rollup era, and Vite 8's Rolldown): dev-server transform
// errors, build errors with their "[CODE] …" diagnostic and "╭─[ file:line:col ]"
// frame, and what tells that a file is served again.

import type { Family, Rule } from "../types.ts";
import { CLOCK, lines, locate, take } from "./common.ts";

/** Lines of Vite's error blocks: indented, "[CODE] …" diagnostics, box-drawn code frames. */
const VITE_BODY = /^\s|^\[[A-Z_]+\] |^[─╭╰│╯]|^https?:\/\/\S+$|^\S+:\d+:\d+: ERROR: /;
/** Rolldown's and Vite 8's diagnostics: "[PARSE_ERROR] Expected …", "[UNRESOLVED_IMPORT] …". */
const DIAGNOSTIC = /^(?:\w+ )?\[([A-Z][A-Z_]+)\] (?:Error: )?(\S.*)$/;

const vite: Rule = {
  name: "vite",
  blanks: 1,
  start(plain) {
    const m = plain.match(
      new RegExp(
        `^${CLOCK}\\[vite\\] (?:\\([\\w-]+\\) )?(Internal server error|Pre-transform error|error while updating dependencies|Error when evaluating SSR module (?:[^:\\s]|:(?! ))*|Failed to load [^:]*): ?(.*)$`,
      ),
    );
    if (m) return { tool: "vite", kind: "compile", message: m[2] || m[1] };
    if (/^\(!\) Failed to run dependency scan\b/.test(plain)) {
      return { tool: "vite", kind: "compile", message: "Failed to run dependency scan" };
    }
    // `vite build`: "error during build:" heads the bundler's diagnostic.
    if (/^error during build:?$/.test(plain)) {
      return { tool: "vite", kind: "compile", message: "error during build" };
    }
    return null;
  },
  next: (plain) =>
    take(
      (VITE_BODY.test(plain) || DIAGNOSTIC.test(plain) ||
        /^Build failed with \d+ error/.test(plain)) &&
        !/\[vite\]/.test(plain),
    ),
  finish(d) {
    const diag = lines(d).find((l) => DIAGNOSTIC.test(l));
    if (diag) d.error.message = diag.replace(/^\w+ (?=\[)/, "");
    else if (d.error.message === "error during build" && lines(d)[1]) {
      d.error.message = lines(d)[1].trim();
    }
    // esbuild's error inside a "Transform failed" report: "file:line:col: ERROR: message".
    const inner = lines(d).map((l) => l.match(/^(\S+?):(\d+):(\d+): ERROR: (.+)$/)).find((m) => m);
    if (inner) {
      d.error.message = inner[4];
      return locate(d, inner[1], inner[2], inner[3]);
    }
    for (const l of lines(d)) {
      const m = l.match(/╭─\[ ?(.+?):(\d+):(\d+) ?\]/) ??
        l.match(/^\s+File: (.+?)(?::(\d+):(\d+))?$/) ??
        l.match(/^file: (.+?):(\d+):(\d+)$/);
      if (m) return locate(d, m[1], m[2], m[3]);
    }
    // Else the headline's own "file:line:col" (a plugin's message).
    const m = d.error.message.match(/^(\S+?):(\d+):(\d+)\b/);
    if (m) locate(d, m[1], m[2], m[3]);
  },
};

/**
 * A Rolldown or Oxc diagnostic on its own ("[PARSE_ERROR] …", "[UNRESOLVED_IMPORT] …",
 * then its "╭─[ file:line:col ]" frame), as tools built on them print it.
 */
const rolldown: Rule = {
  name: "rolldown",
  blanks: 1,
  start(plain) {
    // Not Maven's bare "[ERROR] …" (families/jvm.ts).
    const m = plain.match(/^\[(?!ERROR\])([A-Z_]*(?:ERROR|UNRESOLVED|MISSING)[A-Z_]*)\] (\S.*)$/);
    return m && { tool: "rolldown", kind: "compile", message: plain };
  },
  next: (plain) => take(VITE_BODY.test(plain) && !/\[vite\]/.test(plain)),
  finish(d) {
    for (const l of lines(d)) {
      const m = l.match(/╭─\[ ?(.+?):(\d+):(\d+) ?\]/);
      if (m) return locate(d, m[1], m[2], m[3]);
    }
  },
};

export const family: Family = {
  name: "vite",
  tools: [
    {
      tool: "vite",
      kinds: ["compile"],
      resolves:
        "the file served again (`hmr update`, `page reload`), `server restarted`, a build's `✓ built in`, a re-run",
    },
    {
      tool: "rolldown",
      kinds: ["compile"],
      resolves: "a re-run (or a restart by a watcher)",
    },
  ],
  rules: [vite, rolldown],
  mayStart: /\[vite\]|^\(!\)|^error during build|^\[[A-Z_]+\] /,
  signals: [
    [
      /\[vite\] (?:\(\w+\) )?(?:hmr update|page reload) (.+?)(?: \(x\d+\))?$/,
      (m) => ({ type: "files", tool: "vite", files: m[1].split(/,\s*/) }),
    ],
    [/\[vite\] server restarted\b|^✓ built in /, () => ({ type: "tool", tool: "vite" })],
  ],
  maySignal: /\[vite\]|^✓/,
};
