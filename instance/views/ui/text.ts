// Text helpers for the terminal UI: make a child's line safe to draw (colours
// kept, cursor moves and other controls gone), durations, column padding.

// SGR (colour) sequences are kept; every other escape and control character goes.
const ESCAPES =
  // deno-lint-ignore no-control-regex
  /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b[()*+#%][\x20-\x7e]?|\x1b[\x20-\x7e]?/g;
// deno-lint-ignore no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/g;
/** A line longer than this is cut before drawing; the buffer keeps it whole. */
const MAX_DRAWN = 1000;
export const RESET = "\x1b[0m";

/** A log line ready for one row of the screen: colours kept, never bleeding into the next row. */
export function drawable(text: string): string {
  let s = text.length > MAX_DRAWN ? text.slice(0, MAX_DRAWN) : text;
  // What a terminal would leave after a carriage return is the last segment (spinners, bars).
  const cr = s.lastIndexOf("\r");
  if (cr >= 0 && cr < s.length - 1) s = s.slice(cr + 1);
  if (s.includes("\t")) s = s.replace(/\t/g, "  ");
  // deno-lint-ignore no-control-regex
  if (!/[\x00-\x1f\x7f\x9b]/.test(s)) return s;
  s = s.replace(ESCAPES, (m) => (m.endsWith("m") && m.startsWith("\x1b[") ? m : ""));
  s = s.replace(CONTROLS, "");
  return s.includes("\x1b") ? s + RESET : s;
}

/** "45s", "2m03s", "1h02m", "3d04h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

/** Pads or cuts to exactly n columns (plain text only). */
export function fit(text: string, n: number): string {
  if (n <= 0) return "";
  return text.length > n ? text.slice(0, Math.max(0, n - 1)) + "…" : text.padEnd(n);
}
