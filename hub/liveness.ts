// How the hub knows an instance still runs, at the least cost to an idle hub.
//
// A crash or an exit closes the connection at once: that is the fast signal
// (a stream that breaks, a request that cannot connect). What is left is an
// instance that hangs, and anything it says proves it does not: an answer, or a
// chunk on one of its streams, keep-alive comments included (the v1 and v2
// SDKs write one on every open stream every 15 s). So a connection is probed
// only once it has been silent: 5 s when it has no stream open, and a keep-alive
// period and 5 s more when it has, so that a server that speaks on its own is
// never probed. Probing 200 instances that had said nothing in the last 5 s cost
// an idle hub 2-3 % of a core, and their 200 timers woke it 40 times a second;
// now one clock ticks for all connections.

import { onBodyEnd } from "../shared/stream_end.ts";

export const PROBE_INTERVAL_MS = 5_000;
/** How often the SDKs write a keep-alive comment on an open stream (their default). */
const KEEP_ALIVE_MS = 15_000;
const TICK_MS = 1_000;

/** What the hub has heard from one instance, kept by that connection's fetch. */
export class Liveness {
  /** When it last said anything (performance.now()). */
  at = performance.now();
  /** Its event streams open now: a 2025 GET stream, a listen, a call answered as a stream. */
  streams = 0;

  heard(): void {
    this.at = performance.now();
  }

  /** Whether it has been silent long enough that it must be asked. */
  silent(now: number): boolean {
    return now - this.at >= (this.streams ? KEEP_ALIVE_MS : 0) + PROBE_INTERVAL_MS;
  }
}

const ticking = new Set<() => void>();
let clock: ReturnType<typeof setInterval> | undefined;

/** Calls fn every second, from one clock shared by every connection; returns how to stop. */
export function everyTick(fn: () => void): () => void {
  ticking.add(fn);
  clock ??= setInterval(() => {
    for (const f of ticking) f();
  }, TICK_MS);
  return () => {
    ticking.delete(fn);
    if (ticking.size || !clock) return;
    clearInterval(clock);
    clock = undefined;
  };
}

/**
 * A fetch that hears everything an instance says, for its SDK transport. A 2025 session's GET
 * stream that breaks, or a GET that cannot reach it, means the instance is gone (or restarted),
 * and we learn it at once, not at the next probe. One the server ends cleanly says nothing of
 * the server: a server may close its standalone stream whenever it likes (and a resumed
 * response stream ends once its answer is delivered), and the SDK opens it again.
 */
export function hearingFetch(
  /** Returns whether the connection is being dropped for it. */
  lost: (reason: string) => boolean,
  heard: Liveness,
): typeof fetch {
  return async (input, init) => {
    const get = (init?.method ?? "GET") === "GET";
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (e) {
      if (get && !init?.signal?.aborted) {
        lost(`notification stream failed: ${(e as Error).message}`);
      }
      throw e;
    }
    heard.heard();
    // A JSON answer is heard whole; only event streams are followed chunk by chunk.
    if (!response.ok || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
      return response;
    }
    heard.streams++;
    return onBodyEnd(response, (e) => {
      heard.streams--;
      // Dropped, the connection is closed whole; its SDK client need not handle the break too.
      return get && !!e && !init?.signal?.aborted &&
        lost(`notification stream broke: ${e.message}`);
    }, () => heard.heard());
  };
}
