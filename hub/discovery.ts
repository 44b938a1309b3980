// Follows the discovery directory: the announcements already there, then the
// ones that appear and disappear. A file is read only once it is complete (a
// rename into place or a close after writing), once per version, and only if it
// looks like something an instance of ours wrote.

import { basename, join, resolve } from "node:path";
import {
  type DiscoveryRecord,
  ensureDiscoveryDir,
  MAX_DISCOVERY_FILE_BYTES,
  parseDiscoveryRecord,
} from "../shared/discovery.ts";
import { log } from "../shared/log.ts";
import { AsyncQueue } from "./queue.ts";

export type Announcement =
  | { type: "found"; path: string; record: DiscoveryRecord }
  | { type: "gone"; path: string; id: string }
  | { type: "scanned" };

// Dot files are writers' temp files; anything else is not an announcement.
const isAnnouncementName = (name: string) => !name.startsWith(".") && name.endsWith(".json");
const idOf = (path: string) => basename(path).slice(0, -".json".length);

/**
 * Yields what is announced in dir now, then `scanned`, then changes as they
 * happen. Problems with single files are logged and skipped; only a failure of
 * the watcher itself ends iteration with an error. Aborting ends it quietly.
 */
export async function* watchAnnouncements(
  dir: string,
  opts: { signal?: AbortSignal } = {},
): AsyncIterable<Announcement> {
  const { signal } = opts;
  if (signal?.aborted) return;
  // Drain the watcher independently of our consumer's pace: when Deno's buffer
  // fills, it replaces every pending event with a single "rescan".
  const events = new AsyncQueue<Deno.FsEvent>();
  let failure: unknown = null;
  let watcher: Deno.FsWatcher | undefined;
  let pump: Promise<void> = Promise.resolve();
  const watch = () => {
    const w = Deno.watchFs(dir, { recursive: false });
    watcher = w;
    pump = (async () => {
      try {
        for await (const event of w) events.push(event);
      } catch (e) {
        failure = e;
      } finally {
        // A watcher closed to replace it, after the directory was made again, ends quietly.
        if (watcher === w) events.close();
      }
    })();
  };
  const stop = () => {
    try {
      watcher?.close();
    } catch {
      // Already closed.
    }
  };
  // Watch before scanning, so that a file written in between is seen by one or the other.
  watch();
  signal?.addEventListener("abort", stop, { once: true });
  const self = resolve(dir);

  // path → identity of the version last read, whether it was accepted or not.
  const known = new Map<string, string>();

  async function* read(path: string): AsyncGenerator<Announcement> {
    const found = await readAnnouncement(path, known);
    if (found) yield { type: "found", path, record: found };
  }

  // Reads what is new in dir and reports what has left it since we last looked.
  async function* scan(): AsyncGenerator<Announcement> {
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (isAnnouncementName(entry.name)) names.push(entry.name);
    }
    const present = new Set(names.sort().map((name) => join(dir, name)));
    for (const path of present) {
      if (signal?.aborted) return;
      yield* read(path);
    }
    for (const path of known.keys()) {
      if (present.has(path)) continue;
      known.delete(path);
      yield { type: "gone", path, id: idOf(path) };
    }
  }

  try {
    yield* scan();
    if (signal?.aborted) return;
    yield { type: "scanned" };
    for await (const event of events) {
      if (signal?.aborted) return;
      if (event.flag === "rescan") {
        log.debug(`events for ${dir} overflowed; rescanning it`);
        yield* scan();
      } else if (event.kind === "rename" || event.kind === "access") {
        // A rename lists [to], then [from, to]; either way the last path is the new file.
        const name = basename(event.paths.at(-1) ?? "");
        if (isAnnouncementName(name)) yield* read(join(dir, name));
      } else if (event.kind === "remove" && event.paths.includes(self) && !(await exists(dir))) {
        // The directory itself went (rm -rf): a watch on it is dead. Make it again and watch
        // the new one; the scan reports what was lost and finds what is there now.
        log.warn(`discovery directory ${dir} was removed; creating it again and watching it`);
        // Deno does not watch a path again until its old watch has closed and ended.
        const old = watcher;
        watcher = undefined;
        try {
          old?.close();
        } catch { /* already closed */ }
        await pump;
        await ensureDiscoveryDir(dir);
        watch();
        yield* scan();
      } else if (event.kind === "remove") {
        // Deno also reports any event whose path no longer exists as "remove",
        // so check that the file is really gone rather than trusting the kind.
        for (const name of event.paths.map((p) => basename(p)).filter(isAnnouncementName)) {
          const path = join(dir, name);
          // A rescan may already have reported it gone: say so once.
          if (!known.has(path) || await exists(path)) continue;
          known.delete(path);
          yield { type: "gone", path, id: idOf(path) };
        }
      }
    }
    if (failure && !signal?.aborted) throw failure;
  } finally {
    signal?.removeEventListener("abort", stop);
    stop();
    await pump;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    // Any other error means something is there, even if we may not look at it.
    return !(e instanceof Deno.errors.NotFound);
  }
}

/** Reads path unless this version was read before; logs why a file is refused. */
async function readAnnouncement(
  path: string,
  known: Map<string, string>,
): Promise<DiscoveryRecord | null> {
  try {
    const info = await Deno.lstat(path);
    // A replaced file (e.g. a restarted instance re-announcing) gets a new inode.
    const identity = `${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime()}`;
    if (known.get(path) === identity) return null;
    known.set(path, identity);
    const problem = refusal(info);
    if (problem) throw new Error(problem);
    const record = parseDiscoveryRecord(await Deno.readTextFile(path));
    if (record.id !== idOf(path)) {
      throw new Error(`its id ${record.id} does not match the file name`);
    }
    return record;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      log.debug(`${path} vanished before it could be read`);
    } else {
      log.warn(`ignoring ${path}: ${(e as Error).message}`);
    }
    return null;
  }
}

function refusal(info: Deno.FileInfo): string | null {
  if (info.isSymlink) return "it is a symlink";
  if (!info.isFile) return "it is not a regular file";
  if (info.size > MAX_DISCOVERY_FILE_BYTES) {
    return `it has ${info.size} bytes, more than ${MAX_DISCOVERY_FILE_BYTES}`;
  }
  // The directory may be shared; a file another user planted is not an announcement.
  if (Deno.build.os !== "windows" && info.uid !== Deno.uid()) {
    return `it belongs to uid ${info.uid}, not to you`;
  }
  return null;
}
