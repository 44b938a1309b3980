// A real headless Chromium (Debian's `chromium`, installed by .ci/setup) for
// the tests, driven over the DevTools protocol with chrome-remote-interface
// (pinned in tests/tools). Clicks are real mouse events at the element's place.

import { createRequire } from "node:module";
import { join } from "node:path";
import type { Client } from "../shared/sdk.ts";
import {
  call,
  connectInstance,
  ROOT,
  startInstance,
  stopChild,
  type Structured,
  tempDir,
  until,
} from "./helpers.ts";
import { toolDir, TOOLS } from "./tools.ts";

// deno-lint-ignore no-explicit-any
type Cdp = any;

export interface Browser {
  /** The page's DevTools session (Page, Runtime, Input, Network domains). */
  cdp: Cdp;
  /** Navigates and waits for the load event. */
  open(url: string): Promise<void>;
  /** A JavaScript expression's value in the page (awaited when it is a promise). */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** A real mouse click in the middle of the element. */
  click(selector: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  toolDir("chrome-remote-interface");
  const CDP = createRequire(join(TOOLS, "package.json"))("chrome-remote-interface");
  const profile = await tempDir("buzz-chromium-");
  const proc = new Deno.Command("chromium", {
    args: [
      "--headless=new",
      // Tests run as root in CI, where Chromium's sandbox cannot start.
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const port = await (async () => {
    const reader = proc.stderr.pipeThrough(new TextDecoderStream()).getReader();
    const deadline = setTimeout(() => reader.cancel(), 60_000);
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        stderr += value;
        const m = stderr.match(/DevTools listening on ws:\/\/[^:]+:(\d+)\//);
        if (m) {
          // Keep draining so Chromium never blocks on a full pipe.
          (async () => {
            try {
              while (!(await reader.read()).done) { /* drop */ }
            } catch { /* closed */ }
          })();
          return Number(m[1]);
        }
      }
    } finally {
      clearTimeout(deadline);
    }
    throw new Error(`chromium did not start:\n${stderr}`);
  })().catch(async (e) => {
    proc.kill("SIGKILL");
    await proc.status;
    throw e;
  });
  const targets: { type: string; id: string }[] = await CDP.List({ port });
  const cdp = await CDP({ port, target: targets.find((t) => t.type === "page")!.id });
  await Promise.all([cdp.Page.enable(), cdp.Runtime.enable()]);

  const evaluate = async <T>(expression: string): Promise<T> => {
    const r = await cdp.Runtime.evaluate({ expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) {
      throw new Error(
        `page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`,
      );
    }
    return r.result.value as T;
  };
  return {
    cdp,
    evaluate,
    async open(url) {
      const loaded = cdp.Page.loadEventFired();
      const nav = await cdp.Page.navigate({ url });
      if (nav.errorText) throw new Error(`cannot open ${url}: ${nav.errorText}`);
      await loaded;
    },
    async click(selector) {
      const box = await evaluate<{ x: number; y: number } | null>(`(() => {
        const el = document.querySelector(${JSON.stringify(selector)});
        if (!el) return null;
        el.scrollIntoView({ block: "center" });
        const r = el.getBoundingClientRect();
        return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
      })()`);
      if (!box) throw new Error(`no element ${selector} on the page`);
      for (const type of ["mousePressed", "mouseReleased"]) {
        await cdp.Input.dispatchMouseEvent({ type, ...box, button: "left", clickCount: 1 });
      }
    },
    async close() {
      await cdp.close().catch(() => {});
      await stopChild(proc, 5000);
    },
  };
}

const SSR = join(ROOT, "tests", "fixtures", "browser_ssr");

/** A copy of the server-rendered site, listening on `port`. */
export async function ssrSite(port: number): Promise<string> {
  const dir = await tempDir("buzz-browser-ssr-");
  for (const file of ["server.mjs", "package.json"]) {
    await Deno.copyFile(join(SSR, file), join(dir, file));
  }
  await Deno.writeTextFile(join(dir, ".env"), `PORT=${port}\n`);
  return dir;
}

/** The browser URL (buzz's proxy) of the first URL the script's run printed. */
export function proxiedUrl(client: Client, script: string): Promise<string> {
  return until("the proxied URL", async () => {
    const { runs } = await call(client, "scripts_status", { name: script });
    const urls = (runs as Structured[])[0]?.browser_urls as Record<string, string> | undefined;
    return Object.values(urls ?? {})[0];
  }, 30_000);
}

export interface Served {
  /** An MCP client of the instance. */
  client: Client;
  /** The web script's run. */
  id: string;
  /** Its browser URL. */
  proxied: string;
  /** Stops the instance (and so the script). */
  close(): Promise<void>;
}

/** `buzz --no-tui` in `dir`, its "web" script started and waited on until `waitFor`. */
export async function serveWeb(dir: string, waitFor: string, timeoutMs: number): Promise<Served> {
  const inst = await startInstance({ project: dir, discoveryDir: await tempDir("buzz-disc-") });
  const conn = await connectInstance(inst.record);
  const close = async () => {
    await conn.close();
    await inst.stop();
  };
  try {
    const run = await call(conn.client, "scripts_run", {
      name: "web",
      wait_for: waitFor,
      timeout_ms: timeoutMs,
    });
    const proxied = await proxiedUrl(conn.client, "web");
    return { client: conn.client, id: run.process_id as string, proxied, close };
  } catch (e) {
    await close();
    throw e;
  }
}
