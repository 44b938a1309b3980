// What the UI reads from the Supervisor and the activity channel, and how often
// it redraws: at most FPS frames a second while something changes, a tick a
// second while a run is up (uptimes), and nothing at all while idle.

import { useCallback, useEffect, useRef, useState } from "react";
import type { Activity } from "../../activity.ts";
import type { RunInfo, ScriptInfo, Supervisor } from "../../supervise/supervisor.ts";

export const FPS = 20;

/** Re-renders the caller when the supervisor or the activity channel changes, rate-limited. */
export function useRefresh(sup: Supervisor, activity: Activity): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const bump = () => {
      timer = undefined;
      last = performance.now();
      setVersion((v) => v + 1);
    };
    const dirty = () => {
      if (timer !== undefined) return;
      timer = setTimeout(bump, Math.max(0, 1000 / FPS - (performance.now() - last)));
    };
    const offSup = sup.onChange(dirty);
    const offActivity = activity.subscribe(dirty);
    // Uptimes move while something runs; nothing moves while nothing does.
    const clock = setInterval(() => {
      if (sup.runs().some((r) => r.state === "running")) dirty();
    }, 1000);
    return () => {
      offSup();
      offActivity();
      clearInterval(clock);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [sup, activity]);
  return version;
}

export interface ScriptRow {
  script: ScriptInfo;
  /** The script's latest run, if it ever ran. */
  run: RunInfo | undefined;
  /** Runs of the script after the first. */
  restarts: number;
  /** What its start waits on (buzz.json's depends_on), e.g. "api ready". */
  waiting?: string;
}

/** One row per script, in the project's order, with its latest run. */
export function scriptRows(
  scripts: ScriptInfo[],
  runs: RunInfo[],
  waiting: { script: string; waiting_for: string }[] = [],
): ScriptRow[] {
  const latest = new Map<string, RunInfo>();
  const count = new Map<string, number>();
  for (const r of runs) {
    latest.set(r.script, r);
    count.set(r.script, (count.get(r.script) ?? 0) + 1);
  }
  return scripts.map((script) => ({
    script,
    run: latest.get(script.name),
    restarts: Math.max(0, (count.get(script.name) ?? 0) - 1),
    waiting: waiting.find((w) => w.script === script.name)?.waiting_for,
  }));
}

/** Terminal size, following resizes (SIGWINCH). */
export function useTerminalSize(): { columns: number; rows: number } {
  const [size, setSize] = useState(consoleSize);
  useEffect(() => {
    if (Deno.build.os === "windows") return;
    const onResize = () => setSize(consoleSize());
    Deno.addSignalListener("SIGWINCH", onResize);
    return () => Deno.removeSignalListener("SIGWINCH", onResize);
  }, []);
  return size;
}

function consoleSize(): { columns: number; rows: number } {
  try {
    return Deno.consoleSize();
  } catch {
    return { columns: 80, rows: 24 };
  }
}

/**
 * State whose latest value key handlers can read at once: keys typed faster
 * than a frame arrive before React re-renders with the previous key's change.
 */
export function useLiveState<T>(initial: T): [T, (v: T) => void, { readonly current: T }] {
  const [value, setValue] = useState(initial);
  const ref = useRef(initial);
  const set = useCallback((v: T) => {
    ref.current = v;
    setValue(v);
  }, []);
  return [value, set, ref];
}
