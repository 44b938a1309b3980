// A guardian per run, so a run never outlives an instance that dies without
// cleaning up (SIGKILL, OOM, a crash).
//
// Why this design: the guardian is a tiny `sh` in its own session whose stdin
// is a pipe from the instance. It blocks in `read`; the kernel closes the
// pipe's write end whenever the instance dies, however it dies, so `read`
// returns at once with EOF and the guardian SIGTERMs the run's process group,
// then SIGKILLs it a second later. Nobody polls: the instance sends nothing
// while alive, and the guardian sleeps in a blocking read.
//
// Alternatives considered: Linux's parent-death signal (prctl PR_SET_PDEATHSIG)
// reaches only the direct child, not grandchildren, fires when the parent
// *thread* exits (Deno spawns from worker threads), cannot be set from Deno
// without FFI, and does not exist on macOS. A heartbeat would mean polling.
//
// The guardian sits in its own session, so closing the terminal (SIGHUP) or
// Ctrl-C in it does not reach it. A normal stop releases it with a newline:
// `read` succeeds and it exits without signalling anyone. Windows has no sh;
// there a run relies on the instance's own shutdown (see group.ts).

const SCRIPT = `read -r _ && exit 0
kill -TERM -"$1" 2>/dev/null || exit 0
sleep 1
kill -KILL -"$1" 2>/dev/null
exit 0`;

export interface Guardian {
  /** The run ended normally: the guardian exits without signalling. */
  release(): void;
}

export function startGuardian(pgid: number): Guardian {
  if (Deno.build.os === "windows") return { release() {} };
  const proc = new Deno.Command("/bin/sh", {
    args: ["-c", SCRIPT, "buzz-guardian", String(pgid)],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
    detached: true, // its own session: signals for the instance's terminal miss it
  }).spawn();
  // The guardian must not keep the instance alive, nor linger as a zombie.
  proc.unref();
  proc.status.catch(() => {});
  const writer = proc.stdin.getWriter();
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      writer.write(new TextEncoder().encode("\n"))
        .then(() => writer.close())
        .catch(() => {});
    },
  };
}
