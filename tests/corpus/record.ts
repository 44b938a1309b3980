// Records the detection corpus from the real tools: each case's project is
// written to a scratch dir, its command runs in a pseudo-terminal exactly as
// buzz runs a script (instance/supervise/pty.ts: 120x30, TERM=xterm-256color),
// the phases' edits are made between phases, and every byte it prints is saved
// with its timing as tests/corpus/<family>/<case>/recording.cast (asciicast v2,
// phase/run/exit markers: see case.ts). expected.json is not touched: a person
// writes it from the tool's output (a plain transcript is left beside the
// scratch dir, <case>.txt, for reading).
//
//   deno run -A tests/corpus/record.ts              # every case
//   deno run -A tests/corpus/record.ts js go-build  # families and/or cases
//
// Needs the tools themselves (node, go, cargo, python, java ...); CI does not:
// it only replays the recordings.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnPty } from "../../instance/supervise/pty.ts";
import { stopGroup } from "../../instance/supervise/group.ts";
import { stripTerminal } from "../../instance/supervise/terminal.ts";
import type { ExitStatus, Spawned } from "../../instance/supervise/child.ts";
import { type CaseDef, type CastEvent, formatCast, type Phase } from "./case.ts";
import { SCRATCH } from "./scratch.ts";

export { npmTools, SCRATCH } from "./scratch.ts";

export const CORPUS_DIR = dirname(fileURLToPath(import.meta.url));

/** Every family's case definitions: tests/corpus/<family>/cases.ts. */
export async function loadCaseDefs(): Promise<{ family: string; def: CaseDef }[]> {
  const out: { family: string; def: CaseDef }[] = [];
  for await (const e of Deno.readDir(CORPUS_DIR)) {
    if (!e.isDirectory) continue;
    const file = join(CORPUS_DIR, e.name, "cases.ts");
    try {
      await Deno.stat(file);
    } catch {
      continue;
    }
    const mod = await import(`file://${file}`);
    for (const def of mod.cases as CaseDef[]) out.push({ family: e.name, def });
  }
  return out.sort((a, b) => a.def.name.localeCompare(b.def.name));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Recorder {
  events: CastEvent[] = [];
  #t0 = performance.now();
  /** Output since the current phase began, as a terminal shows it. */
  phaseText = "";
  lastOutput = performance.now();
  proc: Spawned | null = null;
  exited: Promise<ExitStatus> | null = null;

  now(): number {
    return Math.round(performance.now() - this.#t0) / 1000;
  }

  mark(text: string): void {
    this.events.push([this.now(), "m", text]);
  }

  output(text: string): void {
    this.events.push([this.now(), "o", text]);
    this.phaseText += text;
    this.lastOutput = performance.now();
  }

  start(def: CaseDef, cwd: string): void {
    const env: Record<string, string> = {
      ...Deno.env.toObject(),
      PATH: `${join(cwd, "node_modules", ".bin")}:${Deno.env.get("PATH")}`,
      ...def.env,
    };
    // buzz runs scripts from a developer's terminal, not from CI.
    delete env.CI;
    delete env.FORCE_COLOR;
    delete env.NO_COLOR;
    this.mark("run");
    const proc = spawnPty({
      argv: def.command,
      cwd,
      env,
      tty: true,
      onOutput: (_stream, text) => this.output(text),
    });
    this.proc = proc;
    this.exited = proc.done.then((status) => {
      this.mark(status.signal ? `signal:${status.signal}` : `exit:${status.code}`);
      this.proc = null;
      return status;
    });
  }
}

async function writeFiles(dir: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    if (text === null) {
      await Deno.remove(file, { recursive: true }).catch(() => {});
      continue;
    }
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
}

async function runPhase(rec: Recorder, def: CaseDef, dir: string, phase: Phase, first: boolean) {
  const timeout = phase.timeoutMs ?? 60_000;
  const deadline = performance.now() + timeout;
  if (phase.edit) await writeFiles(dir, phase.edit);
  rec.phaseText = "";
  rec.mark(`phase:${phase.name}`);
  let started = false;
  if (first || phase.run) {
    // A one-shot's earlier run must be over before it runs again (stopped if it hangs).
    if (rec.proc && rec.exited) {
      const proc = rec.proc;
      const hung = await Promise.race([
        rec.exited.then(() => false),
        sleep(timeout).then(() => true),
      ]);
      if (hung) {
        await stopGroup(proc.pid, 3000, {
          leaderLast: true,
          leaderExited: () => proc.exited(),
        });
      }
      await rec.exited;
    }
    rec.start(def, dir);
    started = true;
  }
  if (phase.input) {
    await sleep(200);
    rec.proc?.write(phase.input);
  }
  for (const url of phase.fetch ?? []) {
    await sleep(300);
    await fetch(url).then((r) => r.body?.cancel()).catch(() => {});
  }
  const wait = phase.waitFor ? new RegExp(phase.waitFor) : null;
  let timedOut = false;
  if (wait) {
    while (!wait.test(stripTerminal(rec.phaseText))) {
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      await sleep(50);
    }
  } else if (started && rec.exited) {
    const left = Math.max(0, deadline - performance.now());
    timedOut = await Promise.race([rec.exited.then(() => false), sleep(left).then(() => true)]);
  }
  if (timedOut) {
    console.error(`  ! ${def.name}/${phase.name}: timed out after ${timeout} ms`);
  }
  // Settle: no output for settleMs (a run that just exited has its marker by then).
  const settle = phase.settleMs ?? 500;
  while (performance.now() - rec.lastOutput < settle && performance.now() < deadline + 10_000) {
    await sleep(50);
  }
  return !timedOut;
}

/** Records one case; returns whether every phase ended as defined. */
export async function recordCase(family: string, def: CaseDef): Promise<boolean> {
  const dir = join(SCRATCH, "cases", def.name);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  await writeFiles(dir, def.files);
  for (const cmd of def.setup ?? []) {
    const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), cwd: dir }).output();
    if (!out.success) {
      throw new Error(
        `${def.name}: setup ${cmd.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`,
      );
    }
  }
  const rec = new Recorder();
  let ok = true;
  try {
    for (const [i, phase] of def.phases.entries()) {
      ok = await runPhase(rec, def, dir, phase, i === 0) && ok;
    }
  } finally {
    // What follows the last phase (our own stop) is not part of the recording.
    const events = rec.events.slice();
    const proc = rec.proc;
    if (proc && !proc.exited()) {
      await stopGroup(proc.pid, 3000, {
        leaderLast: true,
        leaderExited: () => proc.exited(),
      });
    }
    await rec.exited;
    const header = {
      version: 2 as const,
      width: 120,
      height: 30,
      timestamp: Math.floor(Date.now() / 1000),
      env: { TERM: "xterm-256color" },
      command: def.command.join(" "),
      tool_versions: def.versions ?? {},
    };
    const caseDir = join(CORPUS_DIR, family, def.name);
    await Deno.mkdir(caseDir, { recursive: true });
    await Deno.writeTextFile(join(caseDir, "recording.cast"), formatCast({ header, events }));
    await Deno.writeTextFile(join(SCRATCH, "cases", `${def.name}.txt`), transcript(events));
  }
  return ok;
}

/** The recording as a terminal shows it, markers on their own lines: for writing expected.json. */
export function transcript(events: CastEvent[]): string {
  let out = "";
  for (const [t, type, text] of events) {
    out += type === "m" ? `\n──── ${text} @${t}s\n` : text;
  }
  return stripTerminal(out.replace(/\r+\n/g, "\n"));
}

if (import.meta.main) {
  const want = new Set(Deno.args);
  const all = await loadCaseDefs();
  const picked = all.filter(({ family, def }) =>
    !want.size || want.has(family) || want.has(def.name)
  );
  if (!picked.length) {
    console.error(`No case matches ${Deno.args.join(" ")}.`);
    Deno.exit(2);
  }
  let failed = 0;
  for (const { family, def } of picked) {
    console.log(`recording ${family}/${def.name}`);
    try {
      if (!await recordCase(family, def)) failed++;
    } catch (e) {
      failed++;
      console.error(`  ! ${def.name}: ${(e as Error).message}`);
    }
  }
  console.log(`${picked.length - failed}/${picked.length} recorded cleanly`);
  Deno.exit(failed ? 1 : 0);
}
