// Readiness probes: how buzz knows a run is ready (buzz.json's `ready`). A URL
// or log-line condition is decided by the run's own lines as they arrive. An
// HTTP or TCP probe tries at a short interval and also at once whenever the
// run prints something, since servers tend to print as they start listening;
// one attempt at a time, and nothing once the run is ready, ends, or times out.

import { findUrls } from "../detect/detector.ts";
import { lineMatcher } from "./matcher.ts";

export type ReadySpec =
  | { kind: "url"; timeout_ms: number }
  | { kind: "log"; pattern: string; regex: boolean; timeout_ms: number }
  | { kind: "http"; url: string; timeout_ms: number }
  | { kind: "tcp"; host: string | null; port: number; timeout_ms: number };

export const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** Between HTTP or TCP attempts while nothing else prompts one. */
const RETRY_MS = 50;
/** One HTTP attempt that hangs longer than this counts as not ready yet. */
const ATTEMPT_MS = 2000;

export interface Probe {
  /** Feeds one of the run's lines (its plain text). */
  line(plain: string): void;
  /** Ends the probe (the run ended); nothing is reported after this. */
  stop(): void;
}

export interface ProbeEvents {
  /** `by` says which probe and what it saw, e.g. "http://localhost:3000/health 200". */
  ready(by: string): void;
  /** The probe gave up; `why` says what it waited for and how long. */
  failed(why: string): void;
}

/** What a probe waits for, in words: "a URL", "http://localhost:3000/health 2xx". */
export function describeReady(spec: ReadySpec): string {
  switch (spec.kind) {
    case "url":
      return "a URL in its output";
    case "log":
      return `a line matching ${spec.regex ? `/${spec.pattern}/` : `"${spec.pattern}"`}`;
    case "http":
      return `a 2xx answer from ${spec.url}`;
    case "tcp":
      return `port ${spec.port} accepting on ${spec.host ?? "localhost"}`;
  }
}

export function startProbe(spec: ReadySpec, events: ProbeEvents): Probe {
  let over = false;
  const finish = (fn: () => void) => {
    if (over) return;
    over = true;
    clearTimeout(deadline);
    clearTimeout(retry);
    fn();
  };
  const deadline = setTimeout(
    () => finish(() => events.failed(`no ${describeReady(spec)} within ${spec.timeout_ms} ms`)),
    spec.timeout_ms,
  );
  let retry: ReturnType<typeof setTimeout> | undefined;

  if (spec.kind === "url" || spec.kind === "log") {
    const matches = spec.kind === "log" ? lineMatcher(spec.pattern, spec.regex) : null;
    return {
      line(plain) {
        if (over) return;
        if (matches) {
          if (matches(plain)) finish(() => events.ready(`log "${plain.trim().slice(0, 80)}"`));
        } else if (plain.includes("://")) {
          const url = findUrls(plain)[0];
          if (url) finish(() => events.ready(`url ${url}`));
        }
      },
      stop: () => finish(() => {}),
    };
  }

  const attempt = spec.kind === "http" ? () => httpAttempt(spec.url) : () => tcpAttempt(spec);
  let busy = false;
  let again = false;
  const tryNow = async () => {
    if (over) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    clearTimeout(retry);
    const by = await attempt();
    busy = false;
    if (by) return finish(() => events.ready(by));
    if (over) return;
    if (again) {
      again = false;
      return void tryNow();
    }
    retry = setTimeout(tryNow, RETRY_MS);
  };
  void tryNow();
  return {
    line: () => void tryNow(),
    stop: () => finish(() => {}),
  };
}

async function httpAttempt(url: string): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(ATTEMPT_MS), redirect: "manual" });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? `${url} ${res.status}` : null;
  } catch {
    return null;
  }
}

/** A bare port tries IPv4 and IPv6 loopback both: dev servers listen on either. */
async function tcpAttempt(spec: { host: string | null; port: number }): Promise<string | null> {
  const hosts = spec.host ? [spec.host] : ["127.0.0.1", "::1"];
  const tries = hosts.map(async (hostname) => {
    const conn = await Deno.connect({ hostname, port: spec.port });
    conn.close();
    return `tcp ${hostname.includes(":") ? `[${hostname}]` : hostname}:${spec.port}`;
  });
  try {
    return await Promise.any(tries);
  } catch {
    return null;
  }
}
