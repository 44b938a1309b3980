// Owns every run of the project's scripts: spawns each in its own process
// group, reads its output line by line into a bounded buffer, watches it for
// URLs and errors, and stops it with its whole process tree.

import { type DetectedError, RunDetector } from "./detect.ts";
import { LogBuffer, type LogLine, SeqCounter, type Stream } from "./log_buffer.ts";
import type { ScriptInfo } from "./scripts.ts";
import { log } from "../shared/log.ts";

export type { DetectedError, LogLine, ScriptInfo, Stream };

export interface RunInfo {
  /** `${script}-${n}`, n counting runs of that script from 1. */
  process_id: string;
  script: string;
  /** argv joined with spaces. */
  command: string;
  /** 0 when the process could not be spawned. */
  pid: number;
  /** exited: code 0 by itself; failed: non-zero, a signal we did not send, or no spawn; stopped: by us. */
  state: "running" | "exited" | "failed" | "stopped";
  exit_code: number | null;
  signal: string | null;
  started_at: string;
  ended_at: string | null;
  urls: string[];
}

export type SupervisorEvent =
  | { type: "started"; run: RunInfo }
  | { type: "exited"; run: RunInfo }
  | { type: "log"; processId: string }
  | { type: "url"; processId: string; url: string }
  /** Sent when an error starts; its lines may keep growing afterwards. */
  | { type: "error"; processId: string; error: DetectedError };

export type TailedLine = LogLine & { process_id: string };

export interface SupervisorOptions {
  /** How long a run may take to exit after SIGTERM before SIGKILL (default 3000). */
  graceMs?: number;
  /** Lines kept per run (default 10000). */
  logLines?: number;
}

/**
 * A grandchild that inherited the pipes can hold them open long after the child
 * exits; give the tail of the output this long before declaring the run over.
 */
const DRAIN_MS = 200;
/** A child that never prints a newline must not grow one line without bound. */
const MAX_LINE = 64 * 1024;

interface Run {
  info: RunInfo;
  logs: LogBuffer;
  detector: RunDetector;
  child: Deno.ChildProcess | null;
  /** Set when the child has exited, possibly before its output is drained. */
  status: Deno.CommandStatus | null;
  /** Set once we decide to stop it, so its exit counts as "stopped". */
  stopping: Promise<void> | null;
  /** Resolves once the run's final state is recorded. */
  done: Promise<void>;
}

const isWindows = Deno.build.os === "windows";

export class Supervisor {
  readonly dir: string;
  #scripts: ScriptInfo[];
  #graceMs: number;
  #logLines: number;
  #runs = new Map<string, Run>();
  #counts = new Map<string, number>();
  #seq = new SeqCounter();
  #errorIds = 0;
  #listeners = new Set<(ev: SupervisorEvent) => void>();

  constructor(dir: string, scripts: ScriptInfo[], opts: SupervisorOptions = {}) {
    this.dir = dir;
    this.#scripts = scripts;
    this.#graceMs = opts.graceMs ?? 3000;
    this.#logLines = opts.logLines ?? 10_000;
  }

  async start(
    name: string,
    opts: { restart?: boolean } = {},
  ): Promise<{ run: RunInfo; alreadyRunning: boolean }> {
    const script = this.#scripts.find((s) => s.name === name);
    if (!script) {
      const known = this.#scripts.map((s) => s.name).join(", ") || "none";
      throw new Error(
        `Unknown script "${name}". Known scripts: ${known}. Call scripts_list for details.`,
      );
    }
    let current = this.#running(name);
    if (current && opts.restart) {
      await this.stop(current.info.process_id);
      // Another caller may have started it while we waited.
      current = this.#running(name);
    }
    if (current) return { run: snapshot(current), alreadyRunning: true };
    return { run: snapshot(this.#spawn(script)), alreadyRunning: false };
  }

  async stop(processId: string): Promise<RunInfo> {
    const run = this.#runs.get(processId);
    if (!run) throw this.#unknownRun(processId);
    if (run.info.state === "running" && run.child && !run.status) {
      run.stopping ??= this.#terminate(run.child);
    }
    await run.stopping;
    await run.done;
    return snapshot(run);
  }

  async stopAll(): Promise<void> {
    const running = [...this.#runs.values()].filter((r) => r.info.state === "running");
    await Promise.all(running.map((r) => this.stop(r.info.process_id)));
  }

  runs(): RunInfo[] {
    return [...this.#runs.values()].map(snapshot);
  }

  get(processId: string): RunInfo | undefined {
    const run = this.#runs.get(processId);
    return run && snapshot(run);
  }

  /** Resolves when the run has ended and its final state is recorded. */
  async waitForExit(processId: string): Promise<RunInfo | undefined> {
    const run = this.#runs.get(processId);
    if (!run) return undefined;
    await run.done;
    return snapshot(run);
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

  /** Lines whose plain text matches; the newest `limit` matches, oldest first. */
  search(
    opts: { query: string; regex?: boolean; processId?: string; limit?: number },
  ): TailedLine[] {
    const matches = lineMatcher(opts.query, opts.regex);
    const hits = this.#select(opts.processId)
      .flatMap((run) => tagged(run, run.logs.lines().filter((l) => matches(l.plain))))
      .sort(bySeq);
    return hits.slice(-(opts.limit ?? 100));
  }

  /** Detected errors, newest first. */
  errors(opts: { processId?: string; limit?: number } = {}): DetectedError[] {
    return this.#select(opts.processId)
      .flatMap((run) => run.detector.errors)
      .sort((a, b) => b.id - a.id)
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

  /** Returns the unsubscribe function. */
  onChange(cb: (ev: SupervisorEvent) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  #emit(ev: SupervisorEvent): void {
    for (const cb of this.#listeners) {
      try {
        cb(ev);
      } catch (e) {
        // A faulty subscriber must not take down supervision of the child.
        log.error("supervisor event listener failed:", e);
      }
    }
  }

  #unknownRun(processId: string): Error {
    const known = [...this.#runs.keys()].join(", ") || "none";
    return new Error(
      `Unknown process_id "${processId}". Known process ids: ${known}. Call scripts_status to see runs.`,
    );
  }

  #running(name: string): Run | undefined {
    return [...this.#runs.values()].find((r) =>
      r.info.script === name && r.info.state === "running"
    );
  }

  #select(processId?: string): Run[] {
    if (processId === undefined) return [...this.#runs.values()];
    const run = this.#runs.get(processId);
    if (!run) throw this.#unknownRun(processId);
    return [run];
  }

  #spawn(script: ScriptInfo): Run {
    const n = (this.#counts.get(script.name) ?? 0) + 1;
    this.#counts.set(script.name, n);
    const processId = `${script.name}-${n}`;
    const run: Run = {
      info: {
        process_id: processId,
        script: script.name,
        command: script.argv.join(" "),
        pid: 0,
        state: "running",
        exit_code: null,
        signal: null,
        started_at: new Date().toISOString(),
        ended_at: null,
        urls: [],
      },
      logs: new LogBuffer(this.#seq, this.#logLines),
      detector: new RunDetector(processId, () => ++this.#errorIds),
      child: null,
      status: null,
      stopping: null,
      done: Promise.resolve(),
    };
    this.#runs.set(processId, run);
    try {
      run.child = new Deno.Command(script.argv[0], {
        args: script.argv.slice(1),
        cwd: this.dir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        // Its own session and process group, so stop() can signal the whole tree.
        detached: !isWindows,
      }).spawn();
    } catch (e) {
      run.info.state = "failed";
      run.info.ended_at = new Date().toISOString();
      this.#emit({ type: "started", run: snapshot(run) });
      this.#line(
        run,
        "stderr",
        `buzz: cannot start \`${run.info.command}\`: ${(e as Error).message}`,
      );
      this.#emit({ type: "exited", run: snapshot(run) });
      return run;
    }
    run.info.pid = run.child.pid;
    run.done = this.#supervise(run, run.child);
    this.#emit({ type: "started", run: snapshot(run) });
    return run;
  }

  async #supervise(run: Run, child: Deno.ChildProcess): Promise<void> {
    const output = Promise.all([
      this.#pump(run, child.stdout, "stdout"),
      this.#pump(run, child.stderr, "stderr"),
    ]);
    const status = run.status = await child.status;
    await within(output, DRAIN_MS);
    run.detector.flush();
    const info = run.info;
    info.signal = status.signal;
    info.exit_code = status.signal ? null : status.code;
    info.state = run.stopping ? "stopped" : status.success ? "exited" : "failed";
    info.ended_at = new Date().toISOString();
    this.#emit({ type: "exited", run: snapshot(run) });
  }

  async #pump(run: Run, stream: ReadableStream<Uint8Array>, name: Stream): Promise<void> {
    let partial = "";
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (partial + chunk).split("\n");
        partial = parts.pop()!;
        for (const part of parts) this.#line(run, name, part);
        while (partial.length > MAX_LINE) {
          this.#line(run, name, partial.slice(0, MAX_LINE));
          partial = partial.slice(MAX_LINE);
        }
      }
    } catch {
      // The pipe broke; whatever arrived is kept and the child's status tells the rest.
    }
    if (partial) this.#line(run, name, partial);
  }

  #line(run: Run, stream: Stream, raw: string): void {
    const line = run.logs.push(stream, raw.endsWith("\r") ? raw.slice(0, -1) : raw);
    const processId = run.info.process_id;
    // Detect first, so a "log" listener already sees the line's URLs and errors.
    const found = run.detector.feed(line);
    run.info.urls.push(...found.urls);
    this.#emit({ type: "log", processId });
    for (const url of found.urls) this.#emit({ type: "url", processId, url });
    if (found.error) this.#emit({ type: "error", processId, error: found.error });
  }

  async #terminate(child: Deno.ChildProcess): Promise<void> {
    if (isWindows) {
      // No process groups to speak of; the child is all we can reach.
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      return;
    }
    const pid = child.pid;
    ignoreGone(() => Deno.kill(-pid, "SIGTERM"));
    await within(child.status, this.#graceMs);
    // Also reaches grandchildren that outlived the child or ignored SIGTERM. The
    // group id stays ours while any member is left; once it is empty this finds
    // nothing (ESRCH), short of a recycled pid leading a new group in between.
    ignoreGone(() => Deno.kill(-pid, "SIGKILL"));
  }
}

function snapshot(run: Run): RunInfo {
  return { ...run.info, urls: [...run.info.urls] };
}

function tagged(run: Run, lines: LogLine[]): TailedLine[] {
  return lines.map((l) => ({ ...l, process_id: run.info.process_id }));
}

function bySeq(a: { seq: number }, b: { seq: number }): number {
  return a.seq - b.seq;
}

/** Case-insensitive substring or regex match on a line's plain text; throws on a bad regex. */
export function lineMatcher(query: string, regex?: boolean): (text: string) => boolean {
  if (!regex) {
    const needle = query.toLowerCase();
    return (text) => text.toLowerCase().includes(needle);
  }
  let re: RegExp;
  try {
    re = new RegExp(query, "i");
  } catch (e) {
    throw new Error(
      `Invalid regular expression "${query}": ${(e as Error).message}. ` +
        "Fix it, or call again with regex: false for a plain substring search.",
    );
  }
  return (text) => re.test(text);
}

/** Waits for p, but no longer than ms. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Signalling a process that has already gone (ESRCH) is not an error for us. */
function ignoreGone(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
