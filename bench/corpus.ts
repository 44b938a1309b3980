// Phase: error detection on the corpus of real tool output (tests/corpus/).
// Recall and precision of errors (a detected report matches an expected one by
// tool, message and location) and of line grouping (the lines of matched
// reports), plus the speed of feeding the captures through RunDetector.

import {
  asExpected,
  type ExpectedError,
  lineSet,
  loadCorpus,
  replay,
} from "../tests/corpus/lib.ts";
import { fmtNum, now, printTable, progress, row } from "./stats.ts";

export interface CorpusScore {
  cases: number;
  expected: number;
  found: number;
  matched: number;
  linesExpected: number;
  linesFound: number;
  linesMatched: number;
  /** Errors reported on captures that should have none. */
  falseOnClean: number;
  clean: number;
  lines: number;
  ms: number;
}

const id = (e: ExpectedError) => JSON.stringify([e.tool, e.message, e.file, e.line, e.column]);

export async function scoreCorpus(): Promise<CorpusScore> {
  const corpus = await loadCorpus();
  const s: CorpusScore = {
    cases: corpus.length,
    expected: 0,
    found: 0,
    matched: 0,
    linesExpected: 0,
    linesFound: 0,
    linesMatched: 0,
    falseOnClean: 0,
    clean: corpus.filter((c) => !c.errors.length).length,
    lines: 0,
    ms: 0,
  };
  for (const c of corpus) {
    const t0 = now();
    const got = replay(c.output).reports.map(asExpected);
    s.ms += now() - t0;
    s.lines += c.output.length;
    s.expected += c.errors.length;
    s.found += got.length;
    if (!c.errors.length) s.falseOnClean += got.length;
    for (const g of got) s.linesFound += lineSet(g.lines).length;
    for (const e of c.errors) s.linesExpected += lineSet(e.lines).length;
    // Pair reports in order, each expected one with the first unused detected one like it.
    const unused = [...got];
    for (const e of c.errors) {
      const i = unused.findIndex((g) => id(g) === id(e));
      if (i < 0) continue;
      const [g] = unused.splice(i, 1);
      s.matched++;
      const want = new Set(lineSet(e.lines));
      s.linesMatched += lineSet(g.lines).filter((n) => want.has(n)).length;
    }
  }
  return s;
}

const pct = (a: number, b: number) => b ? `${(100 * a / b).toFixed(1)}%` : "n/a";

export async function phaseCorpus(): Promise<void> {
  progress("error detection on the corpus");
  const s = await scoreCorpus();
  const area = "detect";
  row(area, "errors: recall", pct(s.matched, s.expected), `${s.matched}/${s.expected}`);
  row(area, "errors: precision", pct(s.matched, s.found), `${s.matched}/${s.found}`);
  row(
    area,
    "grouped lines: recall",
    pct(s.linesMatched, s.linesExpected),
    `${s.linesMatched}/${s.linesExpected}`,
  );
  row(
    area,
    "grouped lines: precision",
    pct(s.linesMatched, s.linesFound),
    `${s.linesMatched}/${s.linesFound}`,
  );
  row(area, "errors on clean captures", `${s.falseOnClean}`, `${s.clean} clean of ${s.cases}`);
  row(
    area,
    "detector throughput",
    `${fmtNum(s.lines / (s.ms / 1000))} lines/s`,
    `${s.lines} lines`,
  );
}

if (import.meta.main) {
  await phaseCorpus();
  printTable();
}
