// Starts the terminal UI on the alternate screen and puts the terminal back
// the way it was on the way out, however buzz leaves.

import process from "node:process";
import { render } from "ink";
import { App, type AppProps } from "./app.tsx";
import { FPS } from "./model.ts";

const ENTER = "\x1b[?1049h\x1b[2J\x1b[H";
const LEAVE = "\x1b[?25h\x1b[?1049l";

export function startUi(props: AppProps): { close: () => Promise<void> } {
  const write = (s: string) => {
    try {
      Deno.stdout.writeSync(new TextEncoder().encode(s));
    } catch { /* the terminal is gone */ }
  };
  write(ENTER);
  // A forced exit (second Ctrl-C, Deno.exit) skips unmount; the screen still comes back.
  const restore = () => {
    write(LEAVE);
    try {
      Deno.stdin.setRaw(false);
    } catch { /* not a terminal */ }
  };
  globalThis.addEventListener("unload", restore);
  // On resize, start from a clean screen; the next frame redraws all of it.
  const onResize = () => write("\x1b[2J\x1b[H");
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGWINCH", onResize);
  // buzz handles SIGINT, SIGTERM and SIGHUP itself (instance/main.ts: stop in order, then exit).
  // Ink's signal-exit re-raises a signal when no other Node listener has it, which buzz would
  // take for a second Ctrl-C and exit at once (130): a Node listener that does nothing keeps it
  // from doing so.
  const handled = () => {};
  const signals = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const sig of signals) process.on(sig, handled);
  const ink = render(<App {...props} />, {
    exitOnCtrlC: false,
    maxFps: FPS,
  });
  let closed = false;
  return {
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGWINCH", onResize);
      ink.unmount();
      for (const sig of signals) process.off(sig, handled);
      globalThis.removeEventListener("unload", restore);
      restore();
      return Promise.resolve();
    },
  };
}
