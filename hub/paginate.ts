// The hub's own cursors over its merged lists. A cursor names an offset into
// one version of a list; after the list changes, an old cursor is refused
// rather than silently skipping or repeating items.

import { ProtocolError, ProtocolErrorCode } from "../shared/sdk_server.ts";

export const PAGE_SIZE = 100;

export function paginate<T>(
  items: T[],
  cursor: string | undefined,
): { items: T[]; nextCursor?: string } {
  const version = fingerprint(items);
  let offset = 0;
  if (cursor !== undefined) {
    let parsed: { o?: unknown; v?: unknown } | undefined;
    try {
      parsed = JSON.parse(atob(cursor));
    } catch { /* refused below */ }
    if (typeof parsed?.o !== "number" || parsed.v !== version) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        "Invalid or stale cursor: the list changed since it was given; list again without a cursor.",
      );
    }
    offset = parsed.o;
  }
  const page = items.slice(offset, offset + PAGE_SIZE);
  const next = offset + PAGE_SIZE;
  return next < items.length
    ? { items: page, nextCursor: btoa(JSON.stringify({ o: next, v: version })) }
    : { items: page };
}

// The catalog's lists are replaced, never mutated, so a list's fingerprint is computed once.
const fingerprints = new WeakMap<unknown[], string>();

/** A cheap, stable fingerprint of a list (FNV-1a over its JSON). */
function fingerprint(items: unknown[]): string {
  const known = fingerprints.get(items);
  if (known) return known;
  const text = JSON.stringify(items);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const print = (h >>> 0).toString(36);
  fingerprints.set(items, print);
  return print;
}
