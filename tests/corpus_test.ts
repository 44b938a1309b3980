// Detection on real tool output: every capture in tests/corpus/ is fed to
// RunDetector line by line, as the supervisor feeds it, and every expectation
// in its expected.json must hold: the same reports (tool, message, location,
// exactly the lines grouped), the same error book at the end (repeats counted,
// resolved or current), and nothing at all on the clean captures.

import * as assert from "node:assert/strict";
import { asExpected, type ExpectedError, lineSet, loadCorpus, replay } from "./corpus/lib.ts";
import { stripTerminal } from "../instance/supervise/terminal.ts";

const corpus = await loadCorpus();
const key = (e: Pick<ExpectedError, "tool" | "message" | "file" | "line" | "column">) =>
  JSON.stringify([e.tool, e.message, e.file, e.line, e.column]);

Deno.test("corpus: covers every tool, and clean outputs", () => {
  const tools = new Set(corpus.flatMap((c) => c.errors.map((e) => e.tool)));
  for (
    const t of [
      "vite",
      "esbuild",
      "tsc",
      "eslint",
      "webpack",
      "next",
      "vitest",
      "jest",
      "node",
      "deno",
      "python",
      "npm",
      "pnpm",
      "yarn",
    ]
  ) assert.ok(tools.has(t), `no corpus case for ${t}`);
  assert.ok(corpus.filter((c) => !c.errors.length).length >= 6, "too few clean captures");
});

for (const c of corpus) {
  Deno.test(`corpus: ${c.name}`, () => {
    const { reports, all, current } = replay(c.output);
    assert.deepEqual(reports.map(asExpected), c.errors, c.about);

    // The book: one error per distinct report, counting its repeats.
    const byKey = Map.groupBy(c.errors, key);
    assert.equal(all.length, byKey.size, "errors in the book");
    for (const e of all) {
      const expected = byKey.get(key(e));
      assert.ok(expected, `unexpected error in the book: ${e.message}`);
      assert.equal(e.count, expected.length, `count of ${e.message}`);
      assert.equal(e.resolved, expected.at(-1)!.resolved, `resolved: ${e.message}`);
      assert.equal(e.resolved_at !== null, e.resolved);
      // Its lines are the latest report's lines, as a terminal shows them and as printed.
      const seqs = lineSet(expected.at(-1)!.lines);
      assert.deepEqual(e.lines, seqs.map((n) => stripTerminal(c.output[n - 1])));
      assert.deepEqual(e.raw, seqs.map((n) => c.output[n - 1]));
      assert.ok(e.first_seen <= e.last_seen);
    }
    assert.deepEqual(current.map((e) => e.id), all.filter((e) => !e.resolved).map((e) => e.id));
  });
}

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
