// Waiting on a dependency (buzz.json's depends_on) until its condition holds:
// started, ready, or completed successfully. A dependency that crashes and
// that its restart policy brings back is followed to its next run, within the
// wait's time limit. It reads runs through the supervisor's public view and
// its events; the supervisor still owns them.

import { nextRestart } from "./restart.ts";
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

/**
 * Resolves when the run (or a restart of it) meets the condition; rejects with
 * a DependencyError when it cannot. `followMs` bounds the wait for runs that
 * its restart policy brings back after a crash, from the first crash.
 */
export function untilCondition(
  runs: RunView,
  firstProcessId: string,
  name: string,
  condition: Condition,
  signal: AbortSignal,
  followMs: number,
): Promise<RunInfo> {
  let processId = firstProcessId;
  /** Set while a crashed run waits for its automatic restart. */
  let crashed: RunInfo | null = null;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let settle: (v: RunInfo | Error | null) => void = () => {};
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
    if (info.state === "failed" && info.pid) {
      const next = nextRestart(info, false);
      if (next.restart === true) {
        crashed = info;
        deadline ??= setTimeout(
          () =>
            settle(
              fail(
                `failed ${ended} and was not ${
                  CONDITION_WORDS[condition]
                } again within ${followMs} ms of restarts`,
              ),
            ),
          followMs,
        );
        return null;
      }
      if (next.restart === "given up") {
        return fail(
          `crashed ${next.streak} times in a row (the last ${ended}); its restart policy gave up`,
        );
      }
    }
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
    settle = (v) => {
      if (!v) return;
      clearTimeout(deadline);
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
      // The policy's restart of the run that crashed is the one to wait on now.
      if (
        crashed && ev.type === "started" && ev.run.script === crashed.script &&
        ev.run.started_by === "restart"
      ) {
        crashed = null;
        processId = ev.run.process_id;
      }
      if (id === processId) settle(verdict());
    });
    signal.addEventListener("abort", onAbort);
    if (signal.aborted) onAbort();
    else settle(verdict());
  });
}
