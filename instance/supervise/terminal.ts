// Turns what a program wrote to a terminal into the plain text a reader sees:
// colours, hyperlinks, titles, cursor moves and screen clears go; a carriage
// return (a spinner or progress bar redrawing its line) keeps only what would
// be left on screen. Used for every line handed to agents and to detection.

// One alternation, so a single pass finds every escape in order:
//   OSC (titles, OSC 8 hyperlinks) ended by BEL or ST; CSI (SGR colours, cursor
//   moves, erases) in 7- and 8-bit form; charset selection (ESC ( B); other
//   two-byte escapes such as ESC c (reset, tsc --watch's clear) and ESC 7/8.
const ESCAPE =
  // deno-lint-ignore no-control-regex
  /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|(?:\x1b\[|\x9b)([0-?]*)[ -/]*([@-~])|\x1b[()*+#%][\x20-\x7e]?|\x1b[\x20-\x7e]?/g;
// C0 controls left after the escapes are gone, except tab, line feed and carriage return.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

// Markers for line erases (private-use characters).
const ERASE_LINE = "\ue000";
const ERASE_END = "\ue001";

/**
 * The text a terminal would show for `text` (one line or many): escape
 * sequences removed, `\r` overwrites and line erases applied, other control
 * characters dropped. Trailing `\r`s (CRLF from a pseudo-terminal) are ignored.
 */
export function stripTerminal(text: string): string {
  // deno-lint-ignore no-control-regex
  if (!/[\x00-\x08\x0b-\x1f\x7f\x9b]/.test(text)) return text;
  let s = text;
  if (s.includes("\x1b") || s.includes("\x9b")) {
    s = s.replace(ESCAPE, (_m, params: string | undefined, final: string | undefined) => {
      if (final === "K") return params === "2" ? ERASE_LINE : params === "1" ? "" : ERASE_END;
      // Cursor to the first column: what follows overwrites the line.
      if (final === "G" && (params === "" || params === "1" || params === "0")) return "\r";
      return "";
    });
  }
  s = s.replace(CONTROL, "");
  if (!/[\r\ue000\ue001]/.test(s)) return s;
  return s.split("\n").map(overwrite).join("\n");
}

/** Replays one line's writes, carriage returns and erases on a one-line screen. */
function overwrite(line: string): string {
  line = line.replace(/\r+$/, "");
  if (!/[\r\ue000\ue001]/.test(line)) return line;
  let screen: string[] = [];
  let col = 0;
  for (const ch of line) {
    if (ch === "\r") col = 0;
    else if (ch === ERASE_LINE) screen = screen.map(() => " ");
    else if (ch === ERASE_END) screen.length = Math.min(screen.length, col);
    else {
      while (screen.length < col) screen.push(" ");
      screen[col++] = ch;
    }
  }
  return screen.join("").trimEnd();
}
