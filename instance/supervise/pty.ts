// A run with a pseudo-terminal, so tools behave as they do in a terminal:
// watch modes that check for a TTY (vitest, jest), colours, progress output,
// prompts that read keys. @lydell/node-pty is node-pty with prebuilt binaries
// (what Gemini CLI uses); it runs under Deno's Node compatibility. The child
// gets its own session with the terminal as its controlling terminal, so its
// pid is also its process group id. A terminal merges stdout and stderr: every
// line of such a run is "stdout".

import pty from "@lydell/node-pty";
import { type ExitStatus, nextTurn, SLICE_MS, type Spawned, type SpawnRequest } from "./child.ts";
import { platformArgv } from "./group.ts";

export const COLS = 120;
export const ROWS = 30;

export function spawnPty(req: SpawnRequest): Spawned {
  const [file, ...args] = platformArgv(req.argv);
  const env = { TERM: "xterm-256color", ...req.env };
  const term = pty.spawn(file, args, { name: env.TERM, cols: COLS, rows: ROWS, cwd: req.cwd, env });
  let exited = false;
  let since = performance.now();
  let paused = false;
  term.onData((data: string) => {
    req.onOutput("stdout", data);
    // Let other work run now and then; the child blocks on the full terminal meanwhile.
    if (!paused && performance.now() - since > SLICE_MS) {
      paused = true;
      term.pause();
      nextTurn().then(() => {
        paused = false;
        since = performance.now();
        term.resume();
      });
    }
  });
  // node-pty reports the exit once the terminal has closed, or DRAIN_MS-ish
  // after the child exited when a grandchild still holds it open.
  const done = new Promise<ExitStatus>((resolve) => {
    term.onExit(({ exitCode, signal }) => {
      exited = true;
      resolve({ code: exitCode, signal: signal ? signalName(signal) : null });
    });
  });
  return {
    pid: term.pid,
    tty: true,
    exited: () => exited,
    done,
    write(text: string) {
      if (exited) throw new Error("the run has exited; it takes no more input");
      term.write(text);
    },
  };
}

const SIGNALS: Record<number, Deno.Signal> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  6: "SIGABRT",
  9: "SIGKILL",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
};

function signalName(n: number): Deno.Signal {
  return SIGNALS[n] ?? (`SIG${n}` as Deno.Signal);
}
