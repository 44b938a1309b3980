// A bounded, per-run store of log lines. Sequence numbers come from one counter
// shared by the whole instance, so a single cursor can follow every run.

import { stripTerminal } from "./terminal.ts";

export { stripTerminal };

export type Stream = "stdout" | "stderr";

export interface LogLine {
  seq: number;
  /** ISO 8601. */
  time: string;
  stream: Stream;
  /** Raw, as the child printed it (minus the line break). */
  text: string;
  /** As a terminal would show it: escape codes stripped, `\r` rewrites applied (stripTerminal). */
  plain: string;
}

/** The instance-wide sequence; 0 means "before the first line". */
export class SeqCounter {
  #last = 0;
  next(): number {
    return ++this.#last;
  }
  get current(): number {
    return this.#last;
  }
}

/** Kept for older callers: the same as stripTerminal. */
export const stripAnsi = stripTerminal;

/** Characters of text a run keeps by default, whatever its line count (about 16 MB). */
export const DEFAULT_MAX_CHARS = 16 * 1024 * 1024;

export class LogBuffer {
  readonly capacity: number;
  readonly maxChars: number;
  #counter: SeqCounter;
  /** Kept lines are #lines[#head..]; the prefix is compacted away now and then. */
  #lines: LogLine[] = [];
  #head = 0;
  #chars = 0;
  #dropped = 0;

  constructor(counter: SeqCounter, capacity = 10_000, maxChars = DEFAULT_MAX_CHARS) {
    if (!(capacity >= 1)) {
      throw new Error(`log buffer capacity must be at least 1, got ${capacity}`);
    }
    this.#counter = counter;
    this.capacity = capacity;
    this.maxChars = maxChars;
  }

  /** `plain`, when the caller already knows it, must equal stripTerminal(text). */
  push(stream: Stream, text: string, plain: string = stripTerminal(text)): LogLine {
    const line = { seq: this.#counter.next(), time: isoNow(), stream, text, plain };
    this.#lines.push(line);
    this.#chars += weight(line);
    // Bounded by count and by size, so huge lines cannot grow memory without bound.
    while (
      this.size > this.capacity || (this.#chars > this.maxChars && this.size > 1)
    ) {
      this.#chars -= weight(this.#lines[this.#head]);
      this.#head++;
      this.#dropped++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#head = 0;
    }
    return line;
  }

  get size(): number {
    return this.#lines.length - this.#head;
  }

  /** Lines pushed out by newer ones. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Seq of the oldest line kept, or 0 when empty. */
  get firstSeq(): number {
    return this.size ? this.#at(0).seq : 0;
  }

  /** Seq of the newest line, or 0 when empty. */
  get lastSeq(): number {
    return this.size ? this.#at(this.size - 1).seq : 0;
  }

  /** Lines with seq greater than `seq`, oldest first. */
  since(seq: number, limit = Infinity, stream?: Stream): LogLine[] {
    // Seqs only grow within a buffer, so the start can be found by bisection.
    let lo = 0, hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#at(mid).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    const out: LogLine[] = [];
    for (let i = lo; i < this.size && out.length < limit; i++) {
      const line = this.#at(i);
      if (!stream || line.stream === stream) out.push(line);
    }
    return out;
  }

  /** The newest `limit` lines, oldest first. */
  last(limit: number, stream?: Stream): LogLine[] {
    const out: LogLine[] = [];
    for (let i = this.size - 1; i >= 0 && out.length < limit; i--) {
      const line = this.#at(i);
      if (!stream || line.stream === stream) out.push(line);
    }
    return out.reverse();
  }

  /** Every line kept, oldest first. */
  lines(): LogLine[] {
    return this.since(0);
  }

  #at(i: number): LogLine {
    return this.#lines[this.#head + i];
  }
}

// Formatting a timestamp costs more than the rest of storing a line; lines
// arrive by the thousand per millisecond, and sharing one string per
// millisecond also keeps the buffer smaller.
let stampMs = NaN;
let stamp = "";
function isoNow(): string {
  const ms = Date.now();
  if (ms !== stampMs) {
    stampMs = ms;
    stamp = new Date(ms).toISOString();
  }
  return stamp;
}

/** Characters a line holds; plain shares text's string when there was no ANSI. */
function weight(line: LogLine): number {
  return line.text.length + (line.plain === line.text ? 0 : line.plain.length) + 64;
}
