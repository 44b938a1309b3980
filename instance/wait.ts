// logs_wait's engine: follow the log cursor from "now" until a line matches.
// Driven by the supervisor's log events; the only timers are the caller's
// deadline and a once-a-second progress tick.

import { log } from "../shared/log.ts";
import { lineMatcher, type Supervisor, type TailedLine } from "./supervisor.ts";

export interface WaitOptions {
  query: string;
  regex?: boolean;
  processId?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (elapsedMs: number, totalMs: number) => void;
}

export function waitForLine(sup: Supervisor, opts: WaitOptions): Promise<TailedLine | null> {
  const matches = lineMatcher(opts.query, opts.regex);
  if (opts.processId && !sup.get(opts.processId)) {
    throw new Error(`No run with process_id "${opts.processId}". Call scripts_status to see runs.`);
  }
  let cursor = sup.tail({ processId: opts.processId, limit: 1 }).next_seq;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const finish = (line: TailedLine | null, error?: Error) => {
      unsubscribe();
      clearTimeout(deadline);
      clearInterval(progress);
      opts.signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(line);
    };
    const onAbort = () => {
      log.debug("logs_wait cancelled by the client");
      finish(null, new Error("logs_wait was cancelled"));
    };
    const unsubscribe = sup.onChange((ev) => {
      if (ev.type !== "log" || (opts.processId && ev.processId !== opts.processId)) return;
      const { lines, next_seq } = sup.tail({
        processId: opts.processId,
        sinceSeq: cursor,
        limit: 1000,
      });
      cursor = next_seq;
      const hit = lines.find((l) => matches(l.plain));
      if (hit) finish(hit);
    });
    const deadline = setTimeout(() => finish(null), opts.timeoutMs);
    const progress = setInterval(
      () => opts.onProgress?.(Date.now() - started, opts.timeoutMs),
      1000,
    );
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort);
  });
}
