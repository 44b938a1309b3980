// Matching log lines against callers' queries without letting one query stall
// the instance. Regular expressions run on RE2JS, a port of RE2: matching time
// grows linearly with the text, whatever the pattern, so `(a+)+$` cannot
// backtrack for seconds as it does on JavaScript's own engine. The price is
// RE2 syntax (no backreferences, no lookaround), which a clear error names.
// A search over many long lines still has a time budget.

import { RE2JS } from "re2js";

/** How long one search may spend matching before it gives up. */
export const MATCH_BUDGET_MS = 1000;

export class SlowMatchError extends Error {}

export type Matcher = (text: string) => boolean;

/** Case-insensitive substring or regex match on a line's plain text; throws on a bad regex. */
export function lineMatcher(query: string, regex?: boolean): Matcher {
  if (!regex) {
    const needle = query.toLowerCase();
    return (text) => text.toLowerCase().includes(needle);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(query, RE2JS.CASE_INSENSITIVE);
  } catch (e) {
    throw new Error(
      `Invalid regular expression "${query}": ${(e as Error).message}. ` +
        "buzz uses RE2 syntax (linear-time: no backreferences or lookaround). " +
        "Fix it, or call again with regex: false for a plain substring search.",
    );
  }
  return (text) => re.matcher(text).find();
}

/**
 * Filters items by matcher within a time budget; throws SlowMatchError, which
 * says what to do, when the budget runs out.
 */
export function filterWithin<T>(
  items: T[],
  text: (item: T) => string,
  matches: Matcher,
  query: string,
  budgetMs = MATCH_BUDGET_MS,
): T[] {
  const deadline = performance.now() + budgetMs;
  const out: T[] = [];
  for (let i = 0; i < items.length; i++) {
    if (matches(text(items[i]))) out.push(items[i]);
    if ((i & 255) === 255 && performance.now() > deadline) {
      throw new SlowMatchError(
        `Searching for "${query}" took longer than ${budgetMs} ms and was stopped ` +
          `after ${i + 1} of ${items.length} lines. Narrow it with process_id, ` +
          "or use a simpler pattern or a plain substring (regex: false).",
      );
    }
  }
  return out;
}
