// The terminal UI, end to end: the real `buzz` in a real pseudo-terminal
// (tmux, on a private socket), driven by keys, read back from the screen.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  call,
  connectInstance,
  fixtureCopy,
  jsonFiles,
  killProcessesIn,
  MAIN,
  processesIn,
  tempDir,
  until,
} from "./helpers.ts";
import { parseDiscoveryRecord } from "../shared/discovery.ts";
import { hasTmux, Tmux } from "./tmux.ts";

Deno.test({
  name: "the terminal UI: list, start, URL, error, agent, restart, search, resize, quit",
  ignore: !(await hasTmux),
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const project = await fixtureCopy();
  const discovery = await tempDir();
  // One more script, in this copy only: it echoes what it is typed.
  const pkg = JSON.parse(await Deno.readTextFile(join(project, "package.json")));
  pkg.scripts.echo = "node echo.js";
  await Deno.writeTextFile(join(project, "package.json"), JSON.stringify(pkg));
  await Deno.writeTextFile(
    join(project, "echo.js"),
    `process.stdin.setRawMode?.(true);
process.stdin.on("data", (d) => console.log("got " + JSON.stringify(d.toString())));
console.log("echo ready");`,
  );
  // The "default browser" the o key opens: it writes down the URL it was given.
  const opened = join(project, "opened.txt");
  const opener = join(project, "opener.sh");
  await Deno.writeTextFile(opener, `#!/bin/sh\necho "$1" >> '${opened}'\n`);
  await Deno.chmod(opener, 0o755);
  const tmux = new Tmux();
  const buzz = [Deno.execPath(), "run", "-A", MAIN, "--dir", project, "--discovery-dir", discovery];
  // The pane's command leaves a marker with its exit code, then the pane stays for reading.
  await tmux.run(
    "new-session",
    "-d",
    "-s",
    "ui",
    "-x",
    "80",
    "-y",
    "24",
    `BROWSER='${opener}' ${buzz.map((a) => `'${a}'`).join(" ")}; echo "buzz exited $?"; sleep 600`,
  );
  try {
    await t.step("the list shows the fixture's scripts", async () => {
      // The first start may compile and cache the UI's modules.
      const screen = await tmux.waitFor("the list", (s) => /\bticker\b/.test(s), 90_000);
      for (const name of ["dev", "crash", "spawner", "ok", "ticker"]) {
        assert.match(screen, new RegExp(`^[ ▶] ${name}\\s+idle`, "m"));
      }
      assert.match(screen, /http:\/\/127\.0\.0\.1:\d+\/mcp/);
      assert.match(screen, /q quit/);
    });

    await t.step("s starts the selected script and its output appears", async () => {
      await tmux.keys("s");
      const screen = await tmux.waitFor("dev's output", (s) => s.includes("VITE v5.0.0"));
      assert.match(screen, /output of dev-1/);
      assert.match(screen, /▶ dev\s+running\s+\d+/);
      assert.match(screen, /\byou\b/);
    });

    await t.step("the URL shows in the URLs view with its browser view; o opens it", async () => {
      await tmux.keys("4");
      const screen = await tmux.waitFor(
        "the URLs view",
        (s) =>
          /dev-1\s+http:\/\/localhost:5173\/\s+browser view http:\/\/127\.0\.0\.1:\d+\//.test(s),
      );
      assert.match(screen, /pages opened at a browser view report their errors/);
      const view = /browser view (http:\/\/127\.0\.0\.1:\d+\/)/.exec(screen)![1];
      await tmux.keys("o");
      await until(
        "the browser opened on the browser view",
        async () => (await Deno.readTextFile(opened).catch(() => "")).trim() === view,
      );
      // In the processes view, o opens the selected script's browser view.
      await tmux.keys("1", "o");
      await until(
        "the browser opened from the processes view",
        async () => (await Deno.readTextFile(opened).catch(() => "")) === `${view}\n${view}\n`,
      );
    });

    await t.step("an error shows in the errors view", async () => {
      await tmux.keys("j");
      await tmux.waitFor("crash selected", (s) => /▶ crash/.test(s));
      await tmux.keys("s");
      await tmux.waitFor("crash to fail", (s) => /▶ crash\s+failed/.test(s));
      await tmux.keys("3");
      // The stack's lines join the error as they arrive.
      await tmux.waitFor(
        "the error with its stack in the errors view",
        (s) =>
          /errors \(1\)/.test(s) && /crash-1 .*TypeError: Cannot read properties/.test(s) &&
          /at Object\.<anonymous>/.test(s),
      );
      await tmux.keys("1");
    });

    await t.step("an agent's scripts_run shows up in the list and as an agent action", async () => {
      const file = join(discovery, jsonFiles(discovery)[0]);
      const record = parseDiscoveryRecord(await Deno.readTextFile(file));
      // A 2025 client has a session, so it also shows as connected (2026-07-28 requests have none).
      const agent = await connectInstance(record, {}, "legacy");
      try {
        await call(agent.client, "scripts_run", { name: "ticker" });
        await tmux.waitFor("ticker running", (s) => /ticker\s+running/.test(s));
        await tmux.waitFor("the agent action", (s) => /started ticker/.test(s));
        await tmux.waitFor("the agent", (s) => /agents: (?!none)/.test(s));
      } finally {
        await agent.close();
      }
    });

    await t.step("r restarts the selected script", async () => {
      await tmux.keys("k");
      await tmux.waitFor("dev selected", (s) => /▶ dev/.test(s));
      await tmux.keys("r");
      const screen = await tmux.waitFor("dev-2", (s) => /output of dev-2/.test(s));
      assert.match(screen, /▶ dev\s+running\s+\d+\s+\S+\s+1\b/);
    });

    await t.step("/ finds a line", async () => {
      await tmux.waitFor("dev-2's output", (s) => s.includes("VITE v5.0.0"));
      await tmux.keys("/", "V", "I", "T", "E", "Enter");
      await tmux.waitFor("the match", (s) => /match 1\/1/.test(s));
      await tmux.keys("/", "n", "o", "p", "e", "x", "Enter");
      await tmux.waitFor("no match", (s) => /no match/.test(s));
    });

    await t.step("i passes keystrokes to the selected process until Ctrl-]", async () => {
      await tmux.keys("j", "j", "j", "j", "j");
      await tmux.waitFor("echo selected", (s) => /▶ echo/.test(s));
      await tmux.keys("s");
      await tmux.waitFor("echo ready", (s) => /▶ echo\s+running/.test(s) && /echo ready/.test(s));
      await tmux.keys("i");
      await tmux.waitFor("input mode", (s) => /TYPING INTO THE PROCESS/.test(s));
      await tmux.keys("h", "i", "Up");
      // Keys typed together may arrive as one read or several.
      await tmux.waitFor("the echo", (s) => /got "h/.test(s) && /\\u001b\[A"/.test(s));
      await tmux.keys("C-]");
      await tmux.waitFor("normal mode", (s) => /q quit/.test(s));
    });

    await t.step("a resize redraws", async () => {
      await tmux.run("resize-window", "-t", "ui", "-x", "100", "-y", "30");
      const screen = await tmux.waitFor(
        "the bigger screen",
        (s) => s.split("\n")[28]?.includes("q quit") ?? false,
      );
      assert.match(screen.split("\n")[0], /^buzz /);
      await tmux.run("resize-window", "-t", "ui", "-x", "80", "-y", "24");
      await tmux.waitFor("the smaller screen", (s) => s.split("\n")[22]?.includes("q quit"));
    });

    await t.step("q stops everything and removes the discovery file", async () => {
      await tmux.keys("q");
      await tmux.waitFor("buzz to exit", (s) => /buzz exited 0/.test(s), 20_000);
      assert.deepEqual(jsonFiles(discovery), []);
      assert.deepEqual(processesIn(project), []);
    });
  } finally {
    await tmux.kill();
    killProcessesIn(project);
  }
});
