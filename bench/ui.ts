// The terminal UI's cost: CPU of the buzz process with the UI up in a real
// pseudo-terminal (tmux, 80×24) while idle, and while one script prints 100k
// lines/s; the same flood under `--no-tui --quiet` for comparison; and that
// the supervisor took in every line meanwhile (sequence numbers have no gap).
//
//   deno run -A bench/ui.ts        (or as a phase of deno task bench)

import { join } from "node:path";
import { call, connectInstance, jsonFiles, MAIN } from "../tests/helpers.ts";
import { parseDiscoveryRecord } from "../shared/discovery.ts";
import { cpuMs } from "./procs.ts";
import { now, poll, printTable, progress, row, sleep } from "./stats.ts";

const RATE = 100_000;
const SECONDS = 3;
const TOTAL = RATE * SECONDS;
const IDLE_MS = 5000;

/** A script that waits for a gate file, then prints RATE numbered lines a second, paced per 10 ms. */
const RATE_JS = `
const fs = require("fs");
console.log("rate-ready");
const wait = setInterval(() => {
  if (!fs.existsSync("go")) return;
  clearInterval(wait);
  let i = 0;
  const start = Date.now();
  const tick = setInterval(() => {
    const due = Math.min(${TOTAL}, Math.floor((Date.now() - start) * ${RATE} / 1000));
    let s = "";
    for (; i < due; i++) s += "rate " + i + " lorem ipsum dolor sit amet\\n";
    if (s) fs.writeSync(1, s);
    if (i >= ${TOTAL}) {
      clearInterval(tick);
      console.log("rate-done " + (Date.now() - start) + "ms");
      setInterval(() => {}, 1000);
    }
  }, 10);
}, 20);
`;

async function makeProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "buzz-bench-ui-" });
  await Deno.writeTextFile(join(dir, "rate.js"), RATE_JS);
  await Deno.writeTextFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "ui-bench", private: true, scripts: { rate: "node rate.js" } }),
  );
  return dir;
}

interface Measured {
  idlePct: number;
  floodPct: number;
  floodMs: number;
  ingested: number;
}

/** Runs one instance (UI in tmux, or --no-tui --quiet), idles, floods, checks the seqs. */
async function measure(ui: boolean): Promise<Measured> {
  const project = await makeProject();
  const discovery = await Deno.makeTempDir({ prefix: "buzz-bench-ui-discovery-" });
  const socket = `buzz-bench-ui-${Deno.pid}`;
  const tmux = (...args: string[]) =>
    new Deno.Command("tmux", { args: ["-L", socket, "-f", "/dev/null", ...args] }).output();
  const argv = [Deno.execPath(), "run", "-A", MAIN, "--dir", project, "--discovery-dir", discovery];
  let plain: Deno.ChildProcess | undefined;
  try {
    if (ui) {
      const cmd = argv.map((a) => `'${a}'`).join(" ");
      await tmux("new-session", "-d", "-s", "b", "-x", "80", "-y", "24", `${cmd}; sleep 600`);
    } else {
      plain = new Deno.Command(argv[0], {
        args: [...argv.slice(1), "--no-tui", "--quiet"],
        stdout: "null",
        stderr: "null",
      }).spawn();
    }
    const name = await poll("the discovery file", () => jsonFiles(discovery)[0], 90_000);
    const record = parseDiscoveryRecord(await Deno.readTextFile(join(discovery, name)));
    const agent = await connectInstance(record);
    try {
      await sleep(1000); // let start-up settle
      let c0 = cpuMs(record.pid), t0 = now();
      await sleep(IDLE_MS);
      const idlePct = (cpuMs(record.pid) - c0) / (now() - t0) * 100;

      const started = await call(agent.client, "scripts_run", { name: "rate" });
      const pid = started.process_id as string;
      const tail = async () =>
        (await call(agent.client, "logs_tail", { process_id: pid, limit: 5 })).lines as {
          seq: number;
          text: string;
        }[];
      const ready = await poll(
        "rate-ready",
        async () => (await tail()).find((l) => l.text.includes("rate-ready")),
        30_000,
      );
      c0 = cpuMs(record.pid);
      t0 = now();
      await Deno.writeTextFile(join(project, "go"), "");
      const done = await poll(
        "rate-done",
        async () => (await tail()).find((l) => l.text.includes("rate-done")),
        60_000,
        50,
      );
      const floodMs = now() - t0;
      const floodPct = (cpuMs(record.pid) - c0) / floodMs * 100;
      // Every seq between the two markers belongs to a flood line: none was lost.
      const ingested = done.seq - ready.seq - 1;
      return { idlePct, floodPct, floodMs, ingested };
    } finally {
      await agent.close();
    }
  } finally {
    if (ui) await tmux("kill-server");
    if (plain) {
      plain.kill("SIGTERM");
      await plain.status;
    }
    await sleep(500);
    await Deno.remove(project, { recursive: true }).catch(() => {});
    await Deno.remove(discovery, { recursive: true }).catch(() => {});
  }
}

/** The bench phase: rows in bench.ts's table. */
export async function phaseUi(): Promise<void> {
  const hasTmux = await new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false);
  if (!hasTmux) {
    row("ui", "terminal UI", "skipped", "tmux not installed");
    return;
  }
  progress("ui: terminal UI in tmux, idle then 100k lines/s");
  const tui = await measure(true);
  progress("ui: the same flood with --no-tui --quiet");
  const quiet = await measure(false);
  const pct = (x: number) => `${x.toFixed(1)} % CPU`;
  row("ui", "buzz with UI, idle (one core = 100 %)", pct(tui.idlePct), `${IDLE_MS / 1000} s`);
  row(
    "ui",
    `buzz with UI, script printing ${RATE / 1000}k lines/s`,
    pct(tui.floodPct),
    `${TOTAL / 1000}k lines in ${(tui.floodMs / 1000).toFixed(1)} s; --no-tui --quiet: ` +
      pct(quiet.floodPct),
  );
  row(
    "ui",
    "lines taken in during the flood (UI / quiet)",
    `${tui.ingested} / ${quiet.ingested}`,
    tui.ingested === TOTAL && quiet.ingested === TOTAL
      ? "none lost"
      : `expected ${TOTAL}: LINES LOST`,
  );
}

if (import.meta.main) {
  await phaseUi();
  printTable();
  Deno.exit(0);
}
