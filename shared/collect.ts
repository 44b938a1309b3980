// A full garbage collection once a burst of work is over. V8 collects its old
// generation only when allocation pushes the heap to its current limit, and
// Deno gives it no idle or memory-pressure signal, so the garbage of a burst
// (a million log lines, a hundred instances come and gone) stays in the
// process for good once it goes quiet: measured, 190 MB RSS after a 1M-line
// flood that keeps 25 MB of live heap. A process that did a lot of work and
// then rests asks for one collection itself.
//
// What the runtime freed on its own side (connections, file reads) goes back
// to malloc, which on Linux keeps it: a hub that saw 100 instances come and go
// held 14 MB of such free memory. After a collection, glibc's malloc_trim
// hands it back to the system.
//
// A full collection stops everything for tens of milliseconds, so it runs only
// once the process is quiet: no garbage noted (no log lines streaming in, no
// request handled) for QUIET_MS and no request in flight. A burst that never
// pauses is never interrupted; V8's own collections keep it bounded meanwhile.

import { log } from "./log.ts";

/** Garbage (roughly, bytes handled) that makes a collection worth it. */
const WORTH_IT = 16 * 1024 * 1024;
/** No new garbage for this long counts as quiet. */
const QUIET_MS = 1000;

let pending = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
/** Requests being handled right now (begun, not yet ended). */
let inFlight = 0;
let gc: (() => void) | null | undefined;

/** Notes work that left about `bytes` of garbage; collects once it is over. */
export function noteGarbage(bytes: number): void {
  pending += bytes;
  if (timer === undefined && pending >= WORTH_IT) arm();
}

/** A request began: no collection runs until it ends (call workEnded once). */
export function workBegan(): void {
  inFlight++;
}

export function workEnded(): void {
  inFlight--;
}

/**
 * Start-up is over: loading modules left garbage and grew the young generation,
 * and a collection once things are quiet gives both back (about 8 MB).
 */
export function startedUp(): void {
  noteGarbage(WORTH_IT);
}

/**
 * From here on, a block of 32 KB or more is its own mapping, handed back to the system when
 * freed. glibc raises that threshold to 32 MB as such blocks come and go, and then keeps them
 * in its heaps, where freed blocks between live ones stay resident: a burst of 1,000 sessions
 * on an instance (its 64 KB buffers) left 6 MB more behind without it: +36 MiB instead of +42.
 * It costs a log flood something (its 64 KB reads are mapped and unmapped too): scripts_status
 * during two 100 MB floods answered at p99 140-220 ms against 85-160 ms without. Not for the
 * hub: its connections' buffers cost it 0.5-0.8 ms of CPU more per instance connected (of 5).
 */
export function mapLargeBlocks(): void {
  libc()?.symbols.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
}

const M_MMAP_THRESHOLD = -3;
const MMAP_THRESHOLD_BYTES = 32 * 1024;

function arm(): void {
  const mark = pending;
  const t = setTimeout(() => {
    timer = undefined;
    if (pending !== mark || inFlight > 0) return arm();
    pending = 0;
    collectNow();
  }, QUIET_MS);
  Deno.unrefTimer(t);
  timer = t;
}

/** One full collection; resolves to false where the runtime does not allow it. */
export async function collectNow(): Promise<boolean> {
  gc ??= await load();
  const t0 = performance.now();
  gc?.();
  const t1 = performance.now();
  libc()?.symbols.malloc_trim(0n);
  // The pause it costs, for a trace at --log-level debug.
  log.debug(
    `collected: gc ${(t1 - t0).toFixed(1)} ms, malloc_trim ${
      (performance.now() - t1).toFixed(1)
    } ms`,
  );
  return gc !== null;
}

const LIBC_SYMBOLS = {
  malloc_trim: { parameters: ["usize"], result: "i32" },
  mallopt: { parameters: ["i32", "i32"], result: "i32" },
} as const;
let glibc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | null | undefined;

/** glibc, where there is glibc and buzz may use FFI (it runs with -A). */
function libc(): Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | null {
  if (glibc !== undefined) return glibc;
  glibc = null;
  if (
    Deno.build.os === "linux" && Deno.permissions.querySync({ name: "ffi" }).state === "granted"
  ) {
    try {
      glibc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
    } catch {
      // musl or another libc: nothing to tune or trim this way.
    }
  }
  return glibc;
}

/**
 * V8's gc() function. It exists only with --expose-gc, and only in contexts
 * made after the flag is set: so set it, make a context, take its gc. Loaded
 * on first use: most processes never need it.
 */
async function load(): Promise<(() => void) | null> {
  try {
    const [{ setFlagsFromString }, { runInNewContext }] = await Promise.all([
      import("node:v8"),
      import("node:vm"),
    ]);
    setFlagsFromString("--expose-gc");
    const fn = runInNewContext("gc");
    return typeof fn === "function" ? fn : null;
  } catch {
    return null;
  }
}
