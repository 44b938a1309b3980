// One dev server's browser view: an HTTP server on 127.0.0.1 that passes every
// request to the dev server's origin and its answer back as it comes (methods,
// headers, cookies, statuses, streamed bodies, server-sent events, WebSockets),
// with three changes: the telemetry tag in pages (inject.ts), redirects to the
// dev server pointed back at the proxy, and a page of its own while the dev
// server does not answer (down_page.ts). WebSockets go through websocket.ts.
// It forwards to that origin only.

import type http from "node:http";
import { log } from "../../shared/log.ts";
import { downPage, UP_PATH } from "./down_page.ts";
import { tunnel } from "./websocket.ts";
import {
  CLIENT_PATH,
  EVENTS_PATH,
  injectTag,
  isNavigation,
  scriptTag,
  widenCsp,
} from "./inject.ts";

export interface ProxyOptions {
  /** The dev server's origin, as its run printed it (http://localhost:5173). */
  upstream: URL;
  /** 0 (default) for any free port. */
  port?: number;
  /** The per-instance secret the page's script carries. */
  secret: string;
  /** The script behind the dev server and what it does now, for the down page. */
  describe(): { script: string; state: string };
  /** The telemetry's two ends (instance/browser/telemetry.ts). */
  telemetry: {
    clientScript(): string;
    handleEvents(req: Request): Promise<Response>;
  };
}

export interface Proxy {
  port: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The same URL through the proxy: http://localhost:5173/app → http://127.0.0.1:PORT/app. */
  proxied(url: string): string;
  /** The dev server it stands for now (it moved to another port, say), on the same port. */
  retarget(upstream: URL): void;
  close(): Promise<void>;
}

/** Headers that describe one connection, not the message; never forwarded. */
const HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
]);
/** Statuses whose responses have no body. */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

export function startProxy(opts: ProxyOptions): Proxy {
  let up = opts.upstream;
  let upHost = connectHost(up.hostname);
  let upPort = Number(up.port || 80);
  let agent: http.Agent | null = null;
  const sockets = new Set<WebSocket>();
  let origin = "";
  let allowed = new Set<string>();

  const handler = (req: Request): Response | Promise<Response> => {
    const url = new URL(req.url);
    const host = (req.headers.get("host") ?? "").toLowerCase();
    if (!allowed.has(host) || !allowed.has(url.host.toLowerCase())) {
      return text(
        400,
        `buzz's browser proxy at ${origin} forwards only to ${up.origin} (for ` +
          `${opts.describe().script}); this request names "${host || url.host}". ` +
          `Open ${origin}/ instead.`,
      );
    }
    if (url.pathname.startsWith("/__buzz/")) return own(req, url);
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      return tunnel(req, url, { upstream: up, origin, describe: opts.describe }, sockets);
    }
    return forward(req, url);
  };

  /** The proxy's own paths; nothing under /__buzz/ reaches the dev server. */
  const own = async (req: Request, url: URL): Promise<Response> => {
    if (url.pathname === CLIENT_PATH && req.method === "GET") {
      return new Response(opts.telemetry.clientScript(), {
        headers: {
          "content-type": "text/javascript; charset=utf-8",
          "cache-control": "no-store",
        },
      });
    }
    if (url.pathname === EVENTS_PATH && req.method === "POST") {
      return await opts.telemetry.handleEvents(req);
    }
    if (url.pathname === UP_PATH) {
      return await reachable()
        ? text(200, "")
        : text(503, opts.describe().state, { "cache-control": "no-store" });
    }
    return text(404, `buzz's browser proxy has nothing at ${url.pathname}`);
  };

  const reachable = async (): Promise<boolean> => {
    try {
      (await Deno.connect({ hostname: upHost, port: upPort })).close();
      return true;
    } catch {
      return false;
    }
  };

  const down = (req: Request, why: string): Response => {
    const { script, state } = opts.describe();
    log.debug(`browser proxy ${origin}: ${up.origin} does not answer: ${why}`);
    if (isNavigation(req)) {
      return new Response(downPage({ script, upstream: up.origin, state }), {
        status: 502,
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
      });
    }
    return text(502, `${script}'s dev server at ${up.origin} is not answering (${state})`);
  };

  /**
   * The dev server's answer. fetch() is the fast way there, but it decodes a
   * compressed body and cannot hand it over as it came: once a dev server
   * answers compressed, its proxy asks it through node:http from then on
   * (that one answer goes out decoded, its content whole).
   */
  let compresses = false;
  const forward = async (req: Request, url: URL): Promise<Response> => {
    const nav = isNavigation(req);
    const headers: Record<string, string> = {};
    const dropped = connectionHeaders(req.headers);
    for (const [k, v] of req.headers) {
      if (!HOP.has(k) && !dropped.has(k)) headers[k] = v;
    }
    for (const k of ["origin", "referer"]) {
      if (headers[k]?.startsWith(origin)) headers[k] = up.origin + headers[k].slice(origin.length);
    }
    headers["x-forwarded-host"] = url.host;
    headers["x-forwarded-proto"] = "http";
    // A page is read to put the tag in: asked for as is, not compressed.
    if (nav) headers["accept-encoding"] = "identity";
    if (compresses) return await viaNode(req, url, headers, nav);
    let res: Response;
    try {
      res = await fetch(`${up.origin}${url.pathname}${url.search}`, {
        method: req.method,
        headers,
        body: req.body,
        redirect: "manual",
        signal: req.signal,
      });
    } catch (e) {
      return down(req, (e as Error).message);
    }
    const out = responseHeaders([...res.headers]);
    const encoding = out.get("content-encoding");
    if (encoding && encoding.toLowerCase() !== "identity") {
      compresses = true;
      log.debug(
        `browser proxy ${origin}: ${up.origin} compresses (${encoding}); node:http from now`,
      );
      out.delete("content-encoding");
      out.delete("content-length");
    }
    return answer(req, nav, res.status, out, res.body);
  };

  const viaNode = async (
    req: Request,
    url: URL,
    headers: Record<string, string>,
    nav: boolean,
  ): Promise<Response> => {
    const { http, Readable } = await nodeModules();
    const kept = agent ??= new http.Agent({ keepAlive: true, maxSockets: 64 });
    return await new Promise((resolve) => {
      const out = http.request({
        host: upHost,
        port: upPort,
        method: req.method,
        path: url.pathname + url.search,
        headers,
        agent: kept,
      }, (res) => {
        const raw = res.rawHeaders;
        const pairs: [string, string][] = [];
        for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
        resolve(answer(req, nav, res.statusCode ?? 502, responseHeaders(pairs), streamOf(res)));
      });
      out.on("error", (e) => resolve(down(req, e.message)));
      req.signal.addEventListener("abort", () => out.destroy(), { once: true });
      if (req.body) Readable.fromWeb(req.body as never).pipe(out);
      else out.end();
    });
  };

  const answer = (
    req: Request,
    nav: boolean,
    status: number,
    headers: Headers,
    upstreamBody: ReadableStream<Uint8Array> | null,
  ): Response => {
    const location = headers.get("location");
    if (location) headers.set("location", pointedBack(location, up, origin));
    if (NO_BODY.has(status) || req.method === "HEAD" || !upstreamBody) {
      upstreamBody?.cancel().catch(() => {});
      return new Response(null, { status, headers });
    }
    let body = upstreamBody;
    const html = /^\s*text\/html/i.test(headers.get("content-type") ?? "");
    const encoding = (headers.get("content-encoding") ?? "identity").trim().toLowerCase();
    const decoder = encoding === "gzip" || encoding === "x-gzip"
      ? "gzip"
      : encoding === "deflate"
      ? "deflate"
      : encoding === "identity"
      ? null
      : undefined;
    if (nav && html && decoder !== undefined) {
      if (decoder) {
        body = body.pipeThrough(new DecompressionStream(decoder) as never);
        headers.delete("content-encoding");
      }
      const nonce = crypto.randomUUID().replaceAll("-", "");
      let csp = false;
      const policy = headers.get("content-security-policy");
      if (policy) {
        const widened = widenCsp(policy, origin, nonce);
        headers.set("content-security-policy", widened.header);
        csp = widened.nonce;
      }
      body = body.pipeThrough(injectTag(scriptTag(opts.secret, csp ? nonce : undefined)));
      // The page is no longer the bytes these describe.
      for (const h of ["content-length", "etag", "last-modified", "content-md5"]) {
        headers.delete(h);
      }
    }
    return new Response(body, { status, headers });
  };

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: opts.port ?? 0,
    onListen() {},
    onError(e) {
      log.debug(`browser proxy ${origin}:`, e);
      return text(502, `buzz's browser proxy failed: ${(e as Error).message}`);
    },
  }, handler);
  const port = server.addr.port;
  origin = `http://127.0.0.1:${port}`;
  allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  return {
    port,
    origin,
    proxied(printed: string): string {
      const u = new URL(printed);
      return origin + u.pathname + u.search + u.hash;
    },
    retarget(upstream: URL) {
      up = upstream;
      upHost = connectHost(up.hostname);
      upPort = Number(up.port || 80);
      compresses = false;
    },
    async close() {
      for (const s of sockets) {
        try {
          s.close();
        } catch { /* closing */ }
      }
      agent?.destroy();
      // Streams (server-sent events) would hold a graceful shutdown open forever.
      await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 1000))]);
    },
  };
}

/** Deno's Node layer, loaded the first time a dev server answers compressed (it takes ~0.2 s). */
let node: Promise<{ http: typeof http; Readable: typeof import("node:stream").Readable }> | null =
  null;
function nodeModules() {
  node ??= Promise.all([import("node:http"), import("node:stream")]).then(([h, s]) => ({
    http: h.default,
    Readable: s.Readable,
  }));
  return node;
}

/** How much of a response may wait for a slow browser before the dev server is paused. */
const BUFFER_BYTES = 1 << 20;

/**
 * A response body as a web stream, read ahead up to BUFFER_BYTES (node's own
 * Readable.toWeb reads a few KB ahead, which costs a 10 MB download half its speed).
 */
function streamOf(res: http.IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(ctrl) {
      // After a cancel the stream takes nothing more; what node still emits is dropped (a throw
      // here would be an uncaught error in the instance).
      res.on("data", (chunk: Uint8Array) => {
        try {
          ctrl.enqueue(chunk);
          if ((ctrl.desiredSize ?? 0) <= 0) res.pause();
        } catch {
          res.destroy();
        }
      });
      res.on("end", () => {
        try {
          ctrl.close();
        } catch { /* cancelled */ }
      });
      res.on("error", (e) => {
        try {
          ctrl.error(e);
        } catch { /* cancelled */ }
      });
    },
    pull() {
      res.resume();
    },
    cancel() {
      res.destroy();
    },
  }, { highWaterMark: BUFFER_BYTES, size: (chunk) => chunk.byteLength });
}

/** The address to connect to for a printed host: 0.0.0.0 means this machine. */
function connectHost(hostname: string): string {
  const h = hostname.replace(/^\[|\]$/g, "");
  if (h === "0.0.0.0") return "127.0.0.1";
  if (h === "::") return "::1";
  return h;
}

/** A response's headers without the hop-by-hop ones (and those its Connection header names). */
function responseHeaders(pairs: [string, string][]): Headers {
  const dropped = new Set<string>();
  for (const [k, v] of pairs) {
    if (k.toLowerCase() === "connection") {
      for (const h of v.split(",")) dropped.add(h.trim().toLowerCase());
    }
  }
  const headers = new Headers();
  for (const [k, v] of pairs) {
    const name = k.toLowerCase();
    if (!HOP.has(name) && !dropped.has(name)) headers.append(name, v);
  }
  return headers;
}

/** Headers a Connection header names as this connection's own. */
function connectionHeaders(headers: Headers): Set<string> {
  return new Set(
    (headers.get("connection") ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(
      Boolean,
    ),
  );
}

/** Hosts that all mean this machine, so a redirect to any of them at the dev server's port is one to it. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0", "[::]"]);

/** A Location that points at the dev server, pointed at the proxy instead. */
export function pointedBack(location: string, upstream: URL, origin: string): string {
  let u: URL;
  try {
    u = new URL(location);
  } catch {
    return location; // relative: already on the proxy
  }
  const sameHost = u.hostname === upstream.hostname ||
    (LOOPBACK.has(u.hostname) && LOOPBACK.has(upstream.hostname));
  if (u.protocol !== "http:" || !sameHost || u.port !== upstream.port) return location;
  return origin + u.pathname + u.search + u.hash;
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}
