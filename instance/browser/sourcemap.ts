// Maps a page's stack frames to the project's files through the dev server's
// source maps: the script is fetched from the upstream (never from anywhere
// else), its `//# sourceMappingURL=` followed (an inline data: URL, as Vite's
// dev modules carry, or a file beside it on the same origin), and the position
// looked up with @jridgewell/trace-mapping. Maps are cached per script URL,
// query included, so `App.tsx?t=…` after an HMR update is a new entry.

import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

export interface Position {
  /** Project-relative when the file is in the project ("src/App.tsx"), else the URL's path. */
  file: string;
  line: number;
  column: number;
}

/** A frame of a stack as the browser printed it. */
export interface Frame {
  fn: string;
  url: string;
  line: number;
  column: number;
}

/** Maps kept per origin: by count, and by the size of their JSON (a big dependency's is MBs). */
const CACHE = 200;
const CACHE_BYTES = 64 * 1024 * 1024;
const MAX_SCRIPT = 32 * 1024 * 1024;
const FETCH_MS = 5000;

interface Cached {
  map: Promise<TraceMap | null>;
  bytes: number;
}

/** Frames remembered (a page repeats the same ones: its framework's, its own hot paths). */
const POSITIONS = 10_000;

export class SourceMaps {
  #maps = new Map<string, Cached>();
  #bytes = 0;
  #positions = new Map<string, Promise<Position>>();
  #dirs: string[];

  /** `proxied`: the origin pages see; `upstream`: the dev server's, where scripts are fetched. */
  constructor(readonly proxied: URL, readonly upstream: URL, dir: string) {
    let real = dir;
    try {
      real = Deno.realPathSync(dir);
    } catch { /* the directory's own name will do */ }
    this.#dirs = [...new Set([dir, real])].map((d) => d.replace(/\/+$/, ""));
  }

  /** The frame's place in the project's source, or in the script when it has no map. */
  map(frame: Frame): Promise<Position> {
    const key = `${frame.url}:${frame.line}:${frame.column}`;
    let found = this.#positions.get(key);
    if (!found) {
      if (this.#positions.size >= POSITIONS) this.#positions.clear();
      found = this.#map(frame);
      this.#positions.set(key, found);
    }
    return found;
  }

  async #map(frame: Frame): Promise<Position> {
    const script = this.#upstreamUrl(frame.url);
    if (script) {
      const map = await this.#load(script);
      if (map) {
        const found = originalPositionFor(map, { line: frame.line, column: frame.column - 1 });
        if (found.source && found.line !== null) {
          return {
            file: this.projectPath(found.source),
            line: found.line,
            column: found.column + 1,
          };
        }
      }
    }
    return { file: this.projectPath(frame.url), line: frame.line, column: frame.column };
  }

  /**
   * A URL or path as a project file: "http://…/src/App.tsx?t=1" → "src/App.tsx",
   * "/@fs/home/me/app/src/x.ts" → "src/x.ts" (when the project is /home/me/app).
   * Other origins' URLs stay whole.
   */
  projectPath(source: string): string {
    let path = source;
    if (/^[a-z][a-z0-9+.-]*:/i.test(source)) {
      let url: URL;
      try {
        url = new URL(source);
      } catch {
        return source;
      }
      if (url.protocol === "file:") path = decodeURIComponent(url.pathname);
      else if (url.origin === this.proxied.origin || url.origin === this.upstream.origin) {
        path = decodeURIComponent(url.pathname);
      } else return source;
    } else path = path.replace(/[?#].*$/, "");
    if (path.startsWith("/@fs/")) path = path.slice(4);
    for (const dir of this.#dirs) {
      if (path.startsWith(dir + "/")) return path.slice(dir.length + 1);
    }
    return path.replace(/^\/+/, "");
  }

  /** The same script on the upstream, or null for a URL not of this page's origin. */
  #upstreamUrl(url: string): string | null {
    try {
      const u = new URL(url);
      if (u.origin !== this.proxied.origin && u.origin !== this.upstream.origin) return null;
      return new URL(u.pathname + u.search, this.upstream).href;
    } catch {
      return null;
    }
  }

  #load(script: string): Promise<TraceMap | null> {
    let entry = this.#maps.get(script);
    if (entry) {
      // Most recently used last.
      this.#maps.delete(script);
    } else {
      const cached: Cached = { map: Promise.resolve(null), bytes: 0 };
      cached.map = fetchMap(script, this.upstream.origin, (bytes) => {
        if (this.#maps.get(script) !== cached) return;
        cached.bytes = bytes;
        this.#bytes += bytes;
        this.#evict();
      }).catch(() => null);
      entry = cached;
    }
    this.#maps.set(script, entry);
    this.#evict();
    return entry.map;
  }

  /** The least recently used go until the cache is within its bounds (the newest stays). */
  #evict(): void {
    while (this.#maps.size > 1 && (this.#maps.size > CACHE || this.#bytes > CACHE_BYTES)) {
      const [oldest, entry] = this.#maps.entries().next().value!;
      this.#maps.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }
}

async function fetchMap(
  script: string,
  origin: string,
  sized: (bytes: number) => void,
): Promise<TraceMap | null> {
  const js = await fetchText(script);
  if (js === null) return null;
  // The last comment wins; it sits at the end, so the tail is enough.
  const tail = js.slice(-64 * 1024);
  const found = [...tail.matchAll(/\/\/[#@] sourceMappingURL=(\S+)/g)].at(-1)?.[1];
  if (!found) return null;
  let json: string | null;
  if (found.startsWith("data:")) {
    const comma = found.indexOf(",");
    const head = found.slice(0, comma);
    const body = found.slice(comma + 1);
    json = head.endsWith(";base64")
      ? new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0)))
      : decodeURIComponent(body);
  } else {
    const url = new URL(found, script);
    if (url.origin !== origin) return null;
    json = await fetchText(url.href);
  }
  if (json === null) return null;
  sized(json.length);
  return new TraceMap(JSON.parse(json), script);
}

async function fetchText(url: string): Promise<string | null> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_MS), redirect: "manual" });
  if (!res.ok || Number(res.headers.get("content-length") ?? 0) > MAX_SCRIPT) {
    await res.body?.cancel();
    return null;
  }
  const text = await res.text();
  return text.length > MAX_SCRIPT ? null : text;
}

// Chrome: "    at fn (http://h/x.js:1:2)" or "    at http://h/x.js:1:2";
// Firefox and Safari: "fn@http://h/x.js:1:2".
const V8_FRAME = /^\s*at (?:(.+?) \()?(?:async )?(\S+?):(\d+):(\d+)\)?$/;
const GECKO_FRAME = /^(.*?)@(\S+?):(\d+):(\d+)$/;

/** The frames of a stack, top first; lines that are not frames are skipped. */
export function parseStack(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split("\n")) {
    const m = line.match(V8_FRAME) ?? line.match(GECKO_FRAME);
    if (!m) continue;
    frames.push({ fn: (m[1] ?? "").trim(), url: m[2], line: +m[3], column: +m[4] });
  }
  return frames;
}
