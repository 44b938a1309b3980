// Output that runners interleave from several processes carries a prefix per
// line naming its source: concurrently's "[types] ", turbo's "web:dev: ", pnpm
// -r's "packages/web dev: ", docker compose's "web-1  | ". Each source is read
// as its own stream (its errors, its tool's cycles), with the prefix removed so
// the tool's own format shows through.

/** A bracket tag that names a tool or a level rather than a process. */
const NOT_A_SOURCE =
  /^(?:vite|nodemon|nest|watch|webpack(?:-cli|-dev-server)?|wds|hmr|esbuild|rollup|rolldown|tsup|next|nuxt|nitro|astro|info|warn|warning|error|err|debug|trace|fatal|critical|notice|success|fail|failed|ok|done|ready|log|verbose|http|WARN|INFO|ERROR|DEBUG|TRACE|FATAL)$/i;

// concurrently: "[name] " (name or index; not "[1/4]", a clock, a level or a tool's own tag).
const BRACKET = /^\[([\w@./:-]{1,40})\] /;
// turbo: "pkg:task: " (the task starts with a letter: not "main.go:6:2: ").
const TURBO = /^(@?[\w.-]+(?:\/[\w.-]+)?):([A-Za-z][\w-]*(?::[\w-]+)?): /;
// pnpm -r / --parallel: "packages/web dev: " (a path, then the script).
const PNPM = /^(\.|[\w@.-]*\/[\w@./-]*) ([A-Za-z][\w:-]*): /;
// docker compose: "web-1  | ", "web_1  | ".
const COMPOSE = /^([A-Za-z][\w.-]*[-_]\d+)\s+\| ?/;

const LEVEL = /^(?:error|warn|warning|info|debug|trace|fatal|critical|notice|ERR!)$/i;

export interface Prefixed {
  source: string;
  /** The line without its prefix. */
  rest: string;
}

/** The source prefix of a line, if it has one. */
export function splitPrefix(plain: string): Prefixed | null {
  const c = plain.charCodeAt(0);
  if (c === 91 /* [ */) {
    const m = plain.match(BRACKET);
    // Diagnostic codes ("[PARSE_ERROR]", "[E0308]") are not sources either.
    if (
      !m || NOT_A_SOURCE.test(m[1]) || /^\d+\/\d+$|^\d{1,2}:\d{2}|^\d{4}-|_|^[A-Z]\d+$/.test(m[1])
    ) {
      return null;
    }
    // "[types]" is astro's tag too, but astro prints a clock first; concurrently's is bare.
    return { source: m[1], rest: plain.slice(m[0].length) };
  }
  if (c === 32 || c === 9 || !plain.includes(": ") && !plain.includes("| ")) return null;
  let m = plain.match(TURBO);
  if (m && !LEVEL.test(m[1]) && !LEVEL.test(m[2]) && !/^(https?|file|node|ext)$/.test(m[1])) {
    return { source: `${m[1]}:${m[2]}`, rest: plain.slice(m[0].length) };
  }
  m = plain.match(PNPM);
  if (m && !LEVEL.test(m[2])) return { source: `${m[1]} ${m[2]}`, rest: plain.slice(m[0].length) };
  m = plain.match(COMPOSE);
  if (m) return { source: m[1], rest: plain.slice(m[0].length) };
  return null;
}

// nx's and lerna's streams label each line with the project alone ("api: "), a
// shape plain output has too ("note: …", "Local: …"). A label is taken for a
// source once it began a few lines, and never a level or a tool's word.
// Lower case, no dots: not a class ("java.lang.IllegalStateException: …") nor a file ("app.yml: …").
const LABEL = /^([a-z][a-z\d@/_-]{0,39}): /;
const NOT_A_LABEL =
  /^(?:error|warn|warning|info|debug|trace|fatal|critical|notice|note|help|hint|caused|at|http|https|file|node|ext|data|blob|mailto|see|example|usage|tip|todo|fixme|expected|received|actual|reason|details?|message|status|code|path|url|stack)$/;
/** Lines a label must begin before it is read as a source. */
const LABEL_SEEN = 3;

/** Per run: the single-word labels seen, and which of them are sources. */
export class Labels {
  #seen = new Map<string, number>();

  /** The line's label prefix, once that label has begun enough lines to be a source. */
  split(plain: string): Prefixed | null {
    const m = plain.match(LABEL);
    if (!m || NOT_A_LABEL.test(m[1])) return null;
    const n = (this.#seen.get(m[1]) ?? 0) + 1;
    if (this.#seen.size < 256 || this.#seen.has(m[1])) this.#seen.set(m[1], n);
    return n >= LABEL_SEEN ? { source: m[1], rest: plain.slice(m[0].length) } : null;
  }
}
