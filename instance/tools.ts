// The instance's MCP tools. Names and shapes are a contract: the hub proxies
// them and agents call them by name. Every answer carries readable text plus
// structuredContent that matches the declared outputSchema.

import { z } from "zod";
import {
  type CallToolResult,
  CLIENT_INFO_META_KEY,
  type McpServer,
  type ServerContext,
} from "../shared/sdk.ts";
import { activity } from "./activity.ts";
import type { RunInfo, ScriptInfo, Supervisor } from "./supervisor.ts";
import { waitForLine } from "./wait.ts";

const Run = z.object({
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
  args: z.array(z.string()),
  tty: z.boolean(),
  env: z.record(z.string(), z.string()),
  auto_restart: z.object({ max_restarts: z.number(), backoff_ms: z.number() }).nullable(),
  attempt: z.number(),
});
const Line = z.object({
  process_id: z.string(),
  seq: z.number(),
  time: z.string(),
  stream: z.enum(["stdout", "stderr"]),
  text: z.string(),
});
const ErrorEntry = z.object({
  id: z.number(),
  process_id: z.string(),
  tool: z.string(),
  kind: z.string(),
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
});

const processId = z.string().describe(
  "A run's process_id, as returned by scripts_run or scripts_status",
);
const limit = (dflt: number, max: number) =>
  z.number().int().min(1).max(max).optional().describe(
    `At most this many items (default ${dflt}, max ${max})`,
  );

function ok<T extends Record<string, unknown>>(text: string, structured: T): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

/** A failure the model can act on: what went wrong and the next call to make. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

function describeRun(r: RunInfo): string {
  const end = r.state === "running"
    ? ""
    : r.signal
    ? ` (signal ${r.signal})`
    : r.exit_code !== null
    ? ` (exit code ${r.exit_code})`
    : "";
  const urls = r.urls.length ? ` ${r.urls.join(" ")}` : "";
  const env = Object.entries(r.env ?? {}).map(([k, from]) => `${k} (${from})`).join(", ");
  return `${r.process_id} ${r.state}${end} pid ${r.pid}: ${r.command}${urls}` +
    (env ? `; env: ${env}` : "");
}

/** Who is calling: the client's name, as the person at the terminal will see it. */
function clientName(server: McpServer, ctx: ServerContext): string {
  // A 2026-07-28 request names its client in _meta; a 2025 session named it at initialize.
  const meta = ctx.mcpReq._meta as Record<string, { name?: string } | undefined> | undefined;
  return meta?.[CLIENT_INFO_META_KEY]?.name ?? server.server.getClientVersion()?.name ?? "agent";
}

function formatLines(lines: z.infer<typeof Line>[]): string {
  return lines.map((l) =>
    `[${l.process_id} #${l.seq}${l.stream === "stderr" ? " err" : ""}] ${l.text}`
  )
    .join("\n");
}

/** Runs a handler, turning thrown errors into isError results a model can read. */
function guarded<A>(
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
const configs = new Map<string, unknown>();
function once<T>(name: string, make: () => T): T {
  if (!configs.has(name)) configs.set(name, make());
  return configs.get(name) as T;
}

export function registerTools(
  server: McpServer,
  sup: Supervisor,
  scripts: () => ScriptInfo[],
): void {
  server.registerTool(
    "scripts_list",
    once("scripts_list", () => ({
      title: "List scripts",
      description:
        "The project's scripts (package.json scripts and deno.json tasks) and whether each is running. " +
        "Start one with scripts_run.",
      inputSchema: z.object({}),
      outputSchema: z.object({
        scripts: z.array(z.object({
          name: z.string(),
          command: z.string(),
          source: z.enum(["package.json", "deno.json"]),
          runner: z.string().describe("The program that runs it: npm, pnpm, yarn, bun or deno"),
          running: z.boolean(),
          process_id: z.string().nullable(),
        })),
      }),
      annotations: { readOnlyHint: true },
    })),
    guarded(() => {
      const running = new Map(
        sup.runs().filter((r) => r.state === "running").map((r) => [r.script, r]),
      );
      const list = scripts().map((s) => ({
        name: s.name,
        command: s.command,
        source: s.source,
        runner: s.runner,
        running: running.has(s.name),
        process_id: running.get(s.name)?.process_id ?? null,
      }));
      const text = list.length
        ? list.map((s) =>
          `${s.name}${
            s.running ? ` (running as ${s.process_id})` : ""
          } [${s.source}, ${s.runner}]: ${s.command}`
        )
          .join("\n")
        : "This project has no package.json scripts or deno.json tasks.";
      return ok(text, { scripts: list });
    }),
  );

  server.registerTool(
    "scripts_run",
    once("scripts_run", () => ({
      title: "Run a script",
      description:
        "Starts a script by name. A script that is already running is not started twice " +
        "unless restart is true. Returns the run's process_id for logs_tail, scripts_stop and friends.",
      inputSchema: z.object({
        name: z.string().describe("Script name, as listed by scripts_list"),
        restart: z.boolean().optional().describe("Stop a running instance of the script first"),
        args: z.array(z.string()).optional().describe(
          'Extra arguments appended to the script\'s command, e.g. ["--port", "3001"]',
        ),
        env: z.record(z.string(), z.string()).optional().describe(
          "Environment variables for this run; they win over the project's .env and buzz's own",
        ),
        tty: z.boolean().optional().describe(
          "Run in a pseudo-terminal (default true: colours, watch modes, input via scripts_input); " +
            "false for plain pipes with stdout and stderr apart",
        ),
        auto_restart: z.union([
          z.boolean(),
          z.object({
            max_restarts: z.number().int().min(1).max(100).optional(),
            backoff_ms: z.number().int().min(0).max(60_000).optional(),
          }),
        ]).optional().describe(
          "Restart after a crash (off by default): true for up to 5 restarts with a 1000 ms " +
            "backoff that doubles per crash in a row, or give max_restarts and backoff_ms",
        ),
      }),
      outputSchema: z.object({
        process_id: z.string(),
        pid: z.number(),
        state: z.string(),
        already_running: z.boolean(),
      }),
    })),
    guarded(async ({ name, restart, args, env, tty, auto_restart }, ctx) => {
      const client = clientName(server, ctx);
      const { run, alreadyRunning } = await sup.start(name, {
        restart,
        args,
        env,
        tty,
        autoRestart: auto_restart,
        actor: client,
      });
      if (!alreadyRunning) {
        activity.post({
          kind: "tool-call",
          client,
          tool: "scripts_run",
          summary: restart ? `${name} (restart)` : name,
          ok: true,
        });
      }
      const text = alreadyRunning
        ? `${name} is already running as ${run.process_id} (pid ${run.pid}); pass restart: true to restart it.`
        : `Started ${name} as ${run.process_id} (pid ${run.pid}), state ${run.state}. ` +
          `Follow its output with logs_tail {process_id: "${run.process_id}"}.`;
      return ok(text, {
        process_id: run.process_id,
        pid: run.pid,
        state: run.state,
        already_running: alreadyRunning,
      });
    }),
  );

  server.registerTool(
    "scripts_stop",
    once("scripts_stop", () => ({
      title: "Stop a run",
      description:
        "Stops a run (SIGTERM to its whole process group, then SIGKILL after a grace period). " +
        "Name it by process_id, or by script name to stop that script's running run.",
      inputSchema: z.object({
        process_id: processId.optional(),
        name: z.string().optional().describe("Script name"),
      }),
      outputSchema: z.object({ run: Run }),
      annotations: { destructiveHint: true },
    })),
    guarded(async ({ process_id, name }, ctx) => {
      let id = process_id;
      if (!id && name) {
        id = sup.runs().find((r) => r.script === name && r.state === "running")?.process_id;
        if (!id) {
          return toolError(`Script "${name}" is not running. Call scripts_status to see runs.`);
        }
      }
      if (!id) return toolError("Give process_id or name. Call scripts_status to see runs.");
      const run = await sup.stop(id);
      activity.post({
        kind: "tool-call",
        client: clientName(server, ctx),
        tool: "scripts_stop",
        summary: id,
        ok: true,
      });
      return ok(`Stopped: ${describeRun(run)}`, { run });
    }),
  );

  server.registerTool(
    "scripts_input",
    once("scripts_input", () => ({
      title: "Type into a run",
      description:
        "Sends text to a running run's terminal, as if typed: a key for a watch mode's menu " +
        '(vitest\'s "h", "q"), or an answer to a prompt followed by "\\r". "\\u0003" is Ctrl-C. ' +
        "Only runs started with a terminal (the default) take input.",
      inputSchema: z.object({
        process_id: processId,
        text: z.string().min(1).max(65_536).describe("What to type; end a line with \\r"),
      }),
      outputSchema: z.object({ process_id: z.string(), bytes: z.number() }),
    })),
    guarded(({ process_id, text }, ctx) => {
      sup.input(process_id, text);
      activity.post({
        kind: "tool-call",
        client: clientName(server, ctx),
        tool: "scripts_input",
        summary: process_id,
        ok: true,
      });
      return ok(
        `Sent ${text.length} characters to ${process_id}. See what it printed with ` +
          `logs_tail {process_id: "${process_id}"}.`,
        { process_id, bytes: new TextEncoder().encode(text).length },
      );
    }),
  );

  server.registerTool(
    "scripts_status",
    once("scripts_status", () => ({
      title: "Run status",
      description:
        "Every run of this instance (or of one script) with state, pid, exit code, times and URLs.",
      inputSchema: z.object({ name: z.string().optional().describe("Only runs of this script") }),
      outputSchema: z.object({ runs: z.array(Run) }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ name }) => {
      const runs = sup.runs().filter((r) => !name || r.script === name);
      const text = runs.length
        ? runs.map(describeRun).join("\n")
        : name
        ? `No runs of "${name}" yet. Start it with scripts_run {name: "${name}"}.`
        : "Nothing has run yet. Call scripts_list, then scripts_run.";
      return ok(text, { runs });
    }),
  );

  server.registerTool(
    "logs_tail",
    once("logs_tail", () => ({
      title: "Tail logs",
      description:
        "The latest log lines, or with since_seq the lines after that cursor (oldest first). " +
        "Pass the returned next_seq as since_seq next time to follow output without missing or repeating a line.",
      inputSchema: z.object({
        process_id: processId.optional(),
        since_seq: z.number().int().min(0).optional().describe(
          "Cursor: return lines with seq greater than this",
        ),
        limit: limit(100, 1000),
        stream: z.enum(["stdout", "stderr"]).optional(),
      }),
      outputSchema: z.object({ lines: z.array(Line), next_seq: z.number() }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ process_id, since_seq, limit, stream }) => {
      const { lines, next_seq } = sup.tail({
        processId: process_id,
        sinceSeq: since_seq,
        limit,
        stream,
      });
      const shaped = lines.map(({ process_id, seq, time, stream, text }) => ({
        process_id,
        seq,
        time,
        stream,
        text,
      }));
      const text = shaped.length ? formatLines(shaped) : "(no new lines)";
      return ok(`${text}\n(next_seq: ${next_seq})`, { lines: shaped, next_seq });
    }),
  );

  server.registerTool(
    "logs_search",
    once("logs_search", () => ({
      title: "Search logs",
      description:
        "Lines whose text (ANSI codes stripped) contains query, case-insensitively, or matches it as a " +
        "regular expression when regex is true. Newest matches last.",
      inputSchema: z.object({
        query: z.string().min(1),
        regex: z.boolean().optional(),
        process_id: processId.optional(),
        limit: limit(100, 1000),
      }),
      outputSchema: z.object({ matches: z.array(Line) }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ query, regex, process_id, limit }) => {
      const matches = sup.search({ query, regex, processId: process_id, limit })
        .map(({ process_id, seq, time, stream, text }) => ({
          process_id,
          seq,
          time,
          stream,
          text,
        }));
      return ok(matches.length ? formatLines(matches) : `No line matches "${query}".`, { matches });
    }),
  );

  server.registerTool(
    "errors_list",
    once("errors_list", () => ({
      title: "Detected errors",
      description:
        "The errors that hold now in the runs' output (compile, type, lint, test, runtime and " +
        "package-manager errors), most recent first, each with the tool that reported it, its " +
        "file:line:column and all of its lines. An error is resolved once its tool reports " +
        "success or a new cycle (tsc 'Found 0 errors', a Vite HMR update, a re-run) or the " +
        "script restarts; include_resolved shows those too.",
      inputSchema: z.object({
        process_id: processId.optional(),
        limit: limit(20, 200),
        include_resolved: z.boolean().optional().describe("Also list errors that were resolved"),
      }),
      outputSchema: z.object({ errors: z.array(ErrorEntry) }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ process_id, limit, include_resolved }) => {
      const errors = sup.errors({ processId: process_id, limit, includeResolved: include_resolved })
        .map(({ raw: _raw, ...e }) => e);
      const where = (e: typeof errors[number]) =>
        e.file ? ` ${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : ""}` : "";
      const text = errors.length
        ? errors.map((e) =>
          `[${e.process_id} ${e.tool}${where(e)}${e.count > 1 ? ` ×${e.count}` : ""}` +
          `${e.resolved ? " (resolved)" : ""}] ${e.message}\n${e.lines.join("\n")}`
        ).join("\n\n")
        : include_resolved
        ? "No errors detected."
        : "No current errors. Pass include_resolved: true to see errors that were fixed.";
      return ok(text, { errors });
    }),
  );

  server.registerTool(
    "urls_list",
    once("urls_list", () => ({
      title: "Detected URLs",
      description: "URLs the runs printed (dev servers and the like), de-duplicated per run.",
      inputSchema: z.object({}),
      outputSchema: z.object({
        runs: z.array(
          z.object({
            process_id: z.string(),
            script: z.string(),
            state: z.string(),
            urls: z.array(z.string()),
          }),
        ),
      }),
      annotations: { readOnlyHint: true },
    })),
    guarded(() => {
      const runs = sup.runs().filter((r) => r.urls.length)
        .map((r) => ({ process_id: r.process_id, script: r.script, state: r.state, urls: r.urls }));
      const text = runs.length
        ? runs.map((r) => `${r.process_id} (${r.state}): ${r.urls.join(" ")}`).join("\n")
        : "No URLs detected yet.";
      return ok(text, { runs });
    }),
  );

  server.registerTool(
    "logs_wait",
    once("logs_wait", () => ({
      title: "Wait for a log line",
      description:
        "Waits until a new log line matches pattern (e.g. a dev server's 'ready'), or timeout_ms " +
        "passes. Sends progress notifications while waiting and stops when the call is cancelled.",
      inputSchema: z.object({
        pattern: z.string().min(1),
        regex: z.boolean().optional(),
        process_id: processId.optional(),
        timeout_ms: z.number().int().min(1).max(600_000).optional().describe("Default 30000"),
      }),
      outputSchema: z.object({ matched: z.boolean(), line: Line.nullable() }),
    })),
    async ({ pattern, regex, process_id, timeout_ms }, ctx) => {
      try {
        const line = await waitForLine(sup, {
          query: pattern,
          regex,
          processId: process_id,
          timeoutMs: timeout_ms ?? 30_000,
          signal: ctx.mcpReq.signal,
          onProgress: (elapsedMs, totalMs) => {
            const token = ctx.mcpReq._meta?.progressToken;
            if (token === undefined) return;
            ctx.mcpReq.notify({
              method: "notifications/progress",
              params: {
                progressToken: token,
                progress: elapsedMs,
                total: totalMs,
                message: `waiting for "${pattern}"`,
              },
            }).catch(() => {});
          },
        });
        if (!line) {
          return ok(`No line matched "${pattern}" in time.`, { matched: false, line: null });
        }
        const shaped = {
          process_id: line.process_id,
          seq: line.seq,
          time: line.time,
          stream: line.stream,
          text: line.text,
        };
        return ok(formatLines([shaped]), { matched: true, line: shaped });
      } catch (e) {
        return toolError((e as Error).message);
      }
    },
  );
}
