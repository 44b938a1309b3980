// Detection on real tool output: every recording in tests/corpus/<family>/<case>/
// (made by tests/corpus/record.ts from the real tools) is replayed through the
// supervisor's own pipeline (tests/corpus/replay.ts), and after each phase the
// errors buzz would list as current and the URLs it would list are scored
// against expected.json, written by a person from the tool's output. Prints
// recall, precision, stale and located for the whole corpus and fails below
// the targets, listing each case's mismatches.

import * as assert from "node:assert/strict";
import { addTally, emptyTally, figures, loadCorpus, scoreCase } from "./corpus/replay.ts";
import { stripTerminal } from "../instance/supervise/terminal.ts";
import { END, START, toolsTable } from "./corpus/tools_table.ts";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";

const corpus = await loadCorpus();

/** Clean but noisy: no error expected at any phase, and no run of it failed. */
const isClean = (c: typeof corpus[number]) =>
  Object.values(c.expected.phases).every((p) => !p.current.length) &&
  !c.cast.events.some(([, t, s]) => t === "m" && /^(exit:[1-9]|signal:)/.test(s));

/** The targets. */
const TARGET = { recall: 95, precision: 95, stale: 0, located: 95 };
const SIZE = { cases: 80, tools: 25, cleanShare: 1 / 5 };

Deno.test("corpus: recall, precision, stale and located over every recorded case", () => {
  let total = emptyTally();
  const report: string[] = [];
  for (const c of corpus) {
    const s = scoreCase(c);
    total = addTally(total, s.tally);
    if (s.problems.length) report.push(`${c.family}/${c.name}:\n  ${s.problems.join("\n  ")}`);
  }
  const f = figures(total);
  const clean = corpus.filter(isClean).length;
  const tools = new Set(corpus.map((c) => c.expected.tool));
  console.log(
    `corpus: ${corpus.length} cases, ${tools.size} tools, ${clean} clean (${
      (100 * clean / Math.max(corpus.length, 1)).toFixed(0)
    } %)\n` +
      `  recall    ${f.recall.toFixed(1)} % (${total.found}/${total.expected})\n` +
      `  precision ${f.precision.toFixed(1)} % (${total.correct}/${total.reported})\n` +
      `  stale     ${f.stale}\n` +
      `  located   ${f.located.toFixed(1)} % (${total.located}/${total.locatable})\n` +
      `  urls      ${f.urls.toFixed(1)} % (${total.urlsFound}/${total.urlsExpected})`,
  );
  if (report.length) console.log(report.join("\n"));
  assert.ok(f.recall >= TARGET.recall, `recall ${f.recall.toFixed(1)} % < ${TARGET.recall} %`);
  assert.ok(
    f.precision >= TARGET.precision,
    `precision ${f.precision.toFixed(1)} % < ${TARGET.precision} %`,
  );
  assert.ok(f.stale <= TARGET.stale, `${f.stale} stale errors`);
  assert.ok(f.located >= TARGET.located, `located ${f.located.toFixed(1)} % < ${TARGET.located} %`);
  assert.equal(total.urlsFound, total.urlsExpected, "URLs not listed");
});

Deno.test("corpus: its size, its tools, its share of clean but noisy output", () => {
  const clean = corpus.filter(isClean);
  const tools = new Set(corpus.map((c) => c.expected.tool));
  assert.ok(corpus.length >= SIZE.cases, `${corpus.length} cases < ${SIZE.cases}`);
  assert.ok(tools.size >= SIZE.tools, `${tools.size} tools < ${SIZE.tools}: ${[...tools]}`);
  assert.ok(
    clean.length >= corpus.length * SIZE.cleanShare,
    `${clean.length} clean cases of ${corpus.length}`,
  );
  for (const c of corpus) {
    assert.equal(c.cast.header.width, 120, c.name);
    assert.equal(c.cast.header.height, 30, c.name);
    const phases = c.cast.events.filter(([, t, s]) => t === "m" && s.startsWith("phase:"));
    assert.ok(phases.length, `${c.name}: no phase markers`);
  }
});

Deno.test("README: its list of tools and kinds is the detector's families' own", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const section = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
  // deno fmt pads the table, wraps the list and trims code spans: compare all but whitespace.
  const words = (s: string) =>
    s.split("\n").filter((l) => !/^\|[\s|-]+\|$/.test(l)).join("").replace(/[\s|]+/g, "");
  assert.equal(
    words(section),
    words(toolsTable()),
    "README.md is out of date: deno run -A tests/corpus/tools_table.ts --write && deno fmt README.md",
  );
});

Deno.test("stripTerminal: colours, links, clears, carriage returns and erases", () => {
  assert.equal(stripTerminal("\x1b[1m\x1b[31merror\x1b[0m: x"), "error: x");
  assert.equal(stripTerminal("\x1b]8;;http://a\x07link\x1b]8;;\x07 done"), "link done");
  assert.equal(
    stripTerminal("\x1bc\x1b[2J\x1b[3J\x1b[H[1:42:41 PM] Starting"),
    "[1:42:41 PM] Starting",
  );
  assert.equal(stripTerminal("\x1b[38;5;246m│\x1b[0m \x1b(Bok\x07"), "│ ok");
  assert.equal(stripTerminal("building 10%\rbuilding 100%\r\n"), "building 100%\n");
  assert.equal(stripTerminal("long progress line\rshort"), "shortprogress line");
  assert.equal(stripTerminal("long progress line\r\x1b[Kshort"), "short");
  assert.equal(stripTerminal("spinner ⠋\x1b[2K\x1b[1Gready"), "ready");
  assert.equal(stripTerminal("tab\tkept"), "tab\tkept");
  assert.equal(stripTerminal("plain"), "plain");
});
