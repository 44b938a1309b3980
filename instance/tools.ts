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
import {
  type AgentLine,
  agentLine,
  ANSWER_BYTES,
  bounded,
  cut,
  ERROR_LINE_CHARS,
  fitLines,
  formatLine,
  jsonBytes,
  LINE_CHARS,
  lineCost,
  type Truncation,
} from "./budget.ts";
import { findUrls } from "./detect.ts";
import { lineMatcher, type RunInfo, type ScriptInfo, type Supervisor } from "./supervisor.ts";
import { waitFor, type WaitResult } from "./wait.ts";

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
  text: z.string().describe(
    `The line as a terminal shows it (no ANSI codes), cut after ${LINE_CHARS} characters`,
  ),
});
const Truncated = z.object({
  left_off: z.number().describe("Items not returned, to keep the answer under the size budget"),
  lines_cut: z.number().describe("Lines returned shortened"),
  more: z.string().describe("The call (or resource) that returns the rest"),
}).optional().describe(`Present when the answer was cut to stay under ${ANSWER_BYTES} bytes`);
const Exit = z.object({
  process_id: z.string(),
  state: z.enum(["running", "exited", "failed", "stopped"]),
  exit_code: z.number().nullable(),
  signal: z.string().nullable(),
  restarting: z.boolean().describe("buzz will start it again (auto_restart)"),
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

/** Every answer goes through the budget (budget.ts): never more than ANSWER_BYTES. */
function ok<T extends Record<string, unknown>>(
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
function shapeLine({ cut: _cut, ...l }: AgentLine & { cut?: number }): AgentLine {
  return l;
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

function formatLines(lines: AgentLine[]): string {
  return lines.map(formatLine).join("\n");
}

function describeExit(r: RunInfo): string {
  return r.state === "running"
    ? "is running"
    : r.signal
    ? `${r.state} (signal ${r.signal})`
    : r.exit_code !== null
    ? `${r.state} with exit code ${r.exit_code}`
    : r.state;
}

/** What a wait saw when its run ended: the exit and the run's last lines. */
function exitOf(sup: Supervisor, w: WaitResult, lastLines = 10) {
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
function progressReporter(ctx: ServerContext, message: string) {
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
  /** The URI of a run's log resource, offered when an answer leaves lines out. */
  logsUri?: (processId: string) => string,
): void {
  const logLink = (processId: string | undefined) =>
    processId && logsUri ? [{ uri: logsUri(processId), name: `logs of ${processId}` }] : [];
  const viaResource = (processId: string | undefined) =>
    processId && logsUri ? `, or read the resource ${logsUri(processId)} (its latest lines)` : "";

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
        "unless restart is true. Returns the run's process_id for logs_tail, scripts_stop and friends. " +
        'With wait_for ("url", or a pattern) it also waits until the run is ready: it returns the ' +
        "URL or the line that matched, or the exit and last lines if the run ends first.",
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
        wait_for: z.string().min(1).optional().describe(
          'Wait until the run is ready: "url" for the first URL it prints (a dev server\'s ' +
            "address), or text its output must contain (case-insensitive; a regular expression " +
            "with regex: true). Lines the run printed before the call count too.",
        ),
        regex: z.boolean().optional().describe("wait_for is a regular expression (RE2 syntax)"),
        timeout_ms: z.number().int().min(1).max(600_000).optional().describe(
          "How long wait_for waits (default 30000); the run keeps going after a timeout",
        ),
      }),
      outputSchema: z.object({
        process_id: z.string(),
        pid: z.number(),
        state: z.string(),
        already_running: z.boolean(),
        wait: z.object({
          matched: z.boolean(),
          url: z.string().nullable().describe('The URL found, for wait_for: "url"'),
          line: Line.nullable().describe("The line that matched"),
          exited: Exit.nullable().describe("Set when the run ended before a match"),
          last_lines: z.array(Line).describe("The run's last lines, when it ended first"),
          timed_out: z.boolean(),
          next_seq: z.number().describe("Cursor after the wait, for logs_tail or logs_wait"),
        }).optional().describe("Present when wait_for was given"),
      }),
    })),
    guarded(async (
      { name, restart, args, env, tty, auto_restart, wait_for, regex, timeout_ms },
      ctx,
    ) => {
      const client = clientName(server, ctx);
      // A bad pattern fails before anything starts.
      const waitUrl = wait_for?.toLowerCase() === "url" && !regex;
      const matches = wait_for === undefined
        ? null
        : waitUrl
        ? (plain: string) => plain.includes("://") && findUrls(plain).length > 0
        : lineMatcher(wait_for, regex);
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
      const started = alreadyRunning
        ? `${name} is already running as ${run.process_id} (pid ${run.pid}); pass restart: true to restart it.`
        : `Started ${name} as ${run.process_id} (pid ${run.pid}), state ${run.state}.`;
      const answer = {
        process_id: run.process_id,
        pid: run.pid,
        state: run.state,
        already_running: alreadyRunning,
      };
      if (!matches) {
        return ok(
          alreadyRunning
            ? started
            : `${started} Follow its output with logs_tail {process_id: "${run.process_id}"}.`,
          answer,
        );
      }
      const timeoutMs = timeout_ms ?? 30_000;
      const what = waitUrl ? "a URL" : `"${wait_for}"`;
      const w = await waitFor(sup, {
        match: matches,
        processId: run.process_id,
        timeoutMs,
        signal: ctx.mcpReq.signal,
        onProgress: progressReporter(ctx, `waiting for ${what} from ${run.process_id}`),
        what: "scripts_run wait_for",
      });
      const line = w.line ? shapeLine(agentLine(w.line)) : null;
      const url = w.line && waitUrl ? findUrls(w.line.plain)[0] : null;
      const exit = w.exited ? exitOf(sup, w, 20) : null;
      const now = sup.get(run.process_id) ?? run;
      const follow =
        `logs_wait {process_id: "${run.process_id}", pattern: …, since_seq: ${w.nextSeq}}`;
      const text = line
        ? `${started} ${url ? `Ready at ${url}` : `Matched ${what}`} (line #${line.seq}):\n` +
          formatLine(line)
        : exit
        ? `${started} It ended before printing ${what}: ${exit.text}`
        : `${started} No ${waitUrl ? "URL" : `line matching ${what}`} within ${timeoutMs} ms; ` +
          `it is ${now.state}. Keep waiting with ${follow}.`;
      return ok(text, {
        ...answer,
        state: now.state,
        wait: {
          matched: line !== null,
          url,
          line,
          exited: exit?.exited ?? null,
          last_lines: exit?.last_lines ?? [],
          timed_out: w.timedOut,
          next_seq: w.nextSeq,
        },
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
        "Pass the returned next_seq as since_seq next time to follow output without missing or repeating a line. " +
        `Text is plain (no ANSI codes); lines over ${LINE_CHARS} characters are cut unless limit is 1, ` +
        `and an answer stops short of ${ANSWER_BYTES} bytes, saying how to get the rest.`,
      inputSchema: z.object({
        process_id: processId.optional(),
        since_seq: z.number().int().min(0).optional().describe(
          "Cursor: return lines with seq greater than this",
        ),
        limit: limit(100, 1000),
        stream: z.enum(["stdout", "stderr"]).optional(),
      }),
      outputSchema: z.object({
        lines: z.array(Line),
        next_seq: z.number(),
        truncated: Truncated,
      }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ process_id, since_seq, limit, stream }) => {
      const tailed = sup.tail({ processId: process_id, sinceSeq: since_seq, limit, stream });
      // One line alone always fits (buzz keeps at most 16,384 characters of a line).
      const max = limit === 1 ? Infinity : LINE_CHARS;
      const following = since_seq !== undefined;
      const { kept, leftOff } = fitLines(
        tailed.lines.map((l) => agentLine(l, max)),
        following ? "first" : "last",
        lineCost,
      );
      const lines = kept.map(shapeLine);
      const next_seq = following && leftOff ? kept.at(-1)!.seq : tailed.next_seq;
      const linesCut = kept.filter((l) => l.cut).length;
      let truncated: Truncation | undefined;
      if (leftOff || linesCut) {
        const where = process_id ? `process_id: "${process_id}", ` : "";
        const more = leftOff
          ? following
            ? `The next lines: logs_tail {${where}since_seq: ${next_seq}}`
            : `The ${leftOff} older lines: logs_tail {${where}since_seq: ${
              tailed.lines[0].seq - 1
            }, limit: ${leftOff}}`
          : "A cut line whole: logs_tail with its since_seq (its seq - 1) and limit: 1";
        truncated = {
          left_off: leftOff,
          lines_cut: linesCut,
          more: more + viaResource(process_id),
        };
      }
      const body = lines.length ? formatLines(lines) : "(no new lines)";
      const note = truncated?.left_off
        ? `\n(${truncated.left_off} lines left off to stay under ${ANSWER_BYTES} bytes. ${truncated.more}.)`
        : "";
      return ok(
        `${body}${note}\n(next_seq: ${next_seq})`,
        { lines, next_seq, ...(truncated && { truncated }) },
        truncated?.left_off ? logLink(process_id) : [],
      );
    }),
  );

  server.registerTool(
    "logs_search",
    once("logs_search", () => ({
      title: "Search logs",
      description:
        "Lines whose text (ANSI codes stripped) contains query, case-insensitively, or matches it as a " +
        "regular expression when regex is true. Newest matches last. Text is plain (no ANSI " +
        `codes), long lines are cut, and an answer stops short of ${ANSWER_BYTES} bytes.`,
      inputSchema: z.object({
        query: z.string().min(1),
        regex: z.boolean().optional(),
        process_id: processId.optional(),
        limit: limit(100, 1000),
      }),
      outputSchema: z.object({ matches: z.array(Line), truncated: Truncated }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ query, regex, process_id, limit }) => {
      const hits = sup.search({ query, regex, processId: process_id, limit });
      const { kept, leftOff } = fitLines(hits.map((l) => agentLine(l)), "last", lineCost);
      const matches = kept.map(shapeLine);
      const linesCut = kept.filter((l) => l.cut).length;
      const truncated: Truncation | undefined = leftOff || linesCut
        ? {
          left_off: leftOff,
          lines_cut: linesCut,
          more: leftOff
            ? `${leftOff} older matches were left off: narrow the query, give process_id, or ` +
              `read around a match with logs_tail {process_id, since_seq: <its seq - 1>}`
            : "A cut line whole: logs_tail {process_id, since_seq: <its seq - 1>, limit: 1}",
        }
        : undefined;
      const text = matches.length
        ? formatLines(matches) + (leftOff ? `\n(${truncated!.more}.)` : "")
        : `No line matches "${query}".`;
      return ok(text, { matches, ...(truncated && { truncated }) });
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
      outputSchema: z.object({ errors: z.array(ErrorEntry), truncated: Truncated }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ process_id, limit, include_resolved }) => {
      let linesCut = 0;
      const shorten = (text: string, max: number) => {
        const c = cut(text, max);
        if (!c.cut) return text;
        linesCut++;
        return `${c.text} … [${c.cut} more characters]`;
      };
      const all = sup.errors({ processId: process_id, limit, includeResolved: include_resolved })
        .map(({ raw: _raw, ...e }) => ({
          ...e,
          message: shorten(e.message, LINE_CHARS),
          lines: e.lines.map((l) => shorten(l, ERROR_LINE_CHARS)),
        }));
      const where = (e: typeof all[number]) =>
        e.file ? ` ${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : ""}` : "";
      const render = (e: typeof all[number]) =>
        `[${e.process_id} ${e.tool}${where(e)}${e.count > 1 ? ` ×${e.count}` : ""}` +
        `${e.resolved ? " (resolved)" : ""}] ${e.message}\n${e.lines.join("\n")}`;
      // Most recent first: the errors that fit, whole (200 cut lines of one always fit).
      const { kept: errors, leftOff } = fitLines(
        all,
        "first",
        (e) => jsonBytes(e) + jsonBytes(render(e)) + 4,
      );
      const truncated: Truncation | undefined = leftOff || linesCut
        ? {
          left_off: leftOff,
          lines_cut: linesCut,
          more: (leftOff
            ? `${leftOff} older errors were left off: give process_id or a smaller limit. `
            : "") +
            "An error's lines whole: logs_tail {process_id, since_seq: <its seq - 1>}",
        }
        : undefined;
      const text = errors.length
        ? errors.map(render).join("\n\n") + (truncated ? `\n\n(${truncated.more}.)` : "")
        : include_resolved
        ? "No errors detected."
        : "No current errors. Pass include_resolved: true to see errors that were fixed.";
      return ok(text, { errors, ...(truncated && { truncated }) });
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
        "Waits until a log line matches pattern (e.g. a dev server's 'ready'). Lines already " +
        "printed count: those after since_seq, or by default every line of the run (of every " +
        "run without process_id), so a line printed just before the call is not missed. " +
        "Returns at once when the run has exited (with its exit code or signal and last lines) " +
        "instead of running out timeout_ms. Pass next_seq as since_seq to wait for the next match. " +
        "Sends progress notifications while waiting and stops when the call is cancelled.",
      inputSchema: z.object({
        pattern: z.string().min(1),
        regex: z.boolean().optional(),
        process_id: processId.optional().describe(
          "The run to wait on. Without it, lines of every run count (after a restart, give " +
            "process_id or since_seq so an earlier run's line does not), and the wait ends on " +
            "exit once every run it saw running has ended",
        ),
        since_seq: z.number().int().min(0).optional().describe(
          "Cursor: only lines with seq greater than this count (e.g. a next_seq from logs_tail); " +
            "default: from the start of the run",
        ),
        timeout_ms: z.number().int().min(1).max(600_000).optional().describe("Default 30000"),
      }),
      outputSchema: z.object({
        matched: z.boolean(),
        line: Line.nullable(),
        exited: Exit.optional().describe("Present when the wait ended because the run ended"),
        last_lines: z.array(Line).optional().describe("The run's last lines, when it ended"),
        timed_out: z.boolean(),
        next_seq: z.number().describe("Cursor: pass as since_seq to continue after this point"),
      }),
    })),
    guarded(async ({ pattern, regex, process_id, since_seq, timeout_ms }, ctx) => {
      const timeoutMs = timeout_ms ?? 30_000;
      const w = await waitFor(sup, {
        match: lineMatcher(pattern, regex),
        processId: process_id,
        sinceSeq: since_seq,
        timeoutMs,
        signal: ctx.mcpReq.signal,
        onProgress: progressReporter(ctx, `waiting for "${pattern}"`),
        what: "logs_wait",
      });
      const base = { timed_out: w.timedOut, next_seq: w.nextSeq };
      if (w.line) {
        const line = shapeLine(agentLine(w.line));
        return ok(`${formatLine(line)}\n(next_seq: ${w.nextSeq})`, {
          matched: true,
          line,
          ...base,
        });
      }
      if (w.exited) {
        const exit = exitOf(sup, w);
        return ok(`No line matched "${pattern}": ${exit.text}\n(next_seq: ${w.nextSeq})`, {
          matched: false,
          line: null,
          exited: exit.exited,
          last_lines: exit.last_lines,
          ...base,
        });
      }
      return ok(
        `No line matched "${pattern}" within ${timeoutMs} ms. To keep waiting without missing ` +
          `a line, call logs_wait again with since_seq: ${w.nextSeq}.`,
        { matched: false, line: null, ...base },
      );
    }),
  );
}
