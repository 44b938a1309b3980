// How buzz-mcp runs buzz: which Deno, with which flags, on which file. Used by
// bin/buzz (the Node launcher) and by bin/install.cjs, which on Linux and macOS
// writes the same command into a shell script that starts Deno directly.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

/** The deno executable of the `deno` package, placed by its postinstall, else its platform package. */
function denoExecutable() {
  const dir = path.dirname(require.resolve("deno/package.json"));
  const exe = path.join(dir, process.platform === "win32" ? "deno.exe" : "deno");
  if (fs.existsSync(exe)) return exe;
  // Installed with --ignore-scripts: the package finds its platform binary itself.
  return require(path.join(dir, "install_api.cjs")).runInstall();
}

/** Deno's arguments before buzz's own: the bundle's entry and how to run it. */
function denoArgs() {
  return [
    "run",
    "--allow-all",
    // Whatever deno.json, package.json or lockfile the current directory has, buzz's bundle
    // needs none: its only outside import is the native pty library in node_modules.
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--node-modules-dir=manual",
    // What deno.json's "unstable" says for a source checkout: request.signal aborts only when a
    // client goes away, not after every answer (Deno's old way, which also prints a warning).
    "--unstable-no-legacy-abort",
    // V8's young generation grows to 16 MB semi-spaces while a burst keeps it busy (1,000
    // sessions opened at once: +61-65 MiB right after); 1 MB holds that to about +34-37 MiB,
    // where the SDK's own stateful server takes +38 MiB, and ingesting a million log lines took
    // no more CPU (measured: docs/performance.md). deno task and the binaries pass it too.
    "--v8-flags=--max-semi-space-size=1",
    path.join(__dirname, "..", "lib", "main.js"),
  ];
}

module.exports = { denoExecutable, denoArgs };
