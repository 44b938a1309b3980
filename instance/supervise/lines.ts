// Turns a child's output chunks into log lines that read well for agents.
// A terminal rewrites lines in place (carriage returns, "erase line", cursor
// moves, clear screen); a log cannot, so a rewritten line keeps its final
// state, as a terminal shows it (screen.ts), and control sequences other than
// colours are dropped. Plain text, colours and CRLF take a fast path. A line
// that never ends is cut at MAX_LINE characters and the rest skipped up to its
// newline, so 50 MB without a newline costs no more memory than one line.

import { Screen } from "./screen.ts";

/** Longest line kept; longer lines keep this much and a note of what was skipped. */
export const MAX_LINE = 16 * 1024;

// Colours (SGR, "…m") are kept: `text` is raw and `plain` strips them later.
// Other CSI sequences, OSC titles and hyperlinks, and the two-byte escapes go.
const NON_SGR =
  // deno-lint-ignore no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-ln-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\^_]|\x1b[()][0-9A-Za-z]|\x1b[=>78c]/g;
/** "Cursor to column 1" and "erase the whole line" behave like a carriage return. */
// deno-lint-ignore no-control-regex
const TO_LINE_START = /\x1b\[(?:1?G|2K)/g;
// deno-lint-ignore no-control-regex
const ERASE_AT_START = /\r(?:\x1b\[0?K)+/g;
// Other C0 controls (bell, backspace, NUL …) but not tab, newline, CR or ESC.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;
// deno-lint-ignore no-control-regex
const HAS_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/;
/**
 * Anything clean() or stripTerminal() would act on, other than `\r`: a chunk
 * without any holds lines that are already their own clean, plain text.
 */
// deno-lint-ignore no-control-regex
const NEEDS_CLEANING = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x9b]/;

/**
 * Receives each finished line; `plain`, when given, is what stripTerminal(line)
 * returns, so the caller need not work it out again.
 */
export type LineSink = (line: string, plain?: string) => void;

/**
 * What only a terminal's screen model renders right: a lone CR, a backspace, a
 * non-colour escape. An escape cut by the chunk's end is left to the next chunk.
 */
// deno-lint-ignore no-control-regex
const NEEDS_SCREEN = /\x1b(?!\[[0-9;:]*(?:m|$)|$)|\r(?!\n)|[\b\x9b]/;

export class LineSplitter {
  #partial = "";
  /** Set while output rewrites its rows; null on the fast path. */
  #screen: Screen | null = null;
  /** Characters skipped from the current over-long line; -1 when not skipping. */
  #skipped = -1;

  constructor(private readonly emit: LineSink) {}

  push(chunk: string): void {
    if (this.#screen || NEEDS_SCREEN.test(chunk)) return this.#render(chunk);
    // One scan of the chunk instead of several regexes per line: a flood of
    // plain text (the common case) takes the fast path below line by line.
    const simple = !NEEDS_CLEANING.test(chunk);
    let cr = simple ? chunk.indexOf("\r") : -1;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf("\n", start);
      if (simple && nl !== -1 && nl - start <= MAX_LINE && !this.#partial && this.#skipped < 0) {
        while (cr !== -1 && cr < start) cr = chunk.indexOf("\r", start);
        // Only a CR right before the newline (a terminal's CRLF) leaves the line as it is.
        const end = cr !== -1 && cr === nl - 1 ? cr : nl;
        if (cr === -1 || cr >= end) {
          const line = chunk.slice(start, end);
          this.emit(line, line);
          start = nl + 1;
          continue;
        }
      }
      const end = nl === -1 ? chunk.length : nl;
      this.#append(chunk, start, end);
      if (nl === -1) break;
      this.#finish();
      start = nl + 1;
    }
  }

  /** The output ended: a last line without a newline is still a line. */
  end(): void {
    if (this.#screen) {
      this.#screen.end();
      this.#screen = null;
    } else if (this.#partial || this.#skipped >= 0) this.#finish();
  }

  /** Whether a finished line is held back because the output redraws (see screen.ts). */
  get holding(): boolean {
    return this.#screen?.holding ?? false;
  }

  /** The output paused: a line held back is final. */
  idle(): void {
    if (!this.#screen) return;
    this.#screen.idle();
    this.#settle();
  }

  #render(chunk: string): void {
    if (!this.#screen) {
      // An over-long line being skipped ends here, as far as its text goes.
      if (this.#skipped >= 0) this.#finish();
      this.#screen = new Screen((line) => this.emit(line));
      this.#screen.write(this.#partial);
      this.#partial = "";
    }
    this.#screen.write(chunk);
    this.#settle();
  }

  #settle(): void {
    // Back to the fast path once only a row being appended to is left.
    if (this.#screen?.settled) {
      const { text, skipped } = this.#screen.take();
      this.#partial = text;
      this.#skipped = skipped ? skipped : -1;
      this.#screen = null;
    }
  }

  #append(chunk: string, from: number, to: number): void {
    if (this.#skipped >= 0) {
      this.#skipped += to - from;
      return;
    }
    this.#partial += chunk.slice(from, to);
    // A progress bar rewrites one line forever: keep only its latest state.
    const cr = this.#partial.lastIndexOf("\r", this.#partial.length - 2);
    if (cr !== -1) this.#partial = this.#partial.slice(cr + 1);
    if (this.#partial.length > MAX_LINE * 2) {
      this.#skipped = this.#partial.length - MAX_LINE;
      this.#partial = this.#partial.slice(0, MAX_LINE);
    }
  }

  #finish(): void {
    let line = clean(this.#partial);
    const raw = this.#partial;
    if (this.#skipped >= 0) {
      line = `${line.slice(0, MAX_LINE)} … [${this.#skipped} more characters skipped]`;
    } else if (line.length > MAX_LINE) {
      line = `${line.slice(0, MAX_LINE)} … [${line.length - MAX_LINE} more characters skipped]`;
    }
    this.#partial = "";
    this.#skipped = -1;
    // A line that held only cursor or screen control was never text.
    if (line === "" && raw !== "" && raw !== "\r") return;
    this.emit(line);
  }
}

/** A finished line as it would look on screen, colours kept. */
export function clean(raw: string): string {
  let s = raw;
  if (s.includes("\x1b")) {
    // "Erase to end of line" right at the line's start blanks it; NUL marks that
    // the line is empty (rather than ending in CRLF) and is removed below.
    s = s.replace(TO_LINE_START, "\r").replace(ERASE_AT_START, "\r\x00").replace(NON_SGR, "");
  }
  if (s.endsWith("\r")) s = s.slice(0, -1);
  const cr = s.lastIndexOf("\r");
  if (cr !== -1) s = s.slice(cr + 1);
  return HAS_CONTROL.test(s) ? s.replace(CONTROL, "") : s;
}
