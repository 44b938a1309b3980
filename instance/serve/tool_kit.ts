// What every instance tool is made with: the shapes of runs, lines and errors,
// the answer helpers (each answer passes the byte budget), and the per-process
// cache of tool descriptions and schemas.

import { z } from "zod";
import {
  type CallToolResult,
  CLIENT_INFO_META_KEY,
  type McpServer,
  type ServerContext,
  type StandardSchemaWithJSON,
} from "../../shared/sdk_server.ts";
import {
  type AgentLine,
  agentLine,
  ANSWER_BYTES,
  bounded,
  formatLine,
  LINE_CHARS,
} from "./budget.ts";
import type { RunInfo, Supervisor } from "../supervise/supervisor.ts";
import type { WaitResult } from "./wait.ts";

export const Run = z.object({
  process_id: z.string(),
  script: z.string(),
  command: z.string(),
  pid: z.number(),
  state: z.enum(["running", "exited", "failed", "stopped"]),
  exit_code: z.number().nullable(),
  signal: z.string().nullable(),
  started_at: z.string(),
  started_by: z.string(),
  ended_at: z.string().nullable(),
  urls: z.array(z.string()),
  browser_urls: z.record(z.string(), z.string()).describe(
    "Each local URL's browser view: the same app through buzz's proxy. Pages opened there " +
      "report their console errors, crashes and failed requests to buzz (errors_list, logs_tail)",
  ),
  args: z.array(z.string()),
  tty: z.boolean(),
  env: z.record(z.string(), z.string()),
  auto_restart: z.object({
    max_restarts: z.number(),
    backoff_ms: z.number(),
    always: z.boolean().optional().describe("Restarts after a clean exit too"),
  }).nullable(),
  attempt: z.number(),
  ready: z.boolean().describe(
    "Ready by buzz.json's `ready` probe (without one: as soon as it started)",
  ),
  ready_at: z.string().nullable().describe("Since when it is ready"),
  ready_by: z.string().nullable().describe(
    'Which probe said so, e.g. "http://localhost:3000/health 200", "tcp 127.0.0.1:5432", ' +
      '"started", or "completed" for a one-shot that exited with code 0',
  ),
  ready_error: z.string().nullable().describe("Why it is not ready and will not be (timed out)"),
  pages: z.array(z.object({ url: z.string(), title: z.string(), last_seen: z.string() }))
    .optional().describe("Pages open on its dev server through buzz's proxy (browser telemetry)"),
});
export const Waiting = z.object({
  script: z.string(),
  waiting_for: z.string().describe('The dependencies its start waits on, e.g. "api ready"'),
});
export const Line = z.object({
  process_id: z.string(),
  seq: z.number(),
  time: z.string(),
  stream: z.enum(["stdout", "stderr"]),
  source: z.literal("browser").optional().describe("Set on lines a page in the browser sent"),
  text: z.string().describe(
    `The line as a terminal shows it (no ANSI codes), cut after ${LINE_CHARS} characters`,
  ),
});
export const Truncated = z.object({
  left_off: z.number().describe("Items not returned, to keep the answer under the size budget"),
  lines_cut: z.number().describe("Lines returned shortened"),
  more: z.string().describe("The call (or resource) that returns the rest"),
}).optional().describe(`Present when the answer was cut to stay under ${ANSWER_BYTES} bytes`);
export const Exit = z.object({
  process_id: z.string(),
  state: z.enum(["running", "exited", "failed", "stopped"]),
  exit_code: z.number().nullable(),
  signal: z.string().nullable(),
  restarting: z.boolean().describe("buzz will start it again (auto_restart)"),
});
export const ErrorEntry = z.object({
  id: z.number(),
  process_id: z.string(),
  tool: z.string(),
  kind: z.string(),
  source: z.string().nullable().optional(),
  message: z.string(),
  file: z.string().nullable(),
  line: z.number().nullable(),
  column: z.number().nullable(),
  seq: z.number(),
  last_seq: z.number(),
  time: z.string(),
  first_seen: z.string(),
  last_seen: z.string(),
  count: z.number(),
  resolved: z.boolean(),
  resolved_at: z.string().nullable(),
  lines: z.array(z.string()),
  page: z.string().optional().describe("Browser errors: the page that reported it"),
  stack: z.array(z.string()).optional().describe(
    "Browser errors: the stack, mapped to the project's files",
  ),
});

export const processId = z.string().describe(
  "A run's process_id, as returned by scripts_run or scripts_status",
);
export const limit = (dflt: number, max: number) =>
  z.number().int().min(1).max(max).optional().describe(
    `At most this many items (default ${dflt}, max ${max})`,
  );

/** Every answer goes through the budget (budget.ts): never more than ANSWER_BYTES. */
export function ok<T extends Record<string, unknown>>(
  text: string,
  structured: T,
  links: { uri: string; name: string }[] = [],
): CallToolResult {
  return bounded({
    content: [
      { type: "text", text },
      ...links.map((l) => ({ type: "resource_link" as const, ...l, mimeType: "text/plain" })),
    ],
    structuredContent: structured,
  });
}

/** A line for structuredContent: the agent form without budget bookkeeping. */
export function shapeLine({ cut: _cut, ...l }: AgentLine & { cut?: number }): AgentLine {
  return l;
}

/** A failure the model can act on: what went wrong and the next call to make. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

export function describeRun(r: RunInfo): string {
  const end = r.state === "running"
    ? ""
    : r.signal
    ? ` (signal ${r.signal})`
    : r.exit_code !== null
    ? ` (exit code ${r.exit_code})`
    : "";
  const urls = r.urls.length ? ` ${r.urls.map((u) => withBrowserView(r, u)).join(" ")}` : "";
  const ready = r.state !== "running" || r.ready_by === "started"
    ? ""
    : r.ready
    ? ` (ready: ${r.ready_by})`
    : r.ready_error
    ? ` (not ready: ${r.ready_error})`
    : " (not ready yet)";
  const env = Object.entries(r.env ?? {}).map(([k, from]) => `${k} (${from})`).join(", ");
  const pages = (r.pages ?? []).map((p) =>
    `${p.url}${p.title ? ` "${p.title}"` : ""} (seen ${p.last_seen.slice(11, 19)})`
  ).join(", ");
  return `${r.process_id} ${r.state}${ready}${end} pid ${r.pid}: ${r.command}${urls}` +
    (env ? `; env: ${env}` : "") + (pages ? `; pages: ${pages}` : "");
}

/** A URL and, if it has one, its browser view: "http://localhost:5173/ (browser view: …)". */
export function withBrowserView(r: Pick<RunInfo, "browser_urls">, url: string): string {
  const view = r.browser_urls?.[url];
  return view ? `${url} (browser view: ${view})` : url;
}

/**
 * The client names 2025 sessions gave at initialize, by session id (legacy.ts keeps it): the
 * servers share their tools (mcp.ts), so a tool cannot ask its own server who is calling.
 */
export const sessionClients = new Map<string, string>();

/** Who is calling: the client's name, as the person at the terminal will see it. */
export function clientName(server: McpServer, ctx: ServerContext): string {
  // A 2026-07-28 request names its client in its envelope (which the SDK lifts off _meta); a 2025
  // session named it at initialize.
  type Named = Record<string, { name?: string } | undefined> | undefined;
  const envelope = ctx.mcpReq.envelope as Named;
  const meta = ctx.mcpReq._meta as Named;
  return envelope?.[CLIENT_INFO_META_KEY]?.name ?? meta?.[CLIENT_INFO_META_KEY]?.name ??
    (ctx.sessionId === undefined ? undefined : sessionClients.get(ctx.sessionId)) ??
    server.server.getClientVersion()?.name ?? "agent";
}

export function formatLines(lines: AgentLine[]): string {
  return lines.map(formatLine).join("\n");
}

export function describeExit(r: RunInfo): string {
  return r.state === "running"
    ? "is running"
    : r.signal
    ? `${r.state} (signal ${r.signal})`
    : r.exit_code !== null
    ? `${r.state} with exit code ${r.exit_code}`
    : r.state;
}

/** What a wait saw when its run ended: the exit and the run's last lines. */
export function exitOf(sup: Supervisor, w: WaitResult, lastLines = 10) {
  const r = w.exited!;
  const exited = {
    process_id: r.process_id,
    state: r.state,
    exit_code: r.exit_code,
    signal: r.signal,
    restarting: w.restarting,
  };
  const tail = sup.get(r.process_id)
    ? sup.tail({ processId: r.process_id, limit: lastLines }).lines.map((l) =>
      shapeLine(agentLine(l))
    )
    : [];
  const text = `${r.process_id} ${describeExit(r)}` +
    (w.restarting ? "; buzz restarts it (auto_restart) as a new run" : "") +
    (tail.length ? `. Its last lines:\n${formatLines(tail)}` : ".");
  return { exited, last_lines: tail, text };
}

/** Reports a wait's progress to the client, if it asked for progress. */
export function progressReporter(ctx: ServerContext, message: string) {
  return (elapsedMs: number, totalMs: number) => {
    const token = ctx.mcpReq._meta?.progressToken;
    if (token === undefined) return;
    ctx.mcpReq.notify({
      method: "notifications/progress",
      params: { progressToken: token, progress: elapsedMs, total: totalMs, message },
    }).catch(() => {});
  };
}

/** Runs a handler, turning thrown errors into isError results a model can read. */
export function guarded<A>(
  fn: (args: A, ctx: ServerContext) => CallToolResult | Promise<CallToolResult>,
) {
  return async (args: A, ctx: ServerContext): Promise<CallToolResult> => {
    try {
      return await fn(args, ctx);
    } catch (e) {
      return toolError((e as Error).message);
    }
  };
}

/**
 * A tool's description and schemas, built once for the process. An instance
 * builds a server for every 2026-07-28 request, and building zod schemas is
 * most of what that costs; the handlers stay per server.
 */
export const configs = new Map<string, unknown>();
export function once<T extends { inputSchema?: unknown; outputSchema?: unknown }>(
  name: string,
  make: () => T,
): T {
  if (!configs.has(name)) {
    const config = make();
    for (const key of ["inputSchema", "outputSchema"] as const) {
      const schema = config[key] as StandardSchemaWithJSON | undefined;
      if (schema) config[key] = jsonOnce(schema);
    }
    configs.set(name, config);
  }
  return configs.get(name) as T;
}

/**
 * The same schema, with its JSON Schema forms worked out once. The SDK converts
 * a tool's schemas afresh on every server it builds (zod does the whole walk
 * each time), and a 2026-07-28 request gets a server of its own: without this,
 * every tools/call paid for two conversions and every tools/list for eighteen.
 */
function jsonOnce<S extends StandardSchemaWithJSON>(schema: S): S {
  const std = schema["~standard"];
  const made = new Map<string, Record<string, unknown>>();
  type Options = Parameters<typeof std.jsonSchema.input>[0];
  const form = (io: "input" | "output") => (options: Options) => {
    const key = `${io} ${options.target}`;
    let json = made.get(key);
    if (!json) made.set(key, json = std.jsonSchema[io](options));
    return json;
  };
  // The SDK reads a schema through `~standard` alone, so this stands in for the zod object.
  return {
    "~standard": { ...std, jsonSchema: { input: form("input"), output: form("output") } },
  } as unknown as S;
}
