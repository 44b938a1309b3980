// The shapes of the recorded detection corpus, shared by the recorder
// (record.ts), the families' case definitions (tests/corpus/<family>/cases.ts)
// and the replay scorer (replay.ts). See /work/notes/issue21-plan.md for the
// contract: a case is a small project, a command run in a pseudo-terminal and
// phases (edits between them); its recording is asciicast v2 with phase, run
// and exit markers; its expected.json is written by a person.

export interface Phase {
  /** "start", "break", "fix", "rerun" ... */
  name: string;
  /** Files written (null = deleted) before the phase begins. */
  edit?: Record<string, string | null>;
  /** Start the command (again) at this phase (one-shot tools). The first phase always starts it. */
  run?: boolean;
  /** A regex source: the phase ends when output since its start (as a terminal shows it) matches. */
  waitFor?: string;
  /** Quiet time after waitFor, or after the run's exit (default 500). */
  settleMs?: number;
  timeoutMs?: number;
  /** URLs fetched once the phase's edits are written (a dev server compiles on request). */
  fetch?: string[];
  /** Text typed into the terminal once the phase's edits are written (a watcher's "a" key). */
  input?: string;
}

export interface CaseDef {
  /** Unique across the corpus, e.g. "go-build-undefined". */
  name: string;
  /** The tool whose output it is. */
  tool: string;
  /** One line: what the recording shows. */
  about: string;
  /** The project, written to a scratch dir. */
  files: Record<string, string>;
  /** Commands run once in the project before recording (not recorded). */
  setup?: string[][];
  /** Run in a pseudo-terminal, 120x30, TERM=xterm-256color, cwd = project. */
  command: string[];
  /** Watch tools: one run, edits between phases; one-shots: run: true per phase. */
  phases: Phase[];
  /** Environment for the command beyond the recorder's own. */
  env?: Record<string, string>;
  /** Tool versions for the recording's header, e.g. { vite: "8.3.8" }. */
  versions?: Record<string, string>;
  /** Whether its output is clean but noisy (no error at any phase); informative only. */
  clean?: boolean;
}

/** One error expected to be current after a phase. */
export interface ExpectedError {
  tool: string;
  /** A key substring the error's message must contain. */
  text: string;
  /** The user's file and line; null when the output gives none. */
  file: string | null;
  line: number | null;
}

export interface ExpectedPhase {
  current: ExpectedError[];
  /** URLs printed by then (each must be listed). */
  urls: string[];
}

export interface Expected {
  about: string;
  tool: string;
  phases: Record<string, ExpectedPhase>;
}

/** asciicast v2 header. */
export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp: number;
  env: Record<string, string>;
  command: string;
  tool_versions: Record<string, string>;
}

/**
 * An event: output ("o"), or a marker ("m"): "phase:<name>" at each phase's
 * start, "run" when the command starts, "exit:<code>" or "signal:<NAME>" when
 * a run of it ends.
 */
export type CastEvent = [number, "o" | "m", string];

export interface Cast {
  header: CastHeader;
  events: CastEvent[];
}

export function parseCast(text: string): Cast {
  const rows = text.split("\n").filter((l) => l.trim());
  const header = JSON.parse(rows[0]) as CastHeader;
  if (header.version !== 2) throw new Error(`not an asciicast v2 recording: ${rows[0]}`);
  return { header, events: rows.slice(1).map((r) => JSON.parse(r) as CastEvent) };
}

export function formatCast(cast: Cast): string {
  return [cast.header, ...cast.events].map((e) => JSON.stringify(e)).join("\n") + "\n";
}
