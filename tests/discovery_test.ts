// The hub's view of the discovery directory, against real files and a real
// watcher. To show that something was NOT announced, a test writes a marker
// file afterwards: events arrive in order, so the marker must come next.

import assert from "node:assert/strict";
import { join } from "node:path";
import { type DiscoveryRecord, writeDiscoveryFile } from "../shared/discovery.ts";
import { type Announcement, watchAnnouncements } from "../hub/discovery.ts";
import { AsyncQueue } from "../hub/queue.ts";
import { until } from "./helpers.ts";

const TIMEOUT_MS = 5_000;
let serial = 0;

function record(over: Partial<DiscoveryRecord> = {}): DiscoveryRecord {
  const id = `app-${(0x10000000 + serial++).toString(16)}`;
  return {
    id,
    name: "app",
    directory: "/tmp/project",
    url: "http://127.0.0.1:4000/mcp",
    port: 4000,
    pid: Deno.pid,
    token: "ab".repeat(32),
    started_at: new Date().toISOString(),
    version: "0.1.0",
    protocol: 1,
    ...over,
  };
}

async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A watched temp dir; warnings are captured instead of printed while it lives. */
async function watch(prepare?: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "buzz-discovery-" });
  await prepare?.(dir);
  const stop = new AbortController();
  const it = watchAnnouncements(dir, { signal: stop.signal })[Symbol.asyncIterator]();
  const warnings: string[] = [];
  const writeSync = Deno.stderr.writeSync;
  Deno.stderr.writeSync = (bytes: Uint8Array) => {
    warnings.push(new TextDecoder().decode(bytes));
    return bytes.length;
  };
  const next = async (): Promise<Announcement> => {
    const r = await withTimeout(it.next(), "an announcement");
    assert.equal(r.done, false, "iteration ended");
    return r.value;
  };
  return {
    dir,
    stop,
    it,
    warnings,
    next,
    async found(expected: DiscoveryRecord): Promise<void> {
      assert.deepEqual(await next(), {
        type: "found",
        path: join(dir, `${expected.id}.json`),
        record: expected,
      });
    },
    async scanned(): Promise<void> {
      assert.deepEqual(await next(), { type: "scanned" });
    },
    async [Symbol.asyncDispose]() {
      stop.abort();
      await it.return?.();
      Deno.stderr.writeSync = writeSync;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("finds the files already present, then reports the scan done", async () => {
  const a = record(), b = record();
  await using w = await watch(async (dir) => {
    await writeDiscoveryFile(dir, b);
    await writeDiscoveryFile(dir, a);
    await Deno.writeTextFile(join(dir, `${record().id}.json`), "{ nope");
  });
  await w.found(a);
  await w.found(b);
  await w.scanned();
  assert.equal(w.warnings.length, 1);
  await w.found(await announce(w.dir, record()));
});

Deno.test("announces an atomic write exactly once", async () => {
  await using w = await watch();
  await w.scanned();
  const r = record();
  await writeDiscoveryFile(w.dir, r);
  await w.found(r);
  await w.found(await announce(w.dir, record()));
  assert.deepEqual(w.warnings, []);
});

Deno.test("announces a direct write once, when the writer closes it", async () => {
  await using w = await watch();
  await w.scanned();
  const r = record();
  const text = JSON.stringify(r);
  const file = await Deno.open(join(w.dir, `${r.id}.json`), { write: true, createNew: true });
  await file.write(new TextEncoder().encode(text.slice(0, 20)));
  // Half written and still open: reading it now would log a parse error.
  await w.found(await announce(w.dir, record()));
  await file.write(new TextEncoder().encode(text.slice(20)));
  file.close();
  await w.found(r);
  await w.found(await announce(w.dir, record()));
  assert.deepEqual(w.warnings, []);
});

Deno.test("never announces dot files or other names", async () => {
  await using w = await watch();
  await w.scanned();
  const r = record();
  await Deno.writeTextFile(join(w.dir, `.${r.id}.json.tmp`), JSON.stringify(r));
  await Deno.writeTextFile(join(w.dir, `.${r.id}.json`), JSON.stringify(r));
  await Deno.writeTextFile(join(w.dir, `${r.id}.json.bak`), JSON.stringify(r));
  await Deno.writeTextFile(join(w.dir, "notes.txt"), "hello");
  await w.found(await announce(w.dir, record()));
  assert.deepEqual(w.warnings, []);
});

Deno.test("reports a removed or renamed-away file as gone", async () => {
  await using w = await watch();
  await w.scanned();
  const a = await announce(w.dir, record()), b = await announce(w.dir, record());
  await w.found(a);
  await w.found(b);
  await Deno.remove(join(w.dir, `${a.id}.json`));
  assert.deepEqual(await w.next(), { type: "gone", path: join(w.dir, `${a.id}.json`), id: a.id });
  await Deno.rename(join(w.dir, `${b.id}.json`), join(w.dir, `${b.id}.old`));
  assert.deepEqual(await w.next(), { type: "gone", path: join(w.dir, `${b.id}.json`), id: b.id });
});

Deno.test("announces again a file replaced at the same path", async () => {
  await using w = await watch();
  await w.scanned();
  const first = await announce(w.dir, record());
  await w.found(first);
  const second = { ...first, port: 4001, url: "http://127.0.0.1:4001/mcp" };
  await writeDiscoveryFile(w.dir, second);
  await w.found(second);
  await w.found(await announce(w.dir, record()));
});

Deno.test("skips bad files with one warning each and keeps going", async () => {
  await using w = await watch();
  await w.scanned();
  const good = record();
  const bad: Record<string, string> = {
    "not JSON": "{ nope",
    "wrong shape: port": JSON.stringify({ ...record(), port: "80" }),
    "more than 65536": JSON.stringify(record()) + " ".repeat(70_000),
    "not on a loopback address": JSON.stringify({ ...record(), url: "http://example.com/mcp" }),
    "does not match the file name": JSON.stringify(good),
    "symlink": "",
  };
  await Deno.writeTextFile(join(w.dir, ".target"), JSON.stringify(record()));
  const paths: string[] = [];
  for (const [problem, text] of Object.entries(bad)) {
    const path = join(w.dir, `${record().id}.json`);
    const temp = join(w.dir, ".temp");
    // A dangling link would not even be read: Deno reports events on it as "remove".
    if (problem === "symlink") await Deno.symlink(join(w.dir, ".target"), temp);
    else await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
    paths.push(path);
  }
  await writeDiscoveryFile(w.dir, good);
  await w.found(good);
  await w.found(await announce(w.dir, record()));
  const problems = Object.keys(bad);
  assert.equal(w.warnings.length, problems.length, w.warnings.join(""));
  w.warnings.forEach((line, i) => {
    assert.match(line, /^buzz\S* warn: ignoring /);
    assert.ok(line.includes(paths[i]) && line.includes(problems[i]), line);
  });
});

Deno.test("catches up by rescanning when the watcher's events overflow", async () => {
  await using w = await watch();
  await w.scanned();
  // Synchronous writes starve the event pump, so Deno's event buffer overflows.
  const records = Array.from({ length: 400 }, () => record());
  for (const r of records) {
    Deno.writeTextFileSync(join(w.dir, `.${r.id}.tmp`), JSON.stringify(r));
    Deno.renameSync(join(w.dir, `.${r.id}.tmp`), join(w.dir, `${r.id}.json`));
  }
  const ids = new Set<string>();
  while (ids.size < records.length) {
    const a = await w.next();
    assert.equal(a.type, "found");
    ids.add(a.record.id);
  }
  for (const r of records) Deno.removeSync(join(w.dir, `${r.id}.json`));
  while (ids.size > 0) {
    const a = await w.next();
    assert.equal(a.type, "gone");
    assert.ok(ids.delete(a.id), `unexpected or repeated gone for ${a.id}`);
  }
  await w.found(await announce(w.dir, record()));
});

Deno.test("the directory removed and made again: says so and goes on watching", async () => {
  await using w = await watch();
  await w.scanned();
  const before = await announce(w.dir, record());
  await w.found(before);
  await Deno.remove(w.dir, { recursive: true });
  assert.deepEqual(await w.next(), {
    type: "gone",
    path: join(w.dir, `${before.id}.json`),
    id: before.id,
  });
  // The watcher makes the directory again itself (while it is being read); a new
  // announcement in it is found.
  const pending = w.next();
  await until("the directory to be back", () => Deno.stat(w.dir).then(() => true, () => false));
  const after = await announce(w.dir, record());
  assert.deepEqual(await pending, {
    type: "found",
    path: join(w.dir, `${after.id}.json`),
    record: after,
  });
  assert.ok(w.warnings.some((l) => l.includes("was removed")), w.warnings.join(""));
});

Deno.test("aborting ends iteration promptly", async () => {
  await using w = await watch();
  await w.scanned();
  const pending = w.it.next();
  w.stop.abort();
  assert.deepEqual(await withTimeout(pending, "the end"), { value: undefined, done: true });

  const stopped = AbortSignal.abort();
  const it = watchAnnouncements(w.dir, { signal: stopped })[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, true);
});

Deno.test("AsyncQueue hands items over in order and ends once drained after close", async () => {
  const q = new AsyncQueue<number>();
  const it = q[Symbol.asyncIterator]();
  const waiting = it.next();
  q.push(1);
  q.push(2);
  q.close();
  q.push(3);
  assert.deepEqual(await waiting, { value: 1, done: false });
  assert.deepEqual(await it.next(), { value: 2, done: false });
  assert.equal((await it.next()).done, true);
});

async function announce(dir: string, r: DiscoveryRecord): Promise<DiscoveryRecord> {
  await writeDiscoveryFile(dir, r);
  return r;
}
