// The pages a run's dev server has open in browsers (through buzz's proxy):
// each page is one document, known by the id its telemetry script made up,
// with the URL and title it last reported. A page that said goodbye, or has
// not been heard from for a while (its script pings every 20 s while open),
// is no longer connected. A run holds one Pages; the supervisor owns runs.

import type { BrowserErrorKind, DetectedError } from "../detect/types.ts";
import type { Stream } from "../supervise/log_buffer.ts";

export interface PageInfo {
  url: string;
  title: string;
  /** ISO 8601. */
  last_seen: string;
}

/** What one event of a page amounts to once checked and mapped (telemetry.ts). */
export interface BrowserRecord {
  /** The page's id (one per document). */
  page: string;
  url: string;
  title?: string;
  /** The page is going away (navigation, tab closed). */
  gone?: boolean;
  /** Lines for the run's log, already cleaned of control characters. */
  lines: { stream: Stream; text: string }[];
  error?: {
    kind: BrowserErrorKind;
    message: string;
    file: string | null;
    line: number | null;
    column: number | null;
    stack: string[];
  };
  /** The page loaded or reloaded (its URL's errors are no longer current unless they recur). */
  loaded?: boolean;
  /** Project files HMR replaced: the errors they caused are no longer current unless they recur. */
  replaced?: string[];
}

/** A page not heard from for this long is taken as closed. */
const SILENT_MS = 60_000;
/** Pages remembered per run; the least recently seen go first. */
const MAX_PAGES = 50;

export class Pages {
  #pages = new Map<string, PageInfo & { at: number }>();

  seen(id: string, url: string, title: string | undefined, now = Date.now()): void {
    const old = this.#pages.get(id);
    this.#pages.delete(id);
    this.#pages.set(id, {
      url,
      title: title ?? old?.title ?? "",
      last_seen: new Date(now).toISOString(),
      at: now,
    });
    if (this.#pages.size > MAX_PAGES) this.#pages.delete(this.#pages.keys().next().value!);
  }

  gone(id: string): void {
    this.#pages.delete(id);
  }

  /** The pages connected now, the most recently seen first. */
  list(now = Date.now()): PageInfo[] {
    return [...this.#pages.values()].filter((p) => now - p.at < SILENT_MS).reverse()
      .map(({ url, title, last_seen }) => ({ url, title, last_seen }));
  }
}

/** Whether an error came from one of the files (project-relative paths) or its stack passed there. */
export function cameFrom(e: DetectedError, files: string[]): boolean {
  if (e.tool !== "browser") return false;
  return files.some((f) =>
    e.file === f || (e.stack ?? []).some((s) => s.includes(`(${f}:`) || s.includes(` ${f}:`))
  );
}
