// Replays the recorded corpus through the supervisor's own pipeline and scores
// what it reports against each case's expected.json. A recording's bytes go to
// a Run exactly as a pseudo-terminal's chunks do (Run.output: line splitting,
// terminal rendering, the log buffer, the detector), a run's end goes to
// Run.ended, and a new run of the command resolves the earlier runs' errors as
// the supervisor does. After each phase, the errors that are current and the
// URLs listed are compared with what a person expected. Shared by
// tests/corpus_test.ts and bench/.

import { join } from "node:path";
import { IDLE_MS, Run } from "../../instance/supervise/runs.ts";
import { SeqCounter } from "../../instance/supervise/log_buffer.ts";
import { samePath } from "../../instance/detect/signals.ts";
import type { DetectedError } from "../../instance/detect/types.ts";
import {
  type Cast,
  type Expected,
  type ExpectedError,
  type ExpectedPhase,
  parseCast,
} from "./case.ts";
import { CORPUS_DIR } from "./record.ts";

export interface CorpusCase {
  family: string;
  name: string;
  dir: string;
  cast: Cast;
  expected: Expected;
}

/** Every recorded case: tests/corpus/<family>/<case>/{recording.cast,expected.json}. */
export async function loadCorpus(): Promise<CorpusCase[]> {
  const out: CorpusCase[] = [];
  for await (const fam of Deno.readDir(CORPUS_DIR)) {
    if (!fam.isDirectory) continue;
    for await (const c of Deno.readDir(join(CORPUS_DIR, fam.name))) {
      if (!c.isDirectory) continue;
      const dir = join(CORPUS_DIR, fam.name, c.name);
      let cast: string, expected: string;
      try {
        cast = await Deno.readTextFile(join(dir, "recording.cast"));
        expected = await Deno.readTextFile(join(dir, "expected.json"));
      } catch {
        continue;
      }
      out.push({
        family: fam.name,
        name: c.name,
        dir,
        cast: parseCast(cast),
        expected: JSON.parse(expected),
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** What buzz lists after a phase. */
export interface PhaseState {
  phase: string;
  current: DetectedError[];
  urls: string[];
  /** Whether the latest run has ended in failure. */
  failed: boolean;
  /** The latest run's log so far, as plain lines. */
  log: string[];
}

/** Feeds a recording to Runs as the supervisor would; returns the state after each phase. */
export function replayCast(cast: Cast, script = "case"): PhaseState[] {
  const seq = new SeqCounter();
  let ids = 0;
  const runs: Run[] = [];
  const states: PhaseState[] = [];
  let phase: string | null = null;
  const latest = () => runs.at(-1);
  const newRun = () => {
    for (const old of runs) old.detector.resolveAll();
    runs.push(
      new Run({
        info: runInfo(`${script}-${runs.length + 1}`, script, cast.header.command),
        seq,
        nextErrorId: () => ++ids,
        emit: () => {},
      }),
    );
  };
  const snapshot = () => {
    if (phase === null) return;
    const run = latest();
    states.push({
      phase,
      current: runs.flatMap((r) => r.detector.current()),
      urls: [...new Set(runs.flatMap((r) => r.info.urls))],
      failed: run?.info.state === "failed",
      log: run ? run.logs.lines().map((l) => l.plain) : [],
    });
  };
  let last = 0;
  for (const [t, type, text] of cast.events) {
    // A pause in the recording is a pause for the run too (Run.idle, as its timer calls it).
    if (t - last >= IDLE_MS / 1000) latest()?.idle();
    last = t;
    if (type === "o") {
      const run = latest();
      if (!run || run.info.state !== "running") newRun();
      latest()!.output("stdout", text);
    } else if (text.startsWith("phase:")) {
      latest()?.idle();
      snapshot();
      phase = text.slice("phase:".length);
    } else if (text === "run") {
      newRun();
    } else if (text.startsWith("exit:") || text.startsWith("signal:")) {
      const run = latest();
      if (!run || run.info.state !== "running") continue;
      const [kind, value] = text.split(":");
      run.ended(
        kind === "exit"
          ? { code: Number(value), signal: null }
          : { code: 1, signal: value as Deno.Signal },
      );
    }
  }
  latest()?.idle();
  snapshot();
  return states;
}

function runInfo(processId: string, script: string, command: string) {
  return {
    process_id: processId,
    script,
    command,
    args: [],
    pid: 0,
    state: "running" as const,
    exit_code: null,
    signal: null,
    started_at: new Date().toISOString(),
    started_by: "corpus",
    ended_at: null,
    urls: [],
    browser_urls: {},
    tty: true,
    env: {},
    auto_restart: null,
    attempt: 1,
    ready: true,
    ready_at: null,
    ready_by: null,
    ready_error: null,
  };
}

// ------------------------------------------------------------------ scoring

export interface Tally {
  expected: number;
  found: number;
  reported: number;
  /** Reported errors that match an expected one (or a failed run's own error). */
  correct: number;
  stale: number;
  /** Found errors whose expected file is known. */
  locatable: number;
  located: number;
  urlsExpected: number;
  urlsFound: number;
}

export interface CaseScore {
  name: string;
  tally: Tally;
  /** Readable mismatches, one per line. */
  problems: string[];
}

export const emptyTally = (): Tally => ({
  expected: 0,
  found: 0,
  reported: 0,
  correct: 0,
  stale: 0,
  locatable: 0,
  located: 0,
  urlsExpected: 0,
  urlsFound: 0,
});

const matches = (e: DetectedError, x: ExpectedError) =>
  e.tool === x.tool && e.message.includes(x.text);

const where = (e: { file: string | null; line: number | null }) =>
  e.file ? `${e.file}${e.line ? `:${e.line}` : ""}` : "no location";

/** Scores one case: each phase's current errors and URLs against its expectation. */
export function scoreCase(c: CorpusCase): CaseScore {
  const t = emptyTally();
  const problems: string[] = [];
  const states = replayCast(c.cast);
  const seen: ExpectedError[] = [];
  for (const [name, want] of Object.entries(c.expected.phases) as [string, ExpectedPhase][]) {
    const state = states.findLast((s) => s.phase === name);
    if (!state) {
      problems.push(`${name}: no such phase in the recording`);
      continue;
    }
    // One reported error per expected one; among several alike, the one at the expected place.
    const used = new Set<DetectedError>();
    const at = (e: DetectedError, x: ExpectedError) =>
      x.file !== null && e.file !== null && samePath(e.file, x.file) && e.line === x.line;
    for (const x of want.current) {
      t.expected++;
      const alike = state.current.filter((e) => !used.has(e) && matches(e, x));
      const hit = alike.find((e) => at(e, x)) ?? alike[0];
      if (hit) used.add(hit);
      if (!hit) {
        problems.push(`${name}: missed ${x.tool} "${x.text}" (${where(x)})`);
        continue;
      }
      t.found++;
      if (x.file === null) continue;
      t.locatable++;
      if (at(hit, x)) t.located++;
      else {problems.push(
          `${name}: ${x.tool} "${x.text}" located at ${where(hit)}, not ${where(x)}`,
        );}
    }
    for (const e of state.current) {
      t.reported++;
      if (want.current.some((x) => matches(e, x)) || (e.kind === "exit" && state.failed)) {
        t.correct++;
        continue;
      }
      const old = seen.some((x) => matches(e, x));
      if (old) t.stale++;
      problems.push(
        `${name}: ${old ? "stale" : "not an error"}: ${e.tool} ${e.kind} "${e.message}" (${
          where(e)
        })`,
      );
    }
    seen.push(...want.current);
    for (const u of want.urls) {
      t.urlsExpected++;
      if (state.urls.includes(u)) t.urlsFound++;
      else problems.push(`${name}: URL ${u} not listed`);
    }
  }
  return { name: c.name, tally: t, problems };
}

export function addTally(a: Tally, b: Tally): Tally {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof Tally)[]) out[k] += b[k];
  return out;
}

export interface Figures {
  recall: number;
  precision: number;
  stale: number;
  located: number;
  urls: number;
}

export function figures(t: Tally): Figures {
  const pct = (a: number, b: number) => b ? (100 * a) / b : 100;
  return {
    recall: pct(t.found, t.expected),
    precision: pct(t.correct, t.reported),
    stale: t.stale,
    located: pct(t.located, t.locatable),
    urls: pct(t.urlsFound, t.urlsExpected),
  };
}
