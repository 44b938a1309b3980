// Owns every run of the project's scripts: starts them (with the project's
// .env, extra args and env), restarts crashed ones when asked, keeps a few
// finished runs per script, and answers the views' questions about logs,
// errors and URLs. Views (MCP sessions, a terminal UI) read and send commands;
// only the supervisor changes runs. One run's life is in runs.ts.

import { basename } from "node:path";
import type { DetectedError } from "../detect/detector.ts";
import { runEnv } from "./env.ts";
import type { LogLine, Stream } from "./log_buffer.ts";
import { SeqCounter } from "./log_buffer.ts";
import { filterWithin, lineMatcher } from "./matcher.ts";
import { type AutoRestart, Run, type RunInfo, type SupervisorEvent } from "./runs.ts";
import { RUNNER_HINTS, type ScriptInfo } from "./scripts.ts";
import { findExecutable } from "./spawn.ts";
import { log } from "../../shared/log.ts";

export { lineMatcher } from "./matcher.ts";
export type { AutoRestart, DetectedError, LogLine, RunInfo, ScriptInfo, Stream, SupervisorEvent };

export type TailedLine = LogLine & { process_id: string };

export interface SupervisorOptions {
  /** How long a run may take to exit after SIGTERM before SIGKILL (default 3000). */
  graceMs?: number;
  /** Lines kept per run (default 10000). */
  logLines?: number;
  /** Finished runs kept per script (default 5); older ones and their logs are dropped. */
  keepFinished?: number;
  /** Default for runs that do not say: a pseudo-terminal (true) or plain pipes (false). */
  tty?: boolean;
}

export interface StartOptions {
  /** Stop a running run of the script first. */
  restart?: boolean;
  /** Appended to the script's command line. */
  args?: string[];
  /** Set for this run, over buzz's environment and the project's .env. */
  env?: Record<string, string>;
  /** A pseudo-terminal (default) or plain pipes. */
  tty?: boolean;
  /** Restart after a crash: true for the defaults, or the policy. */
  autoRestart?: boolean | Partial<AutoRestart>;
  /** Who asks, recorded as the run's started_by (default "agent"). */
  actor?: string;
}

const DEFAULT_AUTO_RESTART: AutoRestart = { max_restarts: 5, backoff_ms: 1000 };
const MAX_BACKOFF_MS = 30_000;
/** A run that lived this long before crashing starts the backoff afresh. */
const HEALTHY_MS = 30_000;

export class Supervisor {
  readonly dir: string;
  #scripts: ScriptInfo[];
  #graceMs: number;
  #logLines: number;
  #keepFinished: number;
  #tty: boolean;
  #runs = new Map<string, Run>();
  #counts = new Map<string, number>();
  #seq = new SeqCounter();
  #errorIds = 0;
  #listeners = new Set<(ev: SupervisorEvent) => void>();
  /** Pending automatic restarts, by the process_id of the run that crashed. */
  #restarts = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(dir: string, scripts: ScriptInfo[], opts: SupervisorOptions = {}) {
    this.dir = dir;
    this.#scripts = scripts;
    this.#graceMs = opts.graceMs ?? 3000;
    this.#logLines = opts.logLines ?? 10_000;
    this.#keepFinished = opts.keepFinished ?? 5;
    this.#tty = opts.tty ?? Deno.build.os !== "windows";
  }

  /** The current script list (it changes when package.json or deno.json do). */
  get scripts(): ScriptInfo[] {
    return this.#scripts;
  }

  /** Replaces the script list; runs already started keep going. */
  setScripts(scripts: ScriptInfo[]): void {
    this.#scripts = scripts;
  }

  async start(
    name: string,
    opts: StartOptions = {},
  ): Promise<{ run: RunInfo; alreadyRunning: boolean }> {
    const script = this.#script(name);
    let current = this.#running(name);
    if (current && opts.restart) {
      await this.stop(current.info.process_id);
      // Another caller may have started it while we waited.
      current = this.#running(name);
    }
    if (current) return { run: current.snapshot(), alreadyRunning: true };
    const policy = opts.autoRestart === true
      ? DEFAULT_AUTO_RESTART
      : opts.autoRestart
      ? { ...DEFAULT_AUTO_RESTART, ...opts.autoRestart }
      : null;
    const run = await this.#spawn(script, { ...opts, autoRestart: policy ?? undefined }, 1);
    return { run: run.snapshot(), alreadyRunning: false };
  }

  async stop(processId: string): Promise<RunInfo> {
    const run = this.#get(processId);
    this.#cancelRestart(processId);
    await run.stop(this.#graceMs);
    return run.snapshot();
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.#restarts.keys()]) this.#cancelRestart(id);
    const running = [...this.#runs.values()].filter((r) => r.info.state === "running");
    await Promise.all(running.map((r) => this.stop(r.info.process_id)));
  }

  /** Sends text to a running run's terminal, as if typed (e.g. "h", "q", "\r"). */
  input(processId: string, text: string): RunInfo {
    const run = this.#get(processId);
    run.input(text);
    return run.snapshot();
  }

  runs(): RunInfo[] {
    return [...this.#runs.values()].map((r) => r.snapshot());
  }

  get(processId: string): RunInfo | undefined {
    return this.#runs.get(processId)?.snapshot();
  }

  /** Resolves when the run has ended and its final state is recorded. */
  async waitForExit(processId: string): Promise<RunInfo | undefined> {
    const run = this.#runs.get(processId);
    if (!run) return undefined;
    await run.done;
    return run.snapshot();
  }

  /**
   * With sinceSeq: the lines after that cursor, oldest first. Without: the
   * latest `limit` lines. Pass next_seq back as sinceSeq to continue.
   */
  tail(
    opts: { processId?: string; sinceSeq?: number; limit?: number; stream?: Stream } = {},
  ): { lines: TailedLine[]; next_seq: number } {
    const { sinceSeq, stream } = opts;
    const limit = opts.limit ?? 100;
    const picked = this.#select(opts.processId).flatMap((run) =>
      tagged(
        run,
        sinceSeq === undefined
          ? run.logs.last(limit, stream)
          : run.logs.since(sinceSeq, limit, stream),
      )
    ).sort(bySeq);
    const lines = sinceSeq === undefined ? picked.slice(-limit) : picked.slice(0, limit);
    const now = this.#seq.current;
    const next_seq = lines.at(-1)?.seq ?? (sinceSeq === undefined ? now : Math.min(sinceSeq, now));
    return { lines, next_seq };
  }

  /**
   * Lines whose plain text matches; the newest `limit` matches, oldest first.
   * Regexes are linear-time and the whole search has a time budget (matcher.ts).
   */
  search(
    opts: { query: string; regex?: boolean; processId?: string; limit?: number },
  ): TailedLine[] {
    const matches = lineMatcher(opts.query, opts.regex);
    const lines = this.#select(opts.processId).flatMap((run) => tagged(run, run.logs.lines()));
    const hits = filterWithin(lines, (l) => l.plain, matches, opts.query).sort(bySeq);
    return hits.slice(-(opts.limit ?? 100));
  }

  /**
   * The errors that hold now (or, with includeResolved, every error seen), the
   * most recently reported first.
   */
  errors(
    opts: { processId?: string; limit?: number; includeResolved?: boolean } = {},
  ): DetectedError[] {
    return this.#select(opts.processId)
      .flatMap((run) => opts.includeResolved ? run.detector.all() : run.detector.current())
      .sort((a, b) => b.last_seq - a.last_seq)
      .slice(0, opts.limit ?? 20)
      .map((e) => ({ ...e, lines: [...e.lines] }));
  }

  urls(): { process_id: string; script: string; urls: string[] }[] {
    return [...this.#runs.values()].map((r) => ({
      process_id: r.info.process_id,
      script: r.info.script,
      urls: [...r.info.urls],
    }));
  }

  /** Whether a crashed run (or, without an id, any run) has an automatic restart pending. */
  restartPending(processId?: string): boolean {
    return processId === undefined ? this.#restarts.size > 0 : this.#restarts.has(processId);
  }

  /** Returns the unsubscribe function. */
  onChange(cb: (ev: SupervisorEvent) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  #emit = (ev: SupervisorEvent): void => {
    for (const cb of this.#listeners) {
      try {
        cb(ev);
      } catch (e) {
        // A faulty subscriber must not take down supervision of the child.
        log.error("supervisor event listener failed:", e);
      }
    }
  };

  #script(name: string): ScriptInfo {
    const script = this.#scripts.find((s) => s.name === name);
    if (script) return script;
    const known = this.#scripts.map((s) => s.name).join(", ") || "none";
    throw new Error(
      `Unknown script "${name}". Known scripts: ${known}. Call scripts_list for details.`,
    );
  }

  #get(processId: string): Run {
    const run = this.#runs.get(processId);
    if (run) return run;
    const known = [...this.#runs.keys()].join(", ") || "none";
    throw new Error(
      `Unknown process_id "${processId}". Known process ids: ${known}. Call scripts_status to see runs.`,
    );
  }

  #running(name: string): Run | undefined {
    return [...this.#runs.values()].find((r) =>
      r.info.script === name && r.info.state === "running"
    );
  }

  #select(processId?: string): Run[] {
    return processId === undefined ? [...this.#runs.values()] : [this.#get(processId)];
  }

  async #spawn(
    script: ScriptInfo,
    opts: Omit<StartOptions, "autoRestart"> & { autoRestart?: AutoRestart },
    attempt: number,
  ): Promise<Run> {
    const { env, sources } = await runEnv(this.dir, opts.env);
    const argv = withArgs(script, opts.args ?? []);
    if (!findExecutable(argv[0], env)) throw missingRunner(script, argv[0]);
    const n = (this.#counts.get(script.name) ?? 0) + 1;
    this.#counts.set(script.name, n);
    // A new run of a script moves on from what the earlier ones reported.
    for (const old of this.#runs.values()) {
      if (old.info.script === script.name) old.detector.resolveAll();
    }
    const run = new Run({
      info: {
        process_id: `${script.name}-${n}`,
        script: script.name,
        command: argv.join(" "),
        args: [...(opts.args ?? [])],
        pid: 0,
        state: "running",
        exit_code: null,
        signal: null,
        started_at: new Date().toISOString(),
        started_by: opts.actor ?? "agent",
        ended_at: null,
        urls: [],
        tty: opts.tty ?? this.#tty,
        env: sources,
        auto_restart: opts.autoRestart ?? null,
        attempt,
      },
      seq: this.#seq,
      logLines: this.#logLines,
      nextErrorId: () => ++this.#errorIds,
      emit: this.#emit,
    });
    this.#runs.set(run.info.process_id, run);
    run.start({ argv, cwd: this.dir, env });
    run.done.then(() => this.#ended(run, script, opts));
    return run;
  }

  #ended(run: Run, script: ScriptInfo, opts: StartOptions & { autoRestart?: AutoRestart }): void {
    this.#prune(run.info.script);
    const policy = run.info.auto_restart;
    if (!policy || run.info.state !== "failed" || run.stopRequested) return;
    const lived = Date.parse(run.info.ended_at!) - Date.parse(run.info.started_at);
    const streak = lived >= HEALTHY_MS ? 1 : run.info.attempt;
    if (streak > policy.max_restarts) {
      run.line("stderr", `buzz: crashed ${streak} times in a row; not restarting again`);
      return;
    }
    const delay = Math.min(policy.backoff_ms * 2 ** (streak - 1), MAX_BACKOFF_MS);
    run.line(
      "stderr",
      `buzz: restarting in ${delay} ms (restart ${streak} of ${policy.max_restarts})`,
    );
    const id = run.info.process_id;
    this.#restarts.set(
      id,
      setTimeout(() => {
        this.#restarts.delete(id);
        // Someone may have started the script by hand meanwhile.
        if (this.#running(script.name)) return;
        const current = this.#scripts.find((s) => s.name === script.name) ?? script;
        this.#spawn(current, { ...opts, restart: false, actor: "restart" }, streak + 1).catch((e) =>
          run.line("stderr", `buzz: restart failed: ${(e as Error).message}`)
        );
      }, delay),
    );
  }

  #cancelRestart(processId: string): void {
    clearTimeout(this.#restarts.get(processId));
    this.#restarts.delete(processId);
  }

  /** Keeps the latest few finished runs of a script; older ones go with their logs. */
  #prune(script: string): void {
    const finished = [...this.#runs.values()].filter((r) =>
      r.info.script === script && r.info.state !== "running" &&
      !this.#restarts.has(r.info.process_id)
    );
    for (const run of finished.slice(0, Math.max(0, finished.length - this.#keepFinished))) {
      this.#runs.delete(run.info.process_id);
    }
  }
}

/**
 * The script's argv with extra args. npm needs `--` before them, or it takes
 * them as its own options; pnpm, yarn, bun and `deno task` pass them on as is.
 */
export function withArgs(script: ScriptInfo, args: string[]): string[] {
  if (!args.length) return script.argv;
  return script.runner === "npm" ? [...script.argv, "--", ...args] : [...script.argv, ...args];
}

function missingRunner(script: ScriptInfo, program: string): Error {
  const tool = basename(program);
  const hint = tool === script.runner ? ` To get it, ${RUNNER_HINTS[script.runner]}.` : "";
  return new Error(
    `Cannot run "${script.name}": ${tool} is not installed (not found on PATH).${hint} ` +
      "Then call scripts_run again.",
  );
}

function tagged(run: Run, lines: LogLine[]): TailedLine[] {
  return lines.map((l) => ({ ...l, process_id: run.info.process_id }));
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}
