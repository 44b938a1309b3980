// Phase: cold start of the hub as agents start it: process start to the answer of the first
// tools/list (no instance running), through the SDK's stdio client, for the installed buzz-mcp
// command (its Node launcher, then Deno running the packed bundle) against
// `deno run -A main.ts --mcp` from this checkout, alternating, in the same run.
//
//   deno task bench install        (or: deno run -A bench/install.ts [runs])
//
// The package is packed and installed into a temp prefix first (offline, from the npm cache
// .ci/setup fills); its first start has an empty Deno cache and is shown apart.

import { join } from "node:path";
import { Client } from "../shared/sdk.ts";
import { StdioClientTransport } from "../shared/sdk_stdio.ts";
import { installTarball, packTarball, pathWithoutDeno } from "../tests/npm_package.ts";
import { ms, printTable, progress, row, stats } from "./stats.ts";
import { cleanupAll, cleanups } from "./procs.ts";

const TARGET_RATIO = 1.1;
const ROOT = new URL("..", import.meta.url).pathname;

async function firstToolsList(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<number> {
  const t0 = performance.now();
  const transport = new StdioClientTransport({ command, args, env, cwd: ROOT, stderr: "ignore" });
  const client = new Client({ name: "buzz-bench", version: "0" }, { capabilities: {} });
  await client.connect(transport);
  await client.listTools();
  const elapsed = performance.now() - t0;
  await client.close();
  return elapsed;
}

export async function phaseInstall(runs = 15) {
  const area = "install";
  const work = await Deno.makeTempDir({ prefix: "buzz-bench-install-" });
  cleanups.push(() => Deno.remove(work, { recursive: true }));
  const discovery = join(work, "discovery");
  await Deno.mkdir(discovery, { mode: 0o700 });
  progress("packing and installing buzz-mcp");
  const installed = await installTarball(await packTarball(work), work);
  const env = { HOME: installed.home, PATH: await pathWithoutDeno(installed) };
  const hubArgs = ["--mcp", "--discovery-dir", discovery];
  const viaInstalled = () => firstToolsList(installed.buzz, hubArgs, env);
  const viaCheckout = () =>
    firstToolsList(Deno.execPath(), ["run", "-A", join(ROOT, "main.ts"), ...hubArgs], {});

  progress(`installed buzz --mcp and the checkout, alternating ×${runs}`);
  const first = await viaInstalled();
  await viaCheckout();
  const inst: number[] = [];
  const checkout: number[] = [];
  for (let i = 0; i < runs; i++) {
    inst.push(await viaInstalled());
    checkout.push(await viaCheckout());
  }
  const si = stats(inst), sc = stats(checkout);
  row(
    area,
    "`deno run -A main.ts --mcp` (checkout): spawn → first tools/list",
    ms(sc.median),
    `min ${ms(sc.min)}, max ${ms(sc.max)}`,
    String(sc.n),
  );
  row(
    area,
    "installed `buzz --mcp` (npm package): spawn → first tools/list",
    ms(si.median),
    `${(si.median / sc.median).toFixed(2)}× the checkout, target ≤ ${TARGET_RATIO}×; ` +
      `min ${ms(si.min)}, max ${ms(si.max)}; first start (empty Deno cache) ${ms(first)}`,
    String(si.n),
  );
}

if (import.meta.main) {
  try {
    await phaseInstall(Number(Deno.args[0] ?? 7));
    printTable();
  } finally {
    await cleanupAll();
  }
  Deno.exit(0);
}
