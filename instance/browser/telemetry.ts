// The endpoint the injected script posts to (POST /__buzz/events on each
// proxied origin). It accepts a batch only with the instance's secret and from
// the proxy's own origin; keeps each event under 64 KB and each page under a
// few hundred events a second, counting what it drops; maps stacks through
// the dev server's source maps; and hands the supervisor plain records: lines
// cleaned of every control character, errors with their mapped location. A
// page's text is data: nothing here, nor in any view, runs it or renders it
// as markup.

import type { Supervisor } from "../supervise/supervisor.ts";
import { stripTerminal } from "../supervise/terminal.ts";
import { clientScript } from "./client.ts";
import type { BrowserRecord } from "./pages.ts";
import { type Frame, parseStack, type Position, SourceMaps } from "./sourcemap.ts";

export { clientScript };

export interface BrowserContext {
  /** The buzz script whose run serves this origin. */
  script: string;
  /** The dev server's origin, e.g. http://localhost:5173. */
  upstream: URL;
  /** The proxy's origin, e.g. http://127.0.0.1:41234. */
  proxied: URL;
  secret: string;
  /** The script's current run id (e.g. "web-1"), if any. */
  runId(): string | undefined;
  /** Where the records go: the supervisor owns the runs. */
  supervisor: Supervisor;
}

/** Most bytes of one event, as JSON. */
export const MAX_EVENT = 64 * 1024;
/** Events a page may send per second (and in one burst). */
export const PAGE_RATE = 300;
/** Most bytes of one batch. */
const MAX_BODY = 2 * 1024 * 1024;
/** Pages whose rate is tracked at once; the least recent go first. */
const MAX_TRACKED = 1000;
/** Stack frames kept per error. */
const MAX_FRAMES = 12;

interface PageState {
  tokens: number;
  at: number;
  /** Dropped events not yet reported in the run's log, and since when. */
  dropped: number;
  reportedAt: number;
}

const pages = new Map<string, PageState>();
const maps = new Map<string, SourceMaps>();

/** Handles POST /__buzz/events. */
export async function handleEvents(req: Request, ctx: BrowserContext): Promise<Response> {
  if (req.method !== "POST") return text(405, "POST only");
  if (!sameOrigin(req.headers.get("origin"), ctx.proxied)) {
    return text(403, "telemetry is accepted only from the proxy's own origin");
  }
  if (!sameSecret(req.headers.get("x-buzz-secret") ?? "", ctx.secret)) {
    return text(403, "wrong or missing x-buzz-secret");
  }
  const body = await readLimited(req, MAX_BODY);
  if (body === null) return text(413, `a batch is at most ${MAX_BODY} bytes`);
  let batch: unknown;
  try {
    batch = JSON.parse(body);
  } catch {
    return text(400, "not JSON");
  }
  if (!isBatch(batch)) return text(400, "expected {page, url, events: [...]}");
  const processId = ctx.runId();
  const sup = ctx.supervisor;
  if (!processId) return new Response(null, { status: 204 });

  const state = pageState(`${ctx.proxied.origin} ${batch.page}`);
  const now = Date.now();
  state.tokens = Math.min(PAGE_RATE, state.tokens + (now - state.at) * PAGE_RATE / 1000);
  state.at = now;
  state.dropped += nonNegative(batch.dropped);
  const kept: Record<string, unknown>[] = [];
  for (const ev of batch.events) {
    if (state.tokens < 1 || !isObject(ev) || jsonBytes(ev) > MAX_EVENT) {
      state.dropped++;
      continue;
    }
    state.tokens--;
    kept.push(ev);
  }

  const mapper = sourceMaps(ctx, sup.dir);
  const base = { page: batch.page, url: oneLine(str(batch.url)), title: oneLine(str(batch.title)) };
  const records: BrowserRecord[] = [];
  for (const ev of kept) {
    const rec = await toRecord(ev, base, mapper);
    if (rec) records.push(rec);
  }
  if (state.dropped && now - state.reportedAt >= 1000) {
    records.push({
      ...base,
      lines: [{
        stream: "stderr",
        text: `buzz: dropped ${state.dropped} events from ${base.url} (over ${PAGE_RATE} a ` +
          `second, over ${MAX_EVENT / 1024} KB, or malformed)`,
      }],
    });
    state.dropped = 0;
    state.reportedAt = now;
  }
  // A batch of pings still says the page is there.
  if (!records.length) records.push({ ...base, lines: [] });
  sup.browser(processId, records);
  return new Response(null, { status: 204 });
}

interface Base {
  page: string;
  url: string;
  title: string;
}

async function toRecord(
  ev: Record<string, unknown>,
  base: Base,
  maps: SourceMaps,
): Promise<BrowserRecord | null> {
  const line = (stream: "stdout" | "stderr", text: string) => ({
    stream,
    text: clean(text).replaceAll("\n", " "),
  });
  const message = oneLine(str(ev.message));
  switch (ev.type) {
    case "ping":
      return { ...base, lines: [] };
    case "gone":
      return { ...base, gone: true, lines: [line("stdout", `page closed ${base.url}`)] };
    case "load": {
      const how = ev.navigation === "reload" ? "reloaded" : "opened";
      return { ...base, loaded: true, lines: [line("stdout", `page ${how} ${base.url}`)] };
    }
    case "loaded": {
      const title = base.title ? ` "${base.title}"` : "";
      const ms = nonNegative(ev.ms);
      return { ...base, lines: [line("stdout", `page loaded ${base.url}${title} in ${ms} ms`)] };
    }
    case "route":
      return {
        ...base,
        url: oneLine(str(ev.url)),
        lines: [line("stdout", `route → ${str(ev.url)}`)],
      };
    case "hmr": {
      const paths = Array.isArray(ev.paths)
        ? ev.paths.map(str).map((p) => maps.projectPath(p))
        : [];
      return {
        ...base,
        replaced: paths,
        lines: [line("stdout", `hmr update ${paths.join(", ")}`)],
      };
    }
    case "full_reload":
      return { ...base, lines: [line("stdout", `hmr full reload ${str(ev.path)}`)] };
    case "vite_error": {
      const at = str(ev.file) ? `  ${maps.projectPath(str(ev.file))}:${ev.line}:${ev.column}` : "";
      return { ...base, lines: [line("stderr", `vite error overlay: ${message}${at}`)] };
    }
    case "console": {
      const level = ["error", "warn", "log", "info", "debug"].includes(str(ev.level))
        ? str(ev.level)
        : "log";
      const loud = level === "error" || level === "warn";
      const { where, stack } = await locate(str(ev.stack), maps);
      const rest = str(ev.message).split("\n").slice(1, 30).map((l) => line("stderr", l));
      const head = line(loud ? "stderr" : "stdout", `console.${level}: ${message}${at(where)}`);
      if (level !== "error") return { ...base, lines: [head, ...(loud ? rest : [])] };
      return { ...base, lines: [head, ...rest], error: error("console", message, where, stack) };
    }
    case "uncaught":
    case "unhandled_rejection": {
      let { where, stack } = await locate(str(ev.stack), maps);
      if (!where && str(ev.file) && Number(ev.line) > 0) {
        const frame = {
          fn: "",
          url: str(ev.file),
          line: +ev.line!,
          column: Number(ev.column) || 1,
        };
        where = await maps.map(frame);
      }
      const label = ev.type === "uncaught" ? "" : "Unhandled rejection: ";
      const lines = [line("stderr", `${label}${message}${at(where)}`)];
      lines.push(...stack.map((s) => line("stderr", `    ${s}`)));
      const kind = ev.type === "uncaught" ? "uncaught" : "unhandled_rejection";
      return { ...base, lines, error: error(kind, `${label}${message}`, where, stack) };
    }
    case "network": {
      const status = nonNegative(ev.status);
      const what = `${oneLine(str(ev.method))} ${oneLine(str(ev.url))}`;
      const outcome = status ? `→ ${status}` : `failed: ${oneLine(str(ev.error))}`;
      const { where, stack } = await locate(str(ev.stack), maps);
      const msg = `${what} ${outcome}`;
      return {
        ...base,
        lines: [line("stderr", `${msg} (${nonNegative(ev.ms)} ms)${at(where)}`)],
        error: error("network", msg, where, stack),
      };
    }
    case "resource": {
      const { where, stack } = await locate(str(ev.stack), maps);
      const msg = `failed to load ${oneLine(str(ev.tag))} ${oneLine(str(ev.url))}`;
      return {
        ...base,
        lines: [line("stderr", `${msg}${at(where)}`)],
        error: error("resource", msg, where, stack),
      };
    }
    default:
      return null;
  }
}

function error(
  kind: NonNullable<BrowserRecord["error"]>["kind"],
  message: string,
  where: Position | null,
  stack: string[],
): BrowserRecord["error"] {
  return {
    kind,
    message: clean(message),
    file: where?.file ?? null,
    line: where?.line ?? null,
    column: where?.column ?? null,
    stack,
  };
}

/**
 * The stack's frames mapped to the project's files, buzz's own dropped, and
 * the frame the error is shown at: the first in the project's own code (not a
 * dependency's), else the first.
 */
async function locate(
  raw: string,
  maps: SourceMaps,
): Promise<{ where: Position | null; stack: string[] }> {
  const frames = parseStack(raw).filter((f) => !isOurs(f)).slice(0, MAX_FRAMES);
  const mapped = await Promise.all(frames.map((f) => maps.map(f)));
  const stack = frames.map((f, i) => clean(`at ${f.fn ? `${f.fn} ` : ""}(${pos(mapped[i])})`));
  const where = mapped.find((p) => !isDependency(p.file)) ?? mapped[0] ?? null;
  return { where, stack };
}

function isOurs(f: Frame): boolean {
  return f.url.includes("/__buzz/");
}

function isDependency(file: string): boolean {
  return /(^|\/)node_modules\/|^@vite\/|^@react-refresh|^[a-z]+:\/\//.test(file);
}

function pos(p: Position): string {
  return `${p.file}:${p.line}:${p.column}`;
}

function at(p: Position | null): string {
  return p ? `  ${pos(p)}` : "";
}

function sourceMaps(ctx: BrowserContext, dir: string): SourceMaps {
  const key = `${ctx.proxied.origin} ${ctx.upstream.origin} ${dir}`;
  let m = maps.get(key);
  if (!m) {
    m = new SourceMaps(ctx.proxied, ctx.upstream, dir);
    maps.set(key, m);
  }
  return m;
}

function pageState(key: string): PageState {
  let s = pages.get(key);
  if (s) pages.delete(key);
  else s = { tokens: PAGE_RATE, at: Date.now(), dropped: 0, reportedAt: 0 };
  pages.set(key, s);
  if (pages.size > MAX_TRACKED) pages.delete(pages.keys().next().value!);
  return s;
}

/** The proxy's origin, or the same port reached as localhost or [::1]. */
function sameOrigin(origin: string | null, proxied: URL): boolean {
  if (!origin) return false;
  try {
    const o = new URL(origin);
    const loopback = ["127.0.0.1", "localhost", "[::1]"];
    return o.origin === proxied.origin ||
      (o.protocol === proxied.protocol && o.port === proxied.port &&
        loopback.includes(o.hostname) && loopback.includes(proxied.hostname));
  } catch {
    return false;
  }
}

function sameSecret(given: string, secret: string): boolean {
  if (!secret || given.length !== secret.length) return false;
  let diff = 0;
  for (let i = 0; i < secret.length; i++) diff |= given.charCodeAt(i) ^ secret.charCodeAt(i);
  return diff === 0;
}

/** The body as text, or null once it passes `max` bytes (not read further). */
async function readLimited(req: Request, max: number): Promise<string | null> {
  if (Number(req.headers.get("content-length") ?? 0) > max) {
    await req.body?.cancel();
    return null;
  }
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

interface Batch {
  page: string;
  url: string;
  title?: unknown;
  dropped?: unknown;
  events: unknown[];
}

function isBatch(b: unknown): b is Batch {
  return isObject(b) && typeof b.page === "string" && /^[\w-]{1,64}$/.test(b.page) &&
    typeof b.url === "string" && Array.isArray(b.events);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

function nonNegative(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.round(v) : 0;
}

const encoder = new TextEncoder();
function jsonBytes(v: unknown): number {
  return encoder.encode(JSON.stringify(v)).length;
}

// C0 and C1 controls (escape sequences start with ESC or CSI), DEL, and the
// bidirectional overrides that make text read differently than it is.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** A page's text made safe for a terminal: tabs and newlines kept, other controls gone. */
export function clean(s: string): string {
  // Whole escape sequences first, so their parameters do not stay behind as text.
  return stripTerminal(s).replace(UNSAFE, "").replaceAll("\t", "  ");
}

/** The first line of a message, cleaned. */
function oneLine(s: string): string {
  return clean(s.split("\n", 1)[0] ?? "").slice(0, 2000);
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain" } });
}
