// What the agents are doing: an in-process channel the MCP layer posts to
// ("claude-code connected", "claude-code called scripts_run dev") and the
// views (terminal UI, --no-tui console) read. It owns no run state; the
// Supervisor does. Events are kept in a small ring so a view that starts late
// still shows the latest actions.

export type ActivityKind = "client-connected" | "client-disconnected" | "tool-call";

export interface ActivityInput {
  kind: ActivityKind;
  /** The MCP client's name from initialize (clientInfo.name), e.g. "claude-code". */
  client: string;
  /** For tool-call: the tool's name, e.g. "scripts_run". */
  tool?: string;
  /** A short human summary of the call's arguments, e.g. "dev" or "dev-1". */
  summary?: string;
  /** For tool-call: false when the tool returned isError. */
  ok?: boolean;
}

export interface ActivityEvent extends ActivityInput {
  /** Counts from 1 per Activity. */
  id: number;
  /** ISO 8601. */
  time: string;
}

const KEEP = 200;

export class Activity {
  #events: ActivityEvent[] = [];
  #ids = 0;
  #listeners = new Set<(ev: ActivityEvent) => void>();
  #clients = new Map<string, number>();

  post(input: ActivityInput): ActivityEvent {
    const ev: ActivityEvent = { ...input, id: ++this.#ids, time: new Date().toISOString() };
    if (ev.kind === "client-connected") {
      this.#clients.set(ev.client, (this.#clients.get(ev.client) ?? 0) + 1);
    } else if (ev.kind === "client-disconnected") {
      const n = (this.#clients.get(ev.client) ?? 0) - 1;
      if (n > 0) this.#clients.set(ev.client, n);
      else this.#clients.delete(ev.client);
    }
    this.#events.push(ev);
    if (this.#events.length > KEEP) this.#events.splice(0, this.#events.length - KEEP);
    for (const cb of this.#listeners) {
      try {
        cb(ev);
      } catch {
        // A view's bug must never fail an agent's tool call.
      }
    }
    return ev;
  }

  /** The latest events, oldest first. */
  recent(limit = 20): ActivityEvent[] {
    return this.#events.slice(-limit);
  }

  /** Names of connected clients with how many sessions each has open. */
  clients(): { client: string; sessions: number }[] {
    return [...this.#clients].map(([client, sessions]) => ({ client, sessions }));
  }

  /** Returns the unsubscribe function. */
  subscribe(cb: (ev: ActivityEvent) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }
}

/** One line for people: "claude-code started dev", "cursor connected". */
export function describeActivity(ev: ActivityInput): string {
  switch (ev.kind) {
    case "client-connected":
      return `${ev.client} connected`;
    case "client-disconnected":
      return `${ev.client} disconnected`;
    case "tool-call": {
      const verb = VERBS[ev.tool ?? ""] ?? `called ${ev.tool ?? "a tool"}`;
      const what = ev.summary ? ` ${ev.summary}` : "";
      return `${ev.client} ${verb}${what}${ev.ok === false ? " (failed)" : ""}`;
    }
  }
}

const VERBS: Record<string, string> = {
  scripts_run: "started",
  scripts_stop: "stopped",
  scripts_list: "listed scripts",
  scripts_status: "checked status",
  logs_tail: "read logs",
  logs_search: "searched logs for",
  logs_wait: "waits for",
  errors_list: "read errors",
  urls_list: "read URLs",
};

/** The instance's one channel; the MCP layer posts here, views subscribe. */
export const activity = new Activity();
