#!/usr/bin/env node
// The `buzz` command of the buzz-mcp npm package: runs buzz's bundled code
// (../lib/main.js) on the Deno that the `deno` npm package installed beside it.
// Nothing here or in the bundle reaches a registry: every dependency was
// installed with the package. stdin, stdout and stderr are handed straight to
// Deno (the hub speaks MCP on them), and signals are passed on, so an agent or a
// terminal that stops `buzz` stops buzz.
"use strict";

const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const tty = require("node:tty");

/** The deno executable of the `deno` package, placed by its postinstall, else its platform package. */
function denoExecutable() {
  const dir = path.dirname(require.resolve("deno/package.json"));
  const exe = path.join(dir, process.platform === "win32" ? "deno.exe" : "deno");
  if (fs.existsSync(exe)) return exe;
  // Installed with --ignore-scripts: the package finds its platform binary itself.
  return require(path.join(dir, "install_api.cjs")).runInstall();
}

let deno;
try {
  deno = denoExecutable();
} catch (e) {
  console.error(`buzz: cannot find the Deno runtime that buzz-mcp depends on: ${e.message}`);
  console.error("buzz: reinstall with `npm install -g buzz-mcp` (without --omit=optional)");
  process.exit(1);
}

const child = spawn(deno, [
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
  // sessions opened at once: +61 MB right after); 1 MB holds that to about +37 MB, beside
  // +34 MB for the SDK's own stateful server, and ingesting a million log lines took no more
  // CPU (measured: docs/performance.md). deno task and the binaries pass the same flag.
  "--v8-flags=--max-semi-space-size=1",
  path.join(__dirname, "..", "lib", "main.js"),
  ...process.argv.slice(2),
], {
  stdio: "inherit",
  // The runtime is pinned by this package; its background check for a newer Deno would
  // be the only request buzz ever sent off the machine.
  env: { DENO_NO_UPDATE_CHECK: "1", ...process.env },
});

// A terminal's Ctrl-C reaches buzz itself (same process group): passing it on too would be
// buzz's "second signal, exit now". Otherwise pass every stop signal on.
const fromTerminal = tty.isatty(0);
const signals = process.platform === "win32"
  ? ["SIGINT", "SIGTERM", "SIGBREAK"]
  : ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
for (const sig of signals) {
  process.on(sig, () => {
    if (sig === "SIGINT" && fromTerminal) return;
    try {
      child.kill(sig);
    } catch {
      // Already gone.
    }
  });
}

child.on("error", (e) => {
  console.error(`buzz: cannot run ${deno}: ${e.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so that our parent sees what really happened.
    for (const sig of signals) process.removeAllListeners(sig);
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(1), 200).unref();
    return;
  }
  process.exit(code ?? 1);
});
