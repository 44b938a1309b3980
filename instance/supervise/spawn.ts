// Starting one run's process: with a pseudo-terminal (the default, see pty.ts)
// or with plain pipes, in its own process group either way. Output reaches the
// caller as text chunks; reading pauses now and then so a child that prints
// as fast as it can never holds the instance's event loop for long (the
// child just waits on a full pipe meanwhile: nothing is lost).

import { join } from "node:path";
import { nextTurn, SLICE_MS, type Spawned, type SpawnRequest } from "./child.ts";
import { platformArgv } from "./group.ts";
import { spawnPty } from "./pty.ts";

export type { Spawned, SpawnRequest };

/**
 * A grandchild that inherited the output can hold it open long after the child
 * exits; give the tail of the output this long before declaring the run over.
 */
export const DRAIN_MS = 200;
export function spawnRun(req: SpawnRequest): Spawned {
  if (req.tty && Deno.build.os !== "windows") return spawnPty(req);
  return spawnPipes(req);
}

function spawnPipes(req: SpawnRequest): Spawned {
  const [cmd, ...args] = platformArgv(req.argv);
  const child = new Deno.Command(cmd, {
    args,
    cwd: req.cwd,
    env: req.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // Its own session and process group, so a stop can signal the whole tree.
    detached: Deno.build.os !== "windows",
  }).spawn();
  let exited = false;
  const output = Promise.all([
    pump(child.stdout, (t) => req.onOutput("stdout", t)),
    pump(child.stderr, (t) => req.onOutput("stderr", t)),
  ]);
  const done = (async () => {
    const status = await child.status;
    exited = true;
    await within(output, DRAIN_MS);
    return { code: status.code, signal: status.signal };
  })();
  return {
    pid: child.pid,
    tty: false,
    exited: () => exited,
    done,
    write() {
      throw new Error("this run has no input: it was started with tty: false (plain pipes)");
    },
  };
}

async function pump(stream: ReadableStream<Uint8Array>, emit: (text: string) => void) {
  let since = performance.now();
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      emit(chunk);
      if (performance.now() - since > SLICE_MS) {
        await nextTurn();
        since = performance.now();
      }
    }
  } catch {
    // The pipe broke; whatever arrived is kept and the child's status tells the rest.
  }
}

/** Waits for p, but no longer than ms. */
export async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The full path of a program on PATH (with PATHEXT on Windows), or null. Lets a
 * missing runner be reported by name instead of as a failed spawn.
 */
export function findExecutable(name: string, env: Record<string, string>): string | null {
  const windows = Deno.build.os === "windows";
  const exts = windows ? (env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";") : [""];
  const candidates = name.includes("/") || (windows && name.includes("\\"))
    ? exts.map((e) => name + e)
    : (env.PATH ?? env.Path ?? "").split(windows ? ";" : ":").filter(Boolean)
      .flatMap((dir) => exts.map((e) => join(dir, name + e)));
  for (const file of candidates) {
    try {
      const info = Deno.statSync(file);
      if (info.isFile && (windows || ((info.mode ?? 0o111) & 0o111) !== 0)) return file;
    } catch { /* not here */ }
  }
  return null;
}
