import { Client, StdioClientTransport } from "./shared/sdk.ts";
for (const mode of ["auto", "legacy"] as const) {
  const t = new StdioClientTransport({ command: Deno.execPath(), args: ["run", "-A", "main.ts", "--mcp", "--discovery-dir", "/tmp/dd", "--log-level", "debug"], env: { ...Deno.env.toObject() }, stderr: "inherit" });
  const c = new Client({ name: "smoke", version: "1" }, { versionNegotiation: { mode } });
  const t0 = performance.now();
  await c.connect(t);
  console.log(mode, c.getProtocolEra(), (performance.now() - t0).toFixed(0), "ms");
  const tools = await c.listTools();
  console.log((performance.now() - t0).toFixed(0), "ms", tools.tools.map((t) => t.name).join(","));
  const r = await c.callTool({ name: "scripts_list", arguments: {} });
  console.log(JSON.stringify(r).slice(0, 150));
  const r2 = await c.callTool({ name: "scripts_run", arguments: { name: "ok", instance: "webapp" } });
  console.log(JSON.stringify(r2).slice(0, 150));
  console.log((await c.listResources()).resources.map((r) => r.uri));
  console.log(JSON.stringify(await c.getPrompt({ name: "diagnose", arguments: {} })).slice(0, 100));
  await c.setLoggingLevel("debug").then(() => console.log("setLevel ok"), (e) => console.log("setLevel", e.message));
  let n = 0; const t1 = performance.now();
  for (let i = 0; i < 100; i++) { await c.callTool({ name: "scripts_list", arguments: {} }); n++; }
  console.log("per call", ((performance.now() - t1) / n).toFixed(2), "ms");
  await c.close();
}
