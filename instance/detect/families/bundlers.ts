// esbuild and webpack: their error blocks and their watch modes' builds.

import type { Family, Rule } from "../types.ts";
import { INDENTED, lines, locate, take } from "./common.ts";

const esbuild: Rule = {
  name: "esbuild",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^[✘X] \[ERROR\] (.*)$/);
    return m && { tool: "esbuild", kind: "compile", message: m[1] };
  },
  next: (plain) => take(INDENTED.test(plain)),
  finish(d) {
    // Angular CLI's builder is esbuild: its compiler's diagnostics name the plugin.
    if (/\[plugin angular-compiler\]$/.test(d.error.message)) {
      d.error.tool = "angular";
      d.error.message = d.error.message.replace(/ \[plugin angular-compiler\]$/, "");
    }
    for (const l of lines(d)) {
      const m = l.match(/^\s+(\S.*?):(\d+):(\d+):$/);
      if (m) return locate(d, m[1], m[2], m[3]);
    }
  },
};

const webpack: Rule = {
  name: "webpack",
  start(plain) {
    const m = plain.match(/^ERROR in (\S+)(?: (\d+):(\d+)(?:-\d+)?)?/);
    return m && {
      tool: "webpack",
      kind: "compile",
      message: plain,
      file: m[1],
      line: m[2] ? Number(m[2]) : null,
      column: m[3] ? Number(m[3]) : null,
    };
  },
  // Its details are not indented; the block ends at a blank line.
  next: (plain) => take(!/^(ERROR|WARNING) in |^webpack [\d.]+ compiled/.test(plain)),
  finish(d) {
    if (lines(d)[1]) d.error.message = lines(d)[1].trim();
  },
};

/** Rollup's CLI: "[!] RollupError: src/main.js (3:7): Unexpected token", then the place and frame. */
const rollup: Rule = {
  name: "rollup",
  start(plain) {
    const m = plain.match(/^\[!\] (?:\(plugin [^)]+\) )?(?:\w*Error: )?(.+)$/);
    return m && { tool: "rollup", kind: "compile", message: m[1] };
  },
  next: (plain) => take(/^\s|^\S+ \(\d+:\d+\)$|^\d+: /.test(plain)),
  finish(d) {
    const at = lines(d).map((l) => l.match(/^(\S+) \((\d+):(\d+)\)$/)).find((m) => m) ??
      d.error.message.match(/^(\S+) \((\d+):(\d+)\): /);
    if (at) {
      locate(d, at[1], at[2], at[3]);
      d.error.message = d.error.message.replace(/^\S+ \(\d+:\d+\): /, "");
    }
  },
};

/** Prettier: "[error] src/a.js: SyntaxError: Unexpected token (3:8)" and its frame. */
const prettier: Rule = {
  name: "prettier",
  start(plain) {
    const m = plain.match(/^\[error\] (\S+?): (\w*Error: .+?)(?: \((\d+):(\d+)\))?$/);
    return m && {
      tool: "prettier",
      kind: "compile",
      message: m[2],
      file: m[1],
      line: m[3] ? Number(m[3]) : null,
      column: m[4] ? Number(m[4]) : null,
    };
  },
  next: (plain) => take(/^\[error\] (?!\S+?: \w*Error: )/.test(plain)),
};

/** rslog's "error   Build error:" (Rsbuild, Rspress, Rslib), then "File: …" and Rspack's × diagnostics. */
const rsbuild: Rule = {
  name: "rsbuild",
  start(plain) {
    const m = plain.match(/^error {2,}(\S.*)$/);
    // Its closing summaries repeat the failure, they are not errors of their own.
    if (!m || /^(?:build failed|Rspack build failed|Failed to (?:build|compile))\b/i.test(m[1])) {
      return null;
    }
    return { tool: "rsbuild", kind: "compile", message: m[1].replace(/:$/, "") };
  },
  next: (plain) => take(!/^(?:info|warn|error|ready|start|event|wait) {2,}/.test(plain)),
  finish(d) {
    // The innermost diagnostic (the last "×" line that says more than "Syntax Error").
    const diag = lines(d).map((l) => l.match(/×\s+(?:×\s+)?(.+)$/)).filter((m) => m)
      .map((m) => m![1].trim()).filter((t) => !/^(Syntax Error|Module build failed\b.*)$/.test(t));
    if (diag.length) d.error.message = diag[0];
    // The diagnostic's own frame is exact; "File:" names the module (at 1:1).
    for (const re of [/╭─\[(.+?):(\d+):(\d+)\]/, /^File: (\S+?):(\d+):(\d+)$/]) {
      const m = lines(d).map((l) => l.match(re)).find((m) => m);
      if (m) return locate(d, m[1], m[2], m[3]);
    }
  },
};

/** Parcel: "🚨 Build failed.", then "@parcel/transformer-js: message" (wrapped), the place, a frame. */
const parcel: Rule = {
  name: "parcel",
  blanks: 1,
  start(plain) {
    const m = plain.match(/^🚨 +(.+)$/);
    return m && { tool: "parcel", kind: "compile", message: m[1] };
  },
  next: (plain) => take(!/^(?:🚨|✨) /.test(plain)),
  finish(d) {
    const ls = lines(d);
    const i = ls.findIndex((l) => /^@[\w/-]+: \S/.test(l));
    if (i >= 0) {
      const end = ls.findIndex((l, j) => j > i && !l.trim());
      d.error.message = ls.slice(i, end < 0 ? undefined : end).join(" ").replace(/^@[\w/-]+: /, "")
        .replace(/\s+/g, " ");
    }
    const at = ls.map((l) => l.match(/^\s+(\S+?):(\d+):(\d+)$/)).find((m) => m);
    if (at) locate(d, at[1], at[2], at[3]);
  },
};

export const family: Family = {
  name: "bundlers",
  tools: [
    {
      tool: "esbuild",
      kinds: ["compile"],
      resolves: "the next build in watch mode (`[watch] build finished` without it), a re-run",
    },
    {
      tool: "angular",
      kinds: ["compile"],
      resolves:
        "the next build: `ng build` run again, or `ng serve`'s next `Application bundle generation complete`",
    },
    {
      tool: "rsbuild",
      kinds: ["compile"],
      resolves: "a re-run; in dev, the next build",
    },
    {
      tool: "parcel",
      kinds: ["compile"],
      resolves: "the next build (`✨ Built in …`), a re-run",
    },
    {
      tool: "rollup",
      kinds: ["compile"],
      resolves: "rollup run again; in `--watch`, its next build",
    },
    {
      tool: "prettier",
      kinds: ["compile"],
      resolves: "prettier run again (a file it cannot parse)",
    },
    {
      tool: "webpack",
      kinds: ["compile"],
      resolves: "the next compilation (`webpack … compiled` without it), a re-run",
    },
  ],
  rules: [esbuild, webpack, rollup, prettier, rsbuild, parcel],
  mayStart: /^[✘X] |^ERROR in |^\[!\] |^\[error\] |^error {2}|^🚨 /,
  signals: [
    [
      /^Application bundle generation (complete|failed)/,
      (m) => ({ type: "end", tool: "angular", clean: m[1] === "complete" }),
    ],
    [/^✨ Built in /, () => ({ type: "tool", tool: "parcel" })],
    [/^\[watch\] build started\b/, () => ({ type: "start", tool: "esbuild" })],
    [/^\[watch\] build finished\b/, () => ({ type: "end", tool: "esbuild", clean: false })],
    [
      /^webpack [\d.]+ compiled (successfully|with (\d+) errors?)?/,
      (m) => ({ type: "end", tool: "webpack", clean: m[1] === "successfully" }),
    ],
  ],
  maySignal: /^\[watch\]|^webpack |^Application bundle|^✨/,
};
