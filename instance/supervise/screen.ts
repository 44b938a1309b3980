// What a terminal shows for output that rewrites itself: carriage returns,
// cursor moves up and down, line and screen erases. The rows being written are
// kept as cells (a character and the colour codes just before it) and handed on
// as log lines once the output has moved past them: at the end of each chunk,
// the rows above the cursor are final. A later chunk may move the cursor up
// into rows already handed on (jest redraws its status that way); a log cannot
// take a line back, so the cursor stops at the oldest row still held and what
// is written there becomes a new line. The common output (text, colours and
// CRLF) never comes here: lines.ts handles it on its fast path.

/** Longest row kept; the rest of a longer one is counted, not stored. */
const MAX_ROW = 16 * 1024;

interface Row {
  /** Characters, one per column. */
  chars: string[];
  /** Colour codes written just before each column's character. */
  sgr: string[];
  /** Characters beyond MAX_ROW, skipped. */
  skipped: number;
  /** Something other than text was done to it (an erase, a cursor move, a clear). */
  dirty: boolean;
}

const newRow = (): Row => ({ chars: [], sgr: [], skipped: 0, dirty: false });

// One token at a time: a CSI sequence, an OSC string, another escape, a control, or text.
const TOKEN =
  // deno-lint-ignore no-control-regex
  /\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()*+#%][\x20-\x7e]?|\x1b([\x20-\x7e])?|([\x00-\x1a\x1c-\x1f\x7f])|([^\x00-\x1f\x7f]+)/g;

export type RowSink = (line: string) => void;

export class Screen {
  #rows: Row[] = [newRow()];
  #row = 0;
  #col = 0;
  /** Colour codes waiting for the next character. */
  #sgr = "";
  #saved: [number, number] = [0, 0];
  /** The output has moved the cursor up: it redraws its rows. */
  #redraws = false;

  constructor(private readonly emit: RowSink) {}

  /** Whether it holds nothing but, at most, a row being appended to at its end. */
  get settled(): boolean {
    const r = this.#rows[0];
    return this.#rows.length === 1 && !r.dirty &&
      (this.#col === r.chars.length || this.#col >= MAX_ROW);
  }

  /** Takes back the one row it holds (see settled) and forgets it: its text and what it skipped. */
  take(): { text: string; skipped: number } {
    const r = this.#rows[0];
    const text = render(r) + this.#sgr;
    this.#rows = [newRow()];
    this.#row = this.#col = 0;
    this.#sgr = "";
    return { text, skipped: r.skipped };
  }

  write(chunk: string): void {
    for (const m of chunk.matchAll(TOKEN)) {
      if (m[5] !== undefined) this.#text(m[5]);
      else if (m[4] !== undefined) this.#control(m[4]);
      else if (m[2] !== undefined) this.#csi(m[1], m[2], m[0]);
      else if (m[3] === "c") this.#clear();
      else if (m[3] === "7") this.#saved = [this.#row, this.#col];
      else if (m[3] === "8") [this.#row, this.#col] = this.#saved;
      // OSC (titles, hyperlinks) and charset selection show nothing.
    }
    // Rows above the cursor are final; output that redraws (a spinner moving up
    // over its last line) keeps the row just above until idle() or more output.
    this.#commit(this.#row - (this.#redraws ? 1 : 0));
  }

  /** Whether a finished row is held back (see write); idle() hands it on. */
  get holding(): boolean {
    return this.#redraws && this.#row > 0;
  }

  /** The output paused: the rows above the cursor are final after all. */
  idle(): void {
    this.#commit(this.#row);
  }

  #commit(n: number): void {
    if (n <= 0) return;
    for (const r of this.#rows.splice(0, n)) this.#emit(r);
    this.#saved = [Math.max(0, this.#saved[0] - n), this.#saved[1]];
    this.#row -= n;
  }

  /** The output ended: every row held is final. */
  end(): void {
    for (const r of this.#rows) {
      if (r.chars.length || r.skipped) this.#emit(r);
    }
    this.#rows = [newRow()];
    this.#row = this.#col = 0;
  }

  #emit(r: Row): void {
    const text = render(r);
    // A row that held only cursor or screen control, or text since erased, was never a line.
    if (!text && r.dirty) return;
    this.emit(r.skipped ? `${text} … [${r.skipped} more characters skipped]` : text);
  }

  #cur(): Row {
    return this.#rows[this.#row];
  }

  #text(text: string): void {
    const r = this.#cur();
    if (this.#col >= MAX_ROW) {
      r.skipped += text.length;
      return;
    }
    for (const ch of text) {
      if (this.#col >= MAX_ROW) {
        r.skipped++;
        continue;
      }
      while (r.chars.length < this.#col) {
        r.chars.push(" ");
        r.sgr.push("");
      }
      r.chars[this.#col] = ch;
      r.sgr[this.#col] = this.#sgr;
      this.#sgr = "";
      this.#col++;
    }
  }

  #control(c: string): void {
    switch (c) {
      case "\n":
        // A log line ends here; pseudo-terminals send CRLF, pipes send LF: both start a new line.
        // A row the cursor reaches this way shows as a line, blank or not.
        this.#down(1);
        this.#cur().dirty = false;
        this.#col = 0;
        break;
      case "\r":
        this.#col = 0;
        break;
      case "\b":
        this.#col = Math.max(0, this.#col - 1);
        break;
      case "\t":
        this.#text("\t");
        break;
        // Bells and other controls show nothing.
    }
  }

  #down(n: number): void {
    this.#row += n;
    while (this.#rows.length <= this.#row) this.#rows.push(newRow());
  }

  #csi(params: string, final: string, seq: string): void {
    if (final === "m") {
      this.#sgr += seq;
      return;
    }
    if (params.startsWith("?") || params.startsWith(">")) return; // private modes
    const n = Math.max(1, Number(params.split(";")[0]) || 1);
    const r = this.#cur();
    switch (final) {
      case "A": // up: no further than the oldest row still held
        this.#redraws = true;
        r.dirty = true;
        this.#row = Math.max(0, this.#row - n);
        this.#cur().dirty = true;
        break;
      case "B":
        this.#down(n);
        break;
      case "E":
        this.#down(n);
        this.#col = 0;
        break;
      case "F":
        this.#redraws = true;
        this.#row = Math.max(0, this.#row - n);
        this.#col = 0;
        this.#cur().dirty = true;
        break;
      case "C":
        this.#col += n;
        break;
      case "D":
        this.#col = Math.max(0, this.#col - n);
        break;
      case "G":
        this.#col = n - 1;
        break;
      case "H":
      case "f":
        // Absolute positions cannot map onto a log; home means a fresh screen follows.
        r.dirty = true;
        this.#col = Math.max(0, (Number(params.split(";")[1]) || 1) - 1);
        break;
      case "K":
        r.dirty = true;
        if (params === "2") {
          r.chars = [];
          r.sgr = [];
        } else if (params === "1") {
          for (let i = 0; i < Math.min(this.#col + 1, r.chars.length); i++) r.chars[i] = " ";
        } else {
          r.chars.length = Math.min(r.chars.length, this.#col);
          r.sgr.length = r.chars.length;
        }
        break;
      case "J":
        if (params === "2" || params === "3") this.#clear();
        else if (params === "" || params === "0") {
          r.dirty = true;
          r.chars.length = Math.min(r.chars.length, this.#col);
          r.sgr.length = r.chars.length;
          this.#rows.length = this.#row + 1;
        }
        break;
        // Other sequences (scroll regions, modes, queries) show nothing.
    }
  }

  /** A cleared screen: what it showed was seen, so rows with text are final; a fresh row follows. */
  #clear(): void {
    for (const r of this.#rows) {
      if (r.chars.length || r.skipped) this.#emit(r);
    }
    const row = newRow();
    row.dirty = true;
    this.#rows = [row];
    this.#row = 0;
    this.#col = 0;
  }
}

function render(r: Row): string {
  let out = "";
  for (let i = 0; i < r.chars.length; i++) out += r.sgr[i] + r.chars[i];
  return out.trimEnd();
}
