// Owns every run of the project's scripts: starts them (with the project's
// .env, extra args and env), restarts crashed ones when asked, keeps a few
// finished runs per script, and answers the views' questions about logs,
// errors and URLs. Views (MCP sessions, a terminal UI) read and send commands;
// only the supervisor changes runs. One run's life is in runs.ts.

import type { DetectedError } from "../detect/detector.ts";
import { runEnv } from "./env.ts";
import type { LogLine, Stream } from "./log_buffer.ts";
import { DEFAULT_RUN_BYTES, SeqCounter } from "./log_buffer.ts";
import { filterWithin, lineMatcher } from "./matcher.ts";
import { type AutoRestart, Run, type RunInfo, type SupervisorEvent } from "./runs.ts";
import { missingRunner, scriptDir, type ScriptInfo, withArgs } from "./scripts.ts";
import { findExecutable } from "./spawn.ts";
import { DEFAULT_READY_TIMEOUT_MS, describeReady, startProbe } from "./ready.ts";
import { type Dependency, dependentsFirst, type Graph } from "./stack.ts";
import { stopInOrder } from "./shutdown.ts";
import { CONDITION_WORDS, DependencyError, untilCondition } from "./depends.ts";
import { nextRestart, restartPolicy } from "./restart.ts";
import { log } from "../../shared/log.ts";
import type { BrowserRecord } from "../browser/pages.ts";

export { lineMatcher } from "./matcher.ts";
export type { AutoRestart, DetectedError, LogLine, RunInfo, ScriptInfo, Stream, SupervisorEvent };

export type TailedLine = LogLine & { process_id: string };

export interface SupervisorOptions {
  /** How long a run may take to exit after SIGTERM before SIGKILL (default 3000). */
  graceMs?: number;
  /** Most lines kept per run, whatever their size (default: no limit; logBytes bounds them). */
  logLines?: number;
  /** Bytes of log kept per run (default DEFAULT_RUN_BYTES, 4 MiB). */
  logBytes?: number;
  /** Bytes of log kept by all finished runs together; the oldest lose theirs first (8 MiB). */
  finishedLogBytes?: number;
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
  /** Told what a script in the chain waits on (its dependencies), as that changes. */
  onWaiting?: (script: string, waitingFor: string | null) => void;
  /** Gives up waiting on dependencies. */
  signal?: AbortSignal;
}

export interface Started {
  run: RunInfo;
  alreadyRunning: boolean;
  /** The dependencies it waited on (buzz.json's depends_on), each run as it was when satisfied. */
  dependencies: RunInfo[];
}

const DEFAULT_FINISHED_BYTES = 8 * 1024 * 1024;

export class Supervisor {
  readonly dir: string;
  #scripts: ScriptInfo[];
  /**
   * What is wrong with buzz.json, while the scripts in use are the last good
   * ones (or, at start, those of package.json and deno.json alone); cleared
   * when a good list is set.
   */
  configProblem: string | null = null;
  /**
   * Serves a URL a run of the script printed through buzz's browser proxy and
   * returns the proxied URL, or null (instance/browser/room.ts sets it).
   */
  browserUrl: ((script: string, url: string) => string | null) | null = null;
  #graceMs: number;
  #logLines: number | undefined;
  #logBytes: number;
  #finishedLogBytes: number;
  #keepFinished: number;
  #tty: boolean;
  #runs = new Map<string, Run>();
  #counts = new Map<string, number>();
  #seq = new SeqCounter();
  #errorIds = 0;
  #listeners = new Set<(ev: SupervisorEvent) => void>();
  /** Pending automatic restarts, by the process_id of the run that crashed. */
  #restarts = new Map<string, ReturnType<typeof setTimeout>>();
  /** Scripts whose start waits on dependencies: what each waits for ("api ready"). */
  #waiting = new Map<string, string>();
  /** Starts under way (waiting on dependencies or spawning), by script name. */
  #starting = new Map<string, Promise<Started>>();
  /** The order runs were spawned in, to tell what was restarted since a one-shot ran. */
  #born = new WeakMap<Run, number>();
  #spawned = 0;
  /** Set by stopAll: a run that crashes while the others stop in order is not restarted. */
  #stoppingAll = false;

  constructor(dir: string, scripts: ScriptInfo[], opts: SupervisorOptions = {}) {
    this.dir = dir;
    this.#scripts = scripts;
    this.#graceMs = opts.graceMs ?? 3000;
    this.#logLines = opts.logLines;
    this.#logBytes = opts.logBytes ?? DEFAULT_RUN_BYTES;
    this.#finishedLogBytes = opts.finishedLogBytes ?? DEFAULT_FINISHED_BYTES;
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
    this.configProblem = null;
  }

  /**
   * Starts a script, after its dependencies (buzz.json's depends_on): each is
   * started unless it runs, and waited on until its condition holds. A
   * dependency that fails, ends or times out throws a DependencyError whose
   * message names it and shows its last lines; nothing more is started.
   */
  async start(name: string, opts: StartOptions = {}): Promise<Started> {
    try {
      return await this.#start(name, opts);
    } catch (e) {
      throw e instanceof DependencyError ? e.explain(name) : e;
    }
  }

  async #start(name: string, opts: StartOptions): Promise<Started> {
    const script = this.#script(name);
    let current = this.#running(name);
    if (current && opts.restart) {
      await this.stop(current.info.process_id);
      // Another caller may have started it while we waited.
      current = this.#running(name);
    }
    if (current) return { run: current.snapshot(), alreadyRunning: true, dependencies: [] };
    const pending = this.#starting.get(name);
    if (pending) return { ...(await pending), alreadyRunning: true };
    const starting = (async (): Promise<Started> => {
      const dependencies = await this.#dependencies(script, opts);
      // buzz.json's args, env and restart are defaults the caller's options override.
      const stack = script.stack;
      const policy = restartPolicy(opts.autoRestart, stack?.restart);
      const run = await this.#spawn(script, {
        ...opts,
        args: opts.args ?? stack?.args,
        autoRestart: policy ?? undefined,
      }, 1);
      return { run: run.snapshot(), alreadyRunning: false, dependencies };
    })();
    this.#starting.set(name, starting);
    try {
      return await starting;
    } finally {
      this.#starting.delete(name);
    }
  }

  /** Starts and waits on a script's dependencies, in parallel where they allow. */
  async #dependencies(script: ScriptInfo, opts: StartOptions): Promise<RunInfo[]> {
    const deps = script.stack?.depends_on ?? [];
    if (!deps.length) return [];
    const waitingOn = new Map<string, string>();
    let shown: string | null = null;
    // One line per real change: what already holds (a db that is up) is no news.
    const show = () => {
      const text = [...waitingOn.values()].join(", ") || null;
      if (text === shown) return;
      shown = text;
      if (text) this.#waiting.set(script.name, text);
      else this.#waiting.delete(script.name);
      this.#emit({ type: "waiting", script: script.name, waiting_for: text });
      opts.onWaiting?.(script.name, text);
    };
    // The first dependency to fail stops the waits on the others.
    const abort = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
    const satisfied: RunInfo[] = [];
    for (const dep of deps) {
      if (!this.#holds(dep)) {
        waitingOn.set(dep.name, `${dep.name} ${CONDITION_WORDS[dep.condition]}`);
      }
    }
    show();
    try {
      await Promise.all(deps.map(async (dep) => {
        const done = dep.condition === "completed_successfully" && this.#completed(dep.name);
        const nested: Started = done
          ? { run: done, alreadyRunning: true, dependencies: [] }
          : await this.#start(dep.name, {
            actor: opts.actor,
            onWaiting: opts.onWaiting,
            signal,
          });
        const run = await untilCondition(
          this,
          nested.run.process_id,
          dep.name,
          dep.condition,
          signal,
          this.#script(dep.name).stack?.ready?.timeout_ms ?? DEFAULT_READY_TIMEOUT_MS,
        );
        satisfied.push(...nested.dependencies, run);
        waitingOn.delete(dep.name);
        show();
      }));
    } catch (e) {
      abort.abort();
      throw e;
    } finally {
      if (waitingOn.size) {
        waitingOn.clear();
        show();
      }
    }
    // A dependency shared along the chain (db under both api and migrate) is listed once.
    return [...new Map(satisfied.map((r) => [r.process_id, r])).values()];
  }

  /** Whether a dependency's condition holds now, without starting or waiting on anything. */
  #holds(dep: Dependency): boolean {
    if (dep.condition === "completed_successfully") return this.#completed(dep.name) !== null;
    const run = this.#running(dep.name);
    return !!run && (dep.condition === "started" || run.info.ready);
  }

  /**
   * The script's latest run if it exited with code 0 and what it depended on
   * has not been restarted since: a migration ran against a database that is
   * still the one running (docker compose runs its one-shots on every `up`).
   */
  #completed(name: string): RunInfo | null {
    const last = this.#latest(name);
    if (last?.info.state !== "exited") return null;
    for (const dep of this.#scripts.find((s) => s.name === name)?.stack?.depends_on ?? []) {
      const run = this.#latest(dep.name);
      if (!run || this.#born.get(run)! > this.#born.get(last)!) return null;
      const holds = dep.condition === "completed_successfully"
        ? this.#completed(dep.name) !== null
        : run.info.state === "running";
      if (!holds) return null;
    }
    return last.snapshot();
  }

  #latest(name: string): Run | undefined {
    return [...this.#runs.values()].findLast((r) => r.info.script === name);
  }

  /** What each script whose start waits on its dependencies is waiting for. */
  waiting(): { script: string; waiting_for: string }[] {
    return [...this.#waiting].map(([script, waiting_for]) => ({ script, waiting_for }));
  }

  /** The scripts that buzz.json says start with the instance. */
  autostart(): string[] {
    return this.#scripts.filter((s) => s.stack?.autostart).map((s) => s.name);
  }

  /**
   * Stops the running runs of what depends on the script (buzz.json), the
   * furthest first, one after another; the script itself is left to the caller.
   */
  async stopDependents(name: string): Promise<RunInfo[]> {
    this.#script(name);
    const graph: Graph = new Map(this.#scripts.map((s) => [s.name, s.stack?.depends_on ?? []]));
    const order = dependentsFirst(graph, name);
    const stopped: RunInfo[] = [];
    for (const script of order) {
      const run = this.#running(script);
      if (run) stopped.push(await this.stop(run.info.process_id));
    }
    return stopped;
  }

  async stop(processId: string): Promise<RunInfo> {
    const run = this.#get(processId);
    this.#cancelRestart(processId);
    await run.stop(this.#graceMs);
    return run.snapshot();
  }

  /**
   * Stops every run, dependents first (buzz.json's depends_on): each script
   * stops once what depends on it has; unrelated ones stop in parallel.
   * It is the end: no crashed run is restarted after it.
   */
  async stopAll(): Promise<void> {
    this.#stoppingAll = true;
    for (const id of [...this.#restarts.keys()]) this.#cancelRestart(id);
    const running = [...this.#runs.values()].filter((r) => r.info.state === "running");
    const graph: Graph = new Map(this.#scripts.map((s) => [s.name, s.stack?.depends_on ?? []]));
    await stopInOrder(
      running.map((r) => ({ script: r.info.script, stop: () => this.stop(r.info.process_id) })),
      graph,
      (r, e) => log.error(`stopping ${r.script}:`, e),
    );
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
    opts: { processId?: string; script?: string; limit?: number; includeResolved?: boolean } = {},
  ): DetectedError[] {
    if (opts.script !== undefined) this.#script(opts.script);
    return this.#select(opts.processId)
      .filter((run) => opts.script === undefined || run.info.script === opts.script)
      .flatMap((run) => opts.includeResolved ? run.detector.all() : run.detector.current())
      .sort((a, b) => b.last_seq - a.last_seq)
      .slice(0, opts.limit ?? 20)
      .map((e) => ({ ...e, lines: [...e.lines] }));
  }

  /**
   * Records what pages of a run's dev server sent (instance/browser/); false
   * when the run is gone.
   */
  browser(processId: string, records: BrowserRecord[]): boolean {
    const run = this.#runs.get(processId);
    if (!run) return false;
    for (const rec of records) run.browser(rec);
    return true;
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
    const { env, sources } = await runEnv(this.dir, opts.env, undefined, script.stack?.env);
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
        // A buzz.json command shows as written, not wrapped in its shell.
        command: (script.runner === "shell" ? [script.command, ...(opts.args ?? [])] : argv)
          .join(" "),
        args: [...(opts.args ?? [])],
        pid: 0,
        state: "running",
        exit_code: null,
        signal: null,
        started_at: new Date().toISOString(),
        started_by: opts.actor ?? "agent",
        ended_at: null,
        urls: [],
        browser_urls: {},
        tty: opts.tty ?? this.#tty,
        env: sources,
        auto_restart: opts.autoRestart ?? null,
        attempt,
        // Without a probe a run is ready as soon as it started.
        ready: !script.stack?.ready,
        ready_at: script.stack?.ready ? null : new Date().toISOString(),
        ready_by: script.stack?.ready ? null : "started",
        ready_error: null,
      },
      seq: this.#seq,
      logLines: this.#logLines,
      logBytes: this.#logBytes,
      nextErrorId: () => ++this.#errorIds,
      emit: this.#emit,
      browserUrl: (url) => this.browserUrl?.(script.name, url) ?? null,
    });
    this.#runs.set(run.info.process_id, run);
    this.#born.set(run, ++this.#spawned);
    run.start({ argv, cwd: scriptDir(this.dir, script), env });
    if (run.info.state !== "running") {
      Object.assign(run.info, { ready: false, ready_at: null, ready_by: null });
    } else if (script.stack?.ready) {
      this.#probe(run, script.stack.ready);
    }
    run.done.then(() => this.#ended(run, script, opts));
    return run;
  }

  #probe(run: Run, spec: NonNullable<NonNullable<ScriptInfo["stack"]>["ready"]>): void {
    const probe = startProbe(spec, {
      ready: (by) => {
        Object.assign(run.info, { ready: true, ready_at: new Date().toISOString(), ready_by: by });
        this.#emit({ type: "ready", run: run.snapshot() });
      },
      failed: (why) => {
        run.info.ready_error = why;
        run.line("stderr", `buzz: ${run.info.process_id} is not ready: ${why}`);
        this.#emit({ type: "ready", run: run.snapshot() });
      },
    });
    log.debug(`${run.info.process_id}: waiting for ${describeReady(spec)}`);
    run.onLine = (plain) => probe.line(plain);
    run.done.then(() => probe.stop());
  }

  #ended(run: Run, script: ScriptInfo, opts: StartOptions & { autoRestart?: AutoRestart }): void {
    this.#prune(run.info.script);
    const next = nextRestart(run.info, run.stopRequested || this.#stoppingAll);
    if (next.restart === "given up") {
      run.line("stderr", `buzz: crashed ${next.streak} times in a row; not restarting again`);
    }
    if (next.restart !== true) return;
    const { delayMs, streak } = next;
    run.line(
      "stderr",
      `buzz: restarting in ${delayMs} ms (restart ${streak} of ${
        run.info.auto_restart!.max_restarts
      })`,
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
      }, delayMs),
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
    // Finished runs of every script share one budget; the newest keep their logs.
    let budget = this.#finishedLogBytes;
    for (const run of [...this.#runs.values()].reverse()) {
      if (run.info.state === "running") continue;
      run.logs.maxBytes = Math.min(run.logs.bytes, budget);
      run.logs.trim();
      budget -= run.logs.maxBytes;
    }
  }
}

function tagged(run: Run, lines: LogLine[]): TailedLine[] {
  return lines.map((l) => ({ ...l, process_id: run.info.process_id }));
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}
