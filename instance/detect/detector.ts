// Spots URLs and errors in one run's output, a line at a time. An error often
// spans lines (a headline, then its stack or code frame), so each stream keeps
// its open error and adds the lines its tool's rule says belong to it. stdout
// and stderr are read concurrently and may interleave, hence one open error per
// stream. Each run keeps an error book: identical reports collapse into one
// error with a count, and errors are resolved when their tool reports success
// or a new cycle (see detect/signals.ts). The per-tool formats are in
// detect/rules.ts.

import type { LogLine, Stream } from "../supervise/log_buffer.ts";
import { ErrorBook } from "./book.ts";
import { mayStart, RULES } from "./rules.ts";
import { applySignal } from "./signals.ts";
import type { DetectedError, Draft } from "./types.ts";

export type { DetectedError, ErrorKind, Tool } from "./types.ts";

/** One complete report of an error: the book entry it counts towards and the seqs of its lines. */
export interface Report {
  error: DetectedError;
  seqs: number[];
}

export interface Detection {
  /** URLs this run had not printed before. */
  urls: string[];
  /**
   * An error this line started. Later lines may still extend it, and once
   * complete it may fold into an earlier identical error (then that one's
   * count grows and this one leaves the book).
   */
  error: DetectedError | null;
  /** Reports this line completed (the line after an error usually does). */
  closed: Report[];
  /** Errors this line resolved: their tool reported success or a new cycle. */
  resolved: DetectedError[];
}

const MAX_ERROR_LINES = 200;
/** Lines of each stream kept for looking back (Node's prelude, ESLint's file header). */
const RECENT = 64;

interface Open {
  draft: Draft;
  seqs: number[];
  /** Blank lines seen since its last line; kept only if the error continues. */
  blanks: LogLine[];
}

export class RunDetector {
  readonly urls: string[] = [];
  #seen = new Set<string>();
  #book = new ErrorBook();
  #open: Record<Stream, Open | null> = { stdout: null, stderr: null };
  #recent: Record<Stream, LogLine[]> = { stdout: [], stderr: [] };
  #nextId: () => number;

  /** nextErrorId is shared by every run, so error ids order errors instance-wide. */
  constructor(readonly processId: string, nextErrorId: () => number) {
    this.#nextId = nextErrorId;
  }

  feed(line: LogLine): Detection {
    // Every URL findUrls reports has "://"; most lines have none.
    const urls = line.plain.includes("://")
      ? findUrls(line.plain).filter((u) => !this.#seen.has(u))
      : [];
    for (const u of urls) this.#seen.add(u);
    this.urls.push(...urls);
    const found: Detection = { urls, error: null, closed: [], resolved: [] };
    this.#feedError(line, found);
    const recent = this.#recent[line.stream];
    recent.push(line);
    if (recent.length > RECENT) recent.shift();
    return found;
  }

  /** Closes open errors; call when the run's output has ended. Returns the reports it completed. */
  flush(): Report[] {
    const closed: Report[] = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const open = this.#open[stream];
      if (open) closed.push(this.#close(stream, open));
    }
    return closed;
  }

  /** Errors that hold now, oldest first (an error still being printed included). */
  current(): DetectedError[] {
    return this.#book.current().map(copy);
  }

  /** Every error of this run, resolved ones included, oldest first. */
  all(): DetectedError[] {
    return this.#book.all().map(copy);
  }

  /** Same as all(); the name older callers use. */
  get errors(): DetectedError[] {
    return this.all();
  }

  /**
   * Records an error reported whole rather than read from the output (a page's,
   * instance/browser/): an identical earlier one counts it again instead.
   * Returns the error that stays in the book.
   */
  report(
    e: Omit<DetectedError, "id" | "process_id" | "count" | "resolved" | "resolved_at" | "time">,
  ): DetectedError {
    const error: DetectedError = {
      ...e,
      id: this.#nextId(),
      process_id: this.processId,
      time: e.first_seen,
      count: 1,
      resolved: false,
      resolved_at: null,
    };
    this.#book.add(error);
    return copy(this.#book.close(error));
  }

  /** Resolves the current errors that match (e.g. a page's, when it reloaded). */
  resolveWhere(match: (e: DetectedError) => boolean, time = new Date().toISOString()) {
    return this.#book.resolve(time, match).map(copy);
  }

  /** Resolves every error, e.g. when the script was started again. */
  resolveAll(time = new Date().toISOString()): DetectedError[] {
    return this.#book.resolve(time, () => true).map(copy);
  }

  #feedError(line: LogLine, found: Detection): void {
    const { plain, stream } = line;
    let open = this.#open[stream];
    if (!plain.trim()) {
      if (!open) return;
      if (open.blanks.length < (open.draft.rule.blanks ?? 0)) open.blanks.push(line);
      else found.closed.push(this.#close(stream, open));
      return;
    }
    if (open) {
      const verdict = open.draft.rule.next(plain, open.draft);
      if (verdict !== "stop") {
        for (const l of open.blanks) this.#append(open, l);
        open.blanks = [];
        this.#append(open, line);
        if (verdict === "last") found.closed.push(this.#close(stream, open));
        return;
      }
      found.closed.push(this.#close(stream, open));
      open = null;
    }
    found.resolved.push(...applySignal(this.#book, plain, line.seq, line.time));
    if (!mayStart(plain)) return;
    for (const rule of RULES) {
      const start = rule.start(plain, this.#recent[stream]);
      if (!start) continue;
      const first = start.prelude?.[0] ?? line;
      const error: DetectedError = {
        id: this.#nextId(),
        process_id: this.processId,
        tool: start.tool,
        kind: start.kind,
        message: start.message,
        file: start.file ?? null,
        line: start.line ?? null,
        column: start.column ?? null,
        seq: first.seq,
        last_seq: line.seq,
        time: first.time,
        first_seen: first.time,
        last_seen: line.time,
        count: 1,
        resolved: false,
        resolved_at: null,
        lines: [],
        raw: [],
      };
      const draft: Draft = { rule, error, state: {} };
      const next: Open = { draft, seqs: [], blanks: [] };
      for (const l of [...(start.prelude ?? []), line]) this.#append(next, l);
      this.#book.add(error);
      this.#open[stream] = next;
      found.error = error;
      return;
    }
  }

  #append(open: Open, line: LogLine): void {
    const e = open.draft.error;
    if (e.lines.length < MAX_ERROR_LINES) {
      e.lines.push(line.plain);
      e.raw.push(line.text);
      open.seqs.push(line.seq);
    }
    e.last_seq = line.seq;
    e.last_seen = line.time;
    open.draft.rule.finish?.(open.draft);
  }

  #close(stream: Stream, open: Open): Report {
    this.#open[stream] = null;
    return { error: this.#book.close(open.draft.error), seqs: open.seqs };
  }
}

function copy(e: DetectedError): DetectedError {
  const c = { ...e, lines: [...e.lines], raw: [...e.raw] };
  if (e.stack) c.stack = [...e.stack];
  return c;
}

const URL_RE = /\bhttps?:\/\/(\[[0-9a-fA-F:.]+\]|[\w.-]+)(:\d{1,5})?([/?#][^\s"'`<>]*)?/g;
const LOCAL_HOST = /^(localhost|.+\.localhost|\d{1,3}(\.\d{1,3}){3}|\[.*\])$/i;

/**
 * Dev-server style URLs in a line: local hosts, IP literals, or any host with an
 * explicit port. Documentation links ("see https://nextjs.org/docs") are skipped.
 */
export function findUrls(plain: string): string[] {
  const out: string[] = [];
  for (const m of plain.matchAll(URL_RE)) {
    if (!m[2] && !LOCAL_HOST.test(m[1])) continue;
    const url = m[0].replace(/[.,;:!?'")\]}>]+$/, "");
    if (!out.includes(url)) out.push(url);
  }
  return out;
}
