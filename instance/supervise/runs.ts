// One run of a script, from spawn to its final state: its process (through
// spawn.ts), its guardian, its log lines and what they reveal (URLs, errors),
// and stopping it with its whole process tree.

import { type DetectedError, RunDetector } from "../detect/detector.ts";
import { type BrowserRecord, cameFrom, type PageInfo, Pages } from "../browser/pages.ts";
import type { EnvSource } from "./env.ts";
import { startGuardian } from "./guardian.ts";
import { stopGroup } from "./group.ts";
import { LineSplitter } from "./lines.ts";
import { LogBuffer, type LogLine, type SeqCounter, type Stream } from "./log_buffer.ts";
import { type Spawned, spawnRun } from "./spawn.ts";
import type { ExitStatus } from "./child.ts";

/** A pause after which a line held back for redrawing (a spinner's) is final. */
export const IDLE_MS = 1000;

export interface AutoRestart {
  /** Restarts after crashes in a row before giving up. */
  max_restarts: number;
  /** Wait before the first restart; doubles for each crash in a row, up to 30 s. */
  backoff_ms: number;
  /** Restart after a clean exit too (buzz.json's restart: "always"). */
  always?: boolean;
}

export interface RunInfo {
  /** `${script}-${n}`, n counting runs of that script from 1. */
  process_id: string;
  script: string;
  /** argv joined with spaces, extra args included. */
  command: string;
  /** Extra arguments given to this run. */
  args: string[];
  /** 0 when the process could not be spawned. */
  pid: number;
  /** exited: code 0 by itself; failed: non-zero, a signal we did not send, or no spawn; stopped: by us. */
  state: "running" | "exited" | "failed" | "stopped";
  exit_code: number | null;
  signal: string | null;
  started_at: string;
  /** Who started it, e.g. "agent", "you" (the terminal UI), "restart" (after a crash). */
  started_by: string;
  ended_at: string | null;
  urls: string[];
  /** Whether the run has a pseudo-terminal (else plain pipes: separate stdout/stderr, no input). */
  tty: boolean;
  /** Environment keys set for this run beyond buzz's own environment, and where each came from. */
  env: Record<string, EnvSource>;
  /** The restart policy, or null when a crash is final. */
  auto_restart: AutoRestart | null;
  /** 1 for a fresh start, n for the (n-1)th automatic restart after a crash. */
  attempt: number;
  /** Whether the run is ready (buzz.json's `ready`; without one, as soon as it started). */
  ready: boolean;
  /** Since when it is ready. */
  ready_at: string | null;
  /**
   * Which probe said so and what it saw, e.g. "http://localhost:3000/health 200", "started",
   * or "completed" for a run without a probe that exited with code 0 (a one-shot).
   */
  ready_by: string | null;
  /** Why it is not ready and never will be, e.g. the probe timed out. */
  ready_error: string | null;
  /**
   * The browser view of each local URL it printed: the same app through buzz's
   * proxy (instance/browser/), where pages report their errors to the agent.
   */
  browser_urls: Record<string, string>;
  /** The pages open on this run's dev server through buzz's proxy (instance/browser/). */
  pages?: PageInfo[];
}

export type SupervisorEvent =
  | { type: "started"; run: RunInfo }
  | { type: "exited"; run: RunInfo }
  | { type: "log"; processId: string }
  /** browser: its browser view (the proxied URL), if it has one. */
  | { type: "url"; processId: string; url: string; browser?: string }
  /** The run became ready (run.ready), or its probe gave up (run.ready_error). */
  | { type: "ready"; run: RunInfo }
  /** A script's start waits on its dependencies (waiting_for), or no longer (null). */
  | { type: "waiting"; script: string; waiting_for: string | null }
  /** Sent when an error starts; its lines may keep growing afterwards. */
  | { type: "error"; processId: string; error: DetectedError };

export interface RunSetup {
  info: RunInfo;
  seq: SeqCounter;
  /** Bounds of the run's log (log_buffer.ts); lines unbounded when undefined, bytes by default. */
  logLines?: number;
  logBytes?: number;
  nextErrorId: () => number;
  emit: (ev: SupervisorEvent) => void;
  /** The browser view of a URL the run printed (instance/browser/room.ts), or null. */
  browserUrl?: (url: string) => string | null;
}

export class Run {
  readonly info: RunInfo;
  readonly logs: LogBuffer;
  readonly detector: RunDetector;
  readonly pages = new Pages();
  #emit: (ev: SupervisorEvent) => void;
  #browserUrl: RunSetup["browserUrl"];
  #proc: Spawned | null = null;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #splitters: Record<Stream, LineSplitter> = {
    stdout: new LineSplitter((l, plain) => this.line("stdout", l, plain)),
    stderr: new LineSplitter((l, plain) => this.line("stderr", l, plain)),
  };
  /** Set once we decide to stop it, so its exit counts as "stopped". */
  #stopping: Promise<void> | null = null;
  /** Resolves once the run's final state is recorded. */
  done: Promise<void> = Promise.resolve();
  /** Sees each line's plain text after it is recorded (the readiness probe). */
  onLine: ((plain: string) => void) | null = null;

  constructor(setup: RunSetup) {
    this.info = setup.info;
    this.logs = new LogBuffer(setup.seq, setup.logLines, setup.logBytes);
    this.detector = new RunDetector(setup.info.process_id, setup.nextErrorId);
    this.#emit = setup.emit;
    this.#browserUrl = setup.browserUrl;
  }

  get stopRequested(): boolean {
    return this.#stopping !== null;
  }

  snapshot(): RunInfo {
    const pages = this.pages.list();
    return {
      ...this.info,
      urls: [...this.info.urls],
      browser_urls: { ...this.info.browser_urls },
      args: [...this.info.args],
      ...(pages.length && { pages }),
    };
  }

  /** Spawns the process; a spawn that fails leaves a "failed" run with the reason in its log. */
  start(req: { argv: string[]; cwd: string; env: Record<string, string> }): void {
    let proc: Spawned;
    try {
      proc = spawnRun({
        ...req,
        tty: this.info.tty,
        onOutput: (stream, text) => this.output(stream, text),
      });
    } catch (e) {
      this.info.state = "failed";
      this.info.ended_at = new Date().toISOString();
      this.#emit({ type: "started", run: this.snapshot() });
      this.line("stderr", `buzz: cannot start \`${this.info.command}\`: ${(e as Error).message}`);
      this.detector.failed(null, null, this.info.command, this.info.ended_at);
      this.#emit({ type: "exited", run: this.snapshot() });
      return;
    }
    this.#proc = proc;
    this.info.pid = proc.pid;
    const guardian = startGuardian(proc.pid);
    this.#emit({ type: "started", run: this.snapshot() });
    this.done = proc.done.then((status) => {
      guardian.release();
      this.ended(status);
    });
  }

  /** A chunk of the process's output (the recorded corpus replays through here too). */
  output(stream: Stream, text: string): void {
    const splitter = this.#splitters[stream];
    splitter.push(text);
    // A spinner's line is held back while it may still be redrawn; a pause makes it final.
    if (splitter.holding && this.#proc) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = setTimeout(() => this.idle(), IDLE_MS);
    }
  }

  /** The output paused: lines held back for redrawing are final. */
  idle(): void {
    this.#splitters.stdout.idle();
    this.#splitters.stderr.idle();
  }

  /** Records the run's end: its last lines, its final state, and a failure as an error. */
  ended(status: ExitStatus): void {
    clearTimeout(this.#idleTimer);
    this.#splitters.stdout.end();
    this.#splitters.stderr.end();
    this.detector.flush();
    const info = this.info;
    info.signal = status.signal;
    info.exit_code = status.signal ? null : status.code;
    info.state = this.#stopping
      ? "stopped"
      : status.code === 0 && !status.signal
      ? "exited"
      : "failed";
    info.ended_at = new Date().toISOString();
    // A one-shot (no probe) that exited 0 did what it was for: "completed", not "started".
    if (info.state === "exited" && info.ready_by === "started") info.ready_by = "completed";
    if (info.state === "failed") {
      const error = this.detector.failed(info.exit_code, info.signal, info.command, info.ended_at);
      if (error) this.#emit({ type: "error", processId: info.process_id, error });
    }
    this.#emit({ type: "exited", run: this.snapshot() });
  }

  /** Stops the run and its whole tree; resolves once its final state is recorded. */
  async stop(graceMs: number): Promise<void> {
    const proc = this.#proc;
    if (this.info.state === "running" && proc && !proc.exited()) {
      this.#stopping ??= stopGroup(proc.pid, graceMs, {
        leaderLast: proc.tty,
        leaderExited: () => proc.exited(),
      });
    }
    await this.#stopping;
    await this.done;
  }

  /** Sends text to the run's terminal, as typed. */
  input(text: string): void {
    if (this.info.state !== "running" || !this.#proc) {
      throw new Error(`${this.info.process_id} is ${this.info.state}; it takes no input.`);
    }
    this.#proc.write(text);
  }

  /**
   * Records what a page sent: its lines, marked as the browser's and kept out
   * of URL and error detection (a page's text is not the process's), and its
   * error, if any. A page's reload, or HMR replacing a file, resolves the
   * errors that came from it; those that happen again come back.
   */
  browser(rec: BrowserRecord): void {
    const processId = this.info.process_id;
    if (rec.gone) this.pages.gone(rec.page);
    else this.pages.seen(rec.page, rec.url, rec.title);
    if (rec.loaded) {
      this.detector.resolveWhere((e) => e.tool === "browser" && e.page === rec.url);
    }
    if (rec.replaced?.length) this.detector.resolveWhere((e) => cameFrom(e, rec.replaced!));
    let first: LogLine | null = null;
    let last: LogLine | null = null;
    for (const l of rec.lines) {
      last = this.logs.push(l.stream, l.text, undefined, true);
      first ??= last;
    }
    const e = rec.error;
    const error = e && first && last
      ? this.detector.report({
        tool: "browser",
        kind: e.kind,
        // Not a prefixed source of the run's output: a page's errors resolve by page and module.
        source: null,
        message: e.message,
        file: e.file,
        line: e.line,
        column: e.column,
        seq: first.seq,
        last_seq: last.seq,
        first_seen: first.time,
        last_seen: last.time,
        lines: rec.lines.map((l) => l.text),
        raw: rec.lines.map((l) => l.text),
        page: rec.url,
        stack: e.stack,
      })
      : null;
    if (last) this.#emit({ type: "log", processId });
    if (error?.count === 1) this.#emit({ type: "error", processId, error });
  }

  /** Records one line: stores it, detects URLs and errors, and tells listeners. */
  line(stream: Stream, text: string, plain?: string): LogLine {
    const line = this.logs.push(stream, text, plain);
    const processId = this.info.process_id;
    // Detect first, so a "log" listener already sees the line's URLs and errors.
    const found = this.detector.feed(line);
    this.info.urls.push(...found.urls);
    for (const url of found.urls) {
      const view = this.#browserUrl?.(url);
      if (view) this.info.browser_urls[url] = view;
    }
    this.#emit({ type: "log", processId });
    for (const url of found.urls) {
      this.#emit({ type: "url", processId, url, browser: this.info.browser_urls[url] });
    }
    if (found.error) this.#emit({ type: "error", processId, error: found.error });
    this.onLine?.(line.plain);
    return line;
  }
}
