// Vite 7's dev server through buzz's browser proxy, in headless Chromium: the
// HMR socket goes through the proxy's port (Vite's client falls back to a
// direct socket without a word when it cannot, so the proxy's own log is
// checked), an update arrives through it without a reload, and a restart of
// the dev server with the tab left open ends with the page loaded again and
// its socket back on the proxy; stopped, the tab shows buzz's page, which loads
// the app again once the server is back.

import assert from "node:assert/strict";
import { join } from "node:path";
import { type Browser, launchBrowser } from "./browser.ts";
import {
  call,
  connectInstance,
  freePort,
  killProcessesIn,
  startInstance,
  type Structured,
  tempDir,
  until,
} from "./helpers.ts";
import { toolsNodeModules } from "./tools.ts";

/** A Vite app without a framework: one module, one stylesheet. */
async function viteApp(port: number): Promise<string> {
  const dir = await tempDir("buzz-vite-proxy-");
  await Deno.symlink(toolsNodeModules("vite"), join(dir, "node_modules"));
  await Deno.writeTextFile(
    join(dir, "package.json"),
    JSON.stringify({
      name: "vite-proxy",
      private: true,
      type: "module",
      // Vite's own default host (localhost), as a person runs it.
      scripts: { dev: `vite --configLoader native --port ${port} --strictPort` },
    }),
  );
  await Deno.writeTextFile(
    join(dir, "vite.config.mjs"),
    `export default { cacheDir: ".vite-cache" };\n`,
  );
  await Deno.writeTextFile(
    join(dir, "index.html"),
    `<!doctype html>
<html><head><title>vite app</title><script type="module" src="/src/main.js"></script></head>
<body><h1 id="title">vite app</h1></body></html>
`,
  );
  await Deno.mkdir(join(dir, "src"));
  await Deno.writeTextFile(join(dir, "src", "main.js"), `import "./style.css";\n`);
  await Deno.writeTextFile(join(dir, "src", "style.css"), "h1 { color: rgb(255, 0, 0); }\n");
  return dir;
}

/** The proxy's log lines saying a Vite HMR socket opened through it. */
function hmrSockets(stderr: string): number {
  return stderr.split("\n").filter((l) => /WebSocket \/ opened to .* \(vite-hmr\)/.test(l)).length;
}

Deno.test({
  name: "Vite through the proxy: HMR's socket on the proxy, an update, a restart with the tab open",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const port = freePort();
    const dir = await viteApp(port);
    const inst = await startInstance({
      project: dir,
      discoveryDir: await tempDir("buzz-disc-"),
      args: ["--log-level", "debug"],
    });
    const conn = await connectInstance(inst.record);
    let browser: Browser | null = null;
    try {
      await call(conn.client, "scripts_run", { name: "dev", wait_for: "url", timeout_ms: 60_000 });
      const { runs } = await call(conn.client, "scripts_status", { name: "dev" }) as {
        runs: Structured[];
      };
      const [printed, view] = Object.entries(runs[0].browser_urls as Record<string, string>)[0];
      assert.equal(printed, `http://localhost:${port}/`);

      browser = await launchBrowser();
      await browser.open(view);
      assert.equal(await browser.evaluate("location.origin"), new URL(view).origin);
      assert.equal(
        await browser.evaluate("document.head.firstElementChild.src"),
        `${new URL(view).origin}/__buzz/client.js`,
      );
      // The socket Vite's client opened is on the proxy's port.
      await until(
        "the HMR socket through the proxy",
        () => hmrSockets(inst.stderr()) === 1,
        30_000,
      );
      const color = "getComputedStyle(document.getElementById('title')).color";
      await until(
        "the stylesheet",
        async () => await browser!.evaluate(color) === "rgb(255, 0, 0)",
        30_000,
      );

      // An update through that socket: the style changes, the page is not loaded again.
      await browser.evaluate("window.__marker = 'before the update'");
      await Deno.writeTextFile(join(dir, "src", "style.css"), "h1 { color: rgb(0, 0, 255); }\n");
      await until(
        "the HMR update",
        async () => await browser!.evaluate(color) === "rgb(0, 0, 255)",
        30_000,
      );
      assert.equal(await browser.evaluate("window.__marker"), "before the update");

      // A restart with the tab open: Vite's client loses its socket, asks the proxy (which
      // refuses while the server is down) until the server is back, then loads the page again.
      await call(conn.client, "scripts_run", {
        name: "dev",
        restart: true,
        wait_for: "url",
        timeout_ms: 60_000,
      });
      await until(
        "the page loaded again",
        async () =>
          await browser!.evaluate("window.__marker === undefined && document.readyState") ===
            "complete",
        60_000,
      );
      assert.equal(
        await browser.evaluate("document.getElementById('title')?.textContent"),
        "vite app",
      );
      await until(
        "the new HMR socket through the proxy",
        () => hmrSockets(inst.stderr()) === 2,
        30_000,
      );
      const after = await call(conn.client, "scripts_status", { name: "dev" }) as {
        runs: Structured[];
      };
      assert.equal(
        Object.values(after.runs.at(-1)!.browser_urls as Record<string, string>)[0],
        view,
      );

      // Stopped, the tab gets a page that says so; it loads the app once the server is back.
      await call(conn.client, "scripts_stop", { name: "dev" });
      await browser.open(view);
      assert.equal(await browser.evaluate("document.title"), "dev is not answering · buzz");
      assert.match(await browser.evaluate<string>("document.body.innerText"), /dev-2 was stopped/);
      await call(conn.client, "scripts_run", { name: "dev", wait_for: "url", timeout_ms: 60_000 });
      await until(
        "the app again, by itself",
        async () => await browser!.evaluate("document.title").catch(() => "") === "vite app",
        60_000,
      );
    } finally {
      await browser?.close();
      await conn.close();
      await inst.stop();
      killProcessesIn(dir);
    }
  },
});
