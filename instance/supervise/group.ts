// Process groups: each run is a group led by the process buzz spawned, so a
// signal reaches grandchildren too (`npm run dev` → sh → node → esbuild).
// Everything platform-specific about reaching a whole tree lives here, and
// Windows in exactly one function, windowsKillTree.

const isWindows = Deno.build.os === "windows";

/** Signals every member of the group; a group that is already gone is fine. */
export function signalGroup(pgid: number, signal: Deno.Signal): void {
  ignoreGone(() => Deno.kill(-pgid, signal));
}

/** Signals one process; one that is already gone is fine. */
export function signalPid(pid: number, signal: Deno.Signal): void {
  ignoreGone(() => Deno.kill(pid, signal));
}

/**
 * Live (non-zombie) members of a process group. Linux reads /proc; macOS asks
 * ps. Used only while a stop is in progress, to know when the group is empty.
 */
export function groupMembers(pgid: number): number[] {
  if (Deno.build.os === "linux") {
    const out: number[] = [];
    for (const e of Deno.readDirSync("/proc")) {
      if (e.name.charCodeAt(0) > 57) continue; // not a pid
      try {
        const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
        // Fields after the ")" that ends the command name: state ppid pgrp …
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ", 3);
        if (Number(pgrp) === pgid && state !== "Z") out.push(Number(e.name));
      } catch { /* exited while we looked */ }
    }
    return out;
  }
  const ps = new Deno.Command("ps", { args: ["-axo", "pid=,pgid=,stat="], stderr: "null" })
    .outputSync();
  return new TextDecoder().decode(ps.stdout).split("\n").flatMap((line) => {
    const [pid, pg, stat] = line.trim().split(/\s+/);
    return Number(pg) === pgid && !stat?.startsWith("Z") ? [Number(pid)] : [];
  });
}

/**
 * Stops a whole tree: SIGTERM, then waits up to graceMs for every member of the
 * group to exit (not only the direct child: `npm` exits at once on SIGTERM
 * while the server it started may need a second to flush), then SIGKILLs
 * whatever is left.
 *
 * With a terminal, the group leader is the terminal's controlling process:
 * when it exits, the kernel hangs the terminal up and SIGHUPs the group, which
 * would cut the other members' SIGTERM handlers short (`npm` exits as soon as
 * its `sh` child dies). So with `leaderLast` the leader is paused (SIGSTOP)
 * while the other members get SIGTERM, and gets SIGTERM and SIGCONT once they
 * are gone.
 */
export async function stopGroup(
  pgid: number,
  graceMs: number,
  opts: { leaderLast: boolean; leaderExited: () => boolean },
): Promise<void> {
  if (isWindows) return windowsKillTree(pgid);
  const deadline = Date.now() + graceMs;
  const others = () => groupMembers(pgid).filter((p) => p !== pgid);
  if (opts.leaderLast) {
    const first = others();
    if (first.length) signalPid(pgid, "SIGSTOP");
    for (const pid of first) signalPid(pid, "SIGTERM");
    let leaderSignalled = false;
    while (Date.now() < deadline) {
      const left = others();
      if (!left.length && !leaderSignalled) {
        signalPid(pgid, "SIGTERM");
        signalPid(pgid, "SIGCONT");
        leaderSignalled = true;
      }
      if (!left.length && opts.leaderExited()) break;
      await sleep(25);
    }
    if (!leaderSignalled) signalPid(pgid, "SIGCONT");
  } else {
    signalGroup(pgid, "SIGTERM");
    // A bounded wait while a stop is in progress; nothing in buzz polls otherwise.
    while (Date.now() < deadline && (!opts.leaderExited() || groupMembers(pgid).length)) {
      await sleep(25);
    }
  }
  // Also reaches members that ignored SIGTERM. The group id stays ours while any
  // member is left; once it is empty this finds nothing (ESRCH).
  signalGroup(pgid, "SIGKILL");
}

/**
 * Windows has no process groups to signal: `taskkill /T /F` ends the process
 * and every descendant. (A Job Object would also catch descendants whose parent
 * already exited; it needs FFI, which this small path avoids.)
 */
export async function windowsKillTree(pid: number): Promise<void> {
  await new Deno.Command("taskkill", {
    args: ["/PID", String(pid), "/T", "/F"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {});
}

/**
 * On Windows, `npm` and friends are `npm.cmd` batch files, which only cmd.exe
 * can start. Returns the argv to spawn.
 */
export function platformArgv(argv: string[]): string[] {
  if (!isWindows || /\.(exe|com)$/i.test(argv[0])) return argv;
  return ["cmd.exe", "/d", "/s", "/c", ...argv];
}

function ignoreGone(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
