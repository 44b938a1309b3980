// Regenerates the detection corpus: writes small broken projects under
// /tmp/buzz-corpus/<case>, runs real tools on them in a pseudo-terminal (as buzz
// runs scripts) with colour forced, and saves what they printed to
// tests/corpus/<case>/output.log. Watch-mode cases edit files while the tool
// runs, so the capture shows errors appearing and being fixed.
//
//   deno run -A tests/corpus/regen.ts            # every case
//   deno run -A tests/corpus/regen.ts tsc-watch  # only the named ones
//
// Tools come from the npm registry, pinned in TOOLS (also listed in
// VERSIONS.md), installed once into /tmp/buzz-corpus/tools. Needs node/npm,
// python3, deno and util-linux `script`. expected.json files are written by
// hand: after a regen, check that their line numbers still match.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripTerminal } from "../../instance/supervise/terminal.ts";

const ROOT = "/tmp/buzz-corpus";
const TOOLS = Deno.env.get("BUZZ_CORPUS_TOOLS") ?? join(ROOT, "tools");
const HERE = dirname(fileURLToPath(import.meta.url));

export const TOOL_VERSIONS: Record<string, string> = {
  "vite": "8.3.8",
  "typescript": "5.9.3",
  "eslint": "10.15.0",
  "@eslint/js": "10.0.1",
  "webpack": "5.112.2",
  "webpack-cli": "7.3.1",
  "next": "16.4.6",
  "react": "19.3.1",
  "react-dom": "19.3.1",
  "vitest": "3.2.4",
  "jest": "30.5.2",
  "esbuild": "0.28.2",
  "pnpm": "10.34.9",
  "yarn": "1.22.22",
};

type Step =
  | { wait: RegExp; timeout?: number }
  | { write: string; text: string }
  | { get: string }
  | { sleep: number };

interface Case {
  name: string;
  files: Record<string, string>;
  cmd: string;
  steps?: Step[];
  /** For one-shot commands: how long they may take. */
  timeout?: number;
}

const pkg = (scripts: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "demo", version: "1.0.0", private: true, scripts, ...extra }, null, 2);

const VITE_INDEX =
  `<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>\n`;
const TSCONFIG = JSON.stringify({
  compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "ESNext", types: [] },
  include: ["src"],
});

const sleepStep = (ms: number): Step => ({ sleep: ms });

let port = 5301;
function viteCase(name: string, files: Record<string, string>, entry: string, fixed: string) {
  const p = port++;
  return {
    name,
    files: {
      "package.json": pkg({ dev: "vite" }, { type: "module" }),
      "index.html": VITE_INDEX,
      "vite.config.js":
        `export default { cacheDir: ".vite", server: { port: ${p}, strictPort: true } };\n`,
      ...files,
    },
    cmd: "vite",
    steps: [
      { wait: /ready in/ },
      { get: `http://localhost:${p}/${entry}` },
      { wait: /error/i },
      sleepStep(500),
      { write: entry, text: fixed },
      { wait: /hmr update|page reload/ },
      { get: `http://localhost:${p}/${entry}` },
      sleepStep(800),
    ],
  } satisfies Case;
}

const CASES: Case[] = [
  // ------------------------------------------------------------------ vite
  viteCase(
    "vite-jsx-parse",
    {
      "src/main.tsx": `export function App() {\n  return <div>\n    <p>hello</p>\n  </span>;\n}\n`,
    },
    "src/main.tsx",
    `export function App() {\n  return <div><p>hello</p></div>;\n}\n`,
  ),
  viteCase(
    "vite-ts-parse",
    {
      "src/main.tsx": `import "./util";\n`,
      "src/util.ts": `export const n: number = (1 + ;\n`,
    },
    "src/util.ts",
    `export const n: number = 1;\n`,
  ),
  viteCase(
    "vite-missing-import",
    { "src/main.tsx": `import { helper } from "./helpers";\nconsole.log(helper);\n` },
    "src/main.tsx",
    `console.log("fixed");\n`,
  ),
  {
    name: "vite-clean",
    files: {
      "package.json": pkg({ dev: "vite" }, { type: "module" }),
      "index.html": VITE_INDEX,
      "vite.config.js":
        `export default { cacheDir: ".vite", server: { port: 5399, strictPort: true } };\n`,
      "src/main.tsx": `console.log("error handling ready");\n`,
    },
    cmd: "vite",
    steps: [{ wait: /ready in/ }, { get: "http://localhost:5399/src/main.tsx" }, sleepStep(800)],
  },
  // --------------------------------------------------------------- esbuild
  {
    name: "esbuild-syntax",
    files: {
      "src/a.ts": `import { b } from "./b";\nconst x y = 1;\nconsole.log(b, x);\n`,
      "src/b.ts": `export const b = 1;\n`,
    },
    cmd: "esbuild src/a.ts --bundle --outfile=out.js",
  },
  {
    name: "esbuild-watch",
    files: {
      "src/a.ts": `import { nope } from "./missing";\nconsole.log(nope);\n`,
    },
    cmd: "esbuild src/a.ts --bundle --outfile=out.js --watch",
    steps: [
      { wait: /build finished/ },
      sleepStep(300),
      { write: "src/a.ts", text: `console.log("fixed");\n` },
      { wait: /build finished/ },
      sleepStep(300),
    ],
  },
  // ------------------------------------------------------------------- tsc
  {
    name: "tsc-plain",
    files: {
      "tsconfig.json": TSCONFIG,
      "src/a.ts": `const x: number = "a";\nexport const y = x;\n`,
      "src/b.ts":
        `interface P { id: number }\nconst p: P = { id: "1" } as { id: string };\nexport const q: P[] = [{ id: "2" }];\nexport { p };\n`,
    },
    cmd: "tsc -p . --pretty false",
  },
  {
    name: "tsc-pretty",
    files: {
      "tsconfig.json": TSCONFIG,
      "src/a.ts": `const x: number = "a";\nexport const y = x;\n`,
      "src/b.ts": `export function f(s: string) {\n  return s.lenght;\n}\n`,
    },
    cmd: "tsc -p .",
  },
  {
    name: "tsc-watch",
    files: {
      "tsconfig.json": TSCONFIG,
      "src/a.ts": `const x: number = "a";\nexport const y = x;\n`,
      "src/b.ts": `export function f(s: string) {\n  return s.lenght;\n}\n`,
    },
    cmd: "tsc -p . --watch",
    steps: [
      { wait: /Watching for file changes/ },
      sleepStep(500),
      { write: "src/a.ts", text: `const x: number = 1;\nexport const y = x;\n` },
      { wait: /Found 1 error/ },
      sleepStep(500),
      { write: "src/b.ts", text: `export function f(s: string) {\n  return s.length;\n}\n` },
      { wait: /Found 0 errors/ },
      sleepStep(300),
    ],
  },
  {
    name: "tsc-watch-plain",
    files: {
      "tsconfig.json": TSCONFIG,
      "src/a.ts": `const x: number = "a";\nexport const y = x;\n`,
    },
    cmd: "tsc -p . --watch --pretty false --preserveWatchOutput",
    steps: [
      { wait: /Watching for file changes/ },
      sleepStep(500),
      { write: "src/a.ts", text: `const x: number = "b";\nexport const y: string = x;\n` },
      { wait: /Watching for file changes/ },
      sleepStep(300),
    ],
  },
  // ---------------------------------------------------------------- eslint
  {
    name: "eslint-stylish",
    files: {
      "package.json": pkg({ lint: "eslint src" }, { type: "module" }),
      "eslint.config.js":
        `import js from "@eslint/js";\nexport default [js.configs.recommended, { rules: { "no-console": "warn" }, languageOptions: { globals: { console: "readonly" } } }];\n`,
      "src/a.js": `const unused = 1;\nfoo();\nconsole.log("hi");\n`,
      "src/b.js": `export function f(a) {\n  if (a == a) return b;\n}\n`,
    },
    cmd: "npm run lint",
  },
  {
    name: "eslint-warnings-clean",
    files: {
      "eslint.config.js":
        `import js from "@eslint/js";\nexport default [js.configs.recommended, { rules: { "no-console": "warn", "no-unused-vars": "warn" }, languageOptions: { globals: { console: "readonly" } } }];\n`,
      "package.json": pkg({}, { type: "module" }),
      "src/a.js": `const errorCount = 1;\nconsole.log("no errors here");\n`,
    },
    cmd: "eslint src",
  },
  // --------------------------------------------------------------- webpack
  {
    name: "webpack-errors",
    files: {
      "src/index.js": `import { x } from "./nope";\nimport "./bad";\nconsole.log(x);\n`,
      "src/bad.js": `export const a = {;\n`,
    },
    cmd: "webpack --mode development --entry ./src/index.js",
  },
  {
    name: "webpack-clean",
    files: {
      "src/index.js": `import("./lazy-" + globalThis.name);\nconsole.log("ok");\n`,
      "src/lazy-a.js": `export const a = 1;\n`,
    },
    cmd: "webpack --mode production --entry ./src/index.js",
  },
  // ------------------------------------------------------------------ next
  {
    name: "next-dev-errors",
    files: {
      "package.json": pkg({ dev: "next dev -p 5390" }),
      // The tools' node_modules is a symlink to outside the project; let Turbopack follow it.
      "next.config.mjs": `export default { turbopack: { root: "/tmp" } };\n`,
      "app/layout.jsx":
        `export default function Layout({ children }) {\n  return <html><body>{children}</body></html>;\n}\n`,
      "app/page.jsx": `export default function Page() {\n  return <p>home</p>;\n}\n`,
      "app/boom/page.jsx":
        `export default function Boom() {\n  const user = undefined;\n  return <p>{user.name}</p>;\n}\n`,
      "app/broken/page.jsx": `export default function Broken() {\n  return <p>oops</div>;\n}\n`,
    },
    cmd: "npm run dev",
    steps: [
      { wait: /Ready in/, timeout: 60_000 },
      { get: "http://localhost:5390/" },
      { get: "http://localhost:5390/boom" },
      { wait: /name/, timeout: 60_000 },
      sleepStep(1000),
      { get: "http://localhost:5390/broken" },
      sleepStep(3000),
    ],
  },
  // ---------------------------------------------------------- vitest, jest
  {
    name: "vitest-run-fail",
    files: {
      "package.json": pkg({}, { type: "module" }),
      "sum.js": `export const sum = (a, b) => a + b + 1;\n`,
      "sum.test.js":
        `import { describe, expect, it } from "vitest";\nimport { sum } from "./sum.js";\n\ndescribe("sum", () => {\n  it("adds", () => {\n    expect(sum(1, 2)).toBe(3);\n  });\n  it("adds zero", () => {\n    expect(sum(0, 0)).toBe(0);\n  });\n  it("is a function", () => {\n    expect(typeof sum).toBe("function");\n  });\n});\n`,
    },
    cmd: "vitest run",
  },
  {
    name: "vitest-watch",
    files: {
      "package.json": pkg({}, { type: "module" }),
      "sum.js": `export const sum = (a, b) => a - b;\n`,
      "sum.test.js":
        `import { expect, test } from "vitest";\nimport { sum } from "./sum.js";\n\ntest("adds", () => {\n  expect(sum(2, 2)).toBe(4);\n});\n`,
    },
    cmd: "vitest",
    steps: [
      { wait: /Waiting for file changes|press h/, timeout: 30_000 },
      sleepStep(500),
      { write: "sum.js", text: `export const sum = (a, b) => a + b;\n` },
      { wait: /Waiting for file changes|press h/ },
      sleepStep(300),
    ],
  },
  {
    name: "jest-fail",
    files: {
      "package.json": pkg({ test: "jest" }),
      "sum.js": `module.exports = (a, b) => a + b + 1;\n`,
      "sum.test.js":
        `const sum = require("./sum");\n\ndescribe("sum", () => {\n  test("adds", () => {\n    expect(sum(1, 2)).toBe(3);\n  });\n  test("returns an object", () => {\n    expect({ total: sum(1, 1) }).toEqual({ total: 2 });\n  });\n  test("is fine", () => {\n    expect(1).toBe(1);\n  });\n});\n`,
    },
    cmd: "jest",
  },
  {
    name: "jest-pass-clean",
    files: {
      "package.json": pkg({ test: "jest" }),
      "sum.test.js":
        `test("handles errors", () => {\n  expect(() => { throw new Error("x"); }).toThrow("x");\n  console.error("Error: this is logged on purpose");\n});\n`,
    },
    cmd: "jest --silent",
  },
  // ------------------------------------------------------------------ node
  {
    name: "node-uncaught",
    files: {
      "server.js":
        `const config = require("./config");\nconsole.log("starting on", config.port);\n`,
      "config.js":
        `function load(env) {\n  return env.settings.port;\n}\nmodule.exports = { port: load({}) };\n`,
    },
    cmd: "node server.js",
  },
  {
    name: "node-syntax",
    files: { "app.js": `console.log("start");\nconst a = {\n  b: 1,,\n};\n` },
    cmd: "node app.js",
  },
  {
    name: "node-unhandled-rejection",
    files: {
      "main.mjs":
        `async function fetchUser(id) {\n  const err = new Error(\`user \${id} not found\`);\n  err.code = "E_NOUSER";\n  throw err;\n}\nconsole.log("fetching");\nfetchUser(7);\n`,
    },
    cmd: "node main.mjs",
  },
  {
    name: "node-rejection-value",
    files: { "main.js": `console.log("ready");\nPromise.reject("timeout talking to db");\n` },
    cmd: "node main.js",
  },
  {
    name: "node-warnings-clean",
    files: {
      "main.js":
        `process.emitWarning("The thing is deprecated", "DeprecationWarning", "DEP9999");\nprocess.emitWarning("Something odd");\nconsole.log("errors: 0, warnings: 2");\nconsole.log("Listening on http://localhost:3000 (errorHandler installed)");\n`,
    },
    cmd: "node main.js",
  },
  // ------------------------------------------------------------------ deno
  {
    name: "deno-check",
    files: {
      "main.ts":
        `import { greet } from "./greet.ts";\nconst n: number = greet("x");\nconsole.log(n);\n`,
      "greet.ts": `export function greet(name: string): string {\n  return "hi " + nme;\n}\n`,
    },
    cmd: "deno check main.ts",
  },
  {
    name: "deno-runtime",
    files: {
      "main.ts":
        `console.log("serving");\nasync function load() {\n  await Deno.readTextFile("./missing.json");\n}\nawait load();\n`,
    },
    cmd: "deno run -R main.ts",
  },
  {
    name: "deno-uncaught",
    files: {
      "main.ts":
        `function parse(s: string) {\n  if (!s.startsWith("{")) throw new TypeError("expected an object, got " + s);\n}\nconsole.log("parsing");\nparse("42");\n`,
    },
    cmd: "deno run main.ts",
  },
  // ---------------------------------------------------------------- python
  {
    name: "python-traceback",
    files: {
      "app.py":
        `import json\n\ndef load(path):\n    with open(path) as f:\n        return json.load(f)\n\ndef main():\n    cfg = {"port": 8000}\n    print("starting on", cfg["port"], flush=True)\n    return cfg["host"]\n\nmain()\n`,
    },
    cmd: "python3 app.py",
  },
  {
    name: "python-chained",
    files: {
      "app.py":
        `def parse(s):\n    try:\n        return int(s)\n    except ValueError as e:\n        raise RuntimeError("bad config value") from e\n\nparse("x")\n`,
    },
    cmd: "python3 app.py",
  },
  {
    name: "python-syntax",
    files: { "app.py": `print("hi")\ndef f(:\n    pass\n` },
    cmd: "python3 app.py",
  },
  // ------------------------------------------------------ package managers
  {
    name: "npm-script-fail",
    files: {
      "package.json": pkg({ build: "node build.js" }),
      "build.js": `console.log("building");\nprocess.exit(3);\n`,
    },
    cmd: "npm run build",
  },
  {
    name: "npm-missing-script",
    files: { "package.json": pkg({ dev: "node x.js" }) },
    cmd: "npm run start",
  },
  {
    name: "npm-notices-clean",
    files: { "package.json": pkg(), "index.js": `module.exports = "error-free";\n` },
    cmd: "npm pack --dry-run",
  },
  {
    name: "pnpm-script-fail",
    files: {
      "package.json": pkg({ build: "node build.js" }),
      "build.js": `console.log("building");\nprocess.exit(2);\n`,
    },
    cmd: "pnpm run build",
  },
  {
    name: "yarn-script-fail",
    files: {
      "package.json": pkg({ build: "node build.js" }),
      "build.js": `console.log("building");\nprocess.exit(2);\n`,
    },
    cmd: "yarn run build",
  },
];

async function sh(cmd: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd[0], { args: cmd.slice(1), cwd }).output();
  if (!out.success) {
    throw new Error(`${cmd.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
}

async function installTools(): Promise<void> {
  const want = JSON.stringify(TOOL_VERSIONS);
  const stamp = join(TOOLS, "installed.json");
  if (await Deno.readTextFile(stamp).catch(() => "") === want) return;
  await Deno.mkdir(TOOLS, { recursive: true });
  await Deno.writeTextFile(join(TOOLS, "package.json"), pkg());
  console.error("[regen] installing tools from the npm registry…");
  const specs = Object.entries(TOOL_VERSIONS).map(([n, v]) => `${n}@${v}`);
  await sh(["npm", "install", "--no-audit", "--no-fund", ...specs], TOOLS);
  await Deno.writeTextFile(stamp, want);
}

async function runCase(c: Case): Promise<string> {
  const dir = join(ROOT, c.name);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  for (const [path, text] of Object.entries(c.files)) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
  await Deno.symlink(join(TOOLS, "node_modules"), join(dir, "node_modules"));
  const env = {
    PATH: `${join(TOOLS, "node_modules/.bin")}:${Deno.env.get("PATH")}`,
    HOME: Deno.env.get("HOME") ?? "/tmp",
    TERM: "xterm-256color",
    FORCE_COLOR: "1",
    COLUMNS: "100",
    LINES: "40",
    NEXT_TELEMETRY_DISABLED: "1",
    NO_UPDATE_NOTIFIER: "1",
    npm_config_update_notifier: "false",
    DENO_NO_UPDATE_CHECK: "1",
    LANG: "C.UTF-8",
  };
  // `script` gives the command a pseudo-terminal; stdin stays open (piped, never
  // written) so watchers do not see an end of input.
  const child = new Deno.Command("script", {
    args: ["-qefc", `stty cols 100 rows 40 2>/dev/null; exec ${c.cmd}`, "/dev/null"],
    cwd: dir,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    detached: true,
  }).spawn();
  const chunks: Uint8Array[] = [];
  const dec = new TextDecoder();
  let text = "";
  const reading = (async () => {
    for await (const chunk of child.stdout) {
      chunks.push(chunk);
      text += dec.decode(chunk, { stream: true });
    }
  })();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  let mark = 0;
  for (const step of c.steps ?? []) {
    if ("wait" in step) {
      const deadline = Date.now() + (step.timeout ?? 20_000);
      while (!step.wait.test(stripTerminal(text.slice(mark)))) {
        if (Date.now() > deadline || exited) {
          kill(child.pid, "SIGKILL");
          throw new Error(`${c.name}: timed out waiting for ${step.wait}\n${stripTerminal(text)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      mark = text.length;
    } else if ("write" in step) {
      await Deno.writeTextFile(join(dir, step.write), step.text);
    } else if ("get" in step) {
      await fetch(step.get).then((r) => r.body?.cancel()).catch(() => {});
    } else {
      await new Promise((r) => setTimeout(r, step.sleep));
    }
  }
  if (c.steps) kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => kill(child.pid, "SIGKILL"), c.steps ? 3000 : c.timeout ?? 60_000);
  await status;
  clearTimeout(timer);
  child.stdin.close();
  await reading;
  return new TextDecoder().decode(concat(chunks));
}

/** Signals the capture's whole process group (script and the tool under it). */
function kill(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch { /* already gone */ }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, at), at += c.length;
  return out;
}

if (import.meta.main) {
  const only = new Set(Deno.args);
  await installTools();
  for (const c of CASES) {
    if (only.size && !only.has(c.name)) continue;
    console.error(`[regen] ${c.name}: ${c.cmd}`);
    let out: string;
    try {
      out = await runCase(c);
    } catch (e) {
      console.error(`[regen] ${c.name} FAILED: ${(e as Error).message}`);
      continue;
    }
    await Deno.mkdir(join(HERE, c.name), { recursive: true });
    await Deno.writeTextFile(join(HERE, c.name, "output.log"), out);
    await Deno.writeTextFile(
      join(HERE, c.name, "command.txt"),
      `${c.cmd}\n\n${Object.entries(c.files).map(([p, t]) => `--- ${p}\n${t}`).join("\n")}`,
    );
  }
  // The projects are throwaway; the installed tools stay for the next regen.
  for (const c of CASES) await Deno.remove(join(ROOT, c.name), { recursive: true }).catch(() => {});
}
