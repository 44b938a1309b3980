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
  /**
   * A ring: kept lines are #ring[#start], #ring[#start + 1] … (modulo capacity),
   * #size of them. It grows up to capacity and then reuses its slots, and a
   * dropped line's slot is cleared at once. An old array still pointing at
   * dropped lines (as a shift-and-compact buffer leaves behind) keeps young
   * lines alive through minor GCs until the next full one, so a flood would
   * push every line into the old generation and grow the heap by 100+ MB.
   */
  #ring: (LogLine | undefined)[] = [];
  #start = 0;
  #size = 0;
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
    // Bounded by count and by size, so huge lines cannot grow memory without bound.
    if (this.#size + 1 > this.capacity) this.#dropOldest();
    const ring = this.#ring;
    if (ring.length < this.capacity) {
      // Still growing: the kept lines are ring[#start..], nothing wrapped yet.
      if (this.#start > 1024 && this.#start * 2 > ring.length) {
        this.#ring = ring.slice(this.#start);
        this.#start = 0;
      }
      this.#ring.push(line);
    } else {
      const i = this.#start + this.#size;
      ring[i >= ring.length ? i - ring.length : i] = line;
    }
    this.#size++;
    this.#chars += weight(line);
    while (this.#chars > this.maxChars && this.#size > 1) this.#dropOldest();
    return line;
  }

  #dropOldest(): void {
    const ring = this.#ring;
    this.#chars -= weight(ring[this.#start]!);
    ring[this.#start] = undefined;
    this.#start = this.#start + 1 === ring.length && ring.length >= this.capacity
      ? 0
      : this.#start + 1;
    this.#size--;
    this.#dropped++;
  }

  get size(): number {
    return this.#size;
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
    const j = this.#start + i;
    const ring = this.#ring;
    return ring[j >= ring.length ? j - ring.length : j]!;
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
