// What a real browser sees reaches the agent: a React app on Vite's dev server,
// opened through buzz's proxy in headless Chromium. Its errors (a click
// handler's TypeError, an unhandled rejection, a fetch answering 500, a
// missing image, a console.error at load) are current errors in errors_list at
// their lines in src/; the fix saved to disk reaches the page through HMR
// without a reload, and the error stops being current.

import assert from "node:assert/strict";
import { join } from "node:path";
import { type Browser, launchBrowser, serveWeb } from "./browser.ts";
import { call, freePort, ROOT, type Structured, tempDir, until } from "./helpers.ts";
import { toolsNodeModules } from "./tools.ts";

const APP = join(ROOT, "tests", "fixtures", "browser_app");

/** A copy of the React app, its dev server on `port`, node_modules from tests/tools. */
async function reactApp(port: number): Promise<string> {
  const dir = await tempDir("buzz-browser-app-");
  for (const file of ["index.html", "vite.config.mjs", "src/main.tsx", "src/App.tsx"]) {
    await Deno.mkdir(join(dir, file, ".."), { recursive: true });
    await Deno.copyFile(join(APP, file), join(dir, file));
  }
  const pkg = JSON.parse(await Deno.readTextFile(join(APP, "package.json")));
  pkg.scripts.web += ` --port ${port}`;
  await Deno.writeTextFile(join(dir, "package.json"), JSON.stringify(pkg));
  await Deno.symlink(
    toolsNodeModules("vite", "react", "react-dom", "@vitejs/plugin-react"),
    join(dir, "node_modules"),
  );
  return dir;
}

type Err = Structured & { kind: string; file: string | null; line: number | null };

Deno.test({
  name: "a page's errors show in errors_list at their source lines; an HMR fix clears them",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const port = freePort();
    const dir = await reactApp(port);
    const web = await serveWeb(dir, "ready in", 60_000);
    const { client, id, proxied } = web;
    let browser: Browser | null = null;
    try {
      assert.notEqual(new URL(proxied).port, String(port), "the page is opened through the proxy");

      browser = await launchBrowser();
      await browser.open(proxied);
      const loaded = await call(client, "logs_wait", {
        process_id: id,
        pattern: "page loaded",
        timeout_ms: 60_000,
      });
      assert.ok(loaded.matched, JSON.stringify(loaded));
      assert.equal((loaded.line as Structured).source, "browser");

      // React renders on its own schedule, not by the load event.
      await until("the app rendered", () => browser!.evaluate("!!document.querySelector('#load')"));
      for (const button of ["#show", "#save", "#load"]) await browser.click(button);
      const errors = await until("the five browser errors", async () => {
        const { errors } = await call(client, "errors_list", { process_id: id });
        const kinds = new Set((errors as Err[]).map((e) => e.kind));
        const all = ["uncaught", "unhandled_rejection", "network", "resource", "console"];
        return all.every((k) => kinds.has(k)) ? errors as Err[] : null;
      }, 60_000);
      const of = (kind: string) => errors.find((e) => e.kind === kind)!;
      for (const e of errors) assert.equal(e.tool, "browser");

      const uncaught = of("uncaught");
      assert.match(uncaught.message as string, /TypeError: Cannot read properties of undefined/);
      assert.deepEqual([uncaught.file, uncaught.line], ["src/App.tsx", 10]);
      assert.equal(uncaught.page, proxied);
      assert.ok(
        (uncaught.stack as string[])[0].includes("src/App.tsx:10:"),
        String(uncaught.stack),
      );
      // React's own frames map to its sources through the prebundled dependency's map.
      assert.ok(
        (uncaught.stack as string[]).some((f) => f.includes("node_modules/react-dom/cjs/")),
        String(uncaught.stack),
      );

      // As the agent reads it.
      const listed = await client.callTool({ name: "errors_list", arguments: { process_id: id } });
      assert.ok(
        (listed.content as { text: string }[])[0].text.includes(
          `[${id} browser src/App.tsx:10:${uncaught.column}] ${uncaught.message}\npage: ${proxied}\n`,
        ),
        JSON.stringify(listed.content),
      );

      const rejection = of("unhandled_rejection");
      assert.match(rejection.message as string, /save failed: quota exceeded/);
      assert.deepEqual([rejection.file, rejection.line], ["src/App.tsx", 14]);

      const network = of("network");
      assert.match(network.message as string, /^GET http:\/\/127\.0\.0\.1:\d+\/api\/items → 500$/);
      assert.deepEqual([network.file, network.line], ["src/App.tsx", 22]);

      const resource = of("resource");
      assert.match(resource.message as string, /failed to load img .*\/logo-missing\.png/);
      assert.deepEqual([resource.file, resource.line], ["src/App.tsx", 23]);

      const consoleError = of("console");
      assert.match(consoleError.message as string, /config missing: falling back to defaults/);
      assert.deepEqual([consoleError.file, consoleError.line], ["src/main.tsx", 5]);

      // The agent reads the page's lines like any run's.
      const found = await call(client, "logs_search", {
        process_id: id,
        query: "Cannot read properties of undefined",
      });
      const hit = (found.matches as Structured[])[0];
      assert.equal(hit.source, "browser");
      assert.match(hit.text as string, /src\/App\.tsx:10:\d+$/);
      const { runs } = await call(client, "scripts_status", { name: "web" });
      const pages = (runs as Structured[])[0].pages as Structured[];
      assert.equal(pages[0].url, proxied);
      assert.equal(pages[0].title, "Shop");

      // The agent fixes the handler; the page keeps its state (no reload) and the error goes.
      await browser.evaluate("window.__sameDocument = true");
      const app = join(dir, "src", "App.tsx");
      const source = await Deno.readTextFile(app);
      const fixed = source.replace("items.map(", "(items ?? []).map(").replace(
        "show items",
        "list",
      );
      await Deno.writeTextFile(app, fixed);
      await until("the uncaught error is no longer current", async () => {
        const { errors } = await call(client, "errors_list", { process_id: id });
        return !(errors as Err[]).some((e) => e.kind === "uncaught");
      }, 60_000);
      await until("the fixed component in the page", async () => {
        return (await browser!.evaluate<string>("document.querySelector('#show').textContent"))
          .startsWith("list");
      }, 30_000);
      await browser.click("#show");
      await until("the fixed handler ran", async () => {
        return (await browser!.evaluate<string>("document.querySelector('#show').textContent")) ===
          "list (0)";
      }, 30_000);
      assert.equal(await browser.evaluate("window.__sameDocument"), true, "HMR, not a reload");
      await browser.evaluate("window.__buzz.flush()");
      const after = await call(client, "errors_list", { process_id: id });
      assert.ok(!(after.errors as Err[]).some((e) => e.kind === "uncaught"), "it did not recur");
      const resolved = await call(client, "errors_list", {
        process_id: id,
        include_resolved: true,
      });
      const old = (resolved.errors as Err[]).find((e) => e.kind === "uncaught")!;
      assert.equal(old.resolved, true);

      // A broken save shows Vite's error overlay in the page: its event reaches the log too.
      await Deno.writeTextFile(app, fixed.replace("return (", "return ((("));
      const overlay = await call(client, "logs_wait", {
        process_id: id,
        pattern: "vite error overlay: ",
        timeout_ms: 60_000,
      });
      assert.ok(overlay.matched, JSON.stringify(overlay));
      assert.match((overlay.line as Structured).text as string, /src\/App\.tsx:\d+:\d+$/);
    } finally {
      await browser?.close();
      await web.close();
    }
  },
});
