// One instance per project directory: a second one would start the same dev
// servers again (and they would move to other ports). The check reads the
// announcements in the discovery directory; a record whose process is dead is
// stale and does not count. Two instances started in the same instant can
// both pass; that race is accepted, the common mistake is not.

import { realpath } from "node:fs/promises";
import { join } from "node:path";
import { type DiscoveryRecord, parseDiscoveryRecord } from "../shared/discovery.ts";
import { pidAlive } from "../shared/pid.ts";

/** The flag that lets a second instance start anyway. */
export const ALLOW_DUPLICATE_FLAG = "--allow-duplicate";

/** A live instance already serving `directory`, if any. */
export async function runningInstanceFor(
  discoveryDir: string,
  directory: string,
): Promise<DiscoveryRecord | null> {
  const mine = await realpath(directory).catch(() => directory);
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(discoveryDir));
  } catch {
    return null;
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.endsWith(".json") || e.name.startsWith(".")) continue;
    let record: DiscoveryRecord;
    try {
      record = parseDiscoveryRecord(await Deno.readTextFile(join(discoveryDir, e.name)));
    } catch {
      continue; // not an announcement we can read: the hub reports those
    }
    if (record.pid === Deno.pid || !pidAlive(record.pid)) continue;
    const theirs = await realpath(record.directory).catch(() => record.directory);
    if (theirs === mine) return record;
  }
  return null;
}

export function duplicateMessage(record: DiscoveryRecord): string {
  return `an instance already serves ${record.directory}: ${record.id} (pid ${record.pid}) at ` +
    `${record.url}. Use that one, stop it (kill ${record.pid}), or start another anyway with ` +
    ALLOW_DUPLICATE_FLAG;
}
