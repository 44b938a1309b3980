// Plays one run of a recorded case back to its terminal, byte for byte, with
// its timing (long pauses shortened), so a real buzz can supervise it as a
// package.json script: tests/corpus_buzz_test.ts runs it as
//
//   deno run -A tests/corpus/play.ts <recording.cast> <run index> [sync dir]
//
// With a sync dir, a run that spans phases stops at each phase's end: it
// writes <dir>/<phase>.done and waits for <dir>/<phase>.go (the test asks buzz
// what it lists in between). A run ends with its recorded exit code or signal;
// one the recording never saw end stays up until it is stopped.

import { join } from "node:path";
import { parseCast } from "./case.ts";

const [castPath, runArg, sync] = Deno.args;
const { events } = parseCast(await Deno.readTextFile(castPath));
const run = Number(runArg ?? 0);

/** Longest pause kept between two events. */
const MAX_GAP_S = 0.25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The recorded bytes already hold the terminal's CRLF: keep the terminal from adding another CR.
await new Deno.Command("stty", { args: ["-onlcr"], stdin: "inherit" }).output().catch(() => {});

let runs = -1;
let phase: string | null = null;
let last = 0;
const out = new TextEncoder();
for (const [t, type, text] of events) {
  if (type === "m" && text === "run") runs++;
  if (type === "m" && text.startsWith("phase:")) {
    if (runs === run && phase !== null && sync) await handOver(phase);
    phase = text.slice("phase:".length);
    continue;
  }
  if (runs < run) {
    last = t;
    continue;
  }
  if (runs > run) break;
  await sleep(Math.min(Math.max(t - last, 0), MAX_GAP_S) * 1000);
  last = t;
  if (type === "o") {
    const bytes = out.encode(text);
    for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
  } else if (text.startsWith("exit:")) {
    Deno.exit(Number(text.slice("exit:".length)));
  } else if (text.startsWith("signal:")) {
    Deno.kill(Deno.pid, text.slice("signal:".length) as Deno.Signal);
  }
}
// Still running when the recording ended: a watcher, until buzz stops it.
if (sync && phase !== null) await Deno.writeTextFile(join(sync, `${phase}.done`), "");
setInterval(() => {}, 1 << 30);

async function handOver(name: string): Promise<void> {
  await Deno.writeTextFile(join(sync, `${name}.done`), "");
  while (true) {
    try {
      await Deno.stat(join(sync, `${name}.go`));
      return;
    } catch {
      await sleep(50);
    }
  }
}
