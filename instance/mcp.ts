// One MCP session's server: tools, resources, a prompt, subscriptions and
// exit notifications, all reading from the instance's single Supervisor.

import { z } from "zod";
import {
  McpServer,
  ResourceTemplate,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "../shared/sdk.ts";
import { VERSION } from "../shared/version.ts";
import { log } from "../shared/log.ts";
import type { ScriptInfo, Supervisor, SupervisorEvent } from "./supervisor.ts";
import { registerTools } from "./tools.ts";

export const PROCESSES_URI = "buzz://processes";
const LOGS_TEMPLATE = "buzz://logs/{process_id}";
const logsUri = (processId: string) => `buzz://logs/${encodeURIComponent(processId)}`;
/** Resource updates are batched so a chatty child cannot flood a client. */
const UPDATE_BATCH_MS = 300;

export interface InstanceInfo {
  id: string;
  name: string;
  directory: string;
}

export function createSession(
  sup: Supervisor,
  scripts: ScriptInfo[],
  info: InstanceInfo,
): { server: McpServer; close: () => void } {
  const server = new McpServer({
    name: "buzz-instance",
    title: `buzz: ${info.name}`,
    version: VERSION,
  }, {
    capabilities: { logging: {}, resources: { subscribe: true, listChanged: true } },
    instructions: `buzz instance "${info.name}" supervising ${info.directory}. ` +
      "Call scripts_list, then scripts_run; follow output with logs_tail and check errors_list.",
  });
  registerTools(server, sup, scripts);
  registerResources(server, sup);
  registerPrompt(server, sup, info);

  const subscribed = new Set<string>();
  const dirty = new Set<string>();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    flushTimer = undefined;
    for (const uri of dirty) {
      if (subscribed.has(uri)) server.server.sendResourceUpdated({ uri }).catch(() => {});
    }
    dirty.clear();
  };
  const markDirty = (uri: string) => {
    if (!subscribed.has(uri)) return;
    dirty.add(uri);
    flushTimer ??= setTimeout(flush, UPDATE_BATCH_MS);
  };
  server.server.setRequestHandler(SubscribeRequestSchema, (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });

  const onEvent = (ev: SupervisorEvent) => {
    switch (ev.type) {
      case "log":
        markDirty(logsUri(ev.processId));
        break;
      case "started":
        markDirty(PROCESSES_URI);
        server.sendResourceListChanged();
        break;
      case "url":
        markDirty(PROCESSES_URI);
        break;
      case "exited": {
        markDirty(PROCESSES_URI);
        const r = ev.run;
        const how = r.signal ? `signal ${r.signal}` : `exit code ${r.exit_code}`;
        server.sendLoggingMessage({
          level: r.state === "failed" ? "error" : "info",
          logger: "buzz",
          data:
            `${r.process_id} ${r.state} (${how}). See logs_tail {process_id: "${r.process_id}"}` +
            (r.state === "failed" ? " and errors_list." : "."),
        }).catch((e) => log.debug("logging notification failed:", e));
        break;
      }
    }
  };
  const unsubscribe = sup.onChange((ev) => {
    if (server.isConnected()) onEvent(ev);
  });

  return {
    server,
    close: () => {
      unsubscribe();
      clearTimeout(flushTimer);
    },
  };
}

function registerResources(server: McpServer, sup: Supervisor): void {
  server.registerResource("processes", PROCESSES_URI, {
    title: "Runs",
    description: "Every run of this instance: state, pid, exit code, times and URLs (JSON)",
    mimeType: "application/json",
  }, (uri) => ({
    contents: [{
      uri: uri.href,
      mimeType: "application/json",
      text: JSON.stringify({ runs: sup.runs() }, null, 2),
    }],
  }));

  server.registerResource(
    "logs",
    new ResourceTemplate(LOGS_TEMPLATE, {
      list: () => ({
        resources: sup.runs().map((r) => ({
          uri: logsUri(r.process_id),
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
      description: "The latest 500 log lines of one run (text)",
      mimeType: "text/plain",
    },
    (uri, variables) => {
      const id = decodeURIComponent(String(variables.process_id));
      if (!sup.get(id)) {
        throw new Error(`No run with process_id "${id}". Read ${PROCESSES_URI} to see runs.`);
      }
      const { lines } = sup.tail({ processId: id, limit: 500 });
      return {
        contents: [{
          uri: uri.href,
          mimeType: "text/plain",
          text: lines.map((l) => `${l.seq} ${l.stream} ${l.text}`).join("\n"),
        }],
      };
    },
  );
}

function registerPrompt(server: McpServer, sup: Supervisor, info: InstanceInfo): void {
  server.registerPrompt("diagnose", {
    title: "Diagnose a failing run",
    description: "A ready-made request to find the root cause of the errors a run printed",
    argsSchema: {
      process_id: z.string().optional().describe("The run to diagnose (default: all runs)"),
    },
  }, ({ process_id }) => {
    const errors = sup.errors({ processId: process_id, limit: 10 });
    const body = errors.length
      ? errors.map((e) => `${e.process_id} (${e.kind}):\n${e.lines.join("\n")}`).join("\n\n")
      : "No errors were detected yet.";
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
