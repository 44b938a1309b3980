// Builds the instance's MCP server: tools, resources and a prompt, all reading
// from the instance's one Supervisor. Modern (2026-07-28) requests get a fresh
// server per request; a legacy (2025) session keeps one for its lifetime. Both
// come from here, so the two eras see the same surface.

import { z } from "zod";
import { McpServer, ResourceTemplate } from "../../shared/sdk_server.ts";
import { VERSION } from "../../shared/version.ts";
import { ANSWER_BYTES, fitLines, jsonBytes, LINES_BYTES } from "./budget.ts";
import type { ScriptInfo, Supervisor } from "../supervise/supervisor.ts";
import { registerTools } from "./tools.ts";

export interface InstanceInfo {
  id: string;
  name: string;
  directory: string;
}

/**
 * Resource URIs carry the instance id, so that a hub can list every instance's
 * resources side by side and route a read by its URI alone.
 */
export function resourceUris(id: string) {
  return {
    processes: `buzz://${id}/processes`,
    logsTemplate: `buzz://${id}/logs/{process_id}`,
    logs: (processId: string) => `buzz://${id}/logs/${encodeURIComponent(processId)}`,
  };
}

export interface ServerDeps {
  sup: Supervisor;
  scripts: () => ScriptInfo[];
  info: InstanceInfo;
}

export function buildServer(deps: ServerDeps): McpServer {
  const server = new McpServer(serverInfo(deps.info), serverOptions(deps.info));
  registerTools(server, deps.sup, deps.scripts, resourceUris(deps.info.id).logs);
  registerResources(server, deps.sup, deps.info);
  registerPrompt(server, deps.sup, deps.info);
  return server;
}

/** What the SDK's McpServer keeps of what was registered on it; read by its request handlers. */
interface Registrations {
  _registeredTools: unknown;
  _registeredResources: unknown;
  _registeredResourceTemplates: unknown;
  _registeredPrompts: unknown;
  _completionHandlerInitialized: boolean;
  setCompletionRequestHandler(): void;
}
const SHARED = [
  "_registeredTools",
  "_registeredResources",
  "_registeredResourceTemplates",
  "_registeredPrompts",
] as const;

/**
 * Builds servers that share one set of tools, resources and prompts. A server
 * is built for every 2026-07-28 request and every 2025 session, and registering
 * each tool again (its handlers, its schemas' wrappers, the SDK's bookkeeping)
 * was most of what a session cost: about 90 KB, so that a crowd of sessions grew
 * the instance by 90 MB. The SDK's handlers read the registrations at request
 * time, and every handler here depends on the request's context alone, never on
 * the server it runs in, so one registered set (built on first use) serves all.
 */
export function serverFactory(deps: ServerDeps): () => McpServer {
  let template: McpServer | undefined;
  return () => {
    template ??= buildServer(deps);
    const server = new McpServer(serverInfo(deps.info), {
      ...serverOptions(deps.info),
      // With tools, resources and prompts declared, the SDK installs their request handlers.
      capabilities: template.server.getCapabilities(),
    });
    const from = template as unknown as Registrations;
    const to = server as unknown as Registrations;
    for (const key of SHARED) to[key] = from[key];
    if (from._completionHandlerInitialized) to.setCompletionRequestHandler();
    return server;
  };
}

function serverInfo(info: InstanceInfo) {
  return { name: "buzz-instance", title: `buzz: ${info.name}`, version: VERSION };
}

function serverOptions(info: InstanceInfo) {
  return {
    capabilities: { logging: {}, resources: { subscribe: true, listChanged: true } },
    instructions: `buzz instance "${info.name}" supervising ${info.directory}. ` +
      "Call scripts_list, then scripts_run; follow output with logs_tail and check errors_list.",
  };
}

function registerResources(server: McpServer, sup: Supervisor, info: InstanceInfo): void {
  const uris = resourceUris(info.id);
  server.registerResource("processes", uris.processes, {
    title: "Runs",
    description:
      "Every run of this instance: state, readiness, pid, exit code, times and URLs; and the " +
      "scripts whose start waits on dependencies (JSON)",
    mimeType: "application/json",
  }, (uri) => ({
    contents: [{
      uri: uri.href,
      mimeType: "application/json",
      text: JSON.stringify({ runs: sup.runs(), waiting: sup.waiting() }, null, 2),
    }],
  }));

  server.registerResource(
    "logs",
    new ResourceTemplate(uris.logsTemplate, {
      list: () => ({
        resources: sup.runs().map((r) => ({
          uri: uris.logs(r.process_id),
          name: `logs of ${r.process_id}`,
          mimeType: "text/plain",
        })),
      }),
      complete: {
        process_id: (value) =>
          sup.runs().map((r) => r.process_id).filter((id) => id.startsWith(value)),
      },
    }),
    {
      title: "Run logs",
      description:
        `The latest 500 log lines of one run (plain text, lines whole), at most ${ANSWER_BYTES} bytes`,
      mimeType: "text/plain",
    },
    (uri, variables) => {
      const id = decodeURIComponent(String(variables.process_id));
      if (!sup.get(id)) {
        throw new Error(`No run with process_id "${id}". Read ${uris.processes} to see runs.`);
      }
      const { lines } = sup.tail({ processId: id, limit: 500 });
      // Whole lines (at most 16,384 characters each), the newest that fit the budget.
      const { kept, leftOff } = fitLines(
        lines.map((l) => `${l.seq} ${l.stream} ${l.plain}`),
        "last",
        (t) => jsonBytes(t) + 2,
        LINES_BYTES,
      );
      const note = leftOff
        ? `(${leftOff} older lines left off to stay under ${ANSWER_BYTES} bytes; logs_tail ` +
          `{process_id: "${id}", since_seq: ${lines[0].seq - 1}} reads them)\n`
        : "";
      return {
        contents: [{ uri: uri.href, mimeType: "text/plain", text: note + kept.join("\n") }],
      };
    },
  );
}

// Built once: a server is built for every 2026-07-28 request.
const DiagnoseArgs = z.object({
  process_id: z.string().optional().describe("The run to diagnose (default: all runs)"),
});

function registerPrompt(server: McpServer, sup: Supervisor, info: InstanceInfo): void {
  server.registerPrompt("diagnose", {
    title: "Diagnose a failing run",
    description: "A ready-made request to find the root cause of the errors a run printed",
    argsSchema: DiagnoseArgs,
  }, ({ process_id }) => {
    const errors = sup.errors({ processId: process_id, limit: 10 });
    const body = errors.length
      ? errors.map((e) =>
        `${e.process_id} (${e.tool}${e.file ? ` at ${e.file}:${e.line ?? "?"}` : ""}):\n` +
        e.lines.join("\n")
      ).join("\n\n")
      : "No errors hold right now.";
    return {
      description: `Errors from ${process_id ?? "all runs"} of ${info.name}`,
      messages: [{
        role: "user",
        content: {
          type: "text",
          text: `These errors came from the dev processes of ${info.directory}:\n\n${body}\n\n` +
            "Find the root cause, point at the file and line to change, and suggest the fix.",
        },
      }],
    };
  });
}
