// Spots URLs and errors in one run's output, a line at a time. Errors often
// span lines (a headline, then its stack or code frame), so each stream keeps
// its open error and appends continuation lines to it until something else
// arrives. stdout and stderr are read concurrently and may interleave, hence
// one open error per stream.

import type { LogLine, Stream } from "./log_buffer.ts";

export type ErrorKind = "stack" | "typescript" | "npm" | "uncaught" | "error";

export interface DetectedError {
  /** Unique across the instance, increasing with time. */
  id: number;
  process_id: string;
  /** Seq of the first line. */
  seq: number;
  last_seq: number;
  time: string;
  kind: ErrorKind;
  /** The headline. */
  message: string;
  /** ANSI-stripped; may still grow while the error is open. */
  lines: string[];
}

export interface Detection {
  /** URLs this run had not printed before. */
  urls: string[];
  /** An error this line started; later lines may still extend it. */
  error: DetectedError | null;
}

/** Caps so a run that loops on failure cannot grow memory without bound. */
const MAX_ERRORS = 1000;
const MAX_ERROR_LINES = 200;

// Checked in order; the first match decides the kind. Deliberately anchored
// or capitalised so "0 errors", "no errors found" and "errorHandler" pass.
const HEADLINES: [ErrorKind, RegExp][] = [
  ["typescript", /\berror TS\d+:|\bTS\d+ \[ERROR\]:/],
  ["npm", /^npm (ERR!|error)(\s|$)/],
  [
    "uncaught",
    /\bUncaught\b|\buncaughtException\b|\bunhandledRejection\b|\bUnhandled ?[Pp]romise ?[Rr]ejection/,
  ],
  ["stack", /\b([A-Z]\w*)?(Error|Exception)( \[\w+\])?: \S/],
  ["error", /^error(\[\w+\])?: \S|^\s*(✘ )?\[ERROR\] \S/],
];

/** Deno prints the offending source line, unindented, right after these headlines. */
const EXPECTS_FRAME = /^error: |^TS\d+ \[ERROR\]:/;

const CARET = /^\s*[\^~]+\s*$/;

function continues(kind: ErrorKind, plain: string): boolean {
  if (kind === "npm") return /^npm (ERR!|error)(\s|$)/.test(plain);
  if (/^\s+\S/.test(plain) || CARET.test(plain) || /^\s*}\s*$/.test(plain)) return true;
  if (/^Caused by:/.test(plain)) return true;
  // tsc --pretty code frames: "12 const x: number = 'a';"
  return kind === "typescript" && /^\d+\s/.test(plain);
}

function headline(plain: string): ErrorKind | null {
  for (const [kind, re] of HEADLINES) if (re.test(plain)) return kind;
  return null;
}

interface Open {
  error: DetectedError;
  expectFrame: boolean;
}

export class RunDetector {
  readonly urls: string[] = [];
  readonly errors: DetectedError[] = [];
  #seen = new Set<string>();
  #open: Record<Stream, Open | null> = { stdout: null, stderr: null };
  /** The last few lines of each stream, for Node's "file:line / source / caret" prelude. */
  #recent: Record<Stream, LogLine[]> = { stdout: [], stderr: [] };

  #nextId: () => number;

  /** nextErrorId is shared by every run, so error ids order errors instance-wide. */
  constructor(readonly processId: string, nextErrorId: () => number) {
    this.#nextId = nextErrorId;
  }

  feed(line: LogLine): Detection {
    const urls = findUrls(line.plain).filter((u) => !this.#seen.has(u));
    for (const u of urls) this.#seen.add(u);
    this.urls.push(...urls);
    const error = this.#feedError(line);
    const recent = this.#recent[line.stream];
    recent.push(line);
    if (recent.length > 4) recent.shift();
    return { urls, error };
  }

  /** Closes open errors; call when the run's output has ended. */
  flush(): void {
    this.#open = { stdout: null, stderr: null };
  }

  #feedError(line: LogLine): DetectedError | null {
    const { plain, stream } = line;
    if (!plain.trim()) return null; // blank lines neither extend nor end an error
    const open = this.#open[stream];
    const kind = headline(plain);
    if (open && (continues(open.error.kind, plain) || (open.expectFrame && !kind))) {
      const e = open.error;
      if (e.lines.length < MAX_ERROR_LINES) e.lines.push(plain);
      e.last_seq = line.seq;
      open.expectFrame = false;
      return null;
    }
    this.#open[stream] = null;
    if (!kind) return null;

    const prelude = kind === "stack" || kind === "uncaught" ? this.#nodePrelude(stream) : [];
    const first = prelude[0] ?? line;
    const error: DetectedError = {
      id: this.#nextId(),
      process_id: this.processId,
      seq: first.seq,
      last_seq: line.seq,
      time: first.time,
      kind,
      message: plain.trim(),
      lines: [...prelude.map((l) => l.plain), plain],
    };
    this.errors.push(error);
    if (this.errors.length > MAX_ERRORS) this.errors.shift();
    this.#open[stream] = { error, expectFrame: EXPECTS_FRAME.test(plain) };
    return error;
  }

  /**
   * Node prints where it failed *before* the headline ("file.js:12", the
   * source line, a caret, a blank line); for a SyntaxError it is the only
   * pointer to the file, so fold it into the error.
   */
  #nodePrelude(stream: Stream): LogLine[] {
    const recent = this.#recent[stream].slice();
    if (recent.length && !recent.at(-1)!.plain.trim()) recent.pop();
    if (recent.length < 3) return [];
    const [loc, , caret] = recent.slice(-3);
    return /^\S.*:\d+$/.test(loc.plain) && CARET.test(caret.plain) ? recent.slice(-3) : [];
  }
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
