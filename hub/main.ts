// The hub's life: serve MCP on stdio, follow the discovery directory, keep one
// connection per instance, and leave nothing behind on EOF or a signal.

import process from "node:process";
import { discoveryDir, ensureDiscoveryDir } from "../shared/discovery.ts";
import { configureLog, log, type LogLevel } from "../shared/log.ts";
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  StdioServerTransport,
} from "../shared/sdk.ts";
import { watchAnnouncements } from "./discovery.ts";
import { createFront } from "./front.ts";
import { Registry } from "./registry.ts";

export interface HubOptions {
  discoveryDir?: string;
  logLevel: LogLevel;
}

const RESULT_SCHEMAS = {
  "sampling/createMessage": CreateMessageResultSchema,
  "elicitation/create": ElicitResultSchema,
  "roots/list": ListRootsResultSchema,
} as const;

/** Runs until stdin closes or a signal arrives; resolves to the exit code. */
export async function runHub(opts: HubOptions): Promise<number> {
  configureLog({ level: opts.logLevel, role: "hub" });
  const dir = discoveryDir(opts.discoveryDir);
  try {
    await ensureDiscoveryDir(dir);
  } catch (e) {
    log.error(`cannot use discovery directory ${dir}: ${(e as Error).message}`);
    return 1;
  }

  // The front and the registry need each other; the front exists before any message flows.
  // deno-lint-ignore prefer-const
  let front: ReturnType<typeof createFront>;
  const listChanged = () => {
    for (
      const send of [
        front.sendToolListChanged,
        front.sendResourceListChanged,
        front.sendPromptListChanged,
      ]
    ) {
      send.call(front).catch(() => {});
    }
  };
  const registry = new Registry({
    currentChanged: listChanged,
    listsChanged: listChanged,
    notification: (from, n) => {
      const params = { ...n.params };
      if (n.method === "notifications/message") {
        params.logger = params.logger ? `${from.record.name}/${params.logger}` : from.record.name;
      }
      front.notification({ method: n.method, params }).catch(() => {});
    },
    forwardRequest: (method, params, signal) =>
      front.request(
        { method, params } as never,
        RESULT_SCHEMAS[method as keyof typeof RESULT_SCHEMAS],
        { signal },
      ),
  });
  front = createFront(registry);

  const stop = new AbortController();
  const discovery = (async () => {
    try {
      for await (const a of watchAnnouncements(dir, { signal: stop.signal })) {
        if (a.type === "found") registry.found(a.record, a.path);
        else if (a.type === "gone") registry.gone(a.id);
        else registry.scanned();
      }
    } catch (e) {
      if (!stop.signal.aborted) log.error(`watching ${dir} failed:`, e);
    }
  })();

  const { promise: done, resolve: finish } = Promise.withResolvers<string>();
  // The SDK's stdio transport ignores EOF; without this the hub would outlive its client.
  process.stdin.on("end", () => finish("stdin closed"));
  process.stdin.on("close", () => finish("stdin closed"));
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const onSignal = () => finish("signal");
  for (const sig of signals) Deno.addSignalListener(sig, onSignal);

  const transport = new StdioServerTransport();
  transport.onclose = () => finish("transport closed");
  await front.connect(transport);
  log.info(`hub ready; watching ${dir}`);

  const why = await done;
  log.info(`shutting down (${why})`);
  for (const sig of signals) Deno.removeSignalListener(sig, onSignal);
  stop.abort();
  // Bounded: ending upstream sessions must not keep the hub past its 1 s promise.
  await Promise.race([
    Promise.allSettled([registry.close(), discovery, front.close()]),
    new Promise((r) => setTimeout(r, 700)),
  ]);
  return 0;
}
