// What the registry's loop owns, as plain data: every instance it knows and
// the client's routing hints and subscriptions. Only the registry changes it;
// routing and the instance tools read it inside the loop.

import type { DiscoveryRecord } from "../shared/discovery.ts";
import type { Era, Lists, Upstream } from "./upstream.ts";

export type InstanceState = "discovered" | "connected" | "disconnected";

export interface Entry {
  record: DiscoveryRecord;
  path: string;
  state: InstanceState;
  /** Bumped on every connection attempt, so late news from an old one is dropped. */
  gen: number;
  upstream?: Upstream;
  lists?: Lists;
  connectedSince?: string;
  lastError?: string;
  attempts: number;
  retryTimer?: ReturnType<typeof setTimeout>;
  fileGone: boolean;
  /** The era it spoke when last connected. */
  era?: Era;
  /** What it was found to speak: a 2025-only server is not probed again; a refusal of 2025 is not retried. */
  speaks?: { modern?: boolean; legacy?: boolean };
  /** Reconnecting by the hub's own choice (to tell it the client's capabilities). */
  reconnecting?: boolean;
}

export interface State {
  instances: Map<string, Entry>;
  /** Directories the client works in (the hub's cwd, a 2025 client's roots): routing hints. */
  hints: string[];
  /** Resource URIs the client subscribed to, each with the instance that serves it. */
  subscriptions: Map<string, string>;
}
