// The --no-tui view: every run's output streamed to stdout, each line prefixed
// with its process id in a stable colour (the way concurrently and foreman do
// it), interleaved with buzz's own events: started, exited, restarted, URL
// found, error detected, agent connected, agent actions. It reads the
// Supervisor and the activity channel; it owns nothing.

import type { Activity, ActivityEvent } from "../activity.ts";
import { describeActivity } from "../activity.ts";
import type { RunInfo, Supervisor, SupervisorEvent } from "../supervise/supervisor.ts";

export interface ConsoleOptions {
  /** Colour prefixes and pass the children's own colours through. */
  color: boolean;
  /** Where text goes (default: stdout). Must not reorder writes. */
  write?: (text: string) => Promise<unknown>;
  /** How often buffered log lines are written (default 25 ms). */
  flushMs?: number;
}

/** Colours by 256-colour index; a process id keeps its script's colour across restarts. */
const PALETTE = [39, 170, 214, 78, 141, 203, 45, 220, 113, 207];
const EVENT_COLOR = "\x1b[1m";
const RESET = "\x1b[0m";
/** A run's restart: its script's previous run stopped no longer ago than this. */
const RESTART_WINDOW_MS = 2000;
/** Text waiting for a slow stdout beyond this is dropped, and the drop is reported. */
const MAX_PENDING = 8 * 1024 * 1024;

export function colorFor(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** The script a process id belongs to: "dev-12" → "dev". */
export function scriptOf(processId: string): string {
  return processId.replace(/-\d+$/, "");
}

export function startConsole(
  sup: Supervisor,
  activity: Activity,
  opts: ConsoleOptions,
): { close: () => Promise<void> } {
  const write = opts.write ?? stdoutWriter();
  const flushMs = opts.flushMs ?? 25;
  // Wide enough for every script's first runs from the start, so columns rarely shift.
  let width = Math.max(6, ...sup.scripts.map((s) => s.name.length + 2));
  let cursor = sup.tail({ limit: 0 }).next_seq;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let pending = 0;
  let dropped = 0;
  /** Last ended run per script, to tell a restart from a fresh start. */
  const ended = new Map<string, RunInfo>();

  const out = (text: string) => {
    if (!text) return;
    if (pending + text.length > MAX_PENDING) {
      dropped += text.split("\n").length - 1;
      return;
    }
    if (dropped) {
      text = event(`stdout is too slow: ${dropped} lines not shown here (logs_tail has them)`) +
        text;
      dropped = 0;
    }
    pending += text.length;
    chain = chain.then(() => write(text)).catch(() => {}).finally(() => pending -= text.length);
  };

  const prefix = (id: string, color = colorFor(scriptOf(id)), source?: string) => {
    // A page's lines (instance/browser/) read "web-1 browser |".
    const name = source ? `${id} ${source}` : id;
    width = Math.max(width, name.length);
    const label = `${name.padEnd(width)} |`;
    return opts.color ? `\x1b[38;5;${color}m${label}${RESET} ` : `${label} `;
  };
  const event = (text: string) => {
    const p = prefix("buzz", 250);
    return opts.color ? `${p}${EVENT_COLOR}${text}${RESET}\n` : `${p}${text}\n`;
  };

  const flushLines = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    // Joined, not concatenated: a concatenated string keeps every line it was built from
    // alive until it is written, which under a flood holds the log buffer's lines in memory.
    const parts: string[] = [];
    while (true) {
      const { lines, next_seq } = sup.tail({ sinceSeq: cursor, limit: 5000 });
      if (!lines.length) break;
      // Sequence numbers are instance-wide, so a gap means lines the ring buffer let go.
      const lost = lines[0].seq - cursor - 1;
      if (lost > 0) parts.push(event(`${lost} lines were dropped from the buffer before shown`));
      for (const l of lines) {
        const p = prefix(l.process_id, undefined, l.source);
        parts.push(p, opts.color ? l.text + RESET : l.plain, "\n");
      }
      cursor = next_seq;
    }
    out(parts.join(""));
  };

  const onSupervisor = (ev: SupervisorEvent) => {
    if (ev.type === "log") {
      timer ??= setTimeout(flushLines, flushMs);
      return;
    }
    // A start that stops waiting shows as the start itself.
    if (ev.type === "waiting" && !ev.waiting_for) return;
    // Lines before an event are written before it, so the stream reads in order.
    flushLines();
    out(event(describeSupervisorEvent(ev, ended)));
    if (ev.type === "exited") ended.set(ev.run.script, ev.run);
  };
  const onActivity = (ev: ActivityEvent) => {
    flushLines();
    out(event(describeActivity(ev)));
  };

  const unsubscribe = [sup.onChange(onSupervisor), activity.subscribe(onActivity)];
  return {
    async close() {
      for (const u of unsubscribe) u();
      flushLines();
      await chain;
    },
  };
}

export function describeSupervisorEvent(
  ev: Exclude<SupervisorEvent, { type: "log" }>,
  ended: Map<string, RunInfo> = new Map(),
): string {
  switch (ev.type) {
    case "started": {
      const run = ev.run;
      if (run.state === "failed") return `${run.process_id} could not start: ${run.command}`;
      if (run.started_by === "restart") {
        return `${run.process_id} restarted after a crash (attempt ${run.attempt}): ` +
          `${run.command} (pid ${run.pid})`;
      }
      const by = run.started_by ? `, by ${run.started_by}` : "";
      const previous = ended.get(run.script);
      const restart = previous?.state === "stopped" && previous.ended_at &&
        Date.now() - Date.parse(previous.ended_at) < RESTART_WINDOW_MS;
      return restart
        ? `${run.process_id} restarted (was ${previous.process_id}): ${run.command} (pid ${run.pid}${by})`
        : `${run.process_id} started: ${run.command} (pid ${run.pid}${by})`;
    }
    case "exited":
      return `${ev.run.process_id} ${exitText(ev.run)}`;
    case "url":
      return ev.browser
        ? `${ev.processId} url ${ev.url} → browser view ${ev.browser} (pages opened there ` +
          "report their errors and console to the agent)"
        : `${ev.processId} url ${ev.url}`;
    case "error":
      return `${ev.processId} error: ${ev.error.message}`;
    case "ready":
      return ev.run.ready
        ? `${ev.run.process_id} ready (${ev.run.ready_by})`
        : `${ev.run.process_id} not ready: ${ev.run.ready_error}`;
    case "waiting":
      return ev.waiting_for ? `${ev.script} waiting: ${ev.waiting_for}` : `${ev.script} starting`;
  }
}

/** "exited with code 0", "failed with code 1", "stopped by SIGTERM", … */
export function exitText(run: RunInfo): string {
  const how = run.signal ? `by ${run.signal}` : `with code ${run.exit_code}`;
  switch (run.state) {
    case "exited":
      return `exited ${how}`;
    case "failed":
      return run.pid ? `failed ${how}` : "could not start";
    case "stopped":
      return `stopped (${run.signal ?? `code ${run.exit_code}`})`;
    default:
      return "running";
  }
}

function stdoutWriter(): (text: string) => Promise<unknown> {
  const encoder = new TextEncoder();
  return async (text) => {
    const bytes = encoder.encode(text);
    let off = 0;
    while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
  };
}
