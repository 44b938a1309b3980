// Phase: what the instance's per-request server factory costs. A 2026-07-28
// request gets a freshly built McpServer (nine tools with zod schemas, two
// resources, a prompt); a 2025 session builds one and keeps it. Measured in
// this process, against the instance's real HTTP front (serveMcp on
// 127.0.0.1) and a real Supervisor: construction alone, split into its parts,
// then scripts_list per request with the factory as shipped, with one server
// built once and reused, and over a 2025 session.

import { buildServer } from "../instance/serve/mcp.ts";
import { serveMcp } from "../instance/serve/http.ts";
import { Supervisor } from "../instance/supervise/supervisor.ts";
import { loadScripts } from "../instance/supervise/scripts.ts";
import { registerTools } from "../instance/serve/tools.ts";
import { VERSION } from "../shared/version.ts";
import { Client, McpServer, StreamableHTTPClientTransport } from "../shared/sdk.ts";
import type { Era } from "../tests/helpers.ts";
import { FACTORY_BUILDS, PROXY_CALLS, PROXY_WARMUP } from "./settings.ts";
import { fmtNum, ms, now, progress, row, rowStats, timeSync } from "./stats.ts";
import { cleanups } from "./procs.ts";
import { makeProject } from "./fixture.ts";
import { rawCall } from "./calls.ts";

const us = (x: number) => `${fmtNum(x * 1000)} µs`;

async function client(port: number, era: Era) {
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
  const c = new Client({ name: "buzz-bench", version: "0" }, {
    versionNegotiation: { mode: era === "modern" ? { pin: "2026-07-28" } : "legacy" },
  });
  await c.connect(transport);
  cleanups.push(async () => {
    if (transport.sessionId) await transport.terminateSession().catch(() => {});
    await c.close();
  });
  return c;
}

export async function phaseFactory() {
  progress("per-request server factory");
  const project = await makeProject();
  const scripts = await loadScripts(project);
  const sup = new Supervisor(project, scripts, { graceMs: 500 });
  const deps = { sup, scripts: () => scripts, info: { id: "f-0", name: "f", directory: project } };
  const area = "factory";

  for (let i = 0; i < 20; i++) buildServer(deps);
  rowStats(
    area,
    "buildServer() alone (all tools, resources, prompt)",
    timeSync(FACTORY_BUILDS, () => buildServer(deps)),
    us,
  );
  const bare = () =>
    new McpServer({ name: "x", version: VERSION }, {
      capabilities: { logging: {}, resources: { subscribe: true, listChanged: true } },
    });
  rowStats(
    area,
    "  of which new McpServer()",
    timeSync(FACTORY_BUILDS, bare),
    us,
  );
  const reg: number[] = [];
  for (let i = 0; i < FACTORY_BUILDS; i++) {
    const s = bare();
    const t = now();
    registerTools(s, sup, () => scripts);
    reg.push(now() - t);
  }
  rowStats(area, "  of which registerTools() (9 tools)", reg, us);

  // The instance's HTTP front, three ways.
  let builds = 0, buildMs = 0;
  const counted = () => {
    const t = now();
    const s = buildServer(deps);
    buildMs += now() - t;
    builds++;
    return s;
  };
  const shipped = await serveMcp({ port: 0, token: null, buildServer: counted });
  cleanups.push(() => shipped.close());
  const one = buildServer(deps);
  const reused = await serveMcp({ port: 0, token: null, buildServer: () => one });
  cleanups.push(() => reused.close());
  const fresh = await client(shipped.port, "modern");
  const legacy = await client(shipped.port, "legacy");
  let cached: Client | null = await client(reused.port, "modern");
  try {
    await rawCall(cached, "scripts_list");
    await rawCall(cached, "scripts_list");
  } catch (e) {
    progress(`one reused server cannot serve modern requests: ${(e as Error).message}`);
    cached = null;
  }
  const paths: [string, Client][] = [["modern, server built per request (as shipped)", fresh]];
  if (cached) paths.push(["modern, one server built once and reused", cached]);
  paths.push(["2025 session (server built once per session)", legacy]);
  for (let i = 0; i < PROXY_WARMUP; i++) {
    for (const [, c] of paths) await rawCall(c, "scripts_list");
  }
  const times = paths.map(() => [] as number[]);
  builds = 0;
  buildMs = 0;
  for (let i = 0; i < PROXY_CALLS; i++) {
    for (const [j, [, c]] of paths.entries()) {
      const t = now();
      await rawCall(c, "scripts_list");
      times[j].push(now() - t);
    }
  }
  const s = paths.map(([label], j) =>
    rowStats(area, `scripts_list in-process: ${label}`, times[j])
  );
  row(
    area,
    "factory share of a modern request",
    ms(buildMs / Math.max(1, builds)),
    `${builds} builds for ${PROXY_CALLS} calls; per-request p50 ${ms(s[0].median)}` +
      (cached ? `, reused-server p50 ${ms(s[1].median)}` : ""),
  );
}
