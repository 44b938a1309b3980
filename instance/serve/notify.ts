// Turns supervisor events into MCP change notifications. Log resources change
// with every line, so their updates are batched: a chatty child must not flood
// clients, and one "updated" per resource per batch says all there is to say.

import type { Supervisor, SupervisorEvent } from "../supervise/supervisor.ts";
import type { McpHttpServer } from "./http.ts";
import { resourceUris } from "./mcp.ts";

const UPDATE_BATCH_MS = 300;

/** Starts forwarding; returns a function that stops it. */
export function forwardChanges(
  sup: Supervisor,
  notify: McpHttpServer["notify"],
  instanceId: string,
): () => void {
  const uris = resourceUris(instanceId);
  const dirty = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    for (const uri of dirty) notify.resourceUpdated(uri);
    dirty.clear();
  };
  const mark = (uri: string) => {
    dirty.add(uri);
    timer ??= setTimeout(flush, UPDATE_BATCH_MS);
  };
  const onEvent = (ev: SupervisorEvent) => {
    switch (ev.type) {
      case "log":
        return mark(uris.logs(ev.processId));
      case "started":
        mark(uris.processes);
        // A new run brings a new log resource.
        return notify.resourcesChanged();
      case "url":
      case "ready":
      case "waiting":
        return mark(uris.processes);
      case "exited": {
        mark(uris.processes);
        const r = ev.run;
        const how = r.signal ? `signal ${r.signal}` : `exit code ${r.exit_code}`;
        return notify.log(
          r.state === "failed" ? "error" : "info",
          `${r.process_id} ${r.state} (${how}). See logs_tail {process_id: "${r.process_id}"}` +
            (r.state === "failed" ? " and errors_list." : "."),
        );
      }
    }
  };
  const unsubscribe = sup.onChange(onEvent);
  return () => {
    unsubscribe();
    clearTimeout(timer);
  };
}
