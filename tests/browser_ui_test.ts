// The person at the terminal sees what a page reported: in the run's output
// and the errors view, marked as the browser's, and a page's escape sequences
// and markup arrive as inert text (the screen is not cleared, nothing retitled).

import assert from "node:assert/strict";
import { join } from "node:path";
import { proxiedUrl, ssrSite } from "./browser.ts";
import {
  connectInstance,
  freePort,
  jsonFiles,
  killProcessesIn,
  MAIN,
  tempDir,
  until,
} from "./helpers.ts";
import { hasTmux, Tmux } from "./tmux.ts";
import { parseDiscoveryRecord } from "../shared/discovery.ts";

Deno.test({
  name: "the terminal UI shows a page's lines and errors marked as the browser's",
  ignore: !(await hasTmux),
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const project = await ssrSite(freePort());
  const discovery = await tempDir();
  const tmux = new Tmux();
  const buzz = [Deno.execPath(), "run", "-A", MAIN, "--dir", project, "--discovery-dir", discovery];
  await tmux.run(
    "new-session",
    "-d",
    "-s",
    "ui",
    "-x",
    "120",
    "-y",
    "30",
    `${buzz.map((a) => `'${a}'`).join(" ")}; echo "buzz exited $?"; sleep 600`,
  );
  let conn: Awaited<ReturnType<typeof connectInstance>> | null = null;
  try {
    await tmux.waitFor("the list", (s) => /▶ web\s+idle/.test(s), 90_000);
    await tmux.keys("s");
    await tmux.waitFor("the server's URL", (s) => s.includes("listening on http://127.0.0.1"));
    const file = await until("the discovery file", () => jsonFiles(discovery)[0], 20_000);
    conn = await connectInstance(
      parseDiscoveryRecord(await Deno.readTextFile(join(discovery, file))),
    );
    const proxied = await proxiedUrl(conn!.client, "web");
    const origin = new URL(proxied).origin;
    const html = await (await fetch(proxied, { headers: { accept: "text/html" } })).text();
    const secret = html.match(/data-buzz="([^"]+)"/)![1];
    const res = await fetch(`${origin}/__buzz/events`, {
      method: "POST",
      headers: { origin, "x-buzz-secret": secret, "content-type": "application/json" },
      body: JSON.stringify({
        page: "ui1",
        url: `${origin}/`,
        title: "Orders",
        events: [{
          type: "uncaught",
          message: "TypeError: \x1b[2J\x1b]0;pwned\x07orders is <b>null</b>",
          stack: `TypeError: x\n    at render (${origin}/app.js:5:40)`,
        }],
      }),
    });
    assert.equal(res.status, 204);

    const output = await tmux.waitFor(
      "the page's error in web-1's output",
      (s) => s.includes("browser │ TypeError: orders is <b>null</b>  app.js:5:40"),
    );
    assert.match(output, /▶ web\s+running/, "the screen was not cleared");
    await tmux.keys("3");
    const errors = await tmux.waitFor(
      "the errors view",
      (s) => /web-1 .*browser TypeError: orders is <b>null<\/b>/.test(s),
    );
    assert.match(errors, /web-1 · browser · uncaught · http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(errors, /at render \(app\.js:5:40\)/);
    assert.doesNotMatch(await tmux.run("display-message", "-p", "#{pane_title}"), /pwned/);
  } finally {
    await conn?.close();
    await tmux.keys("q").catch(() => {});
    await until("buzz to exit", async () => (await tmux.screen()).includes("buzz exited"), 30_000)
      .catch(() => {});
    await tmux.kill();
    killProcessesIn(project);
  }
});
