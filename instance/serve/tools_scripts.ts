// The tools that list, start, stop and type into the project's scripts, and
// report their runs and URLs.

import { z } from "zod";
import type { McpServer } from "../../shared/sdk_server.ts";
import { activity } from "../activity.ts";
import { agentLine, formatLine } from "./budget.ts";
import { findUrls } from "../detect/detector.ts";
import { lineMatcher, type ScriptInfo, type Supervisor } from "../supervise/supervisor.ts";
import { waitFor } from "./wait.ts";
import {
  clientName,
  describeRun,
  Exit,
  exitOf,
  guarded,
  Line,
  ok,
  once,
  processId,
  progressReporter,
  Run,
  shapeLine,
  toolError,
  Waiting,
  withBrowserView,
} from "./tool_kit.ts";

/** Said under runs that have a browser view: what opening a page there does. */
const BROWSER_NOTE = "Pages opened at a browser view report their console errors, crashes and " +
  "failed requests to buzz: errors_list and logs_tail show them.";

export function registerScriptTools(
  server: McpServer,
  sup: Supervisor,
  scripts: () => ScriptInfo[],
): void {
  server.registerTool(
    "scripts_list",
    once("scripts_list", () => ({
      title: "List scripts",
      description:
        "The project's scripts (package.json scripts, deno.json tasks and buzz.json commands) and " +
        "whether each is running. " +
        "Start one with scripts_run.",
      inputSchema: z.object({}),
      outputSchema: z.object({
        scripts: z.array(z.object({
          name: z.string(),
          command: z.string(),
          source: z.enum(["package.json", "deno.json", "buzz.json"]),
          runner: z.string().describe(
            "The program that runs it: npm, pnpm, yarn, bun, deno, or shell (a buzz.json command)",
          ),
          cwd: z.string().nullable().describe(
            "Where it runs, relative to the project (a workspace package's directory, or " +
              "buzz.json's cwd); null: the project directory",
          ),
          depends_on: z.array(z.object({ name: z.string(), condition: z.string() })).describe(
            "What buzz.json says it needs first; scripts_run starts these before it",
          ),
          running: z.boolean(),
          process_id: z.string().nullable(),
        })),
        config_error: z.string().nullable().describe(
          "What is wrong with buzz.json; until it is fixed, buzz runs the scripts without the edit",
        ),
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
        cwd: s.cwd ?? null,
        depends_on: s.stack?.depends_on ?? [],
        running: running.has(s.name),
        process_id: running.get(s.name)?.process_id ?? null,
      }));
      const text = list.length
        ? list.map((s) =>
          `${s.name}${s.running ? ` (running as ${s.process_id})` : ""} [${
            s.cwd ? `${s.cwd}/` : ""
          }${s.source}, ${s.runner}]: ${s.command}${
            s.depends_on.length
              ? ` (after ${s.depends_on.map((d) => `${d.name} ${d.condition}`).join(", ")})`
              : ""
          }`
        )
          .join("\n")
        : "This project has no package.json scripts or deno.json tasks.";
      const problem = sup.configProblem;
      const warning = problem
        ? `${problem}. buzz keeps running without that edit; fix buzz.json and buzz reloads it ` +
          "when it is saved.\n\n"
        : "";
      return ok(warning + text, { scripts: list, config_error: problem });
    }),
  );

  server.registerTool(
    "scripts_run",
    once("scripts_run", () => ({
      title: "Run a script",
      description:
        "Starts a script by name, after what it depends on (buzz.json's depends_on: each is " +
        "started if need be and waited on until started, ready or completed, with progress " +
        "notifications; a dependency that fails stops the chain with its last lines). " +
        "A script that is already running is not started twice " +
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
        dependencies: z.array(Run).describe(
          "The runs it waited on (buzz.json's depends_on), as they were when their condition held",
        ),
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
      // Waiting on dependencies reports what it waits for, once per change.
      const began = Date.now();
      let waitingFor: string | null = null;
      const report = () => {
        const token = ctx.mcpReq._meta?.progressToken;
        if (token === undefined || !waitingFor) return;
        ctx.mcpReq.notify({
          method: "notifications/progress",
          params: { progressToken: token, progress: Date.now() - began, message: waitingFor },
        }).catch(() => {});
      };
      const started = await sup.start(name, {
        restart,
        args,
        env,
        tty,
        autoRestart: auto_restart,
        actor: client,
        signal: ctx.mcpReq.signal,
        onWaiting: (script, what) => {
          const next = what && `${script} is waiting for ${what}`;
          if (next === waitingFor) return;
          waitingFor = next;
          report();
        },
      });
      const { run, alreadyRunning, dependencies } = started;
      if (!alreadyRunning) {
        activity.post({
          kind: "tool-call",
          client,
          tool: "scripts_run",
          summary: restart ? `${name} (restart)` : name,
          ok: true,
        });
      }
      const after = dependencies.length
        ? ` after ${
          dependencies.map((d) =>
            `${d.process_id} (${
              d.state === "running" || d.ready_by === "completed"
                ? d.ready_by ?? "started"
                : d.state
            })`
          ).join(", ")
        }`
        : "";
      const startedText = alreadyRunning
        ? `${name} is already running as ${run.process_id} (pid ${run.pid}); pass restart: true to restart it.`
        : `Started ${name} as ${run.process_id} (pid ${run.pid})${after}, state ${run.state}.`;
      const answer = {
        process_id: run.process_id,
        pid: run.pid,
        state: run.state,
        already_running: alreadyRunning,
        dependencies,
      };
      if (!matches) {
        return ok(
          alreadyRunning
            ? startedText
            : `${startedText} Follow its output with logs_tail {process_id: "${run.process_id}"}.`,
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
        ? `${startedText} ${url ? `Ready at ${url}` : `Matched ${what}`} (line #${line.seq}):\n` +
          formatLine(line)
        : exit
        ? `${startedText} It ended before printing ${what}: ${exit.text}`
        : `${startedText} No ${
          waitUrl ? "URL" : `line matching ${what}`
        } within ${timeoutMs} ms; ` +
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
        "Name it by process_id, or by script name to stop that script's running run. What it " +
        "depends on keeps running; with_dependents: true first stops what depends on it " +
        "(buzz.json's depends_on), the furthest first.",
      inputSchema: z.object({
        process_id: processId.optional(),
        name: z.string().optional().describe("Script name"),
        with_dependents: z.boolean().optional().describe(
          "Also stop the running scripts that depend on it, before it, in reverse start order",
        ),
      }),
      outputSchema: z.object({
        run: Run,
        dependents: z.array(Run).describe("Runs of dependents stopped first (with_dependents)"),
      }),
      annotations: { destructiveHint: true },
    })),
    guarded(async ({ process_id, name, with_dependents }, ctx) => {
      const dependents = [];
      if (with_dependents) {
        const script = name ?? (process_id ? sup.get(process_id)?.script : undefined);
        if (!script) {
          return toolError(
            `No run with process_id "${process_id}". Call scripts_status to see runs.`,
          );
        }
        dependents.push(...await sup.stopDependents(script));
      }
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
        summary: with_dependents ? `${id} with dependents` : id,
        ok: true,
      });
      const first = dependents.length
        ? `Stopped its dependents first: ${dependents.map(describeRun).join("; ")}\n`
        : "";
      return ok(`${first}Stopped: ${describeRun(run)}`, { run, dependents });
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
        "Every run of this instance (or of one script) with state, readiness, pid, exit code, " +
        "times and URLs; and the scripts whose start waits on dependencies (waiting).",
      inputSchema: z.object({ name: z.string().optional().describe("Only runs of this script") }),
      outputSchema: z.object({ runs: z.array(Run), waiting: z.array(Waiting) }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ name }) => {
      const runs = sup.runs().filter((r) => !name || r.script === name);
      const waiting = sup.waiting().filter((w) => !name || w.script === name);
      const text = [
        ...runs.map(describeRun),
        ...waiting.map((w) => `${w.script} waiting: ${w.waiting_for}`),
      ].join("\n") ||
        (name
          ? `No runs of "${name}" yet. Start it with scripts_run {name: "${name}"}.`
          : "Nothing has run yet. Call scripts_list, then scripts_run.");
      const viewed = runs.some((r) => Object.keys(r.browser_urls).length);
      return ok(text + (viewed ? `\n${BROWSER_NOTE}` : ""), { runs, waiting });
    }),
  );

  server.registerTool(
    "urls_list",
    once("urls_list", () => ({
      title: "Detected URLs",
      description:
        "URLs the runs printed (dev servers and the like), de-duplicated per run, each local one " +
        "with its browser view: the same app through buzz's proxy, where pages report their " +
        "console errors, crashes and failed requests to buzz (errors_list, logs_tail). Ask the " +
        "person to open the browser view to let you see what the browser sees.",
      inputSchema: z.object({}),
      outputSchema: z.object({
        runs: z.array(
          z.object({
            process_id: z.string(),
            script: z.string(),
            state: z.string(),
            urls: z.array(z.string()),
            browser_urls: z.record(z.string(), z.string()).describe(
              "The browser view of each local URL (printed URL → proxied URL)",
            ),
          }),
        ),
      }),
      annotations: { readOnlyHint: true },
    })),
    guarded(() => {
      const runs = sup.runs().filter((r) => r.urls.length)
        .map((r) => ({
          process_id: r.process_id,
          script: r.script,
          state: r.state,
          urls: r.urls,
          browser_urls: r.browser_urls,
        }));
      const viewed = runs.some((r) => Object.keys(r.browser_urls).length);
      const text = runs.length
        ? runs.map((r) =>
          `${r.process_id} (${r.state}): ${r.urls.map((u) => withBrowserView(r, u)).join(" ")}`
        ).join("\n") + (viewed ? `\n${BROWSER_NOTE}` : "")
        : "No URLs detected yet.";
      return ok(text, { runs });
    }),
  );
}
