// The browser proxy, end to end: a real buzz instance runs a plain Node server
// and a WebSocket echo server; each gets its browser view as soon as it prints
// its URL, and everything a browser does goes through it unchanged, but for the
// telemetry tag in pages and redirects pointed back at the proxy.

import assert from "node:assert/strict";
import http from "node:http";
import { join } from "node:path";
import {
  call,
  connectInstance,
  freePort,
  killProcessesIn,
  type RunningInstance,
  startInstance,
  type Structured,
  tempDir,
} from "./helpers.ts";

const NODE_SERVER = `import http from "node:http";
import zlib from "node:zlib";
const port = Number(process.env.PORT);
const page = "<!doctype html>\\n<html lang=en><head><meta charset=utf-8><title>app</title></head>" +
  "<body><h1>app</h1></body></html>\\n";
const gz = zlib.gzipSync(Buffer.from("compressed ".repeat(2000)));
const big = Buffer.alloc(10 * 1024 * 1024, 7);
let release = () => {};
http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  switch (url.pathname) {
    case "/":
      res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end(page);
    case "/csp":
      res.writeHead(200, {
        "content-type": "text/html",
        "content-security-policy": "default-src 'self'; img-src *",
      });
      return res.end(page);
    case "/echo": {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(url.searchParams.has("teapot") ? 418 : 200, "Short And Stout", {
          "content-type": "application/json",
          "x-custom": "yes",
        });
        res.end(JSON.stringify({
          method: req.method,
          body: Buffer.concat(chunks).toString(),
          cookie: req.headers.cookie ?? null,
          origin: req.headers.origin ?? null,
          host: req.headers.host,
          forwarded: req.headers["x-forwarded-host"] ?? null,
          custom: req.headers["x-test"] ?? null,
        }));
      });
      return;
    }
    case "/redirect":
      res.writeHead(302, { location: \`http://localhost:\${port}/echo?from=redirect\` });
      return res.end();
    case "/redirect-away":
      res.writeHead(301, { location: "http://example.com/" });
      return res.end();
    case "/stream":
      // Half the answer now; the rest only once /release is asked for.
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first half\\n");
      release = () => res.end("second half\\n");
      return;
    case "/release":
      release();
      return res.end("released");
    case "/sse":
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write("data: one\\n\\n");
      release = () => res.end("data: two\\n\\n");
      return;
    case "/gz":
      res.writeHead(200, {
        "content-type": "text/plain",
        "content-encoding": "gzip",
        "content-length": gz.length,
      });
      return res.end(gz);
    case "/big":
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": big.length });
      return res.end(big);
    default:
      // A dev server's fallback: index.html for any path, a missing image's included.
      res.writeHead(200, { "content-type": "text/html" });
      return res.end(page);
  }
}).listen(port, "localhost", () => console.log(\`listening on http://localhost:\${port}/\`));
`;

const ECHO_SERVER = `const port = Number(Deno.env.get("PORT"));
Deno.serve({ hostname: "127.0.0.1", port, onListen: () => console.log(\`echo on http://127.0.0.1:\${port}/\`) }, (req) => {
  if (req.headers.get("upgrade") !== "websocket") return new Response("echo server");
  const asked = req.headers.get("sec-websocket-protocol")?.split(",")[0].trim();
  const cookie = req.headers.get("cookie");
  const { socket, response } = Deno.upgradeWebSocket(req, { protocol: asked });
  socket.onopen = () => socket.send(\`hello \${cookie}\`);
  socket.onmessage = (e) => socket.send(e.data);
  return response;
});
`;

interface Setup {
  dir: string;
  inst: RunningInstance;
  conn: Awaited<ReturnType<typeof connectInstance>>;
  webPort: number;
  echoPort: number;
}

async function setup(): Promise<Setup> {
  const dir = await tempDir("buzz-browser-proxy-");
  const webPort = freePort();
  const echoPort = freePort();
  await Deno.writeTextFile(join(dir, "server.mjs"), NODE_SERVER);
  await Deno.writeTextFile(join(dir, "echo.ts"), ECHO_SERVER);
  await Deno.writeTextFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "proxied", private: true, scripts: { web: "node server.mjs" } }),
  );
  await Deno.writeTextFile(
    join(dir, "buzz.json"),
    JSON.stringify({
      scripts: {
        web: { env: { PORT: String(webPort) } },
        echo: { command: `"${Deno.execPath()}" run -A echo.ts`, env: { PORT: String(echoPort) } },
        plain: {
          command: `"${Deno.execPath()}" run -A echo.ts`,
          env: { PORT: String(freePort()) },
          browser: false,
        },
      },
    }),
  );
  const inst = await startInstance({
    project: dir,
    discoveryDir: await tempDir("buzz-disc-"),
    args: ["--log-level", "debug"],
  });
  const conn = await connectInstance(inst.record);
  return { dir, inst, conn, webPort, echoPort };
}

async function teardown(s: Setup) {
  await s.conn.close();
  await s.inst.stop();
  killProcessesIn(s.dir);
}

/** The browser view of the script's latest run, from scripts_status. */
async function browserView(s: Setup, script: string): Promise<string> {
  const { runs } = await call(s.conn.client, "scripts_status", { name: script }) as {
    runs: Structured[];
  };
  const views = runs.at(-1)!.browser_urls as Record<string, string>;
  return Object.values(views)[0];
}

async function runUntilUrl(s: Setup, name: string) {
  const r = await call(s.conn.client, "scripts_run", { name, wait_for: "url", timeout_ms: 30_000 });
  assert.equal((r.wait as Structured).matched, true, JSON.stringify(r));
}

/** What a tab's navigation sends. */
const NAVIGATE = {
  "sec-fetch-dest": "document",
  "sec-fetch-mode": "navigate",
  accept: "text/html",
};

/** Raw request bytes to the proxy, for what fetch cannot send (another Host, absolute form). */
async function raw(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(request));
  const buf = new Uint8Array(4096);
  const n = await conn.read(buf);
  conn.close();
  return new TextDecoder().decode(buf.subarray(0, n ?? 0));
}

/** A GET with node:http, which, unlike fetch, hands the body over as it came (compressed). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Uint8Array }>(
    (resolve, reject) => {
      http.get(url, { headers }, (res) => {
        const chunks: Uint8Array[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: new Uint8Array(Buffer.concat(chunks)),
          }));
      }).on("error", reject);
    },
  );
}

async function sha(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "a dev server's browser view passes everything through, and tags pages only",
  opts,
  async (t) => {
    const s = await setup();
    try {
      await runUntilUrl(s, "web");
      const upstream = `http://localhost:${s.webPort}`;
      const view = await browserView(s, "web");
      assert.match(view, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const proxy = new URL(view).origin;
      const port = Number(new URL(view).port);
      assert.notEqual(port, s.webPort);

      await t.step("urls_list and scripts_status show the view and what it is for", async () => {
        const r = await s.conn.client.callTool({ name: "urls_list", arguments: {} });
        const text = (r.content as { text: string }[])[0].text;
        assert.ok(text.includes(`${upstream}/ (browser view: ${view})`), text);
        assert.match(text, /report their console errors, crashes and failed requests/);
        const runs = (r.structuredContent as { runs: Structured[] }).runs;
        assert.deepEqual(runs.find((x) => x.script === "web")!.browser_urls, {
          [`${upstream}/`]: view,
        });
        const st = await s.conn.client.callTool({ name: "scripts_status", arguments: {} });
        const status = (st.content as { text: string }[])[0].text;
        assert.ok(status.includes(`(browser view: ${view})`), status);
        assert.match(status, /report their console errors, crashes and failed requests/);
      });

      await t.step("a page gets the tag first in <head>, and its cookies", async () => {
        const r = await fetch(view, { headers: NAVIGATE });
        assert.equal(r.status, 200);
        assert.deepEqual(r.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/; HttpOnly"]);
        const body = await r.text();
        assert.match(
          body,
          /^<!doctype html>\n<html lang=en><head><script src="\/__buzz\/client\.js" data-buzz="[0-9a-f]{32}"><\/script><meta charset=utf-8>/,
        );
        const js = await fetch(`${proxy}/__buzz/client.js`);
        assert.equal(js.status, 200);
        assert.match(js.headers.get("content-type")!, /javascript/);
        await js.body?.cancel();
      });

      await t.step("a missing image answered with index.html stays untouched", async () => {
        const headers = { "sec-fetch-dest": "image", accept: "image/avif,image/webp,*/*" };
        const via = await (await fetch(`${proxy}/logo.png`, { headers })).text();
        const direct = await (await fetch(`${upstream}/logo.png`, { headers })).text();
        assert.equal(via, direct);
        assert.ok(!via.includes("__buzz"));
        // Without Sec-Fetch-Dest (curl, old browsers), only a request for HTML is a page.
        const api = await (await fetch(`${proxy}/logo.png`, { headers: { accept: "*/*" } })).text();
        assert.ok(!api.includes("__buzz"));
      });

      await t.step("methods, bodies, headers, cookies and statuses pass through", async () => {
        for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
          const r = await fetch(`${proxy}/echo?teapot`, {
            method,
            body: `body of ${method}`,
            headers: { cookie: "session=s3cret", "x-test": "kept", origin: proxy },
          });
          assert.equal(r.status, 418);
          // (Deno.serve sends the standard reason phrase; browsers ignore it.)
          assert.equal(r.headers.get("x-custom"), "yes");
          const echo = await r.json();
          assert.deepEqual(echo, {
            method,
            body: `body of ${method}`,
            cookie: "session=s3cret",
            // The dev server sees its own origin, as if the page were opened on it.
            origin: upstream,
            host: `localhost:${s.webPort}`,
            forwarded: `127.0.0.1:${port}`,
            custom: "kept",
          });
        }
      });

      await t.step(
        "redirects to the dev server come back to the proxy; others do not",
        async () => {
          const r = await fetch(`${proxy}/redirect`, { redirect: "manual" });
          assert.equal(r.status, 302);
          assert.equal(r.headers.get("location"), `${proxy}/echo?from=redirect`);
          const away = await fetch(`${proxy}/redirect-away`, { redirect: "manual" });
          assert.equal(away.headers.get("location"), "http://example.com/");
          const followed = await fetch(`${proxy}/redirect`);
          assert.equal(followed.url, `${proxy}/echo?from=redirect`);
          await followed.body?.cancel();
        },
      );

      await t.step("a streamed body and server-sent events arrive as they are sent", async () => {
        const r = await fetch(`${proxy}/stream`);
        const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
        // The server holds the rest back until /release: this read proves nothing is buffered.
        assert.equal((await reader.read()).value, "first half\n");
        await (await fetch(`${proxy}/release`)).text();
        let rest = "";
        for (let c = await reader.read(); !c.done; c = await reader.read()) rest += c.value;
        assert.equal(rest, "second half\n");

        const sse = await fetch(`${proxy}/sse`, { headers: { accept: "text/event-stream" } });
        assert.equal(sse.headers.get("content-type"), "text/event-stream");
        const events = sse.body!.pipeThrough(new TextDecoderStream()).getReader();
        assert.equal((await events.read()).value, "data: one\n\n");
        await (await fetch(`${proxy}/release`)).text();
        let more = "";
        for (let c = await events.read(); !c.done; c = await events.read()) more += c.value;
        assert.equal(more, "data: two\n\n");
      });

      await t.step("a 10 MB body arrives whole", async () => {
        const r = await fetch(`${proxy}/big`);
        assert.equal(r.headers.get("content-length"), String(10 * 1024 * 1024));
        const body = await r.arrayBuffer();
        assert.equal(body.byteLength, 10 * 1024 * 1024);
        assert.equal(
          await sha(body),
          await sha(await (await fetch(`${upstream}/big`)).arrayBuffer()),
        );
      });

      await t.step("compressed bodies pass through byte for byte", async () => {
        const headers = { "accept-encoding": "gzip, br" };
        const direct = await rawGet(`${upstream}/gz`, headers);
        // The first compressed answer tells the proxy that this server compresses: it arrives
        // decoded, whole; from then on compressed bodies pass through as they came.
        const first = await rawGet(`${proxy}/gz`, headers);
        assert.equal(first.headers["content-encoding"], undefined);
        assert.equal(new TextDecoder().decode(first.body), "compressed ".repeat(2000));
        const via = await rawGet(`${proxy}/gz`, headers);
        assert.equal(via.headers["content-encoding"], "gzip");
        assert.equal(via.headers["content-length"], direct.headers["content-length"]);
        assert.deepEqual(via.body, direct.body);
        // Bodies, methods and streams keep going through the other way too.
        const echo = await fetch(`${proxy}/echo`, { method: "PUT", body: "after" });
        assert.equal((await echo.json()).body, "after");
        const stream = await fetch(`${proxy}/stream`);
        const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
        assert.equal((await reader.read()).value, "first half\n");
        await (await fetch(`${proxy}/release`)).text();
        await reader.cancel();
      });

      await t.step(
        "a Content-Security-Policy allows the tag and its endpoint, no more",
        async () => {
          const r = await fetch(`${proxy}/csp`, { headers: NAVIGATE });
          await r.body?.cancel();
          assert.equal(
            r.headers.get("content-security-policy"),
            `default-src 'self'; img-src *; script-src 'self' ${proxy}/__buzz/client.js; ` +
              `connect-src 'self' ${proxy}/__buzz/events`,
          );
        },
      );

      await t.step("a request naming another host gets 400: never an open proxy", async () => {
        const foreign = await raw(
          port,
          "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        );
        assert.match(foreign, /^HTTP\/1\.1 400/);
        assert.match(foreign, /forwards only to http:\/\/localhost:\d+/);
        const absolute = await raw(
          port,
          `GET http://example.com/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
        );
        assert.match(absolute, /^HTTP\/1\.1 400/);
        const connect = await raw(
          port,
          `CONNECT example.com:443 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
        );
        assert.match(connect, /^HTTP\/1\.1 400/);
        const local = await raw(
          port,
          `GET /echo HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
        );
        assert.match(local, /^HTTP\/1\.1 200/);
        // Its own paths are its own: nothing under /__buzz/ reaches the dev server.
        const own = await fetch(`${proxy}/__buzz/nothing`);
        assert.equal(own.status, 404);
        await own.body?.cancel();
      });

      await t.step(
        "down: a page naming the script, refused upgrades; back on the same port",
        async () => {
          await call(s.conn.client, "scripts_stop", { name: "web" });
          const r = await fetch(`${proxy}/some/page`, { headers: NAVIGATE });
          assert.equal(r.status, 502);
          const page = await r.text();
          assert.match(page, /<h1>web is not answering<\/h1>/);
          assert.match(page, /web-1 was stopped/);
          assert.match(page, /\/__buzz\/up/);
          const up = await fetch(`${proxy}/__buzz/up`);
          assert.equal(up.status, 503);
          assert.equal(await up.text(), "web-1 was stopped");
          const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
          const refused = await new Promise<boolean>((resolve) => {
            ws.onopen = () => resolve(false);
            ws.onerror = () => resolve(true);
          });
          assert.ok(refused, "an upgrade while the dev server is down is refused");

          await runUntilUrl(s, "web");
          assert.equal(await browserView(s, "web"), view);
          const back = await fetch(`${proxy}/__buzz/up`);
          assert.equal(back.status, 200);
          await back.body?.cancel();
          const again = await fetch(view, { headers: NAVIGATE });
          assert.match(await again.text(), /__buzz\/client\.js/);
        },
      );

      await t.step("a restart on another port keeps the tab's URL", async () => {
        const moved = freePort();
        const r = await call(s.conn.client, "scripts_run", {
          name: "web",
          restart: true,
          env: { PORT: String(moved) },
          wait_for: "url",
          timeout_ms: 30_000,
        });
        assert.equal((r.wait as Structured).url, `http://localhost:${moved}/`);
        assert.equal(await browserView(s, "web"), view);
        const echo = await (await fetch(`${proxy}/echo`)).json();
        assert.equal(echo.host, `localhost:${moved}`);
      });

      await t.step("a WebSocket goes through, its subprotocol and cookie with it", async () => {
        await runUntilUrl(s, "echo");
        const echoView = await browserView(s, "echo");
        const ws = new WebSocket(echoView.replace("http:", "ws:"), {
          protocols: ["chat", "other"],
          headers: { cookie: "sid=42" },
        } as never);
        ws.binaryType = "arraybuffer";
        const got: unknown[] = [];
        const done = Promise.withResolvers<void>();
        ws.onmessage = (e) => {
          got.push(e.data);
          if (got.length === 1) ws.send("ping");
          if (got.length === 2) ws.send(new Uint8Array([1, 2, 3]));
          if (got.length === 3) done.resolve();
        };
        ws.onerror = () => done.reject(new Error("the echo socket failed"));
        await done.promise;
        assert.equal(ws.protocol, "chat");
        assert.deepEqual(got.slice(0, 2), ["hello sid=42", "ping"]);
        assert.deepEqual(new Uint8Array(got[2] as ArrayBuffer), new Uint8Array([1, 2, 3]));
        const closed = new Promise((r) => ws.onclose = r);
        ws.close();
        await closed;
        assert.match(s.inst.stderr(), /WebSocket \/ opened/);
      });

      await t.step('"browser": false in buzz.json: no browser view', async () => {
        await runUntilUrl(s, "plain");
        const { runs } = await call(s.conn.client, "scripts_status", { name: "plain" }) as {
          runs: Structured[];
        };
        assert.equal((runs[0].urls as string[]).length, 1);
        assert.deepEqual(runs[0].browser_urls, {});
      });
    } finally {
      await teardown(s);
    }
  },
);

Deno.test("--no-browser: the URLs are listed without a browser view", opts, async () => {
  const dir = await tempDir("buzz-no-browser-");
  const port = freePort();
  await Deno.writeTextFile(join(dir, "echo.ts"), ECHO_SERVER);
  await Deno.writeTextFile(
    join(dir, "buzz.json"),
    JSON.stringify({
      scripts: {
        echo: { command: `"${Deno.execPath()}" run -A echo.ts`, env: { PORT: `${port}` } },
      },
    }),
  );
  const inst = await startInstance({
    project: dir,
    discoveryDir: await tempDir("buzz-disc-"),
    args: ["--no-browser"],
  });
  const conn = await connectInstance(inst.record);
  try {
    await call(conn.client, "scripts_run", { name: "echo", wait_for: "url", timeout_ms: 30_000 });
    const { runs } = await call(conn.client, "urls_list") as { runs: Structured[] };
    assert.deepEqual(runs[0].urls, [`http://127.0.0.1:${port}/`]);
    assert.deepEqual(runs[0].browser_urls, {});
  } finally {
    await conn.close();
    await inst.stop();
    killProcessesIn(dir);
  }
});
