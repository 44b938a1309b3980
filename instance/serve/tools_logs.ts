// The tools that read what the runs printed: tail, search, wait, and the
// errors that hold now.

import { z } from "zod";
import type { McpServer } from "../../shared/sdk_server.ts";
import {
  agentLine,
  ANSWER_BYTES,
  cut,
  ERROR_LINE_CHARS,
  fitLines,
  formatLine,
  jsonBytes,
  LINE_CHARS,
  lineCost,
  type Truncation,
} from "./budget.ts";
import { lineMatcher, type Supervisor } from "../supervise/supervisor.ts";
import { waitFor } from "./wait.ts";
import {
  ErrorEntry,
  Exit,
  exitOf,
  formatLines,
  guarded,
  limit,
  Line,
  ok,
  once,
  processId,
  progressReporter,
  shapeLine,
  Truncated,
} from "./tool_kit.ts";

export function registerLogTools(
  server: McpServer,
  sup: Supervisor,
  /** The URI of a run's log resource, offered when an answer leaves lines out. */
  logsUri?: (processId: string) => string,
): void {
  const logLink = (processId: string | undefined) =>
    processId && logsUri ? [{ uri: logsUri(processId), name: `logs of ${processId}` }] : [];
  const viaResource = (processId: string | undefined) =>
    processId && logsUri ? `, or read the resource ${logsUri(processId)} (its latest lines)` : "";

  server.registerTool(
    "logs_tail",
    once("logs_tail", () => ({
      title: "Tail logs",
      description:
        "The latest log lines, or with since_seq the lines after that cursor (oldest first). " +
        "Pass the returned next_seq as since_seq next time to follow output without missing or repeating a line. " +
        `Text is plain (no ANSI codes); lines over ${LINE_CHARS} characters are cut unless limit is 1, ` +
        `and an answer stops short of ${ANSWER_BYTES} bytes, saying how to get the rest. ` +
        "Pages opened through buzz's browser URL add their console, errors, failed requests and " +
        'loads ("page loaded …") to their dev server\'s run, marked source: "browser".',
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
        "script restarts; include_resolved shows those too. Errors of pages opened through " +
        "buzz's browser URL (tool 'browser'; kind uncaught, unhandled_rejection, console, " +
        "network or resource) carry the page and a stack mapped to the project's files; they " +
        "resolve when the page reloads or HMR replaces their file, unless they happen again. " +
        "A run that failed (exit code, " +
        "signal) with no error its output explains is listed as kind 'exit' with its last " +
        "lines, until the script runs again. name: only that script's runs.",
      inputSchema: z.object({
        process_id: processId.optional(),
        name: z.string().optional().describe("Only the errors of this script's runs"),
        limit: limit(20, 200),
        include_resolved: z.boolean().optional().describe("Also list errors that were resolved"),
      }),
      outputSchema: z.object({ errors: z.array(ErrorEntry), truncated: Truncated }),
      annotations: { readOnlyHint: true },
    })),
    guarded(({ process_id, name, limit, include_resolved }) => {
      let linesCut = 0;
      const shorten = (text: string, max: number) => {
        const c = cut(text, max);
        if (!c.cut) return text;
        linesCut++;
        return `${c.text} … [${c.cut} more characters]`;
      };
      const all = sup
        .errors({ processId: process_id, script: name, limit, includeResolved: include_resolved })
        .map(({ raw: _raw, ...e }) => ({
          ...e,
          message: shorten(e.message, LINE_CHARS),
          lines: e.lines.map((l) => shorten(l, ERROR_LINE_CHARS)),
        }));
      const where = (e: typeof all[number]) =>
        e.file ? ` ${e.file}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ""}` : ""}` : "";
      const render = (e: typeof all[number]) =>
        `[${e.process_id} ${e.tool}${where(e)}${e.count > 1 ? ` ×${e.count}` : ""}` +
        `${e.resolved ? " (resolved)" : ""}] ${e.message}\n` +
        (e.page ? `page: ${e.page}\n` : "") + e.lines.join("\n");
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
