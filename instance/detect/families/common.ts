// What the families' rules share: line shapes, and setting an error's location
// from what its lines say.

import type { Draft, ErrorKind, Start, Tool, Verdict } from "../types.ts";

export const INDENTED = /^\s+\S/;
export const CARET = /^\s*[\^~]+\s*$/;
/** Optional clock some watchers print first: "1:42:32 PM ", "[13:01:02] ", "1:42:49 PM - ". */
export const CLOCK = String.raw`(?:\[?\d{1,2}:\d{2}:\d{2}(?: [AP]M)?\]? (?:- )?)?`;

export const lines = (d: Draft): string[] => d.error.lines;
export const take = (ok: boolean): Verdict => ok ? "take" : "stop";

/** Sets the location from "path:line:col" style matches. */
export function locate(d: Draft, file: string | undefined, line?: string, col?: string): void {
  if (!file) return;
  d.error.file = file.replace(/^file:\/\//, "");
  d.error.line = line ? Number(line) : null;
  d.error.column = col ? Number(col) : null;
}

/** A headline that names its file and line: "file:line[:col]: message" and its kin. */
export function at(
  tool: Tool,
  kind: ErrorKind,
  message: string,
  file: string,
  line: string,
  column?: string,
): Start {
  return {
    tool,
    kind,
    message,
    file,
    line: Number(line),
    column: column ? Number(column) : null,
  };
}

/** Paths that are not the project's own code: dependencies, runtimes, standard libraries. */
export const NOT_OWN =
  /^(node:|ext:|internal\/|<)|node_modules|[\\/](site|dist)-packages[\\/]|[\\/]lib[\\/]python\d|[\\/]\.cargo[\\/]registry|[\\/]rustc[\\/]|[\\/]go[\\/]src[\\/]|[\\/]pkg[\\/]mod[\\/]|^\/usr\/(lib|local\/lib|share)\//;

/** Whether a file named by a frame is the project's own. */
export function ownFile(file: string): boolean {
  return !NOT_OWN.test(file);
}

const JS_FRAME = /^\s+(?:at |❯ )(?:.*?\()?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?$/;

/**
 * The first JavaScript stack frame that points into the project (not a
 * runtime's internals or node_modules): the innermost frame of the user's code.
 */
export function userFrame(d: Draft, from = 0): boolean {
  for (const l of lines(d).slice(from)) {
    const m = l.match(JS_FRAME);
    if (m && ownFile(m[1])) {
      locate(d, m[1], m[2], m[3]);
      return true;
    }
  }
  return false;
}
