// End-to-end: 2025-era sessions against a real `buzz --no-tui`. Clients that
// never end their sessions must not lock out the next one: past the cap of idle
// sessions (100) the least recently used one ends once it has sat unused for a
// moment (15 s), sessions in use are not capped, and only a ceiling of 1,000 in use
// refuses a newcomer.

import assert from "node:assert/strict";
import {
  call,
  connectInstance,
  fixtureCopy,
  type RunningInstance,
  sleep,
  startInstance,
  tempDir,
  until,
} from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const CAP = 100;
const IN_USE_CEILING = 1000;
/** How long an idle session past the cap is spared (instance/serve/legacy.ts). */
const GRACE_MS = 15_000;
const MB = 1024 * 1024;

/** Speaks to one instance's /mcp by hand, as a leaky 2025 client would. */
function rawClient(inst: RunningInstance) {
  const headers = {
    authorization: `Bearer ${inst.record.token}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  const post = (message: unknown, session?: string) =>
    fetch(inst.record.url, {
      method: "POST",
      headers: session
        ? { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" }
        : headers,
      body: JSON.stringify(message),
    });
  return {
    /** Opens a session and never ends it; returns the raw response. */
    initialize: () =>
      post({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "leaky", version: "0" },
        },
      }),
    async open(): Promise<string> {
      const r = await this.initialize();
      await r.body?.cancel();
      assert.equal(r.status, 200);
      return r.headers.get("mcp-session-id")!;
    },
    /** A ping in the session: its HTTP status, the body read to the end. */
    async ping(session: string): Promise<{ status: number; body: string }> {
      const r = await post({ jsonrpc: "2.0", id: 2, method: "ping" }, session);
      return { status: r.status, body: await r.text() };
    },
    /** The session's standalone GET stream, left open. */
    stream: (session: string) =>
      fetch(inst.record.url, {
        headers: {
          authorization: headers.authorization,
          accept: "text/event-stream",
          "mcp-session-id": session,
          "mcp-protocol-version": "2025-11-25",
        },
      }),
  };
}

/** The instance's resident set size and its peak since the last reset (Linux /proc). */
function rss(pid: number): { now: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)![1]);
  return { now: kb("VmRSS") * 1024, peak: kb("VmHWM") * 1024 };
}

/** Resets the peak (VmHWM) to the current RSS. */
function resetPeak(pid: number): void {
  Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
}

Deno.test(
  "instance: 1,000 unclosed 2025 sessions never lock a new client out, and memory stays bounded",
  opts,
  async () => {
    const inst = await startInstance({
      project: await fixtureCopy(),
      discoveryDir: await tempDir(),
    });
    const raw = rawClient(inst);
    try {
      const ids: string[] = [];
      const openMany = async (n: number) => {
        // Ten at a time: a burst, as a crashing client's retries would make.
        for (let i = 0; i < n; i += 10) {
          ids.push(...await Promise.all(Array.from({ length: 10 }, () => raw.open())));
        }
      };
      const pid = inst.proc.pid;
      await openMany(500);
      // Measured at the peak, right after the burst: no quiet time for a collection.
      const rss500 = rss(pid).now;
      resetPeak(pid);
      await openMany(500);
      const { now: rss1000, peak } = rss(pid);

      // An honest 2025 client connects and works at once.
      const t0 = performance.now();
      const { client, close } = await connectInstance(inst.record, {}, "legacy");
      const connectMs = performance.now() - t0;
      await call(client, "scripts_list");
      await close();
      console.log(
        `RSS after 500 sessions ${(rss500 / MB).toFixed(1)} MB, after 1,000 ` +
          `${(rss1000 / MB).toFixed(1)} MB (peak ${(peak / MB).toFixed(1)} MB); a new 2025 ` +
          `client connected in ${connectMs.toFixed(0)} ms`,
      );
      // Sessions share their tools (serve/mcp.ts), so 500 more cost little even at the peak,
      // with their garbage not yet collected: about 10 MB on a quiet machine and 23 MB on a loaded one, measured.
      assert.ok(
        peak - rss500 < 35 * MB,
        `RSS peaked ${((peak - rss500) / MB).toFixed(1)} MB above its level after the first ` +
          `500 sessions, over the second 500`,
      );

      // Past the cap, idle sessions end once they have sat unused for GRACE_MS: after that long,
      // any session released (here a new one) trims the idle ones down to the cap, least
      // recently used first. The flood's newest CAP - 1 and the new one are left.
      await sleep(GRACE_MS + 100);
      await raw.open();
      const evicted = await raw.ping(ids[0]);
      assert.equal(evicted.status, 404);
      assert.match(evicted.body, /Session not found: initialize a new session/);
      assert.equal((await raw.ping(ids.at(-CAP)!)).status, 404);

      // Least recently used means by last request: a used old session outlives a newer idle one.
      const live = ids.slice(-(CAP - 1));
      assert.equal((await raw.ping(live[0])).status, 200);
      await raw.open();
      assert.equal((await raw.ping(live[1])).status, 404);
      assert.equal((await raw.ping(live[0])).status, 200);
    } finally {
      await inst.stop();
    }
  },
);

Deno.test(
  "instance: when every 2025 session is in use, initialize gets 503 saying what to do",
  opts,
  async () => {
    const inst = await startInstance({
      project: await fixtureCopy(),
      discoveryDir: await tempDir(),
    });
    const raw = rawClient(inst);
    const streams: Response[] = [];
    try {
      const ids: string[] = [];
      // Twenty at a time: sessions in use are not capped below the ceiling.
      for (let i = 0; i < IN_USE_CEILING; i += 20) {
        const opened = await Promise.all(Array.from({ length: 20 }, async () => {
          const id = await raw.open();
          const s = await raw.stream(id);
          assert.equal(s.status, 200);
          return { id, s };
        }));
        for (const { id, s } of opened) ids.push(id), streams.push(s);
      }
      const refused = await raw.initialize();
      assert.equal(refused.status, 503);
      assert.match(
        await refused.text(),
        new RegExp(
          `all ${IN_USE_CEILING} are in use.*HTTP DELETE.*close its GET stream.*2026-07-28`,
        ),
      );
      // Modern requests have no sessions and are never refused.
      const modern = await connectInstance(inst.record, {}, "modern");
      await call(modern.client, "scripts_list");
      await modern.close();

      // One client lets its stream go: its session is idle now, and a newcomer is admitted.
      await streams[37].body!.cancel();
      const admitted = await until("a session to be free", async () => {
        const r = await raw.initialize();
        await r.body?.cancel();
        return r.status === 200 ? r : null;
      });
      assert.ok(admitted.headers.get("mcp-session-id"));
      assert.equal((await raw.ping(ids[37])).status, 200);
      assert.equal((await raw.ping(ids[0])).status, 200);
    } finally {
      await Promise.allSettled(streams.map((s) => s.body?.cancel()));
      await inst.stop();
    }
  },
);
