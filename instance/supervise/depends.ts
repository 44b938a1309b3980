// Waiting on a dependency (buzz.json's depends_on) until its condition holds:
// started, ready, or completed successfully. It reads runs through the
// supervisor's public view and its events; the supervisor still owns them.

import type { RunInfo, SupervisorEvent } from "./runs.ts";
import type { Condition } from "./stack.ts";

/** The part of the Supervisor a wait reads. */
export interface RunView {
  get(processId: string): RunInfo | undefined;
  onChange(cb: (ev: SupervisorEvent) => void): () => void;
  tail(opts: { processId: string; limit: number }): { lines: { plain: string }[] };
}

export const CONDITION_WORDS: Record<Condition, string> = {
  started: "started",
  ready: "ready",
  completed_successfully: "completed",
};

/** A dependency that failed, ended or timed out: the chain that needed it stops. */
export class DependencyError extends Error {
  constructor(
    readonly dependency: string,
    readonly processId: string | null,
    readonly reason: string,
    readonly lastLines: string[],
  ) {
    super(`dependency ${dependency} ${reason}`);
  }

  /** Says, for the script that needed it, what failed, its last lines and the next call. */
  explain(script: string): this {
    const tail = this.lastLines.length
      ? ` Its last lines (${this.processId}):\n${this.lastLines.join("\n")}\n`
      : " ";
    this.message = `Cannot start ${script}: its dependency ${this.dependency} ${this.reason}.` +
      `${tail}Fix ${this.dependency} (see logs_tail and errors_list), then call scripts_run ` +
      `{name: "${script}"} again.`;
    return this;
  }
}

/** Resolves when the run meets the condition; rejects with a DependencyError when it cannot. */
export function untilCondition(
  runs: RunView,
  processId: string,
  name: string,
  condition: Condition,
  signal: AbortSignal,
): Promise<RunInfo> {
  const fail = (reason: string) =>
    new DependencyError(
      name,
      processId,
      reason,
      runs.get(processId) ? runs.tail({ processId, limit: 10 }).lines.map((l) => l.plain) : [],
    );
  const verdict = (): RunInfo | Error | null => {
    const info = runs.get(processId);
    if (!info) return fail("was dropped before it was done");
    const ended = info.signal ? `by signal ${info.signal}` : `with exit code ${info.exit_code}`;
    if (condition === "completed_successfully") {
      if (info.state === "exited") return info;
      if (info.state !== "running") return fail(`${info.state} ${ended}`);
      return null;
    }
    if (info.state === "failed" && !info.pid) return fail("could not start");
    if (condition === "started") return info;
    if (info.ready) return info;
    if (info.ready_error) return fail(`did not become ready: ${info.ready_error}`);
    if (info.state !== "running") return fail(`${info.state} ${ended} before it was ready`);
    return null;
  };
  return new Promise((resolve, reject) => {
    const settle = (v: RunInfo | Error | null) => {
      if (!v) return;
      off();
      signal.removeEventListener("abort", onAbort);
      if (v instanceof Error) reject(v);
      else resolve(v);
    };
    const onAbort = () => settle(new Error(`stopped waiting for ${name}`));
    const off = runs.onChange((ev) => {
      const id = ev.type === "started" || ev.type === "exited" || ev.type === "ready"
        ? ev.run.process_id
        : null;
      if (id === processId) settle(verdict());
    });
    signal.addEventListener("abort", onAbort);
    if (signal.aborted) onAbort();
    else settle(verdict());
  });
}
