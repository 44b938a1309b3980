// Copy to the clipboard of the terminal the person is sitting at, over SSH and
// tmux too: OSC 52. Terminals that do not support it ignore the sequence.

import { encodeBase64 } from "./base64.ts";

export function osc52(text: string): string {
  return `\x1b]52;c;${encodeBase64(new TextEncoder().encode(text))}\x07`;
}

export function copyToClipboard(text: string): void {
  try {
    Deno.stdout.writeSync(new TextEncoder().encode(osc52(text)));
  } catch {
    // No terminal to write to: nothing to copy into.
  }
}
