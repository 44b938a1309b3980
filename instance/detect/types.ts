// The shapes shared by the detector's modules.

import type { LogLine } from "../supervise/log_buffer.ts";

/**
 * The tool that printed an error, as far as its format tells ("tsc", "vite",
 * "go", ...; "run" for a failed run nothing else explains, "unknown" when only
 * the shape is known). The families list theirs (families/mod.ts).
 */
export type Tool = string;

/** A coarse category: what kind of problem, whichever tool said it. */
export type ErrorKind =
  | "compile"
  | "lint"
  | "test"
  | "runtime"
  | "package-manager"
  /** The run failed (exit code, signal) and the output held no error the detector knows. */
  | "exit"
  | BrowserErrorKind;

/** What a page reported (instance/browser/). */
export type BrowserErrorKind =
  | "uncaught"
  | "unhandled_rejection"
  | "console"
  | "network"
  | "resource";

export interface DetectedError {
  /** Unique across the instance, increasing with time. */
  id: number;
  process_id: string;
  tool: Tool;
  kind: ErrorKind;
  /** The prefix of the output it came from (concurrently's "[types]", turbo's "web:dev"), or null. */
  source: string | null;
  /** The essential text: the diagnostic, exception or failed test, without location or colour. */
  message: string;
  file: string | null;
  line: number | null;
  column: number | null;
  /** Seq of the first line of the latest report. */
  seq: number;
  /** Seq of the last line of the latest report. */
  last_seq: number;
  /** Same as first_seen; kept for older clients. */
  time: string;
  /** ISO 8601 times of the first and the latest report. */
  first_seen: string;
  last_seen: string;
  /** How many times the same error was reported in this run. */
  count: number;
  /** Fixed, superseded or moved past: its source reported success or a new cycle. */
  resolved: boolean;
  resolved_at: string | null;
  /** The latest report's lines, terminal codes stripped; may grow while the error is open. */
  lines: string[];
  /** The same lines as printed, colours included. */
  raw: string[];
  /** Browser errors: the page that reported it. */
  page?: string;
  /** Browser errors: the stack, mapped through source maps to the project's files. */
  stack?: string[];
}

/** What a rule knows once it has seen a headline. */
export interface Start {
  tool: Tool;
  kind: ErrorKind;
  message: string;
  file?: string | null;
  line?: number | null;
  column?: number | null;
  /**
   * Not an error until the rule's finish() sets state.confirmed (a JavaScript
   * error headline is one only with its stack); dropped if never confirmed.
   */
  tentative?: boolean;
  /** Earlier lines of the same stream that belong to the error (Node's "file:line / source / caret"). */
  prelude?: LogLine[];
}

/** take: the line belongs to the error; last: it does and ends it; stop: it does not. */
export type Verdict = "take" | "last" | "stop";

/** An error still being grouped. */
export interface Draft {
  rule: Rule;
  error: DetectedError;
  /** Rule-private progress (e.g. "the code frame is next"). */
  state: Record<string, unknown>;
}

export interface Rule {
  name: string;
  /** Blank lines allowed in a row inside the error; more end it (default 0). */
  blanks?: number;
  /** A headline this rule recognises, or null. `recent` holds the stream's previous lines. */
  start(plain: string, recent: LogLine[]): Start | null;
  /** Whether a later non-blank line continues the open error. */
  next(plain: string, draft: Draft): Verdict;
  /** Refines message and location once lines were added. */
  finish?(draft: Draft): void;
}

/** What a success or new-cycle line means for the errors of its source. */
export type Action =
  | { type: "start"; tool: Tool }
  | { type: "end"; tool: Tool; clean: boolean }
  /** These files were rebuilt and served without error. */
  | { type: "files"; tool: Tool; files: string[] }
  | { type: "tool"; tool: Tool }
  /** The program restarted itself (nodemon, node --watch, deno --watch, a reloader). */
  | { type: "all" };

export type Signal = [RegExp, (m: RegExpMatchArray) => Action];

/** For the README: a tool a family reads, the kinds it reports, what resolves its errors. */
export interface ToolDoc {
  tool: Tool;
  kinds: ErrorKind[];
  /** One sentence: what makes its error stop being current. */
  resolves: string;
}

/** A toolchain family of the detector: its tools' headline rules and success signals. */
export interface Family {
  name: string;
  tools: ToolDoc[];
  /** Checked in the order families are listed (families/mod.ts), then in this order. */
  rules: Rule[];
  /**
   * True for every line one of its rules' start() could match (a cheap first
   * test: most lines fail every family's and skip the rules). Keep in step.
   */
  mayStart: RegExp;
  /** Lines that start no error though a rule might take them: summaries of errors listed above. */
  quiet?: RegExp;
  signals: Signal[];
  /** The same for its signals. */
  maySignal: RegExp;
}
