// A server-rendered page from a plain Node server, through buzz's proxy in a
// real headless Chromium: its script's error (no source map: the script's own
// line) and a failed request reach errors_list, its lines the run's log. Then
// hostile telemetry at the same endpoint: no secret, a foreign origin,
// oversized and flooding events, control characters and markup.

import assert from "node:assert/strict";
import { type Browser, launchBrowser, serveWeb, ssrSite } from "./browser.ts";
import {
  call,
  FIXTURE,
  fixtureCopy,
  freePort,
  killProcessesIn,
  type Structured,
  until,
} from "./helpers.ts";
import { Activity } from "../instance/activity.ts";
import { type BrowserContext, handleEvents } from "../instance/browser/telemetry.ts";
import { loadScripts } from "../instance/supervise/scripts.ts";
import { Supervisor } from "../instance/supervise/supervisor.ts";
import { startConsole } from "../instance/views/console.ts";

type Err = Structured & { kind: string; message: string; file: string | null; line: number | null };

Deno.test({
  name:
    "a server-rendered page's errors reach errors_list; hostile telemetry is refused or bounded",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await ssrSite(freePort());
    const web = await serveWeb(dir, "listening on", 30_000);
    const { client, id, proxied } = web;
    let browser: Browser | null = null;
    try {
      const origin = new URL(proxied).origin;

      browser = await launchBrowser();
      await browser.open(proxied);
      const errors = await until("the page's errors", async () => {
        const { errors } = await call(client, "errors_list", { process_id: id });
        const kinds = (errors as Err[]).map((e) => e.kind);
        const count = (kind: string) => kinds.filter((k) => k === kind).length;
        const ready = count("uncaught") === 1 && count("resource") === 2 && count("network") === 3;
        return ready ? errors as Err[] : null;
      }, 60_000);
      const uncaught = errors.find((e) => e.kind === "uncaught")!;
      assert.match(uncaught.message, /TypeError: Cannot read properties of null/);
      assert.deepEqual([uncaught.file, uncaught.line], ["app.js", 9]);
      const network = errors.filter((e) => e.kind === "network")
        .map((e) => [e.message, e.file, e.line]);
      assert.deepEqual(network.sort(), [
        [`GET ${origin}/api/orders → 404`, "app.js", 2],
        ["GET http://127.0.0.1:9/ failed: TypeError: Failed to fetch", "app.js", 7],
        [`POST ${origin}/api/legacy → 404`, "app.js", 6],
      ]);
      const resources = errors.filter((e) => e.kind === "resource").map((e) => e.message);
      assert.deepEqual(resources.sort(), [
        `failed to load link ${origin}/missing.css`,
        `failed to load script ${origin}/missing.js`,
      ]);
      // The script adds one global to the page, and nothing else.
      const globals = await browser.evaluate<string[]>(`(() => {
        const frame = document.createElement("iframe");
        document.body.append(frame);
        const blank = new Set(Object.getOwnPropertyNames(frame.contentWindow));
        frame.remove();
        return Object.getOwnPropertyNames(window).filter((k) => !blank.has(k));
      })()`);
      assert.deepEqual(globals, ["__buzz"]);
      // A chatty page: console.log past 20 a second is dropped in the page, and counted.
      await browser.evaluate(`for (let i = 0; i < 1000; i++) console.log("chatty " + i)`);
      await browser.evaluate("window.__buzz.flush()");
      const chattyDrop = await call(client, "logs_wait", {
        process_id: id,
        pattern: "buzz: dropped \\d+ events from",
        regex: true,
        timeout_ms: 30_000,
      });
      assert.ok(chattyDrop.matched, JSON.stringify(chattyDrop));
      const chatty = await call(client, "logs_search", {
        process_id: id,
        query: "chatty ",
        limit: 1000,
      });
      const sent = (chatty.matches as unknown[]).length;
      assert.ok(sent >= 1 && sent <= 40, `${sent} of 1,000 console.log lines were sent`);
      // A warning is a line of the log, not an error.
      assert.ok(!errors.some((e) => e.message.includes("slow network")));
      const warned = await call(client, "logs_wait", {
        process_id: id,
        pattern: "console.warn: orders: slow network  app.js:3:",
        timeout_ms: 30_000,
      });
      assert.ok(warned.matched, JSON.stringify(warned));

      // A route change is a line; a reload resolves the page's errors, and the same error on
      // the new load makes it current again, counted twice.
      await browser.evaluate(`history.pushState({}, "", "/orders/42")`);
      const routed = await call(client, "logs_wait", {
        process_id: id,
        pattern: `route → ${origin}/orders/42`,
        timeout_ms: 30_000,
      });
      assert.ok(routed.matched, JSON.stringify(routed));
      await browser.open(proxied);
      await until("the error again, after the reload", async () => {
        const { errors } = await call(client, "errors_list", { process_id: id });
        return (errors as Err[]).find((e) => e.kind === "uncaught" && e.count === 2);
      }, 30_000);

      // A strict Content-Security-Policy: the script and its telemetry still get through.
      await browser.open(`${origin}/strict`);
      await until("the strict page's console.error", async () => {
        const { errors } = await call(client, "errors_list", { process_id: id });
        return (errors as Err[]).find((e) => e.message.includes("checkout disabled"));
      }, 30_000);

      // The secret is in the page the proxy serves, and only there.
      const html = await (await fetch(proxied, { headers: { accept: "text/html" } })).text();
      const secret = html.match(/data-buzz="([^"]+)"/)?.[1];
      assert.ok(secret, html);
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${origin}/__buzz/events`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin,
            "x-buzz-secret": secret,
            ...headers,
          },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }).then(async (r) => {
          await r.body?.cancel();
          return r.status;
        });
      const batch = (page: string, events: unknown[]) => ({ page, url: `${origin}/`, events });
      const event = (message: string) => ({ type: "console", level: "error", message });

      assert.equal(await post(batch("p1", [event("no secret")]), { "x-buzz-secret": "" }), 403);
      assert.equal(await post(batch("p1", [event("bad secret")]), { "x-buzz-secret": "x" }), 403);
      assert.equal(
        await post(batch("p1", [event("foreign")]), { origin: "http://evil.test" }),
        403,
      );
      const other = `http://127.0.0.1:${freePort()}`;
      assert.equal(await post(batch("p1", [event("other port")]), { origin: other }), 403);
      assert.equal(await post("{not json"), 400);
      assert.equal(await post({ events: [] }), 400);
      assert.equal(await post("x".repeat(3 * 1024 * 1024)), 413);

      // Text from a page is data: control sequences go, markup stays inert text.
      const hostile = "\x1b]0;owned\x07\x1b[2J<img src=x onerror=alert(1)>\u202eevil\x9b31m";
      assert.equal(await post(batch("p2", [event(hostile)])), 204);
      const { errors: after } = await call(client, "errors_list", { process_id: id });
      const shown = (after as Err[]).find((e) => e.message.includes("<img src=x"))!;
      assert.equal(shown.message, "<img src=x onerror=alert(1)>evil");
      for (const l of shown.lines as string[]) {
        // deno-lint-ignore no-control-regex
        assert.doesNotMatch(l, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
      }

      // An event over 64 KB is dropped, and counted.
      assert.equal(
        await post(batch("p3", [event("x".repeat(70 * 1024)), event("small one")])),
        204,
      );
      const big = await call(client, "logs_wait", {
        process_id: id,
        pattern: "buzz: dropped 1 events",
        timeout_ms: 10_000,
      });
      assert.ok(big.matched, JSON.stringify(big));

      // A flood: a page gets 300 events at once, the rest are dropped and counted.
      const flood = Array.from({ length: 1000 }, (_, i) => ({
        type: "console",
        level: "log",
        message: `flood-${i}`,
      }));
      assert.equal(await post(batch("p4", flood)), 204);
      const kept = await call(client, "logs_search", {
        process_id: id,
        query: "flood-",
        limit: 1000,
      });
      assert.equal((kept.matches as unknown[]).length, 300);
      const dropped = await call(client, "logs_search", {
        process_id: id,
        query: "buzz: dropped 700 events",
      });
      assert.equal((dropped.matches as unknown[]).length, 1);
    } finally {
      await browser?.close();
      await web.close();
    }
  },
});

Deno.test("--no-tui shows a page's lines marked as the browser's; a reload or HMR resolves its errors", async () => {
  const project = await fixtureCopy();
  const sup = new Supervisor(project, await loadScripts(FIXTURE), { graceMs: 1000 });
  let out = "";
  const view = startConsole(sup, new Activity(), {
    color: false,
    write: (t) => Promise.resolve(void (out += t)),
  });
  // Nothing listens there: no source map to be had, so frames keep the script's own place.
  const upstream = new URL(`http://127.0.0.1:${freePort()}`);
  const proxied = new URL(`http://127.0.0.1:${freePort()}`);
  const { run } = await sup.start("dev");
  const ctx: BrowserContext = {
    script: "dev",
    upstream,
    proxied,
    secret: "s3cret",
    runId: () => run.process_id,
    supervisor: sup,
  };
  const send = (events: unknown[]) =>
    handleEvents(
      new Request(`${proxied.origin}/__buzz/events`, {
        method: "POST",
        headers: { origin: proxied.origin, "x-buzz-secret": "s3cret" },
        body: JSON.stringify({ page: "pg1", url: `${proxied.origin}/`, title: "Shop", events }),
      }),
      ctx,
    );
  const current = () => sup.errors({ processId: run.process_id });
  try {
    const stack = "TypeError: Cannot read properties of undefined (reading 'map')\n" +
      `    at showItems (${proxied.origin}/src/App.tsx?t=1733:12:5)\n` +
      `    at ${proxied.origin}/node_modules/.vite/deps/react-dom.js?v=1:9:1`;
    const uncaught = {
      type: "uncaught",
      message: "TypeError: Cannot read properties of undefined (reading 'map')",
      stack,
    };
    assert.equal((await send([{ type: "load", navigation: "navigate" }, uncaught])).status, 204);
    await until("the line on the console", () => out.includes("src/App.tsx:12:5"));
    const line = out.split("\n").find((l) => l.includes("TypeError"));
    assert.equal(
      line,
      "dev-1 browser | TypeError: Cannot read properties of undefined (reading 'map')  " +
        "src/App.tsx:12:5",
    );
    const [e] = current();
    assert.deepEqual(
      [e.tool, e.kind, e.file, e.line, e.column, e.page],
      ["browser", "uncaught", "src/App.tsx", 12, 5, `${proxied.origin}/`],
    );
    assert.deepEqual(e.stack, [
      "at showItems (src/App.tsx:12:5)",
      "at (node_modules/.vite/deps/react-dom.js:9:1)",
    ]);
    assert.deepEqual(sup.get(run.process_id)!.pages!.map((p) => [p.url, p.title]), [
      [`${proxied.origin}/`, "Shop"],
    ]);

    // The same error again counts; a reload makes it history unless it recurs.
    await send([uncaught]);
    assert.equal(current()[0].count, 2);
    await send([{ type: "load", navigation: "reload" }]);
    assert.deepEqual(current(), []);
    await send([uncaught]);
    assert.equal(current().length, 1);
    // HMR replacing another file leaves it; replacing its own file resolves it.
    await send([{ type: "hmr", paths: ["/src/main.tsx"] }]);
    assert.equal(current().length, 1);
    await send([{ type: "hmr", paths: ["/src/App.tsx"] }]);
    assert.deepEqual(current(), []);
    await send([{ type: "gone" }]);
    assert.equal(sup.get(run.process_id)!.pages, undefined);
  } finally {
    await view.close();
    await sup.stopAll();
    killProcessesIn(project);
  }
});
