// The real supervisor path, end to end: a handful of recorded cases are played
// back byte for byte, with their timing, by a small replayer
// (tests/corpus/play.ts) run as package.json scripts under one headless buzz;
// between phases the test asks buzz's own MCP tools (errors_list {name},
// urls_list, scripts_status) and holds their answers to the case's
// expected.json, as tests/corpus_test.ts does in-process.

import * as assert from "node:assert/strict";
import { join } from "node:path";
import {
  call,
  connectInstance,
  killProcessesIn,
  ROOT,
  startInstance,
  type Structured,
  tempDir,
  until,
} from "./helpers.ts";
import { type CorpusCase, loadCorpus, replayCast } from "./corpus/replay.ts";
import { samePath } from "../instance/detect/signals.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Watch tools, one-shots run twice, a failure nothing explains, prefixed output, other families. */
const PICKED = [
  "concurrently-tsc-watch",
  "vite8-build-parse",
  "node-exit-unexplained",
  "vite-missing-import",
  "nodemon-restart",
  "go-run-build-errors",
  "pytest-assert-fail",
  "turbo-dev-task-error",
];

const PLAY = join(ROOT, "tests", "corpus", "play.ts");

Deno.test(
  "corpus through a real buzz: recordings replayed as scripts, asked between phases",
  opts,
  async (t) => {
    const corpus = (await loadCorpus()).filter((c) => PICKED.includes(c.name));
    assert.ok(corpus.length >= 5, `only ${corpus.map((c) => c.name)} of ${PICKED}`);
    const project = await tempDir("buzz-corpus-play-");
    const sync = await tempDir("buzz-corpus-sync-");
    const scripts: Record<string, string> = {};
    for (const c of corpus) {
      await Deno.mkdir(join(sync, c.name));
      scripts[c.name] = `deno run -A ${PLAY} ${join(c.dir, "recording.cast")}`;
    }
    await Deno.writeTextFile(
      join(project, "package.json"),
      JSON.stringify({ name: "corpus-play", private: true, scripts }, null, 2),
    );
    const inst = await startInstance({ project, discoveryDir: await tempDir() });
    const { client, close } = await connectInstance(inst.record);
    try {
      for (const c of corpus) {
        await t.step(c.name, () => playCase(client, c, join(sync, c.name)));
      }
    } finally {
      await close();
      await inst.stop();
      killProcessesIn(project);
    }
  },
);

type Client = Awaited<ReturnType<typeof connectInstance>>["client"];

async function playCase(client: Client, c: CorpusCase, sync: string): Promise<void> {
  const states = replayCast(c.cast);
  // Which run each phase starts, if any.
  const starts = new Map<string, number>();
  let phase = "";
  let runs = -1;
  for (const [, type, text] of c.cast.events) {
    if (type !== "m") continue;
    if (text.startsWith("phase:")) phase = text.slice(6);
    else if (text === "run") starts.set(phase, ++runs);
  }
  let processId = "";
  for (const state of states) {
    const want = c.expected.phases[state.phase];
    const run = starts.get(state.phase);
    if (run !== undefined) {
      const started = await call(client, "scripts_run", {
        name: c.name,
        args: [String(run), sync],
      });
      processId = started.process_id as string;
    } else {
      await Deno.writeTextFile(join(sync, `${prevPhase(states, state.phase)}.go`), "");
    }
    // The phase is over once its run exited, or once its last line reached buzz's log.
    const exits = exitPhases(c).has(state.phase);
    await until(`${c.name}/${state.phase} to be played`, async () => {
      if (!exits) return await reached(client, processId, state.log);
      const { runs } = await call(client, "scripts_status", { name: c.name }) as {
        runs: Structured[];
      };
      return runs.some((r) => r.process_id === processId && r.state !== "running");
    }, 60_000);
    if (!want) continue;
    const { errors } = await call(client, "errors_list", { name: c.name }) as {
      errors: Structured[];
    };
    const where = `${c.name}/${state.phase}`;
    for (const x of want.current) {
      const hit = errors.find((e) => e.tool === x.tool && String(e.message).includes(x.text));
      assert.ok(hit, `${where}: ${x.tool} "${x.text}" not listed: ${JSON.stringify(errors)}`);
      if (x.file !== null) {
        assert.ok(hit.file && samePath(hit.file as string, x.file), `${where}: file ${hit.file}`);
        assert.equal(hit.line, x.line, `${where}: line of ${x.text}`);
      }
    }
    const { runs: status } = await call(client, "scripts_status", { name: c.name }) as {
      runs: Structured[];
    };
    const failed = status.some((r) => r.process_id === processId && r.state === "failed");
    for (const e of errors) {
      const expected = want.current.some((x) =>
        e.tool === x.tool && String(e.message).includes(x.text)
      );
      assert.ok(
        expected || (e.kind === "exit" && failed),
        `${where}: listed but not expected: ${e.tool} ${e.message}`,
      );
    }
    // A failed run is never "no current errors".
    if (failed) assert.ok(errors.length, `${where}: the run failed and errors_list is empty`);
    const { runs: urls } = await call(client, "urls_list") as { runs: Structured[] };
    const listed = urls.filter((r) => r.script === c.name).flatMap((r) => r.urls as string[]);
    for (const u of want.urls) assert.ok(listed.includes(u), `${where}: URL ${u} not listed`);
  }
  await call(client, "scripts_stop", { name: c.name }).catch(() => {});
}

/** The phases during which a run of the command ended. */
function exitPhases(c: CorpusCase): Set<string> {
  const out = new Set<string>();
  let phase = "";
  for (const [, type, text] of c.cast.events) {
    if (type !== "m") continue;
    if (text.startsWith("phase:")) phase = text.slice(6);
    else if (/^(exit|signal):/.test(text)) out.add(phase);
  }
  return out;
}

function prevPhase(states: { phase: string }[], phase: string): string {
  const i = states.findIndex((s) => s.phase === phase);
  return states[i - 1].phase;
}

/** Whether buzz's log of the run holds the phase's last line as often as the replay's does. */
async function reached(client: Client, processId: string, log: string[]): Promise<boolean> {
  const lastLine = log.findLast((l) => l.trim());
  if (!lastLine) return true;
  const times = log.filter((l) => l === lastLine).length;
  const { lines } = await call(client, "logs_tail", { process_id: processId, limit: 1000 }) as {
    lines: { text: string }[];
  };
  return lines.filter((l) => l.text === lastLine).length >= times;
}
