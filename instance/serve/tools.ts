// The instance's MCP tools. Names and shapes are a contract: the hub proxies
// them and agents call them by name. Every answer carries readable text plus
// structuredContent that matches the declared outputSchema.

import type { McpServer } from "../../shared/sdk_server.ts";
import type { ScriptInfo, Supervisor } from "../supervise/supervisor.ts";
import { registerLogTools } from "./tools_logs.ts";
import { registerScriptTools } from "./tools_scripts.ts";

export function registerTools(
  server: McpServer,
  sup: Supervisor,
  scripts: () => ScriptInfo[],
  /** The URI of a run's log resource, offered when an answer leaves lines out. */
  logsUri?: (processId: string) => string,
): void {
  registerScriptTools(server, sup, scripts);
  registerLogTools(server, sup, logsUri);
}
