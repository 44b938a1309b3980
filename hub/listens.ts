// The resources a 2026-07-28 client follows on its subscriptions/listen streams.
// The SDK's stdio entry answers those streams itself, out of the handlers' sight,
// so the hub reads the requests (and their cancellations) as they pass on the
// transport, and follows the same resources on the instances that serve them.

import type { JSONRPCMessage, Transport } from "../shared/sdk.ts";

/** Calls changed with every resource URI any open listen stream asked for, whenever that set changes. */
export function watchListens(transport: Transport, changed: (uris: Set<string>) => void): void {
  const streams = new Map<string | number, string[]>();
  const emit = () => changed(new Set([...streams.values()].flat()));
  const observe = (m: JSONRPCMessage) => {
    if (!("method" in m)) return;
    if (m.method === "subscriptions/listen" && "id" in m) {
      const filter = (m.params as { notifications?: { resourceSubscriptions?: string[] } })
        ?.notifications;
      streams.set(m.id, filter?.resourceSubscriptions ?? []);
      emit();
    } else if (m.method === "notifications/cancelled") {
      const id = (m.params as { requestId?: string | number } | undefined)?.requestId;
      if (id !== undefined && streams.delete(id)) emit();
    }
  };
  // Whoever sets onmessage (the SDK's entry) gets it wrapped, so nothing passes unseen.
  let wrapped: Transport["onmessage"];
  Object.defineProperty(transport, "onmessage", {
    configurable: true,
    get: () => wrapped,
    set: (h: Transport["onmessage"]) => {
      wrapped = h && ((message: JSONRPCMessage, extra?: unknown) => {
        observe(message);
        (h as (m: JSONRPCMessage, e?: unknown) => void)(message, extra);
      });
    },
  });
}
