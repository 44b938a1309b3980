// buzz's speed and memory, measured with real processes on 127.0.0.1 and
// printed as a markdown table. Benchmarks inform; the tests assert. Nothing
// here passes or fails on a number.
//
//   deno task bench
//   deno task bench memory   (one phase alone: the memory rows; likewise stack, pauses, crowd,
//                             scale, floor and install)
//
// Phases (each with bounded loops; the whole run takes well under two minutes):
//   1. instance start: spawn → discovery file → first MCP initialize; SIGTERM → exit
//   2. hub: start; discovery latency (file written → connected); SIGTERM'd instance → forgotten
//   3. proxy overhead: scripts_list direct vs through the hub, plus the hub's own stdio round trip,
//      for both protocol eras and v1 (a678249, from a temporary git worktree); 32 in flight;
//      hub cold start to a first tools/list with an instance's tools; the per-request server factory
//   4. log ingestion: 200k lines from one run; lines/s, CPU, RSS at 10k and 200k lines
//   5. logs_tail limit 1000 and logs_search over a full buffer, direct and through the hub
//   6. hub detection of a SIGKILLed instance
//   7. terminal UI (ui.ts): CPU idle and under 100k lines/s, in tmux; no line lost
//   8. error detection on the corpus of real tool output: recall and precision
//   9. a buzz.json stack (stack.ts): buzz → three dependent scripts ready, against their own starts
//  10. memory (memory.ts): RSS of an idle and a flooded instance, of a hub with 1 and 20 instances
//      and after 100 came and went, beside an empty program's and the targets
//  11. pauses (pauses.ts): scripts_status during a 2 × 100 MB flood; discovery file moved in →
//      connected, ×30
//  12. crowd (crowd.ts): 200 2025 clients at once; 1,000 initialize-only sessions, RSS at the peak
//  13. scale (scale.ts): one hub, 200 v1 SDK servers: connect, idle CPU and RSS, calls, all killed
//  14. floor (floor.ts): urls_list through the hub beside the v1 and v2 SDKs' minimal proxies
//  15. install (install.ts): the installed npm command's start against the checkout's
//  16. the browser proxy (browser.ts): a Vite page load in Chromium, a 10 MB download and an HMR
//      update through it, each beside the same done directly; the instance's memory
// Progress goes to stderr; only the table goes to stdout.
//
// The phases live in lifecycle.ts (1, 2, 6), proxy.ts, v1.ts, coldstart.ts, factory.ts (3)
// and logs.ts (4, 5);
// this file runs them in order, then prints the table and cleans up.

import { mib, now, printTable, progress, row } from "./stats.ts";
import { cleanupAll, cleanups, memory } from "./procs.ts";
import { makeProject } from "./fixture.ts";
import { phaseBaseline, phaseHub, phaseInstanceStart, phaseKill } from "./lifecycle.ts";
import { phaseProxy } from "./proxy.ts";
import { phaseColdStart } from "./coldstart.ts";
import { phaseFactory } from "./factory.ts";
import { startV1 } from "./v1.ts";
import { phaseLogs } from "./logs.ts";
import { phaseUi } from "./ui.ts";
import { phaseCorpus } from "./corpus.ts";
import { phaseMemory } from "./memory.ts";
import { phaseStack } from "./stack.ts";
import { phaseBrowser } from "./browser.ts";
import { phasePauses } from "./pauses.ts";
import { phaseCrowd } from "./crowd.ts";
import { phaseScale } from "./scale.ts";
import { phaseFloor } from "./floor.ts";
import { phaseInstall } from "./install.ts";

async function main() {
  const t0 = now();
  // Phases that need nothing set up before them can run alone.
  const alone = {
    memory: phaseMemory,
    stack: phaseStack,
    pauses: phasePauses,
    crowd: phaseCrowd,
    scale: phaseScale,
    floor: phaseFloor,
    install: () => phaseInstall(),
    browser: phaseBrowser,
  }[Deno.args[0] ?? ""];
  if (alone) {
    await alone();
    return printTable();
  }
  const project = await makeProject();
  const dir = await Deno.makeTempDir({ prefix: "buzz-bench-discovery-" });
  cleanups.push(() => Deno.remove(dir, { recursive: true }));
  await Deno.chmod(dir, 0o700);

  await phaseBaseline(project);
  await phaseInstanceStart(project, dir);
  const hub = await phaseHub(project, dir);
  const v1 = await startV1(); // the v1 baseline, or null (recorded figures) if it cannot run
  const { a, direct } = await phaseProxy(project, dir, hub, v1);
  await phaseColdStart(dir, v1);
  await v1?.stop();
  await phaseFactory();
  await phaseLogs(project, a, direct, hub);
  await phaseKill(project, dir, hub);
  await phaseUi();
  await phaseCorpus();
  await phaseMemory();
  await phaseStack();
  await phasePauses();
  await phaseCrowd();
  await phaseScale();
  await phaseFloor();
  await phaseInstall();
  await phaseBrowser();
  const hubMem = memory(hub.pid);
  row("hub", "hub RSS at the end", mib(hubMem.rss), `peak (VmHWM) ${mib(hubMem.hwm)}`);

  const total = (now() - t0) / 1000;
  row("run", "total bench time", `${total.toFixed(1)} s`, `${navigator.hardwareConcurrency} CPUs`);
  printTable();
}

const onSignal = () => {
  progress("interrupted; cleaning up");
  cleanupAll().finally(() => Deno.exit(130));
};
Deno.addSignalListener("SIGINT", onSignal);

let code = 0;
try {
  await main();
} catch (e) {
  console.error(`[bench] failed: ${(e as Error).stack ?? e}`);
  // What the phases before it measured still counts.
  printTable();
  code = 1;
} finally {
  await cleanupAll();
}
// SDK transports can keep timers alive after close; everything of ours is cleaned up.
Deno.exit(code);
