// A WebSocket through a browser view (HMR's socket, the app's own): the dev
// server's end is opened first, with the page's subprotocols, cookies and
// origin, and only then is the page's upgrade accepted, with the subprotocol
// the server chose. So an upgrade while the dev server is down is refused:
// Vite's client then keeps asking until the server is back and reloads,
// instead of reloading into an error page.

import { log } from "../../shared/log.ts";

const OPEN_TIMEOUT_MS = 10_000;

export interface TunnelEnd {
  /** The dev server's origin. */
  upstream: URL;
  /** The proxy's origin. */
  origin: string;
  describe(): { script: string; state: string };
}

/** Upgrades the page's request once the dev server's socket is open; every open socket is in `sockets`. */
export async function tunnel(
  req: Request,
  url: URL,
  end: TunnelEnd,
  sockets: Set<WebSocket>,
): Promise<Response> {
  const up = end.upstream;
  const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",")
    .map((p) => p.trim()).filter(Boolean);
  const headers: Record<string, string> = {};
  for (const k of ["cookie", "authorization", "user-agent", "origin"]) {
    const v = req.headers.get(k);
    if (v) headers[k] = v;
  }
  if (headers.origin === end.origin) headers.origin = up.origin;
  const target = `ws://${up.host}${url.pathname}${url.search}`;
  let upstream: WebSocket;
  try {
    upstream = new WebSocket(target, { protocols, headers } as never);
  } catch (e) {
    return refused(`cannot open ${target}: ${(e as Error).message}`);
  }
  upstream.binaryType = "arraybuffer";
  const early: (string | ArrayBuffer)[] = [];
  upstream.onmessage = (e) => early.push(e.data);
  const opened = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), OPEN_TIMEOUT_MS);
    upstream.onopen = () => (clearTimeout(timer), resolve(true));
    upstream.onerror = upstream.onclose = () => (clearTimeout(timer), resolve(false));
  });
  if (!opened) {
    upstream.onclose = upstream.onerror = upstream.onmessage = null;
    try {
      upstream.close();
    } catch { /* never opened */ }
    const { script, state } = end.describe();
    return refused(
      `${script}'s dev server at ${up.origin} refused the WebSocket or is down (${state})`,
    );
  }
  const { socket, response } = Deno.upgradeWebSocket(req, {
    protocol: upstream.protocol || undefined,
  });
  socket.binaryType = "arraybuffer";
  log.debug(
    `browser proxy ${end.origin}: WebSocket ${url.pathname} opened to ${up.origin}` +
      (upstream.protocol ? ` (${upstream.protocol})` : ""),
  );
  sockets.add(socket);
  sockets.add(upstream);
  const closeBoth = (code?: number, reason?: string) => {
    sockets.delete(socket);
    sockets.delete(upstream);
    // Only 1000 and 3000–4999 may be sent; others (1001, 1006…) end as a plain close.
    const ok = code === 1000 || (code !== undefined && code >= 3000 && code <= 4999);
    for (const s of [socket, upstream]) {
      if (s.readyState === WebSocket.OPEN || s.readyState === WebSocket.CONNECTING) {
        try {
          ok ? s.close(code, reason) : s.close();
        } catch { /* already closing */ }
      }
    }
  };
  const relay = (to: WebSocket, data: string | ArrayBuffer) => {
    try {
      if (to.readyState === WebSocket.OPEN) to.send(data);
    } catch { /* closing; its close event ends both */ }
  };
  socket.onopen = () => {
    for (const m of early.splice(0)) relay(socket, m);
    upstream.onmessage = (e) => relay(socket, e.data);
  };
  socket.onmessage = (e) => relay(upstream, e.data);
  socket.onclose = (e) => closeBoth(e.code, e.reason);
  upstream.onclose = (e) => closeBoth(e.code, e.reason);
  socket.onerror = upstream.onerror = () => closeBoth();
  return response;
}

function refused(why: string): Response {
  return new Response(why, {
    status: 502,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}
