// End-to-end: 2025-era sessions against a real `buzz --no-tui`. Clients that
// never end their sessions must not lock out the next one: at the cap (100) a
// new session ends the least recently used one not in use, and only a cap of
// sessions all in use refuses a newcomer.

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

/** The instance's resident set size (Linux /proc). */
/** RSS once the instance has been quiet long enough to collect a burst's garbage. */
async function settledRss(pid: number): Promise<number> {
  await sleep(1500);
  let last = rssBytes(pid);
  for (let i = 0; i < 20; i++) {
    await sleep(250);
    const now = rssBytes(pid);
    if (Math.abs(now - last) < MB) return now;
    last = now;
  }
  return last;
}

function rssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
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
      await openMany(500);
      const rss500 = await settledRss(inst.proc.pid);
      await openMany(500);
      const rss1000 = await settledRss(inst.proc.pid);

      // An honest 2025 client connects and works at once.
      const t0 = performance.now();
      const { client, close } = await connectInstance(inst.record, {}, "legacy");
      const connectMs = performance.now() - t0;
      await call(client, "scripts_list");
      await close();
      console.log(
        `RSS after 500 sessions ${(rss500 / MB).toFixed(1)} MB, after 1,000 ` +
          `${(rss1000 / MB).toFixed(1)} MB; a new 2025 client connected in ${
            connectMs.toFixed(0)
          } ms`,
      );
      // A burst of requests leaves garbage V8 would keep; once the instance is quiet it collects
      // (shared/collect.ts), so the second 500 sessions add less than 25 MB.
      assert.ok(
        rss1000 - rss500 < 25 * MB,
        `RSS grew ${((rss1000 - rss500) / MB).toFixed(1)} MB over the second 500 sessions`,
      );

      // The oldest sessions were ended: 404, as the spec says, so their clients initialize again.
      const evicted = await raw.ping(ids[0]);
      assert.equal(evicted.status, 404);
      assert.match(evicted.body, /Session not found: initialize a new session/);

      // Least recently used means by last request: a used old session outlives a newer idle one.
      // The honest client's session ended one of the flood's to make room, then ended itself
      // (DELETE), so the flood's last CAP - 1 are open; one more fills the cap.
      const live = ids.slice(-(CAP - 1));
      await raw.open();
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
      for (let i = 0; i < CAP; i++) {
        ids.push(await raw.open());
        const s = await raw.stream(ids[i]);
        assert.equal(s.status, 200);
        streams.push(s);
      }
      const refused = await raw.initialize();
      assert.equal(refused.status, 503);
      assert.match(
        await refused.text(),
        new RegExp(`all ${CAP} are in use.*HTTP DELETE.*close its GET stream.*2026-07-28`),
      );
      // Modern requests have no sessions and are never refused.
      const modern = await connectInstance(inst.record, {}, "modern");
      await call(modern.client, "scripts_list");
      await modern.close();

      // One client lets its stream go: its session is the one that makes room.
      await streams[37].body!.cancel();
      const admitted = await until("a session to be free", async () => {
        const r = await raw.initialize();
        await r.body?.cancel();
        return r.status === 200 ? r : null;
      });
      assert.ok(admitted.headers.get("mcp-session-id"));
      assert.equal((await raw.ping(ids[37])).status, 404);
      assert.equal((await raw.ping(ids[0])).status, 200);
    } finally {
      await Promise.allSettled(streams.map((s) => s.body?.cancel()));
      await inst.stop();
    }
  },
);
