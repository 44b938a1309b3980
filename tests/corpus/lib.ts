// Reads the detection corpus and replays each capture through RunDetector line
// by line, as the supervisor does. Shared by tests/corpus_test.ts and
// bench/corpus.ts.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DetectedError, type Report, RunDetector } from "../../instance/detect/detector.ts";
import { LogBuffer, SeqCounter } from "../../instance/supervise/log_buffer.ts";

export const CORPUS_DIR = dirname(fileURLToPath(import.meta.url));

/** One expected report of an error; `lines` are 1-based lines of output.log ("3-7", "6,8"). */
export interface ExpectedError {
  tool: string;
  message: string;
  file: string | null;
  line: number | null;
  column: number | null;
  lines: string;
  /** Whether the error it counts towards is resolved once the whole capture was read. */
  resolved: boolean;
}

export interface CorpusCase {
  name: string;
  /** What the capture shows. */
  about: string;
  /** Reports in the order they end; empty for a clean output. */
  errors: ExpectedError[];
  /** The capture's lines, trailing \r removed (the supervisor does the same). */
  output: string[];
}

export async function loadCorpus(): Promise<CorpusCase[]> {
  const cases: CorpusCase[] = [];
  for await (const e of Deno.readDir(CORPUS_DIR)) {
    if (!e.isDirectory) continue;
    const dir = join(CORPUS_DIR, e.name);
    if (!(await Deno.stat(join(dir, "output.log")).catch(() => null))) continue;
    const expected = JSON.parse(await Deno.readTextFile(join(dir, "expected.json")));
    const text = await Deno.readTextFile(join(dir, "output.log"));
    const output = text.split("\n");
    if (output.at(-1) === "") output.pop();
    cases.push({
      name: e.name,
      about: expected.about,
      errors: expected.errors,
      output: output.map((l) => l.replace(/\r$/, "")),
    });
  }
  return cases.sort((a, b) => a.name.localeCompare(b.name));
}

export interface Replay {
  reports: Report[];
  /** The run's error book at the end: every error, resolved ones included. */
  all: DetectedError[];
  current: DetectedError[];
}

/** Feeds the capture line by line; line n of output.log gets seq n. */
export function replay(output: string[]): Replay {
  const buf = new LogBuffer(new SeqCounter());
  let ids = 0;
  const d = new RunDetector("corpus-1", () => ++ids);
  const reports: Report[] = [];
  for (const text of output) reports.push(...d.feed(buf.push("stdout", text)).closed);
  reports.push(...d.flush());
  return { reports, all: d.all(), current: d.current() };
}

/** "3-7,9" → [3, 4, 5, 6, 7, 9]. */
export function lineSet(spec: string): number[] {
  return spec.split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

/** [3, 4, 5, 9] → "3-5,9". */
export function lineSpec(lines: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j] + 1) j++;
    parts.push(i === j ? `${lines[i]}` : `${lines[i]}-${lines[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** A report in the expected.json shape, for comparison (and for drafting new cases). */
export function asExpected(r: Report): ExpectedError {
  const e = r.error;
  return {
    tool: e.tool,
    message: e.message,
    file: e.file,
    line: e.line,
    column: e.column,
    lines: lineSpec(r.seqs),
    resolved: e.resolved,
  };
}
