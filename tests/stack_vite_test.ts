// A real framework stack from buzz.json: Vite's dev server (package.json's
// `dev`) depends on a Node API being ready by HTTP, and proxies to it.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  call,
  connectInstance,
  freePort,
  startInstance,
  type Structured,
  tempDir,
  until,
} from "./helpers.ts";
import { toolsNodeModules } from "./tools.ts";

Deno.test("Vite's dev server starts once its Node API answers, and proxies to it", async () => {
  const dir = await tempDir("buzz-vite-stack-");
  const api = freePort();
  const vite = freePort();
  await Deno.symlink(toolsNodeModules("vite"), join(dir, "node_modules"));
  await Deno.writeTextFile(
    join(dir, "package.json"),
    JSON.stringify({
      name: "vite-stack",
      private: true,
      type: "module",
      scripts: {
        api: "node api.mjs",
        // Loaded as is: bundling it would write into the shared node_modules.
        dev: `vite --configLoader native --host 127.0.0.1 --port ${vite} --strictPort`,
      },
    }),
  );
  await Deno.writeTextFile(
    join(dir, "api.mjs"),
    `import http from "node:http";
setTimeout(() => http.createServer((req, res) => {
  res.writeHead(req.url === "/api/health" ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify({ ok: true, from: "api" }));
}).listen(${api}, "127.0.0.1"), 300);
`,
  );
  // The cache stays in the project: node_modules is the shared tools install.
  await Deno.writeTextFile(
    join(dir, "vite.config.mjs"),
    `export default {
  cacheDir: ".vite-cache",
  server: { proxy: { "/api": "http://127.0.0.1:${api}" } },
};
`,
  );
  await Deno.writeTextFile(join(dir, "index.html"), "<!doctype html><h1>web</h1>\n");
  await Deno.writeTextFile(
    join(dir, "buzz.jsonc"),
    `{
  // The API prints nothing: only an HTTP probe can tell it is up.
  "scripts": {
    "api": { "ready": { "http": "http://127.0.0.1:${api}/api/health", "timeout_ms": 20000 } },
    "dev": {
      "depends_on": { "api": "ready" },
      "ready": { "http": "http://127.0.0.1:${vite}/", "timeout_ms": 30000 },
    },
  },
}
`,
  );
  const discoveryDir = await tempDir("buzz-disc-");
  const inst = await startInstance({ project: dir, discoveryDir });
  const conn = await connectInstance(inst.record);
  try {
    const r = await call(conn.client, "scripts_run", { name: "dev" });
    const deps = r.dependencies as Structured[];
    assert.deepEqual(deps.map((d) => d.process_id), ["api-1"]);
    assert.equal(deps[0].ready_by, `http://127.0.0.1:${api}/api/health 200`);
    const { runs } = await call(conn.client, "scripts_status") as { runs: Structured[] };
    const apiRun = runs.find((x) => x.script === "api")!;
    const devRun = runs.find((x) => x.script === "dev")!;
    assert.ok(Date.parse(apiRun.ready_at as string) <= Date.parse(devRun.started_at as string));

    // Ready by its own probe, and serving the API through its proxy.
    const ready = await conn.client.callTool({
      name: "scripts_run",
      arguments: { name: "dev", wait_for: "ready in", timeout_ms: 30_000 },
    });
    assert.ok(!ready.isError, JSON.stringify(ready.content));
    const dev = await until("dev ready", async () => {
      const { runs } = await call(conn.client, "scripts_status", { name: "dev" });
      return (runs as Structured[]).find((x) => x.ready);
    }, 30_000);
    assert.equal(dev.ready_by, `http://127.0.0.1:${vite}/ 200`);
    const res = await fetch(`http://127.0.0.1:${vite}/api/health`);
    assert.deepEqual(await res.json(), { ok: true, from: "api" });
  } finally {
    await conn.close();
    await inst.stop();
  }
});
