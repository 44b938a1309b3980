// When a run that ended is started again by itself: the policy a start asked
// for (scripts_run's auto_restart, or buzz.json's restart), and the backoff
// after crashes in a row.

import type { AutoRestart, RunInfo } from "./runs.ts";
import type { StackSettings } from "./stack.ts";

const DEFAULT_AUTO_RESTART: AutoRestart = { max_restarts: 5, backoff_ms: 1000 };
const MAX_BACKOFF_MS = 30_000;
/** A run that lived this long before crashing starts the backoff afresh. */
const HEALTHY_MS = 30_000;

/** The caller's wish (true for the defaults), else buzz.json's restart, else none. */
export function restartPolicy(
  asked: boolean | Partial<AutoRestart> | undefined,
  stack: StackSettings["restart"] | undefined,
): AutoRestart | null {
  const fromStack = stack && stack.when !== "no"
    ? {
      max_restarts: stack.max_restarts,
      backoff_ms: stack.backoff_ms,
      ...(stack.when === "always" ? { always: true } : {}),
    }
    : undefined;
  const wish = asked ?? fromStack;
  if (!wish) return null;
  return wish === true ? DEFAULT_AUTO_RESTART : { ...DEFAULT_AUTO_RESTART, ...wish };
}

export type NextRestart =
  | { restart: false }
  | { restart: true; delayMs: number; streak: number }
  | { restart: "given up"; streak: number };

/** Whether, and after how long, an ended run is started again under its policy. */
export function nextRestart(info: RunInfo, stopRequested: boolean): NextRestart {
  const policy = info.auto_restart;
  if (!policy || stopRequested) return { restart: false };
  // restart: "always" (buzz.json) starts a run again after a clean exit too.
  if (info.state !== "failed" && !(policy.always && info.state === "exited")) {
    return { restart: false };
  }
  const lived = Date.parse(info.ended_at!) - Date.parse(info.started_at);
  const streak = lived >= HEALTHY_MS ? 1 : info.attempt;
  if (streak > policy.max_restarts) return { restart: "given up", streak };
  const delayMs = Math.min(policy.backoff_ms * 2 ** (streak - 1), MAX_BACKOFF_MS);
  return { restart: true, delayMs, streak };
}
