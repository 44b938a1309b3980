// Phase: error detection on the recorded corpus of real tool output
// (tests/corpus/<family>/<case>/): recall, precision, stale and located, as
// tests/corpus_test.ts scores them, plus the speed of replaying the recordings
// through the supervisor's pipeline (line splitting, terminal rendering, the
// detector).

import { addTally, emptyTally, figures, loadCorpus, scoreCase } from "../tests/corpus/replay.ts";
import { fmtNum, now, printTable, progress, row } from "./stats.ts";

export async function phaseCorpus(): Promise<void> {
  progress("error detection on the corpus");
  const corpus = await loadCorpus();
  let total = emptyTally();
  let bytes = 0;
  const t0 = now();
  for (const c of corpus) {
    total = addTally(total, scoreCase(c).tally);
    for (const [, type, text] of c.cast.events) if (type === "o") bytes += text.length;
  }
  const ms = now() - t0;
  const f = figures(total);
  const area = "detect";
  row(area, "errors: recall", `${f.recall.toFixed(1)}%`, `${total.found}/${total.expected}`);
  row(
    area,
    "errors: precision",
    `${f.precision.toFixed(1)}%`,
    `${total.correct}/${total.reported}`,
  );
  row(area, "errors: stale", `${f.stale}`, `${corpus.length} cases`);
  row(area, "errors: located", `${f.located.toFixed(1)}%`, `${total.located}/${total.locatable}`);
  row(area, "urls listed", `${f.urls.toFixed(1)}%`, `${total.urlsFound}/${total.urlsExpected}`);
  row(area, "replay throughput", `${fmtNum(bytes / 1024 / (ms / 1000))} KiB/s`, `${bytes} chars`);
}

if (import.meta.main) {
  await phaseCorpus();
  printTable();
}
