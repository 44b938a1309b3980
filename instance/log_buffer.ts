// A bounded, per-run store of log lines. Sequence numbers come from one counter
// shared by the whole instance, so a single cursor can follow every run.

export type Stream = "stdout" | "stderr";

export interface LogLine {
  seq: number;
  /** ISO 8601. */
  time: string;
  stream: Stream;
  /** Raw, as the child printed it (minus the line break). */
  text: string;
  /** ANSI escape codes stripped. */
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

// CSI (colours, cursor moves), OSC (titles, hyperlinks) and the two-byte escapes.
const ANSI =
  // deno-lint-ignore no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;

export function stripAnsi(s: string): string {
  return s.includes("\x1b") || s.includes("\x9b") ? s.replace(ANSI, "") : s;
}

export class LogBuffer {
  readonly capacity: number;
  #counter: SeqCounter;
  #ring: LogLine[] = [];
  /** Index of the oldest line once the ring has wrapped. */
  #start = 0;
  #dropped = 0;

  constructor(counter: SeqCounter, capacity = 10_000) {
    if (!(capacity >= 1)) {
      throw new Error(`log buffer capacity must be at least 1, got ${capacity}`);
    }
    this.#counter = counter;
    this.capacity = capacity;
  }

  push(stream: Stream, text: string): LogLine {
    const line = {
      seq: this.#counter.next(),
      time: new Date().toISOString(),
      stream,
      text,
      plain: stripAnsi(text),
    };
    if (this.#ring.length < this.capacity) {
      this.#ring.push(line);
    } else {
      this.#ring[this.#start] = line;
      this.#start = (this.#start + 1) % this.capacity;
      this.#dropped++;
    }
    return line;
  }

  get size(): number {
    return this.#ring.length;
  }

  /** Lines pushed out by newer ones. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Seq of the oldest line kept, or 0 when empty. */
  get firstSeq(): number {
    return this.#ring.length ? this.#at(0).seq : 0;
  }

  /** Seq of the newest line, or 0 when empty. */
  get lastSeq(): number {
    return this.#ring.length ? this.#at(this.#ring.length - 1).seq : 0;
  }

  /** Lines with seq greater than `seq`, oldest first. */
  since(seq: number, limit = Infinity, stream?: Stream): LogLine[] {
    // Seqs only grow within a buffer, so the start can be found by bisection.
    let lo = 0, hi = this.#ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#at(mid).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    const out: LogLine[] = [];
    for (let i = lo; i < this.#ring.length && out.length < limit; i++) {
      const line = this.#at(i);
      if (!stream || line.stream === stream) out.push(line);
    }
    return out;
  }

  /** The newest `limit` lines, oldest first. */
  last(limit: number, stream?: Stream): LogLine[] {
    const out: LogLine[] = [];
    for (let i = this.#ring.length - 1; i >= 0 && out.length < limit; i--) {
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
    return this.#ring[(this.#start + i) % this.#ring.length];
  }
}
