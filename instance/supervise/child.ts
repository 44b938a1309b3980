// What every way of starting a run's process shares (plain pipes in spawn.ts,
// a pseudo-terminal in pty.ts): the request, the handle, and the pacing that
// keeps a chatty child from holding the event loop.

import type { Stream } from "./log_buffer.ts";

export interface SpawnRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  tty: boolean;
  onOutput: (stream: Stream, text: string) => void;
}

export interface ExitStatus {
  code: number;
  signal: Deno.Signal | null;
}

export interface Spawned {
  pid: number;
  tty: boolean;
  /** Whether the process itself has exited (its output may still be draining). */
  exited(): boolean;
  /** The exit status, once the process exited and its output is read. */
  done: Promise<ExitStatus>;
  /** Sends input; only a run with a terminal has any. */
  write(text: string): void;
}

/** Longest stretch of output handling before letting other work run. */
export const SLICE_MS = 12;

/** Resolves on a later turn of the event loop, after pending I/O had its chance. */
export function nextTurn(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
