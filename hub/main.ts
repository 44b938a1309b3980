// The hub's life: serve MCP on stdio (both protocol eras), follow the discovery
// directory, keep one connection per instance, and leave nothing behind on
// EOF or a signal.

import { discoveryDir, ensureDiscoveryDir } from "../shared/discovery.ts";
import { config as zodConfig } from "zod";
import { configureLog, log, type LogLevel } from "../shared/log.ts";
import { startedUp } from "../shared/collect.ts";
import { serveStdio, StdioServerTransport } from "../shared/sdk_server.ts";
import { watchAnnouncements } from "./discovery.ts";
import { createFront } from "./front.ts";
import { watchListens } from "./listens.ts";
import type { FrontInfo } from "./forward.ts";
import { HUB_TOOLS } from "./instances_tools.ts";
import { Registry } from "./registry.ts";
import { untranslatable } from "./translate.ts";

export interface HubOptions {
  discoveryDir?: string;
  logLevel: LogLevel;
}

/** Runs until stdin closes or a signal arrives; resolves to the exit code. */
export async function runHub(opts: HubOptions): Promise<number> {
  configureLog({ level: opts.logLevel, role: "hub" });
  // zod compiles a parser for a schema the first time it parses one; the hub parses a few
  // messages of many kinds at start-up, and those compilations cost its first tools/list about
  // 20 ms. Measured, the proxy's hot path is no slower without them.
  zodConfig({ jitless: true });
  const dir = discoveryDir(opts.discoveryDir);
  try {
    await ensureDiscoveryDir(dir);
  } catch (e) {
    log.error(`cannot use discovery directory ${dir}: ${(e as Error).message}`);
    return 1;
  }

  // The front exists once the client opens the connection; until then there is nobody to tell.
  let front: FrontInfo | undefined;
  const registry = new Registry(
    {
      catalogChanged: (all) => {
        const s = front?.server;
        if (!s) return;
        // A list the client has not fetched yet has not changed for it.
        const kinds = all.filter((k) => front!.fetched.has(k));
        if (kinds.includes("tools")) s.sendToolListChanged().catch(() => {});
        if (kinds.includes("resources")) s.sendResourceListChanged().catch(() => {});
        if (kinds.includes("prompts")) s.sendPromptListChanged().catch(() => {});
      },
      notification: (_from, n) => {
        front?.server.notification(n as never).catch((e) =>
          log.debug(`passing on ${n.method} failed: ${e.message}`)
        );
      },
      forwardRequest: (method, params, signal) => {
        if (front?.era !== "legacy") return Promise.reject(untranslatable(method, 0));
        return front.server.request({ method, params } as never, { signal });
      },
    },
    HUB_TOOLS,
    [Deno.cwd()],
  );

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
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const onSignal = () => finish("signal");
  for (const sig of signals) Deno.addSignalListener(sig, onSignal);

  const transport = new StdioServerTransport();
  watchListens(transport, (uris) => void registry.ask((_s, reg) => reg.setListened(uris)));
  const handle = serveStdio(({ era }) => {
    front = createFront(registry, era);
    front.server.onclose = () => finish("client closed the connection");
    return front.server;
  }, { transport, onerror: (e) => log.debug("stdio:", e.message) });
  // The transport closes itself on stdin EOF; a client that never opens still ends us.
  const onclose = transport.onclose;
  transport.onclose = () => {
    onclose?.();
    finish("stdin closed");
  };
  log.info(`hub ready; watching ${dir}`);
  startedUp();

  const why = await done;
  log.info(`shutting down (${why})`);
  for (const sig of signals) Deno.removeSignalListener(sig, onSignal);
  stop.abort();
  // Bounded: ending upstream sessions must not keep the hub past its 1 s promise.
  await Promise.race([
    Promise.allSettled([registry.close(), discovery, handle.close()]),
    new Promise((r) => setTimeout(r, 700)),
  ]);
  return 0;
}
