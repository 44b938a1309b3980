// Cold start of the hub as agents start it: process start to the answer of the
// first tools/list, through the SDK's stdio client, for the installed buzz-mcp
// command against `deno run -A main.ts` (and the npx form the README used to
// give). Informs only; nothing passes or fails on a number.
//
//   deno run -A bench/install.ts [runs]
//
// The installed command is packed and installed into a temp prefix first (offline,
// from the npm cache .ci/run fills); its first start has an empty Deno cache.

import { join } from "node:path";
import { Client } from "../shared/sdk.ts";
import { StdioClientTransport } from "../shared/sdk_stdio.ts";
import { installTarball, packTarball, pathWithoutDeno } from "../tests/npm_package.ts";
import { ms, stats } from "./stats.ts";

const RUNS = Number(Deno.args[0] ?? 7);
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

const work = await Deno.makeTempDir({ prefix: "buzz-bench-install-" });
try {
  const discovery = join(work, "discovery");
  await Deno.mkdir(discovery, { mode: 0o700 });
  console.error("[bench] packing and installing buzz-mcp");
  const installed = await installTarball(await packTarball(work), work);
  const env = { HOME: installed.home, PATH: await pathWithoutDeno(installed) };
  const hubArgs = ["--mcp", "--discovery-dir", discovery];

  const rows: [string, number[]][] = [];
  console.error("[bench] installed buzz --mcp");
  const installedRuns = [];
  for (let i = 0; i <= RUNS; i++) {
    installedRuns.push(await firstToolsList(installed.buzz, hubArgs, env));
  }
  rows.push(["installed `buzz --mcp`, first start (empty Deno cache)", [installedRuns[0]]]);
  rows.push(["installed `buzz --mcp`, later starts", installedRuns.slice(1)]);

  console.error("[bench] deno run -A main.ts --mcp");
  const denoRuns = [];
  for (let i = 0; i < RUNS; i++) {
    denoRuns.push(
      await firstToolsList(Deno.execPath(), ["run", "-A", join(ROOT, "main.ts"), ...hubArgs], {}),
    );
  }
  rows.push(["`deno run -A main.ts --mcp` (warm Deno cache)", denoRuns]);

  console.error("[bench] npx -y deno@2.9.6 run -A main.ts --mcp");
  const npxRuns = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    npxRuns.push(
      await firstToolsList(
        "npx",
        ["-y", "deno@2.9.6", "run", "-A", join(ROOT, "main.ts"), ...hubArgs],
        {},
      ),
    );
  }
  rows.push(["`npx -y deno@2.9.6 run -A main.ts --mcp` (asks the registry)", npxRuns]);

  console.log("| hub start → first tools/list | median | min–max | n |");
  console.log("| --- | --- | --- | --- |");
  for (const [what, xs] of rows) {
    const s = stats(xs);
    console.log(`| ${what} | ${ms(s.median)} | ${ms(s.min)}–${ms(s.max)} | ${s.n} |`);
  }
} finally {
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
Deno.exit(0);
