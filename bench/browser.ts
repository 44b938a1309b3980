// The browser proxy's cost (instance/browser/), each figure beside the same
// thing done directly against the dev server, in the same run, alternating:
//   - a Vite app's first page load in headless Chromium (cache off): load event, p50
//   - a 10 MB download from a plain Node server: throughput
//   - an HMR update's latency: a stylesheet saved → Vite's "update" message, on a
//     socket through the proxy and on one straight to Vite, both open at once
//   - the instance's memory with its proxies idle and after the loads
//
//   deno task bench browser

import { join } from "node:path";
import { launchBrowser } from "../tests/browser.ts";
import {
  call,
  connectInstance,
  freePort,
  startInstance,
  type Structured,
  tempDir,
} from "../tests/helpers.ts";
import { toolsNodeModules } from "../tests/tools.ts";
import { startProxy } from "../instance/browser/proxy.ts";
import { cleanups, memory } from "./procs.ts";
import { fmtNum, mib, now, progress, row, rowStats, sleep, stats } from "./stats.ts";

const PAGE_LOADS = 16;
const DOWNLOADS = 12;
const HMR_EDITS = 12;
const BIG = 10 * 1024 * 1024;

const BIG_SERVER = `import http from "node:http";
const big = Buffer.alloc(${BIG}, 7);
http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": big.length });
  res.end(big);
}).listen(Number(process.env.PORT), "127.0.0.1", () =>
  console.log(\`files at http://127.0.0.1:\${process.env.PORT}/\`));
`;

async function project(vitePort: number, filesPort: number): Promise<string> {
  const dir = await tempDir("buzz-bench-browser-");
  await Deno.symlink(toolsNodeModules("vite"), join(dir, "node_modules"));
  await Deno.writeTextFile(
    join(dir, "package.json"),
    JSON.stringify({
      name: "bench-browser",
      private: true,
      type: "module",
      scripts: {
        dev: `vite --configLoader native --port ${vitePort} --strictPort`,
        files: "node files.mjs",
      },
    }),
  );
  await Deno.writeTextFile(
    join(dir, "buzz.json"),
    JSON.stringify({
      scripts: { files: { env: { PORT: String(filesPort) } } },
    }),
  );
  await Deno.writeTextFile(join(dir, "files.mjs"), BIG_SERVER);
  await Deno.writeTextFile(
    join(dir, "vite.config.mjs"),
    `export default { cacheDir: ".vite-cache" };\n`,
  );
  await Deno.writeTextFile(
    join(dir, "index.html"),
    `<!doctype html><html><head><title>bench</title>
<script type="module" src="/src/main.js"></script></head><body><h1 id="t">bench</h1></body></html>\n`,
  );
  await Deno.mkdir(join(dir, "src"));
  // A few modules, as a small app has: each is a request of the first load.
  for (let i = 0; i < 20; i++) {
    await Deno.writeTextFile(join(dir, "src", `m${i}.js`), `export const v${i} = ${i};\n`);
  }
  await Deno.writeTextFile(
    join(dir, "src", "main.js"),
    `import "./style.css";\n` +
      Array.from({ length: 20 }, (_, i) => `import { v${i} } from "./m${i}.js";`).join("\n") +
      `\ndocument.getElementById("t").dataset.sum = String(${
        Array.from({ length: 20 }, (_, i) => `v${i}`).join("+")
      });\n`,
  );
  await Deno.writeTextFile(join(dir, "src", "style.css"), "h1 { color: red; }\n");
  return dir;
}

async function browserUrl(
  client: Parameters<typeof call>[0],
  script: string,
): Promise<[string, string]> {
  const { runs } = await call(client, "scripts_status", { name: script }) as { runs: Structured[] };
  return Object.entries(runs.at(-1)!.browser_urls as Record<string, string>)[0];
}

export async function phaseBrowser() {
  progress("browser proxy: page loads, 10 MB downloads, HMR latency, memory");
  const vitePort = freePort();
  const dir = await project(vitePort, freePort());
  const inst = await startInstance({
    project: dir,
    discoveryDir: await tempDir("buzz-bench-disc-"),
  });
  cleanups.push(async () => void await inst.stop());
  const conn = await connectInstance(inst.record);
  cleanups.push(() => conn.close());
  const pid = inst.proc.pid;
  for (const name of ["dev", "files"]) {
    await call(conn.client, "scripts_run", { name, wait_for: "url", timeout_ms: 60_000 });
  }
  const [viteDirect, viteProxy] = await browserUrl(conn.client, "dev");
  const [filesDirect, filesProxy] = await browserUrl(conn.client, "files");
  const idle = memory(pid).rss;

  // First page loads, alternating, the browser's cache off: what a reload after a restart costs.
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  await browser.cdp.Network.enable();
  await browser.cdp.Network.setCacheDisabled({ cacheDisabled: true });
  const load = async (url: string) => {
    await browser.open(url);
    return await browser.evaluate<number>(
      "(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd || n.duration; })()",
    );
  };
  // Warm both: Vite transforms each module on its first request.
  for (let i = 0; i < 2; i++) await load(viteDirect), await load(viteProxy);
  const pageDirect: number[] = [], pageProxy: number[] = [];
  for (let i = 0; i < PAGE_LOADS; i++) {
    pageDirect.push(await load(viteDirect));
    pageProxy.push(await load(viteProxy));
  }

  // 10 MB downloads, alternating.
  const download = async (url: string) => {
    const t0 = now();
    const body = await (await fetch(url)).arrayBuffer();
    if (body.byteLength !== BIG) throw new Error(`short download: ${body.byteLength}`);
    return BIG / 1024 / 1024 / ((now() - t0) / 1000);
  };
  await download(filesDirect), await download(filesProxy);
  const dlDirect: number[] = [], dlProxy: number[] = [];
  for (let i = 0; i < DOWNLOADS; i++) {
    dlDirect.push(await download(filesDirect));
    dlProxy.push(await download(filesProxy));
  }

  // HMR: one socket straight to Vite, one through the proxy, the same edit seen by both.
  const client = await (await fetch(`${viteDirect}@vite/client`)).text();
  const token = /const wsToken = "([^"]+)"/.exec(client)?.[1];
  if (!token) throw new Error("no wsToken in Vite's client");
  const socket = (origin: string) => {
    const ws = new WebSocket(`${origin.replace("http:", "ws:")}?token=${token}`, "vite-hmr");
    const updates: number[] = [];
    ws.onmessage = (e) => {
      if (String(e.data).includes('"type":"update"')) updates.push(now());
    };
    const opened = new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`no HMR socket at ${origin}`));
    });
    return { ws, updates, opened };
  };
  const direct = socket(viteDirect), proxied = socket(viteProxy);
  await Promise.all([direct.opened, proxied.opened]);
  cleanups.push(() => (direct.ws.close(), proxied.ws.close()));
  const hmrDirect: number[] = [], hmrProxy: number[] = [];
  // Vite sends an update only for a module a page has loaded: keep one page open on it.
  await browser.open(viteDirect);
  for (let i = 0; i <= HMR_EDITS; i++) {
    const n = direct.updates.length;
    const t0 = now();
    await Deno.writeTextFile(join(dir, "src", "style.css"), `h1 { color: rgb(${i}, 0, 0); }\n`);
    const deadline = t0 + 10_000;
    while ((direct.updates.length === n || proxied.updates.length === n) && now() < deadline) {
      await sleep(1);
    }
    if (direct.updates.length === n || proxied.updates.length === n) {
      throw new Error("an HMR update did not arrive on both sockets");
    }
    // The first edit warms Vite's watcher; it is not counted.
    if (i) hmrDirect.push(direct.updates[n] - t0), hmrProxy.push(proxied.updates[n] - t0);
    await sleep(150);
  }
  const after = memory(pid);

  const pd = rowStats("browser", "Vite first page load (Chromium, no cache), direct", pageDirect);
  const pp = rowStats("browser", "  … through the proxy", pageProxy);
  row(
    "browser",
    "  proxy ÷ direct, p50",
    `${(pp.median / pd.median).toFixed(2)}×`,
    `target ≤ 1.1×; load by load ${
      stats(pageProxy.map((x, i) => x / pageDirect[i])).median.toFixed(2)
    }×, fastest ÷ fastest ${(pp.min / pd.min).toFixed(2)}×; 23 requests a load ` +
      "(the page's own 22 and buzz's script), alternating, same run",
    String(PAGE_LOADS),
  );
  const mbs = (x: number) => `${fmtNum(x)} MB/s`;
  const dd = rowStats("browser", "10 MB download, direct", dlDirect, mbs);
  const dp = rowStats("browser", "  … through the proxy", dlProxy, mbs);
  row(
    "browser",
    "  proxy ÷ direct throughput, p50",
    `${(dp.median / dd.median).toFixed(2)}×`,
    `target ≥ 0.9×; fastest ÷ fastest ${(dp.max / dd.max).toFixed(2)}×`,
    String(DOWNLOADS),
  );
  const hd = rowStats(
    "browser",
    "HMR update (CSS saved → update message), direct socket",
    hmrDirect,
  );
  const deltas = hmrProxy.map((x, i) => x - hmrDirect[i]);
  rowStats("browser", "  … through the proxy", hmrProxy);
  row(
    "browser",
    "  proxy − direct, same update, p50",
    `${fmtNum(stats(deltas).median)} ms`,
    `target ≤ +10 ms; max ${fmtNum(stats(deltas).max)} ms; direct p50 ${fmtNum(hd.median)} ms`,
    String(deltas.length),
  );
  row("browser", "instance RSS, its two scripts running, two proxies idle", mib(idle));
  const each = await idleProxyCost(20);
  row("browser", "one idle proxy's memory (20 opened in one process)", `${fmtNum(each)} KiB`);
  row(
    "browser",
    "instance RSS after the loads",
    mib(after.rss),
    `peak (VmHWM) ${mib(after.hwm)}; ${after.rss >= idle ? "+" : "−"}${
      mib(Math.abs(after.rss - idle))
    } against idle`,
  );
}

/** RSS added per proxy, in KiB: n proxies opened in this process, nothing through them. */
async function idleProxyCost(n: number): Promise<number> {
  const settle = async () => {
    for (let i = 0; i < 3; i++) await sleep(50);
    return Deno.memoryUsage().rss;
  };
  const before = await settle();
  const proxies = Array.from({ length: n }, (_, i) =>
    startProxy({
      upstream: new URL(`http://localhost:${40000 + i}`),
      secret: "bench",
      describe: () => ({ script: "bench", state: "idle" }),
      telemetry: {
        clientScript: () => "",
        handleEvents: () => Promise.resolve(new Response(null, { status: 204 })),
      },
    }));
  const after = await settle();
  await Promise.all(proxies.map((p) => p.close()));
  return (after - before) / 1024 / n;
}

if (import.meta.main) {
  const { printTable } = await import("./stats.ts");
  const { cleanupAll } = await import("./procs.ts");
  try {
    await phaseBrowser();
    printTable();
  } finally {
    await cleanupAll();
  }
  Deno.exit(0);
}
