// Spots URLs and errors in one run's output, a line at a time. An error often
// spans lines (a headline, then its stack or code frame), so each stream keeps
// its open error and adds the lines its tool's rule says belong to it. stdout
// and stderr are read concurrently and may interleave, hence one open error per
// stream. Output interleaved from several processes by a runner (concurrently,
// turbo, pnpm -r, docker compose) carries a prefix per line: each prefix is a
// source of its own (detect/prefix.ts). Each run keeps an error book:
// identical reports collapse into one error with a count, and errors are
// resolved when their tool reports success or a new cycle (see
// detect/signals.ts). The per-tool formats are in detect/families/.

import type { LogLine } from "../supervise/log_buffer.ts";
import { ErrorBook } from "./book.ts";
import { mayStart, RULES } from "./families/mod.ts";
import { Labels, splitPrefix } from "./prefix.ts";
import { ownFile } from "./families/common.ts";
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
/** Prefixed sources read apart; beyond this many, further prefixes are read as plain lines. */
const MAX_SOURCES = 64;
/** A line that says something failed, whatever the tool. */
const ERRORISH =
  /\b(?:error|Error|ERROR|ERR!|failed|Failed|FAILED|failure|FAILURE|fatal|Fatal|FATAL|panic|Exception|Traceback|cannot|Cannot|not found|denied|refused|invalid|Invalid)\b/;
/** Lines a failed run's own error shows. */
const EXIT_LINES = 12;
/** "src/app.ts:12", "./main.go:7:6", "/abs/file.py:3": a source file's name and line. */
const PLACE = /((?:\.{0,2}\/|\/)?(?:[\w@.-]+\/)*[\w@.-]+\.[A-Za-z]\w{0,4}):(\d+)(?::(\d+))?\b/g;

interface Open {
  draft: Draft;
  seqs: number[];
  /** Blank lines seen since its last line; kept only if the error continues. */
  blanks: LogLine[];
  /** Not in the book until its rule confirms it (state.confirmed). */
  tentative: boolean;
}

export class RunDetector {
  readonly urls: string[] = [];
  #seen = new Set<string>();
  #book = new ErrorBook();
  /** Per stream and source ("stdout", "stdout\0[types]"): the error being grouped. */
  #open = new Map<string, Open>();
  /** Per stream and source: its latest lines, prefixes removed. */
  #recent = new Map<string, LogLine[]>();
  #nextId: () => number;
  #labels = new Labels();

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
    let source: string | null = null;
    let key: string = line.stream;
    const prefixed = splitPrefix(line.plain) ?? this.#labels.split(line.plain);
    if (prefixed) {
      const k = `${line.stream}\0${prefixed.source}`;
      if (this.#recent.has(k) || this.#recent.size < MAX_SOURCES) {
        source = prefixed.source;
        key = k;
        line = { ...line, plain: prefixed.rest };
      }
    }
    this.#feedError(line, key, source, found);
    let recent = this.#recent.get(key);
    if (!recent) this.#recent.set(key, recent = []);
    recent.push(line);
    if (recent.length > RECENT) recent.shift();
    return found;
  }

  /**
   * The run failed (an exit code, a signal, or no start at all): when nothing
   * it printed explains it, the failure itself is its error, with its last
   * lines, so a failed run never looks clean. Returns that error, if added.
   */
  failed(
    code: number | null,
    signal: string | null,
    command: string,
    time = new Date().toISOString(),
  ): DetectedError | null {
    if (this.#book.current().length) return null;
    const last = [...this.#recent.values()].flat().filter((l) => l.plain.trim())
      .sort((a, b) => a.seq - b.seq).slice(-EXIT_LINES);
    const how = signal
      ? `\`${command}\` was killed by ${signal}`
      : code === null
      ? `\`${command}\` could not start`
      : `\`${command}\` exited with code ${code}`;
    // The last line that reads like the reason leads the message: the agent sees why first.
    const why = last.findLast((l) => ERRORISH.test(l.plain))?.plain.trim();
    const message = why ? `${why.slice(0, 500)} (${how})` : how;
    // Where it failed, if its last lines name a place in the project's own files.
    let at: RegExpMatchArray | undefined;
    for (const l of last.toReversed()) {
      at = [...l.plain.matchAll(PLACE)].find((m) =>
        ownFile(m[1]) && !/:\/*$/.test(l.plain.slice(0, m.index))
      );
      if (at) break;
    }
    const error: DetectedError = {
      id: this.#nextId(),
      process_id: this.processId,
      tool: "run",
      kind: "exit",
      source: null,
      message,
      file: at ? at[1] : null,
      line: at ? Number(at[2]) : null,
      column: at?.[3] ? Number(at[3]) : null,
      seq: last[0]?.seq ?? 0,
      last_seq: last.at(-1)?.seq ?? 0,
      time,
      first_seen: time,
      last_seen: time,
      count: 1,
      resolved: false,
      resolved_at: null,
      lines: last.map((l) => l.plain),
      raw: last.map((l) => l.text),
    };
    this.#book.add(error);
    return copy(error);
  }

  /** Closes open errors; call when the run's output has ended. Returns the reports it completed. */
  flush(): Report[] {
    const closed: Report[] = [];
    for (const [key, open] of this.#open) this.#close(key, open, closed);
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

  #feedError(line: LogLine, key: string, source: string | null, found: Detection): void {
    const { plain } = line;
    let open = this.#open.get(key);
    if (!plain.trim()) {
      if (!open) return;
      if (open.blanks.length < (open.draft.rule.blanks ?? 0)) open.blanks.push(line);
      else this.#close(key, open, found.closed);
      return;
    }
    if (open) {
      const verdict = open.draft.rule.next(plain, open.draft);
      if (verdict !== "stop") {
        for (const l of open.blanks) this.#append(open, l, found);
        open.blanks = [];
        this.#append(open, line, found);
        if (verdict === "last") this.#close(key, open, found.closed);
        return;
      }
      this.#close(key, open, found.closed);
      open = undefined;
    }
    found.resolved.push(...applySignal(this.#book, plain, line.seq, line.time, source));
    if (!mayStart(plain)) return;
    for (const rule of RULES) {
      const start = rule.start(plain, this.#recent.get(key) ?? []);
      if (!start) continue;
      const first = start.prelude?.[0] ?? line;
      const error: DetectedError = {
        id: this.#nextId(),
        process_id: this.processId,
        tool: start.tool,
        kind: start.kind,
        source,
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
      const next: Open = { draft, seqs: [], blanks: [], tentative: !!start.tentative };
      this.#open.set(key, next);
      for (const l of [...(start.prelude ?? []), line]) this.#append(next, l, found);
      if (!next.tentative) {
        this.#book.add(error);
        found.error = error;
      }
      return;
    }
  }

  #append(open: Open, line: LogLine, found: Detection): void {
    const e = open.draft.error;
    if (e.lines.length < MAX_ERROR_LINES) {
      e.lines.push(line.plain);
      e.raw.push(line.text);
      open.seqs.push(line.seq);
    }
    e.last_seq = line.seq;
    e.last_seen = line.time;
    open.draft.rule.finish?.(open.draft);
    if (open.tentative && open.draft.state.confirmed) {
      open.tentative = false;
      this.#book.add(e);
      found.error = e;
    }
  }

  /** Ends an open error; one its rule never confirmed was not an error and leaves no report. */
  #close(key: string, open: Open, closed: Report[]): void {
    this.#open.delete(key);
    if (open.tentative) return;
    closed.push({ error: this.#book.close(open.draft.error), seqs: open.seqs });
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
