// The discovery contract between instances and the hub: where announcement
// files live, what they hold, and how they are written and checked. An instance
// writes its file once, after it listens, and removes it once at shutdown.

import { z } from "zod";
import { join } from "node:path";

/** Version of the discovery file format; bump on incompatible changes. */
export const DISCOVERY_PROTOCOL = 1;
/** Larger files are not announcements; the hub refuses them unread. */
export const MAX_DISCOVERY_FILE_BYTES = 64 * 1024;

export const DiscoveryRecordSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]+-[0-9a-f]{8}$/),
  name: z.string().min(1),
  directory: z.string().min(1),
  url: z.string().url(),
  port: z.number().int().min(1).max(65535),
  pid: z.number().int().positive(),
  token: z.string().regex(/^[0-9a-f]{64}$/),
  started_at: z.string(),
  version: z.string(),
  protocol: z.literal(DISCOVERY_PROTOCOL),
});
export type DiscoveryRecord = z.infer<typeof DiscoveryRecordSchema>;

/**
 * The discovery directory: flag, then BUZZ_DISCOVERY_DIR, then one fixed per-user place.
 *
 * The default must come out the same in the hub as in every instance, whatever each
 * one's environment: MCP clients often start the hub with a trimmed environment (the
 * SDK's stdio client keeps only HOME, LOGNAME, PATH, SHELL, TERM and USER), while
 * instances start from shells with their own XDG_RUNTIME_DIR or TMPDIR. So on Unix the
 * default reads no environment variable at all, only the user id: systemd's
 * /run/user/<uid> when it exists and is ours (what XDG_RUNTIME_DIR normally names),
 * else /tmp/buzz-<uid>. On Windows it is %LOCALAPPDATA%, which the SDK's client keeps.
 */
export function discoveryDir(flag?: string): string {
  if (flag) return flag;
  const fromEnv = Deno.env.get("BUZZ_DISCOVERY_DIR");
  if (fromEnv) return fromEnv;
  return defaultDiscoveryDir();
}

/** The per-user default, ignoring the flag and BUZZ_DISCOVERY_DIR. */
export function defaultDiscoveryDir(): string {
  if (Deno.build.os === "windows") {
    const base = Deno.env.get("LOCALAPPDATA") ??
      join(Deno.env.get("USERPROFILE") ?? ".", "AppData", "Local");
    return join(base, "buzz", "instances");
  }
  const runtime = systemdRuntimeDir();
  if (runtime) return join(runtime, "buzz", "instances");
  return join("/tmp", `buzz-${Deno.uid()}`, "instances");
}

/** The runtime directory systemd makes for each logged-in user, when it exists and is ours. */
function systemdRuntimeDir(): string | undefined {
  const dir = `/run/user/${Deno.uid()}`;
  try {
    return Deno.statSync(dir).uid === Deno.uid() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates the directory (0700) if needed. On Unix it refuses a directory that
 * another user owns, because the default may sit under a shared temp dir.
 */
export async function ensureDiscoveryDir(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  if (Deno.build.os === "windows") return;
  const info = await Deno.stat(dir);
  if (info.uid !== Deno.uid()) {
    throw new Error(`discovery directory ${dir} belongs to uid ${info.uid}, not to you`);
  }
  if (((info.mode ?? 0) & 0o077) !== 0) await Deno.chmod(dir, 0o700);
}

export function discoveryFilePath(dir: string, id: string): string {
  return join(dir, `${id}.json`);
}

/** Writes the record atomically: a dot-prefixed temp file, then a rename. */
export async function writeDiscoveryFile(dir: string, record: DiscoveryRecord): Promise<string> {
  const target = discoveryFilePath(dir, record.id);
  const temp = join(dir, `.${record.id}.json.tmp`);
  await Deno.writeTextFile(temp, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
  await Deno.rename(temp, target);
  return target;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
    hostname === "::1";
}

/** Parses a discovery file's text; throws an Error that says what is wrong. */
export function parseDiscoveryRecord(text: string): DiscoveryRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  const parsed = DiscoveryRecordSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`wrong shape: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const url = new URL(parsed.data.url);
  if (!isLoopbackHostname(url.hostname)) {
    throw new Error(`url ${parsed.data.url} is not on a loopback address`);
  }
  return parsed.data;
}
