// buzz-mcp's postinstall, on Linux and macOS: puts a shell script in bin/buzz's
// place that execs Deno with buzz's bundle, so that `buzz` starts without Node
// first. Node's start was most of what the installed command added to buzz's
// own (25 ms here, 75 ms when NODE_EXTRA_CA_CERTS makes it read a CA bundle),
// and every agent session pays it. With exec there is one process, which gets
// the signals and gives the exit status itself. Anything that goes wrong leaves
// the Node launcher in place: buzz runs, a little slower to start.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { denoArgs, denoExecutable } = require("./launch.cjs");

/** A word for sh, quoted whatever it holds. */
const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

if (process.platform !== "win32") {
  try {
    const deno = denoExecutable();
    fs.accessSync(deno, fs.constants.X_OK);
    const script = [
      "#!/bin/sh",
      "# Written by buzz-mcp's install script (bin/install.cjs): buzz's bundle on the Deno",
      "# installed with it. The runtime is pinned by the package; its check for a newer Deno",
      "# would be the only request buzz ever sent off the machine.",
      ': "${DENO_NO_UPDATE_CHECK:=1}"',
      "export DENO_NO_UPDATE_CHECK",
      `exec ${[deno, ...denoArgs()].map(quote).join(" ")} "$@"`,
      "",
    ].join("\n");
    const target = path.join(__dirname, "buzz");
    fs.writeFileSync(`${target}.tmp`, script, { mode: 0o755 });
    fs.renameSync(`${target}.tmp`, target);
  } catch (e) {
    console.error(`buzz-mcp: kept the Node launcher (${e.message})`);
  }
}
