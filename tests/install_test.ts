// The buzz-mcp npm package as users get it: built and packed (npm pack),
// installed from the tarball into a fresh prefix with a fresh HOME, then run as
// the `buzz` command (--version, an instance, and a hub driven by a real MCP
// client, through npm/smoke.ts) with every registry out of reach: npm and every
// proxy variable point at a recorder that must never be asked anything, and no
// other Deno is on PATH.

import assert from "node:assert/strict";
import { VERSION } from "../shared/version.ts";
import { smoke } from "../npm/smoke.ts";
import { tempDir, trimmedEnv } from "./helpers.ts";
import { installTarball, packTarball, pathWithoutDeno, recorder, run } from "./npm_package.ts";

const isWindows = Deno.build.os === "windows";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "npm pack, npm install -g from the tarball, then buzz runs an instance and a hub with no registry",
  opts,
  async () => {
    const work = await tempDir("buzz-install-");
    const tarball = await packTarball(work);
    const installed = await installTarball(tarball, work);
    // On Linux and macOS the package's install script made `buzz` a shell script that
    // starts Deno itself (bin/install.cjs).
    if (!isWindows) {
      const launcher = await Deno.readTextFile(await Deno.realPath(installed.buzz));
      assert.match(launcher, /^#!\/bin\/sh\n/);
    }
    const offline = recorder();
    try {
      // Only what a user's shell would have: a fresh HOME and a fresh Deno cache, a PATH
      // without any other Deno, and every registry and proxy pointing at the recorder.
      const env = trimmedEnv({
        HOME: installed.home,
        USERPROFILE: installed.home,
        DENO_DIR: undefined,
        PATH: await pathWithoutDeno(installed),
        LANG: "C.UTF-8",
        ...offline.env,
      });
      await runsAsBuzz(installed.buzz, env);
      assert.deepEqual(offline.asked, [], "nothing asked a registry or a proxy");
    } finally {
      await offline.close();
    }
  },
);

Deno.test(
  "installed without its scripts (or on Windows), buzz runs through the Node launcher",
  opts,
  async () => {
    const work = await tempDir("buzz-install-");
    const installed = await installTarball(await packTarball(work), work, ["--ignore-scripts"]);
    const env = trimmedEnv({
      HOME: installed.home,
      DENO_DIR: undefined,
      PATH: await pathWithoutDeno(installed),
    });
    const launcher = await Deno.readTextFile(await Deno.realPath(installed.buzz));
    if (!isWindows) assert.match(launcher, /^#!\/usr\/bin\/env node/);
    await runsAsBuzz(installed.buzz, env);
  },
);

/** `buzz -v`, then an instance and a hub driven by a real MCP client (npm/smoke.ts). */
async function runsAsBuzz(buzz: string, env: Record<string, string>) {
  const v = await run(buzz, ["-v"], { env, clearEnv: true });
  assert.equal(v.code, 0, v.text);
  assert.equal(v.stdout.trim(), `buzz ${VERSION}`);
  const steps: string[] = [];
  await smoke({ command: [buzz], env, say: (l) => steps.push(l) });
  assert.equal(steps.length, 5, steps.join("\n"));
}
