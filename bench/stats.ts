// Timing, statistics and the result table: the bench's phases measure with
// these and add rows; bench.ts prints the table at the end. Progress goes to
// stderr; only the table goes to stdout.

import { POLL_MS } from "./settings.ts";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const now = () => performance.now();
export const progress = (msg: string) => console.error(`[bench] ${msg}`);

export async function poll<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 15_000,
  every = POLL_MS,
) {
  const deadline = now() + timeoutMs;
  while (true) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

export interface Stats {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return { n: 0, median: NaN, p95: NaN, min: NaN, max: NaN };
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const p95 = s[Math.min(n - 1, Math.ceil(0.95 * n) - 1)];
  return { n, median, p95, min: s[0], max: s[n - 1] };
}

export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export const ms = (x: number) => `${fmtNum(x)} ms`;
export const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;

export interface Row {
  area: string;
  what: string;
  value: string;
  spread: string;
  n: string;
}
const rows: Row[] = [];

export function rowStats(area: string, what: string, xs: number[], unit = ms) {
  const s = stats(xs);
  rows.push({
    area,
    what,
    value: unit(s.median),
    spread: s.n > 1 ? `p95 ${unit(s.p95)}, min ${unit(s.min)}, max ${unit(s.max)}` : "",
    n: String(s.n),
  });
  return s;
}

export function row(area: string, what: string, value: string, spread = "", n = "1") {
  rows.push({ area, what, value, spread, n });
}

export function printTable() {
  const head: Row = {
    area: "area",
    what: "measurement",
    value: "median / value",
    spread: "spread",
    n: "n",
  };
  const all = [head, ...rows];
  const keys = ["area", "what", "value", "spread", "n"] as const;
  const width = Object.fromEntries(
    keys.map((k) => [k, Math.max(3, ...all.map((r) => r[k].length))]),
  ) as Record<(typeof keys)[number], number>;
  const line = (r: Row) => `| ${keys.map((k) => r[k].padEnd(width[k])).join(" | ")} |`;
  console.log(line(head));
  console.log(`| ${keys.map((k) => "-".repeat(width[k])).join(" | ")} |`);
  for (const r of rows) console.log(line(r));
}

export async function timeCalls(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await fn();
    out.push(now() - t0);
  }
  return out;
}

/** timeCalls for synchronous work, so no microtask hop is measured with it. */
export function timeSync(n: number, fn: () => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    fn();
    out.push(now() - t0);
  }
  return out;
}
