// The registry: one loop that owns every instance's state and the merged
// catalog the hub's client sees. Discovery, connections and request handlers
// only post messages to its mailbox; queries get their answer through a reply
// promise.

import type { DiscoveryRecord } from "../shared/discovery.ts";
import { log } from "../shared/log.ts";
import { noteGarbage, workBegan, workEnded } from "../shared/collect.ts";
import { pidAlive } from "../shared/pid.ts";
import type { ClientCapabilities, Tool } from "../shared/sdk.ts";
import { AsyncQueue } from "./queue.ts";
import { buildCatalog, type Catalog, type CatalogKind, changedKinds } from "./catalog.ts";
import { ownersOfUri, pickInstance } from "./route.ts";
import type { ConnectMode, Era, Lists, Upstream, UpstreamHooks } from "./upstream.ts";
import type { Entry, State } from "./state.ts";

export type { Entry, InstanceState, State } from "./state.ts";

/** What the registry tells the hub's client about. */
export interface RegistryOutput {
  catalogChanged(kinds: CatalogKind[]): void;
  notification(from: Entry, n: { method: string; params?: Record<string, unknown> }): void;
  forwardRequest(method: string, params: unknown, signal: AbortSignal): Promise<unknown>;
}

type Message =
  | { type: "found"; record: DiscoveryRecord; path: string }
  | { type: "gone"; id: string }
  | { type: "scanned" }
  | { type: "startup-over" }
  | { type: "client-wait-over" }
  | { type: "connected"; id: string; gen: number; upstream: Upstream; mode: ConnectMode }
  | { type: "failed"; id: string; gen: number; reason: string }
  | { type: "retry"; id: string; gen: number }
  | { type: "lists"; id: string; gen: number; lists: Lists }
  | { type: "run"; fn: (state: State) => void };

const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 30_000;
/**
 * How long connections wait for the hub's client to say which era it speaks and what it can do
 * (its first message, at once in practice), so that each is opened once, in the right era.
 */
const CLIENT_WAIT_MS = 500;
/** The most the registry's loop works before letting other tasks run. */
const LOOP_SLICE_MS = 5;
/** Changes this close together make one catalog rebuild: a storm of losses is one batch. */
const CATALOG_BATCH_MS = 10;
/** Roughly what an instance that came and went leaves behind, as collect.ts counts. */
const FORGOTTEN_GARBAGE = 2 * 1024 * 1024;

export class Registry {
  readonly #mailbox = new AsyncQueue<Message>();
  readonly #state: State = { instances: new Map(), hints: [], subscriptions: new Map() };
  #catalog: Catalog;
  /** The catalog is out of date: rebuilt once for a batch of changes (#flushCatalog). */
  #catalogDirty = false;
  /** Resources a 2026-07-28 client listens for. */
  #listened = new Set<string>();
  /** Resolved when the next connection attempt ends, either way. */
  #settleWaiters: (() => void)[] = [];
  /** What the hub's client can do; unknown (nothing) until it says. */
  #clientCapabilities: ClientCapabilities = {};
  /** The era the hub's client speaks; unknown until it says. */
  #clientEra?: Era;
  /** Instances found before the client said who it is, connected once it has (or CLIENT_WAIT_MS). */
  #deferred: Set<Entry> | undefined = new Set();
  readonly #startupWaitMs: number;
  readonly #clientWaitTimer: ReturnType<typeof setTimeout>;
  readonly #initial = new Set<string>();
  #scanned = false;
  #startupOver = false;
  #isReady = false;
  readonly #ready = Promise.withResolvers<void>();
  #startupTimer?: ReturnType<typeof setTimeout>;
  readonly #stopped: Promise<void>;

  constructor(
    private readonly out: RegistryOutput,
    private readonly hubTools: Tool[],
    hints: string[],
    startupWaitMs = 1_000,
  ) {
    this.#state.hints = hints;
    this.#catalog = buildCatalog(hubTools, []);
    this.#stopped = this.#loop();
    this.#startupWaitMs = startupWaitMs;
    this.#clientWaitTimer = setTimeout(
      () => this.#mailbox.push({ type: "client-wait-over" }),
      CLIENT_WAIT_MS,
    );
  }

  /**
   * Resolves once the instances of the initial scan have connected or failed,
   * or the start-up wait has run out, whichever comes first.
   */
  get ready(): Promise<void> {
    return this.#ready.promise;
  }

  /**
   * The merged lists as of now; replaced (never mutated) when they change. A change not yet
   * merged is merged first (synchronously, so the state it reads cannot change meanwhile).
   */
  get catalog(): Catalog {
    this.#flushCatalog();
    return this.#catalog;
  }

  /** Resolves when the next connection attempt to any instance ends, either way. */
  nextSettled(): Promise<void> {
    return new Promise((resolve) => this.#settleWaiters.push(resolve));
  }

  #attemptEnded(e: Entry): void {
    e.reconnecting = false;
    const waiters = this.#settleWaiters;
    this.#settleWaiters = [];
    for (const w of waiters) w();
  }

  found(record: DiscoveryRecord, path: string): void {
    this.#mailbox.push({ type: "found", record, path });
  }
  gone(id: string): void {
    this.#mailbox.push({ type: "gone", id });
  }
  scanned(): void {
    this.#mailbox.push({ type: "scanned" });
  }

  /** Runs fn inside the loop, the only place state may be read or changed. */
  ask<T>(fn: (state: State, registry: Registry) => T): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    this.#mailbox.push({
      type: "run",
      fn: (s) => {
        try {
          resolve(fn(s, this));
        } catch (e) {
          reject(e);
        }
      },
    });
    return promise;
  }

  /** Stops the loop and ends every upstream session. */
  async close(): Promise<void> {
    clearTimeout(this.#startupTimer);
    clearTimeout(this.#clientWaitTimer);
    const upstreams = await this.ask((s) => {
      for (const e of s.instances.values()) clearTimeout(e.retryTimer);
      return [...s.instances.values()].flatMap((e) => e.upstream ? [e.upstream] : []);
    });
    this.#mailbox.close();
    await this.#stopped;
    await Promise.all(upstreams.map((u) => u.close()));
  }

  async #loop(): Promise<void> {
    // Queued messages are handled one after another without a return to the event loop, so a
    // burst (200 instances lost at once, 1-2 ms each) held up everything else, the hub's own
    // client included: after LOOP_SLICE_MS of work in a row, other tasks get their turn.
    let worked = 0;
    let lastEnd = 0;
    for await (const msg of this.#mailbox) {
      const start = performance.now();
      if (start - lastEnd > 1) worked = 0;
      try {
        this.#handle(msg);
      } catch (e) {
        log.error("registry:", e);
      }
      lastEnd = performance.now();
      worked += lastEnd - start;
      if (worked > LOOP_SLICE_MS) {
        worked = 0;
        await new Promise((r) => setTimeout(r, 0));
      }
    }
  }

  #handle(msg: Message): void {
    const s = this.#state;
    const entry = "id" in msg ? s.instances.get(msg.id) : undefined;
    switch (msg.type) {
      case "run":
        return msg.fn(s);
      case "scanned":
        this.#scanned = true;
        return this.#checkReady();
      case "startup-over":
        this.#startupOver = true;
        return this.#checkReady();
      case "client-wait-over":
        return this.#connectDeferred();
      case "found": {
        const old = s.instances.get(msg.record.id);
        // Its file came back unchanged (moved out and in, copied over itself): the same
        // process on the same port, so a connection made or being made to it stands.
        if (old && old.state !== "disconnected" && sameRecord(old.record, msg.record)) {
          log.info(
            `${msg.record.id} announced again, unchanged: its connection stands (${old.state})`,
          );
          old.path = msg.path;
          old.fileGone = false;
          return;
        }
        if (old) {
          log.info(`${msg.record.id} announced again at ${msg.record.url}: reconnecting`);
          this.#disconnect(old, "replaced by a new announcement");
        }
        const e = old ?? ({ gen: 0 } as Entry);
        Object.assign(e, {
          record: msg.record,
          path: msg.path,
          state: "discovered",
          attempts: 0,
          fileGone: false,
          era: undefined,
          speaks: undefined,
        });
        s.instances.set(e.record.id, e);
        if (!this.#scanned) this.#initial.add(e.record.id);
        if (this.#deferred) return void this.#deferred.add(e);
        return this.#connect(e);
      }
      case "gone":
        if (!entry) return;
        entry.fileGone = true;
        if (entry.state !== "connected") this.#forget(entry, "its discovery file was removed");
        else log.debug(`${entry.record.id}: its discovery file was removed; still connected`);
        return;
      case "connected":
        if (!entry || msg.gen !== entry.gen) {
          msg.upstream.close();
          return;
        }
        Object.assign(entry, {
          state: "connected",
          upstream: msg.upstream,
          lists: msg.upstream.lists,
          connectedSince: new Date().toISOString(),
          lastError: undefined,
          attempts: 0,
          era: msg.upstream.era,
          speaks: learned(entry.speaks, msg.upstream, msg.mode),
        });
        log.info(
          `connected to ${entry.record.id} (${entry.record.directory}), ${entry.lists?.tools.length} tools, ${
            entry.era === "legacy" ? "2025" : "2026-07-28"
          } era`,
        );
        this.#settleInitial(entry.record.id);
        this.#attemptEnded(entry);
        // Connecting (initialize, lists, their schemas) leaves garbage too.
        noteGarbage(FORGOTTEN_GARBAGE / 2);
        this.#resubscribe(entry);
        this.#reconcile(entry);
        return this.#rebuildCatalog();
      case "failed":
        if (!entry || msg.gen !== entry.gen) return;
        entry.lastError = msg.reason;
        // A lost connection is logged by #disconnect; a failed attempt here, at info the first
        // time and at debug while backing off, so that a hub never fails in silence.
        if (entry.state !== "connected") {
          log[entry.attempts ? "debug" : "info"](
            `${entry.record.id}: connecting failed (attempt ${entry.attempts + 1}): ${msg.reason}`,
          );
        }
        this.#disconnect(entry, msg.reason);
        this.#settleInitial(entry.record.id);
        this.#attemptEnded(entry);
        if (entry.fileGone) return this.#forget(entry, "its discovery file is gone");
        if (!pidAlive(entry.record.pid)) {
          Deno.remove(entry.path).catch(() => {});
          return this.#forget(
            entry,
            `its process ${entry.record.pid} is dead; removed its stale file`,
          );
        }
        return this.#scheduleRetry(entry);
      case "retry":
        if (entry && msg.gen === entry.gen && entry.state === "disconnected") this.#connect(entry);
        return;
      case "lists":
        if (!entry || msg.gen !== entry.gen) return;
        entry.lists = msg.lists;
        return this.#rebuildCatalog();
    }
  }

  #connect(e: Entry): void {
    const gen = ++e.gen;
    const id = e.record.id;
    const hooks: UpstreamHooks = {
      onLost: (reason) => this.#mailbox.push({ type: "failed", id, gen, reason }),
      onListsChanged: (lists) => this.#mailbox.push({ type: "lists", id, gen, lists }),
      onNotification: (n) => this.out.notification(e, n),
      forwardRequest: (method, params, signal) => this.out.forwardRequest(method, params, signal),
    };
    // The SDK's client package loads with the first connection, so that the hub answers its
    // own client's initialize without waiting for it. No forced collection while it connects.
    const mode = this.#modeFor(e);
    workBegan();
    import("./upstream.ts").then(({ Upstream }) =>
      Upstream.connect(e.record, hooks, this.#clientCapabilities, mode)
    ).finally(workEnded).then(
      (upstream) => this.#mailbox.push({ type: "connected", id, gen, upstream, mode }),
      (err) =>
        this.#mailbox.push({ type: "failed", id, gen, reason: `connect failed: ${err.message}` }),
    );
  }

  #disconnect(e: Entry, reason: string): void {
    clearTimeout(e.retryTimer);
    e.gen++;
    e.upstream?.close();
    e.upstream = undefined;
    if (e.state === "connected") log.info(`${e.record.id} disconnected: ${reason}`);
    e.state = "disconnected";
    e.lists = undefined;
    this.#rebuildCatalog();
  }

  #scheduleRetry(e: Entry): void {
    const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** e.attempts) *
      (0.5 + Math.random() / 2);
    e.attempts++;
    const { id } = e.record;
    const gen = e.gen;
    e.retryTimer = setTimeout(() => this.#mailbox.push({ type: "retry", id, gen }), delay);
  }

  #forget(e: Entry, why: string): void {
    this.#disconnect(e, why);
    this.#state.instances.delete(e.record.id);
    this.#settleInitial(e.record.id);
    log.info(`forgot ${e.record.id}: ${why}`);
    // Its connection, sessions and lists are garbage now; after many, collect (collect.ts).
    noteGarbage(FORGOTTEN_GARBAGE);
  }

  /**
   * Marks the merged lists out of date. They are rebuilt once the changes that come together
   * have been handled (or at the next read): each instance lost used to rebuild them twice, on
   * disconnect and on forget, so 200 lost at once cost 400 rebuilds of 200 sources.
   */
  #rebuildCatalog(): void {
    if (this.#catalogDirty) return;
    this.#catalogDirty = true;
    setTimeout(() => this.#flushCatalog(), CATALOG_BATCH_MS);
  }

  /** Recomputes the merged lists if out of date; tells the client only about the kinds that changed. */
  #flushCatalog(): void {
    if (!this.#catalogDirty) return;
    this.#catalogDirty = false;
    const sources = [...this.#state.instances.values()].flatMap((e) =>
      e.state === "connected" && e.lists
        ? [{ id: e.record.id, version: e.record.version, lists: e.lists }]
        : []
    );
    const next = buildCatalog(this.hubTools, sources);
    const kinds = changedKinds(this.#catalog, next);
    if (!kinds.length) return;
    this.#catalog = next;
    this.out.catalogChanged(kinds);
  }

  /** Follows a resource the client subscribed to, on the instance id that serves it. Call inside the loop. */
  subscribe(uri: string, id: string): void {
    const before = this.#state.subscriptions.get(uri);
    this.#state.subscriptions.set(uri, id);
    for (const owner of new Set([before, id])) this.#resubscribeId(owner);
  }

  /**
   * Follows the resources a 2026-07-28 client listens for, each on the instance a read of it
   * would go to. Call only inside the loop (via ask).
   */
  setListened(uris: Set<string>): void {
    for (const uri of this.#listened) if (!uris.has(uri)) this.unsubscribe(uri);
    for (const uri of uris) {
      if (this.#listened.has(uri)) continue;
      const owners = ownersOfUri(this.#state, uri);
      const target = pickInstance(this.#state, undefined, owners.length ? owners : undefined);
      if (typeof target !== "string") this.subscribe(uri, target.record.id);
    }
    this.#listened = uris;
  }

  /** Stops following a resource. Call only inside the loop (via ask). */
  unsubscribe(uri: string): void {
    const owner = this.#state.subscriptions.get(uri);
    this.#state.subscriptions.delete(uri);
    this.#resubscribeId(owner);
  }

  #resubscribeId(id: string | undefined): void {
    const e = id === undefined ? undefined : this.#state.instances.get(id);
    if (e) this.#resubscribe(e);
  }

  /**
   * Records what the hub's client can do. A 2025-era instance was told at
   * initialize and cannot be told again, so one told otherwise is reconnected.
   * Call only inside the loop (via ask).
   */
  setClientCapabilities(caps: ClientCapabilities, era: Era): void {
    if (
      era === this.#clientEra && JSON.stringify(caps) === JSON.stringify(this.#clientCapabilities)
    ) return;
    this.#clientCapabilities = caps;
    this.#clientEra = era;
    this.#connectDeferred();
    for (const e of this.#state.instances.values()) this.#reconcile(e);
  }

  /**
   * The client speaks 2026-07-28, so it tells its capabilities with each request and never needs
   * a connection made for them: the connections waiting for it are opened at once. Call inside
   * the loop.
   */
  clientIsModern(): void {
    this.#clientEra ??= "modern";
    this.#connectDeferred();
  }

  #connectDeferred(): void {
    if (!this.#deferred) return;
    const deferred = this.#deferred;
    this.#deferred = undefined;
    clearTimeout(this.#clientWaitTimer);
    // The start-up wait counts from when the first connections are opened.
    this.#startupTimer = setTimeout(
      () => this.#mailbox.push({ type: "startup-over" }),
      this.#startupWaitMs,
    );
    for (const e of deferred) {
      if (this.#state.instances.get(e.record.id) === e && e.state === "discovered") {
        this.#connect(e);
      }
    }
  }

  /**
   * The era to open a connection in: the client's own where the server speaks it, so that what
   * the server asks of its client (push-style on a 2025 connection, input_required on a
   * 2026-07-28 one) reaches the client in the form it expects.
   */
  #modeFor(e: Entry): ConnectMode {
    if (e.speaks?.modern === false) return "legacy";
    if (this.#clientEra === "legacy" && e.speaks?.legacy !== false) return "prefer-legacy";
    return "auto";
  }

  /**
   * Reconnects an instance that speaks another era than the client's though it could speak
   * the client's, or a 2025-era one that was told other capabilities than the client's.
   */
  #reconcile(e: Entry): void {
    const u = e.upstream;
    if (!u) return;
    const wrongEra = u.era === "modern"
      ? this.#clientEra === "legacy" && e.speaks?.legacy !== false
      : this.#clientEra === "modern" && e.speaks?.modern !== false;
    const untold = u.era === "legacy" &&
      JSON.stringify(u.capabilities) !== JSON.stringify(this.#clientCapabilities);
    if (!wrongEra && !untold) return;
    // Closed first: some servers share state between sessions and fail when two overlap.
    // Requests meanwhile wait for the new connection (see front.ts).
    const why = wrongEra ? "to speak its client's era" : "to tell it the client's capabilities";
    log.debug(`${e.record.id}: reconnecting ${why}`);
    this.#disconnect(
      e,
      wrongEra ? "the client's era differs" : "the client's capabilities changed",
    );
    e.reconnecting = true;
    this.#connect(e);
  }

  /** Sets the routing hints (working directories). Call only inside the loop (via ask). */
  setHints(hints: string[]): void {
    this.#state.hints = hints;
  }

  #resubscribe(e: Entry): void {
    const mine = new Set(
      [...this.#state.subscriptions].filter(([, id]) => id === e.record.id).map(([uri]) => uri),
    );
    e.upstream?.setSubscriptions(mine).catch((err) =>
      log.warn(`${e.record.id}: subscribing failed: ${err.message}`)
    );
  }

  #settleInitial(id: string): void {
    this.#initial.delete(id);
    this.#checkReady();
  }

  // Early requests wait for start-up to settle, so that the first tools/list
  // already holds the tools of the instances that were running.
  #checkReady(): void {
    if (this.#isReady || !(this.#startupOver || (this.#scanned && this.#initial.size === 0))) {
      return;
    }
    this.#isReady = true;
    clearTimeout(this.#startupTimer);
    this.#ready.resolve();
  }
}

/** What a connection showed of the eras a server speaks. */
function learned(before: Entry["speaks"], u: Upstream, mode: ConnectMode): Entry["speaks"] {
  const speaks = { ...before };
  if (u.era === "legacy") {
    speaks.legacy = true;
    if (mode === "auto") speaks.modern = false;
  } else {
    speaks.modern = true;
    if (mode === "prefer-legacy") speaks.legacy = false;
  }
  return speaks;
}

const sameRecord = (a: DiscoveryRecord, b: DiscoveryRecord) =>
  JSON.stringify(a) === JSON.stringify(b);
