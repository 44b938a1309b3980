// The error book of one run: every error seen, which of them still hold, and
// how often each repeated. A report identical to an earlier one (same tool,
// message and location) is the same error seen again: it bumps the count and,
// if it had been resolved, makes it current again.

import type { DetectedError, Tool } from "./types.ts";

/** Caps so a run that loops on failure cannot grow memory without bound. */
const MAX_ERRORS = 1000;

export class ErrorBook {
  #errors: DetectedError[] = [];
  /** Complete errors by their identity (keyOf), so a repeat is found without a scan. */
  #byKey = new Map<string, DetectedError>();
  /** Per source and tool: seq where its current cycle started (a start marker or the previous end). */
  #cycle = new Map<string, number>();
  /** Sources and tools whose current cycle began with a start marker (not the previous end). */
  #started = new Set<string>();

  /** Every error, oldest first, resolved ones included. */
  all(): DetectedError[] {
    return this.#errors;
  }

  /**
   * Errors that still hold, oldest first. A report still being printed that
   * repeats a current error (it folds into it once complete) is listed once.
   */
  current(): DetectedError[] {
    const current = this.#errors.filter((e) => !e.resolved);
    if (current.length < 2) return current;
    const keys = current.map(keyOf);
    return current.filter((_, i) => keys.indexOf(keys[i], i + 1) < 0);
  }

  add(error: DetectedError): void {
    this.#errors.push(error);
    if (this.#errors.length > MAX_ERRORS) {
      const old = this.#errors.shift()!;
      const key = keyOf(old);
      if (this.#byKey.get(key) === old) this.#byKey.delete(key);
    }
  }

  /**
   * Called when an error's lines are complete: folds it into an earlier
   * identical one if there is one. Returns the error that stays in the book.
   */
  close(error: DetectedError): DetectedError {
    const key = keyOf(error);
    const same = this.#byKey.get(key);
    if (!same || same === error) {
      this.#byKey.set(key, error);
      return error;
    }
    this.#errors.splice(this.#errors.indexOf(error), 1);
    same.count += 1;
    same.seq = error.seq;
    same.last_seq = error.last_seq;
    same.last_seen = error.last_seen;
    same.lines = error.lines;
    same.raw = error.raw;
    same.resolved = false;
    same.resolved_at = null;
    return same;
  }

  /** Resolves the errors that match, as of `time`; returns them. */
  resolve(time: string, match: (e: DetectedError) => boolean): DetectedError[] {
    const done = this.#errors.filter((e) => !e.resolved && match(e));
    for (const e of done) {
      e.resolved = true;
      e.resolved_at = time;
    }
    return done;
  }

  /** A tool began a new cycle (a rebuild, a re-run) at `seq`. */
  cycleStart(tool: Tool, source: string | null, seq: number): void {
    this.#cycle.set(`${source}\0${tool}`, seq);
    this.#started.add(`${source}\0${tool}`);
  }

  /**
   * A tool finished a cycle at `seq`: its errors not reported again during the
   * cycle are gone. With `clean` (it reported no errors), all of them are. A
   * failing summary with no error reported since the last one (jest redraws
   * its summary) still stands for the errors before it.
   */
  cycleEnd(
    tool: Tool,
    source: string | null,
    seq: number,
    time: string,
    clean: boolean,
  ): DetectedError[] {
    const key = `${source}\0${tool}`;
    const since = this.#cycle.get(key);
    this.#cycle.set(key, seq);
    const started = this.#started.delete(key);
    const mine = (e: DetectedError) => e.tool === tool && e.source === source;
    if (clean) return this.resolve(time, mine);
    if (since === undefined) return [];
    if (!started && !this.#errors.some((e) => mine(e) && e.last_seq >= since)) return [];
    return this.resolve(time, (e) => mine(e) && e.last_seq < since);
  }
}

function keyOf(e: DetectedError): string {
  return JSON.stringify([e.tool, e.source, e.message, e.file, e.line, e.column]);
}
