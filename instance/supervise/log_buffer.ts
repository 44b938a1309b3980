// A bounded, per-run store of log lines, sized by bytes. Sequence numbers come
// from one counter shared by the whole instance, so a single cursor can follow
// every run.
//
// Lines are kept compactly: a JS object and a string per line cost several
// times the text itself (and make a flood's garbage collector work hard), so
// lines go into blocks of a few thousand, each one string of text with their
// ends, seqs, times and streams in typed arrays. LogLine objects are made on
// the way out; `plain` is worked out again on reading, only for the lines
// whose plain text differs from their raw text.

import { noteGarbage } from "../../shared/collect.ts";
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
  /** Set on lines a page sent (instance/browser/), not the process. */
  source?: "browser";
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

/** Bytes of log a run keeps by default: about 50,000 lines of 80 characters. */
export const DEFAULT_RUN_BYTES = 4 * 1024 * 1024;

/** What a line costs beyond its text: its seq, time, end offset and flags. */
export const LINE_OVERHEAD = 24;

/** A block is sealed into one string once it holds this many lines or characters. */
const BLOCK_LINES = 2048;
const BLOCK_CHARS = 128 * 1024;

const STDERR = 1;
const NOT_PLAIN = 2;
const BROWSER = 4;

/** Lines, oldest first; open while `texts` is set, then one string with offsets. */
class Block {
  /** The open block's texts; null once sealed into `body`. */
  texts: string[] | null = [];
  body = "";
  /** ends[i]: offset in body just after line i's text (sealed blocks only). */
  ends = new Uint32Array(0);
  seqs: Float64Array;
  times: Float64Array;
  flags: Uint8Array;
  /** Lines in the block (dropped ones included: see LogBuffer.#head). */
  n = 0;
  chars = 0;

  constructor(size: number) {
    this.seqs = new Float64Array(size);
    this.times = new Float64Array(size);
    this.flags = new Uint8Array(size);
  }

  text(i: number): string {
    if (this.texts) return this.texts[i];
    return this.body.slice(i ? this.ends[i - 1] : 0, this.ends[i]);
  }

  /** One flat string instead of a string per line, and arrays cut to size. */
  seal(): void {
    const texts = this.texts!;
    const ends = new Uint32Array(this.n);
    let at = 0;
    for (let i = 0; i < this.n; i++) ends[i] = at += texts[i].length;
    this.body = texts.join("");
    this.ends = ends;
    this.texts = null;
    this.seqs = this.seqs.slice(0, this.n);
    this.times = this.times.slice(0, this.n);
    this.flags = this.flags.slice(0, this.n);
  }
}

export class LogBuffer {
  /** Most lines kept, whatever their size (Infinity: bounded by bytes only). */
  readonly capacity: number;
  /** Bytes kept: characters of text plus LINE_OVERHEAD per line. */
  maxBytes: number;
  #counter: SeqCounter;
  #blocks: Block[] = [];
  /** Lines of #blocks[0] already dropped. */
  #head = 0;
  #size = 0;
  #bytes = 0;
  #dropped = 0;

  constructor(counter: SeqCounter, capacity = Infinity, maxBytes = DEFAULT_RUN_BYTES) {
    if (!(capacity >= 1)) {
      throw new Error(`log buffer capacity must be at least 1, got ${capacity}`);
    }
    this.#counter = counter;
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  /** `plain`, when the caller already knows it, must equal stripTerminal(text). */
  push(
    stream: Stream,
    text: string,
    plain: string = stripTerminal(text),
    browser = false,
  ): LogLine {
    const seq = this.#counter.next();
    const ms = Date.now();
    let block = this.#blocks.at(-1);
    if (!block?.texts || block.n === BLOCK_LINES || block.chars >= BLOCK_CHARS) {
      if (block?.texts) block.seal();
      block = new Block(BLOCK_LINES);
      this.#blocks.push(block);
    }
    const i = block.n++;
    block.texts!.push(text);
    block.seqs[i] = seq;
    block.times[i] = ms;
    block.flags[i] = (stream === "stderr" ? STDERR : 0) | (plain === text ? 0 : NOT_PLAIN) |
      (browser ? BROWSER : 0);
    block.chars += text.length;
    this.#size++;
    this.#bytes += text.length + LINE_OVERHEAD;
    this.trim();
    // Reading, splitting, detecting and storing a line leaves a few times its size in garbage.
    noteGarbage(4 * (text.length + LINE_OVERHEAD));
    const line: LogLine = { seq, time: isoTime(ms), stream, text, plain };
    if (browser) line.source = "browser";
    return line;
  }

  /** Drops the oldest lines until the buffer is within its bounds (after maxBytes changed). */
  trim(): void {
    // The newest line always stays, however long.
    while (this.#size > 1 && (this.#size > this.capacity || this.#bytes > this.maxBytes)) {
      const first = this.#blocks[0];
      this.#bytes -= first.text(this.#head).length + LINE_OVERHEAD;
      this.#size--;
      this.#dropped++;
      if (++this.#head === first.n) {
        this.#blocks.shift();
        this.#head = 0;
      }
    }
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes kept, as maxBytes counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Lines pushed out by newer ones. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Seq of the oldest line kept, or 0 when empty. */
  get firstSeq(): number {
    return this.#size ? this.#blocks[0].seqs[this.#head] : 0;
  }

  /** Seq of the newest line, or 0 when empty. */
  get lastSeq(): number {
    const last = this.#blocks.at(-1);
    return this.#size && last ? last.seqs[last.n - 1] : 0;
  }

  /** Lines with seq greater than `seq`, oldest first. */
  since(seq: number, limit = Infinity, stream?: Stream): LogLine[] {
    const out: LogLine[] = [];
    const blocks = this.#blocks;
    // Seqs only grow within a buffer: find the first block with a newer line,
    // then the line, by bisection.
    let b = 0;
    while (b < blocks.length && blocks[b].seqs[blocks[b].n - 1] <= seq) b++;
    if (b === blocks.length) return out;
    const want = stream === undefined ? -1 : stream === "stderr" ? STDERR : 0;
    let lo = b === 0 ? this.#head : 0, hi = blocks[b].n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (blocks[b].seqs[mid] <= seq) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; b < blocks.length && out.length < limit; b++, i = 0) {
      const block = blocks[b];
      for (; i < block.n && out.length < limit; i++) {
        if (want === -1 || (block.flags[i] & STDERR) === want) out.push(lineAt(block, i));
      }
    }
    return out;
  }

  /** The newest `limit` lines, oldest first. */
  last(limit: number, stream?: Stream): LogLine[] {
    const out: LogLine[] = [];
    const want = stream === undefined ? -1 : stream === "stderr" ? STDERR : 0;
    for (let b = this.#blocks.length - 1; b >= 0 && out.length < limit; b--) {
      const block = this.#blocks[b];
      const first = b === 0 ? this.#head : 0;
      for (let i = block.n - 1; i >= first && out.length < limit; i--) {
        if (want === -1 || (block.flags[i] & STDERR) === want) out.push(lineAt(block, i));
      }
    }
    return out.reverse();
  }

  /** Every line kept, oldest first. */
  lines(): LogLine[] {
    return this.since(0);
  }
}

function lineAt(block: Block, i: number): LogLine {
  const text = block.text(i);
  const flags = block.flags[i];
  const line: LogLine = {
    seq: block.seqs[i],
    time: isoTime(block.times[i]),
    stream: flags & STDERR ? "stderr" : "stdout",
    text,
    plain: flags & NOT_PLAIN ? stripTerminal(text) : text,
  };
  if (flags & BROWSER) line.source = "browser";
  return line;
}

// Formatting a timestamp costs more than the rest of storing a line; lines
// arrive by the thousand per millisecond, so one string serves a whole millisecond.
let stampMs = NaN;
let stamp = "";
function isoTime(ms: number): string {
  if (ms !== stampMs) {
    stampMs = ms;
    stamp = new Date(ms).toISOString();
  }
  return stamp;
}
