// Every diagnostic goes to stderr: in hub mode stdout belongs to JSON-RPC alone.

export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

let threshold = LOG_LEVELS.indexOf("info");
let prefix = "buzz";
const encoder = new TextEncoder();
/** When set (by the terminal UI while it owns the screen), diagnostics go here instead of stderr. */
let sink: ((level: LogLevel, text: string) => void) | null = null;

/** Routes diagnostics to fn until called again with null; returns the previous sink. */
export function setLogSink(
  fn: ((level: LogLevel, text: string) => void) | null,
): ((level: LogLevel, text: string) => void) | null {
  const previous = sink;
  sink = fn;
  return previous;
}

export function configureLog(opts: { level?: LogLevel; role?: string }): void {
  if (opts.level) threshold = LOG_LEVELS.indexOf(opts.level);
  if (opts.role) prefix = `buzz[${opts.role}]`;
}

function write(level: LogLevel, parts: unknown[]): void {
  if (LOG_LEVELS.indexOf(level) > threshold) return;
  const text = parts.map((p) =>
    typeof p === "string" ? p : p instanceof Error ? p.message : Deno.inspect(p)
  ).join(" ");
  if (sink) return sink(level, text);
  try {
    Deno.stderr.writeSync(encoder.encode(`${prefix} ${level}: ${text}\n`));
  } catch {
    // stderr closed: nothing sensible left to do with a diagnostic.
  }
}

export const log = {
  error: (...p: unknown[]) => write("error", p),
  warn: (...p: unknown[]) => write("warn", p),
  info: (...p: unknown[]) => write("info", p),
  debug: (...p: unknown[]) => write("debug", p),
};
