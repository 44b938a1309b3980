// buzz's own traffic never leaves the machine: the hub talks to instances on
// 127.0.0.1 only. Deno's fetch honours HTTP_PROXY, HTTPS_PROXY and ALL_PROXY for
// every address, loopback included, unless NO_PROXY names it; with a proxy in the
// environment and no NO_PROXY the hub would send `http://127.0.0.1:…` to the proxy
// and never reach an instance. Only the hub calls this: it spawns no scripts, so
// the scripts an instance runs still get the user's proxy variables unchanged.

/** What Deno's NO_PROXY matching needs to let every loopback address through. */
export const LOOPBACK_NO_PROXY = ["127.0.0.1", "127.0.0.0/8", "localhost", "::1"] as const;

/**
 * Adds the loopback names to NO_PROXY and no_proxy in this process's environment,
 * keeping whatever either already lists. Call before the first fetch: Deno reads
 * the proxy variables when it makes its default HTTP client.
 */
export function bypassProxyForLoopback(): void {
  const listed = new Set<string>();
  for (const name of ["NO_PROXY", "no_proxy"]) {
    for (const entry of (Deno.env.get(name) ?? "").split(",")) {
      if (entry.trim()) listed.add(entry.trim());
    }
  }
  // "*" already bypasses every proxy; adding to it changes nothing.
  if (listed.has("*")) return;
  for (const entry of LOOPBACK_NO_PROXY) listed.add(entry);
  const value = [...listed].join(",");
  Deno.env.set("NO_PROXY", value);
  Deno.env.set("no_proxy", value);
}
