// The waiting engine behind logs_wait and scripts_run's wait_for. It reads the
// log from a cursor (by default the start of the run, or of every run), so a
// line printed just before the call still counts, then follows new lines as
// the supervisor reports them. It returns at once when the runs it waits on
// have exited, instead of running out the clock. Driven by supervisor events;
// the only timers are the caller's deadline and a once-a-second progress tick.

import { log } from "../../shared/log.ts";
import { MATCH_BUDGET_MS, SlowMatchError } from "../supervise/matcher.ts";
import type { RunInfo, Supervisor, SupervisorEvent, TailedLine } from "../supervise/supervisor.ts";

export interface WaitOptions {
  /** Whether a line (its plain text) is the one waited for. */
  match: (plain: string) => boolean;
  /** The run to wait on; without it, every run (lines of any run count). */
  processId?: string;
  /** Cursor: only lines with a greater seq count. Default 0: every line still kept. */
  sinceSeq?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (elapsedMs: number, totalMs: number) => void;
  /** Names the call in buzz's own log, e.g. "logs_wait". */
  what?: string;
}

export interface WaitResult {
  /** The first line after the cursor that matched, or null. */
  line: TailedLine | null;
  /** Set when the wait ended because the run (or every run waited on) ended first. */
  exited: RunInfo | null;
  /** Whether buzz will restart the exited run (auto_restart). */
  restarting: boolean;
  timedOut: boolean;
  /** Cursor for the next call: the matched line's seq, else the last line read. */
  nextSeq: number;
}

/** Lines read per step; a step that finds nothing moves the cursor past them. */
const BATCH = 1000;
/** Log events handled lazily (after the current burst of output) before a forced read. */
const EAGER_AFTER = 1000;

/**
 * Waits for a line that `match`es. Without a process_id, the wait ends on exit
 * only once something it waited on ran and nothing runs any more (nor will be
 * restarted); with nothing running at the call, it waits for a run to start.
 */
export function waitFor(sup: Supervisor, opts: WaitOptions): Promise<WaitResult> {
  const what = opts.what ?? "logs_wait";
  const target = opts.processId;
  if (target && !sup.get(target)) {
    throw new Error(`No run with process_id "${target}". Call scripts_status to see runs.`);
  }
  let cursor = opts.sinceSeq ?? 0;

  /** Reads on from the cursor; the first scan (over kept history) has a time budget. */
  const read = (budgetMs = Infinity): TailedLine | null => {
    const deadline = performance.now() + budgetMs;
    while (true) {
      const { lines } = sup.tail({ processId: target, sinceSeq: cursor, limit: BATCH });
      if (!lines.length) return null;
      for (const l of lines) {
        cursor = l.seq;
        if (opts.match(l.plain)) return l;
      }
      if (performance.now() > deadline) {
        throw new SlowMatchError(
          `Matching the kept log took longer than ${budgetMs} ms. Use a simpler pattern, ` +
            "give process_id, or pass since_seq (e.g. the next_seq of logs_tail) to match only newer lines.",
        );
      }
    }
  };

  const first = read(MATCH_BUDGET_MS);
  const result = (
    line: TailedLine | null,
    exited: RunInfo | null = null,
    timedOut = false,
  ): WaitResult => ({
    line,
    exited,
    restarting: exited ? sup.restartPending(exited.process_id) : false,
    timedOut,
    nextSeq: line?.seq ?? cursor,
  });
  if (first) return Promise.resolve(result(first));
  if (target) {
    const run = sup.get(target)!;
    if (run.state !== "running") {
      // Let the supervisor finish with it (a restart is decided after the exit).
      return sup.waitForExit(target).then((r) => result(null, r ?? run));
    }
  }

  const started = Date.now();
  // Without a target: the runs this wait is about, running now or started during it.
  const watched = new Set(
    target ? [] : sup.runs().filter((r) => r.state === "running").map((r) => r.process_id),
  );
  return new Promise((resolve, reject) => {
    let done = false;
    let pending = 0;
    const finish = (r: WaitResult | null, error?: Error) => {
      if (done) return;
      done = true;
      unsubscribe();
      clearTimeout(deadline);
      clearInterval(progress);
      opts.signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(r!);
    };
    const step = () => {
      pending = 0;
      if (done) return;
      try {
        const hit = read();
        if (hit) finish(result(hit));
      } catch (e) {
        // The run was dropped (pruned) while we waited: say so rather than hang.
        finish(null, e as Error);
      }
    };
    const onAbort = () => {
      log.debug(`${what} cancelled by the client`);
      finish(null, new Error(`${what} was cancelled`));
    };
    const ended = (run: RunInfo) => {
      step();
      if (done) return;
      // The supervisor decides on a restart once the run is recorded as ended.
      sup.waitForExit(run.process_id).then((final) => {
        if (done) return;
        const info = final ?? run;
        if (target) return finish(result(null, info));
        const running = sup.runs().some((r) => r.state === "running");
        if (!running && !sup.restartPending()) finish(result(null, info));
      });
    };
    const onEvent = (ev: SupervisorEvent) => {
      if (ev.type === "log") {
        if (target && ev.processId !== target) return;
        // Output comes in bursts of many lines: read once after the burst, but
        // never fall more than EAGER_AFTER lines behind (the buffer is bounded).
        if (++pending >= EAGER_AFTER) step();
        else if (pending === 1) queueMicrotask(step);
      } else if (ev.type === "started" && !target) {
        watched.add(ev.run.process_id);
      } else if (ev.type === "exited") {
        if (target ? ev.run.process_id === target : watched.has(ev.run.process_id)) {
          ended(ev.run);
        }
      }
    };
    const unsubscribe = sup.onChange(onEvent);
    const deadline = setTimeout(() => {
      step();
      finish(result(null, null, true));
    }, opts.timeoutMs);
    const progress = setInterval(
      () => opts.onProgress?.(Date.now() - started, opts.timeoutMs),
      1000,
    );
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort);
  });
}
