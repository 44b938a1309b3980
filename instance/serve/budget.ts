// Sizes what agents get back for a model. Log lines go out in their plain form
// (no ANSI colours or terminal control), a line longer than LINE_CHARS is cut
// with a note saying how to read it whole, and no answer (text plus
// structuredContent) may pass ANSWER_BYTES, whatever the logs hold: a model
// gains nothing from megabytes of log, and the SDK's stdio client drops its
// connection over any message above 10 MB. Every tool result passes through
// bounded(); the functions here pick which lines fit before it has to act.

import type { CallToolResult } from "../../shared/sdk_server.ts";
import type { TailedLine } from "../supervise/supervisor.ts";

/** The most one answer may hold: its text content and structuredContent, as JSON. */
export const ANSWER_BYTES = 1_000_000;
/** Characters of one line in an answer listing lines; longer ones are cut with a note. */
export const LINE_CHARS = 4000;
/** Characters of one error line in errors_list (200 lines may make up one error). */
export const ERROR_LINE_CHARS = 1000;
/** Kept for what is not a line: the JSON-RPC envelope, notes, cursors, run fields. */
const HEADROOM = 24 * 1024;
/** What the lines of one answer may take, counted in both copies (text and structured). */
export const LINES_BYTES = ANSWER_BYTES - HEADROOM;

/** A log line as agents see it: `text` is the plain text, cut if very long. */
export interface AgentLine {
  process_id: string;
  seq: number;
  time: string;
  stream: "stdout" | "stderr";
  /** Set on lines a page in the browser sent. */
  source?: "browser";
  text: string;
}

const encoder = new TextEncoder();

/** Bytes of a value serialized as JSON (UTF-8), as it goes on the wire. */
export function jsonBytes(value: unknown): number {
  const s = JSON.stringify(value) ?? "";
  // Most log text is ASCII; count bytes only when it is not.
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.length : encoder.encode(s).length;
}

/** `text` cut to `max` characters (never splitting a surrogate pair) and what was cut. */
export function cut(text: string, max: number): { text: string; cut: number } {
  if (text.length <= max) return { text, cut: 0 };
  let end = max;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return { text: text.slice(0, end), cut: text.length - end };
}

/**
 * A stored line in its agent form: plain text, cut at `max` characters with a
 * note naming the call that returns it whole (logs_tail with limit 1 never cuts).
 */
export function agentLine(l: TailedLine, max = LINE_CHARS): AgentLine & { cut: number } {
  const c = cut(l.plain, max);
  const text = c.cut
    ? `${c.text} … [${c.cut} more characters; logs_tail {process_id: "${l.process_id}", ` +
      `since_seq: ${l.seq - 1}, limit: 1} returns the whole line]`
    : c.text;
  const line = { process_id: l.process_id, seq: l.seq, time: l.time, stream: l.stream, text };
  return { ...line, ...(l.source && { source: l.source }), cut: c.cut };
}

/** How agents read a line in an answer's text. */
export function formatLine(l: AgentLine): string {
  const from = l.source ? ` ${l.source}` : "";
  return `[${l.process_id}${from} #${l.seq}${l.stream === "stderr" ? " err" : ""}] ${l.text}`;
}

/** Bytes one line costs in an answer: its structured form plus its line of text. */
export function lineCost(l: AgentLine): number {
  // +4: a comma between array items, and the escaped newline joining text lines.
  return jsonBytes(l) + jsonBytes(formatLine(l)) + 4;
}

/**
 * The lines that fit in `bytes`, keeping the oldest ("first": following a
 * cursor) or the newest ("last": a tail, search hits) in order. leftOff counts
 * the lines that did not fit.
 */
export function fitLines<T>(
  items: T[],
  keep: "first" | "last",
  cost: (item: T) => number,
  bytes = LINES_BYTES,
): { kept: T[]; leftOff: number } {
  let used = 0;
  let n = 0;
  for (; n < items.length; n++) {
    const item = items[keep === "first" ? n : items.length - 1 - n];
    used += cost(item);
    if (used > bytes) break;
  }
  const kept = keep === "first" ? items.slice(0, n) : items.slice(items.length - n);
  return { kept, leftOff: items.length - n };
}

/** What an answer left out and how to get it; part of the tools' structuredContent. */
export interface Truncation {
  /** Lines (or errors) not returned to stay under the answer budget. */
  left_off: number;
  /** Lines returned shortened. */
  lines_cut: number;
  /** The call (or resource) that returns the rest. */
  more: string;
}

/**
 * Enforces ANSWER_BYTES on a finished result, whatever made it. Tools fit
 * their lines beforehand, so this only acts on something unforeseen: it cuts
 * the text, and if structuredContent alone is too large it answers with an
 * error that says how to ask for less (an error result has no schema to keep).
 */
export function bounded(result: CallToolResult): CallToolResult {
  const total = jsonBytes(result);
  if (total <= ANSWER_BYTES) return result;
  const structured = result.structuredContent ? jsonBytes(result.structuredContent) : 0;
  const room = ANSWER_BYTES - structured - HEADROOM;
  if (room < 1024) {
    return {
      content: [{
        type: "text",
        text: `The answer would be ${total} bytes, over buzz's limit of ${ANSWER_BYTES} bytes ` +
          "for one answer. Ask for less: a smaller limit, one process_id, or a since_seq cursor.",
      }],
      isError: true,
    };
  }
  const texts = result.content.filter((c) => c.type === "text").length || 1;
  const content = result.content.map((c) => {
    if (c.type !== "text") return c;
    const bytes = jsonBytes(c.text);
    if (bytes <= room / texts) return c;
    // Cut by characters in proportion, then tighten: non-ASCII text takes more bytes.
    let max = Math.floor(c.text.length * (room / texts) / bytes);
    let t = cut(c.text, max);
    while (jsonBytes(t.text) > room / texts - 200) t = cut(c.text, max = Math.floor(max * 0.9));
    return { ...c, text: `${t.text}\n… [answer cut at ${ANSWER_BYTES} bytes; ask for less]` };
  });
  return { ...result, content };
}
