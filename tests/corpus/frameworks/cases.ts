// Frameworks and runners beyond the core JavaScript tools: Astro, SvelteKit,
// Angular CLI, React Router, Bun, turbo in a pnpm workspace. Recorded by
// `deno run -A tests/corpus/record.ts frameworks`; each framework's packages
// are installed under /tmp/buzz-corpus/npm/<name> at the versions below
// (versions that run on the machine's Node 20).

import type { CaseDef } from "../case.ts";
import { npmTools } from "../scratch.ts";

const ASTRO = { astro: "5.9.4" };
const SVELTE = {
  "@sveltejs/kit": "2.70.4",
  "@sveltejs/vite-plugin-svelte": "6.2.3",
  svelte: "5.59.2",
  vite: "7.3.8",
};
const ANGULAR = {
  "@angular/cli": "20.3.43",
  "@angular/build": "20.3.42",
  "@angular/core": "20.3.35",
  "@angular/common": "20.3.35",
  "@angular/compiler": "20.3.35",
  "@angular/compiler-cli": "20.3.35",
  "@angular/platform-browser": "20.3.35",
  rxjs: "7.8.2",
  tslib: "2.8.1",
  typescript: "5.9.3",
};
const RR = {
  "@react-router/dev": "7.18.5",
  "react-router": "7.18.5",
  "@react-router/node": "7.18.5",
  "@react-router/serve": "7.18.5",
  react: "19.3.1",
  "react-dom": "19.3.1",
  vite: "7.3.8",
  isbot: "5.1.32",
};
const TURBO = { turbo: "2.11.13", bun: "1.4.5" };
/** turbo runs its tasks with pnpm, from the JavaScript family's install. */
const PNPM = "/tmp/buzz-corpus/npm/js/node_modules/.bin/pnpm";
const turboSetup = [[PNPM, "install", "--offline"], ...npmTools(TURBO, "turbo").slice(0, 1)];
const turboEnv = { PATH: `/tmp/buzz-corpus/npm/js/node_modules/.bin:${Deno.env.get("PATH")}` };
const TURBO_BIN = "/tmp/buzz-corpus/npm/turbo/node_modules/.bin/turbo";

const pkg = (scripts: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "demo", version: "1.0.0", private: true, scripts, ...extra }, null, 2);

// ---------------------------------------------------------------- astro

const ASTRO_FILES = {
  "package.json": pkg({ dev: "astro dev", build: "astro build" }, { type: "module" }),
  "astro.config.mjs":
    `import { defineConfig } from "astro/config";\nexport default defineConfig({ server: { port: 5451 }, telemetry: false });\n`,
  "src/pages/index.astro":
    `---\nconst title = "Home";\n---\n<html><body><h1>{title}</h1></body></html>\n`,
};

// ------------------------------------------------------------- sveltekit

const SVELTE_FILES = {
  "package.json": pkg({ dev: "vite dev" }, { type: "module" }),
  "svelte.config.js": `export default { kit: {} };\n`,
  "vite.config.js":
    `import { sveltekit } from "@sveltejs/kit/vite";\nexport default { plugins: [sveltekit()], server: { port: 5452, strictPort: true } };\n`,
  "src/app.html":
    `<!doctype html><html><head>%sveltekit.head%</head><body><div>%sveltekit.body%</div></body></html>\n`,
  "src/routes/+page.svelte":
    `<script>\n  let count = $state(0);\n</script>\n<button onclick={() => count++}>{count}</button>\n`,
};

// --------------------------------------------------------------- angular

const ANGULAR_FILES = {
  "package.json": pkg({ build: "ng build" }),
  "angular.json": JSON.stringify(
    {
      version: 1,
      newProjectRoot: "projects",
      cli: { analytics: false },
      projects: {
        demo: {
          projectType: "application",
          root: "",
          sourceRoot: "src",
          architect: {
            build: {
              builder: "@angular/build:application",
              options: {
                outputPath: "dist/demo",
                index: "src/index.html",
                browser: "src/main.ts",
                tsConfig: "tsconfig.json",
              },
            },
          },
        },
      },
    },
    null,
    2,
  ),
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      strict: true,
      target: "ES2022",
      module: "ES2022",
      moduleResolution: "bundler",
      experimentalDecorators: true,
      skipLibCheck: true,
    },
    files: ["src/main.ts"],
  }),
  "src/index.html": `<!doctype html><html><body><app-root></app-root></body></html>\n`,
  "src/main.ts":
    `import { bootstrapApplication } from "@angular/platform-browser";\nimport { AppComponent } from "./app.component";\nbootstrapApplication(AppComponent);\n`,
};
const ANGULAR_OK =
  `import { Component } from "@angular/core";\n\n@Component({ selector: "app-root", template: "<h1>{{ title }}</h1>" })\nexport class AppComponent {\n  title: string = "demo";\n}\n`;

// ---------------------------------------------------------- react router

const RR_FILES = {
  "package.json": pkg({ dev: "react-router dev --port 5453" }, {
    type: "module",
    dependencies: {
      "@react-router/node": RR["@react-router/node"],
      "react-router": RR["react-router"],
      react: RR.react,
      "react-dom": RR["react-dom"],
      isbot: RR.isbot,
    },
  }),
  "react-router.config.ts": `export default { ssr: true };\n`,
  "vite.config.ts":
    `import { reactRouter } from "@react-router/dev/vite";\nexport default { plugins: [reactRouter()] };\n`,
  "app/root.tsx":
    `import { Outlet, Scripts } from "react-router";\nexport default function App() {\n  return <html><body><Outlet /><Scripts /></body></html>;\n}\n`,
  "app/routes.ts":
    `import { index, route } from "@react-router/dev/routes";\nexport default [index("routes/home.tsx"), route("users/:id", "routes/user.tsx")];\n`,
  "app/routes/home.tsx": `export default function Home() {\n  return <h1>home</h1>;\n}\n`,
  "app/routes/user.tsx":
    `export async function loader({ params }: { params: { id: string } }) {\n  const users: Record<string, { name: string }> = {};\n  return { name: users[params.id].name };\n}\nexport default function User() {\n  return <h1>user</h1>;\n}\n`,
};

export const cases: CaseDef[] = [
  {
    name: "astro-dev-frontmatter-error",
    tool: "astro",
    about: "astro dev: a page whose frontmatter throws, requested; fixed",
    versions: ASTRO,
    setup: npmTools(ASTRO, "astro"),
    files: ASTRO_FILES,
    command: ["astro", "dev"],
    phases: [
      { name: "start", waitFor: "Local", timeoutMs: 60_000, settleMs: 1000 },
      {
        name: "break",
        edit: {
          "src/pages/index.astro":
            `---\nconst user = undefined;\nconst title = user.name;\n---\n<html><body><h1>{title}</h1></body></html>\n`,
        },
        fetch: ["http://localhost:5451/"],
        waitFor: "name",
        settleMs: 1500,
      },
      {
        name: "fix",
        edit: { "src/pages/index.astro": ASTRO_FILES["src/pages/index.astro"] },
        settleMs: 3000,
      },
      { name: "reload", fetch: ["http://localhost:5451/"], settleMs: 2000 },
    ],
  },
  {
    name: "astro-build-syntax",
    tool: "astro",
    about: "astro build: a syntax error in a page's frontmatter; fixed and rebuilt",
    versions: ASTRO,
    setup: npmTools(ASTRO, "astro"),
    files: {
      ...ASTRO_FILES,
      "src/pages/index.astro":
        `---\nimport { format } from "../lib/format";\nconst title = format("Home";\n---\n<html><body><h1>{title}</h1></body></html>\n`,
      "src/lib/format.ts": `export const format = (s: string) => s.toUpperCase();\n`,
    },
    command: ["astro", "build"],
    phases: [
      { name: "run", timeoutMs: 90_000 },
      {
        name: "fix",
        run: true,
        edit: { "src/pages/index.astro": ASTRO_FILES["src/pages/index.astro"] },
        timeoutMs: 90_000,
      },
    ],
  },
  {
    name: "astro-build-noisy-clean",
    tool: "astro",
    about: "astro build: clean, pages named error and failed",
    clean: true,
    versions: ASTRO,
    setup: npmTools(ASTRO, "astro"),
    files: {
      ...ASTRO_FILES,
      "src/pages/error.astro": `<html><body><h1>Error: something failed</h1></body></html>\n`,
      "src/pages/failed-payments.astro": `<html><body><p>0 failed payments</p></body></html>\n`,
    },
    command: ["astro", "build"],
    phases: [{ name: "run", timeoutMs: 90_000 }],
  },
  {
    name: "sveltekit-dev-compile-error",
    tool: "sveltekit",
    about: "SvelteKit dev: a Svelte compile error in a page, requested; fixed",
    versions: SVELTE,
    setup: npmTools(SVELTE, "svelte"),
    files: SVELTE_FILES,
    command: ["vite", "dev"],
    phases: [
      { name: "start", waitFor: "ready in", timeoutMs: 60_000, settleMs: 1000 },
      {
        name: "break",
        edit: {
          "src/routes/+page.svelte":
            `<script>\n  let count = $state(0);\n</script>\n<button onclick={() => count++}>{count}</div>\n`,
        },
        fetch: ["http://localhost:5452/"],
        waitFor: "rror",
        settleMs: 1500,
      },
      {
        name: "fix",
        edit: { "src/routes/+page.svelte": SVELTE_FILES["src/routes/+page.svelte"] },
        fetch: ["http://localhost:5452/"],
        waitFor: "update|reload",
        settleMs: 1500,
      },
    ],
  },
  {
    name: "sveltekit-load-error",
    tool: "sveltekit",
    about: "SvelteKit dev: a page's load function throws on request",
    versions: SVELTE,
    setup: npmTools(SVELTE, "svelte"),
    files: {
      ...SVELTE_FILES,
      "src/routes/+page.js":
        `export function load() {\n  const settings = undefined;\n  return { theme: settings.theme };\n}\n`,
    },
    command: ["vite", "dev"],
    phases: [
      { name: "start", waitFor: "ready in", timeoutMs: 60_000, settleMs: 1000 },
      { name: "request", fetch: ["http://localhost:5452/"], waitFor: "theme", settleMs: 1500 },
    ],
  },
  {
    name: "angular-build-ts-error",
    tool: "angular",
    about: "ng build: a type error in a component; fixed and rebuilt",
    versions: ANGULAR,
    setup: npmTools(ANGULAR, "angular"),
    env: { NG_CLI_ANALYTICS: "false" },
    files: {
      ...ANGULAR_FILES,
      "src/app.component.ts":
        `import { Component } from "@angular/core";\n\n@Component({ selector: "app-root", template: "<h1>{{ title }}</h1>" })\nexport class AppComponent {\n  title: string = 42;\n}\n`,
    },
    command: ["ng", "build"],
    phases: [
      { name: "run", timeoutMs: 120_000 },
      {
        name: "fix",
        run: true,
        edit: { "src/app.component.ts": ANGULAR_OK },
        timeoutMs: 120_000,
      },
    ],
  },
  {
    name: "angular-build-template-error",
    tool: "angular",
    about: "ng build: a template binding to a property the component lacks",
    versions: ANGULAR,
    setup: npmTools(ANGULAR, "angular"),
    env: { NG_CLI_ANALYTICS: "false" },
    files: {
      ...ANGULAR_FILES,
      "src/app.component.ts":
        `import { Component } from "@angular/core";\n\n@Component({ selector: "app-root", template: "<h1>{{ titel }}</h1>" })\nexport class AppComponent {\n  title = "demo";\n}\n`,
    },
    command: ["ng", "build"],
    phases: [{ name: "run", timeoutMs: 120_000 }],
  },
  {
    name: "react-router-loader-error",
    tool: "react-router",
    about: "react-router dev: a loader throws a TypeError on request; then fixed",
    versions: RR,
    setup: npmTools(RR, "rr"),
    files: RR_FILES,
    command: ["react-router", "dev", "--port", "5453"],
    phases: [
      { name: "start", waitFor: "Local", timeoutMs: 60_000, settleMs: 1000 },
      {
        name: "request",
        fetch: ["http://localhost:5453/users/7"],
        waitFor: "name",
        settleMs: 1500,
      },
    ],
  },
  {
    name: "react-router-syntax-error",
    tool: "react-router",
    about: "react-router dev: a syntax error in a route module, requested; fixed",
    versions: RR,
    setup: npmTools(RR, "rr"),
    files: RR_FILES,
    command: ["react-router", "dev", "--port", "5453"],
    phases: [
      { name: "start", waitFor: "Local", timeoutMs: 60_000, settleMs: 1000 },
      {
        name: "break",
        edit: {
          "app/routes/home.tsx": `export default function Home() {\n  return <h1>home</h2>;\n}\n`,
        },
        fetch: ["http://localhost:5453/"],
        waitFor: "rror",
        settleMs: 1500,
      },
      {
        name: "fix",
        edit: { "app/routes/home.tsx": RR_FILES["app/routes/home.tsx"] },
        fetch: ["http://localhost:5453/"],
        waitFor: "update|reload",
        settleMs: 1500,
      },
    ],
  },
  {
    name: "bun-runtime-error",
    tool: "bun",
    about: "bun run: an uncaught TypeError in an imported module; fixed",
    versions: { bun: TURBO.bun },
    setup: npmTools(TURBO, "turbo"),
    files: {
      "index.ts": `import { port } from "./config";\nconsole.log("starting on", port);\n`,
      "config.ts":
        `const env: { settings?: { port: number } } = {};\nexport const port = env.settings!.port;\n`,
    },
    command: ["bun", "run", "index.ts"],
    phases: [
      { name: "run" },
      {
        name: "fix",
        run: true,
        edit: { "config.ts": `export const port = 3000;\n` },
      },
    ],
  },
  {
    name: "bun-test-fail",
    tool: "bun",
    about: "bun test: one failing expectation of two",
    versions: { bun: TURBO.bun },
    setup: npmTools(TURBO, "turbo"),
    files: {
      "sum.ts": `export const sum = (a: number, b: number) => a - b;\n`,
      "sum.test.ts":
        `import { expect, test } from "bun:test";\nimport { sum } from "./sum";\n\ntest("adds", () => {\n  expect(sum(2, 3)).toBe(5);\n});\n\ntest("is a function", () => {\n  expect(typeof sum).toBe("function");\n});\n`,
    },
    command: ["bun", "test"],
    phases: [{ name: "run" }],
  },
  {
    name: "bun-noisy-clean",
    tool: "bun",
    about: "bun run: a clean script logging errors=0 and 'failed: none'",
    clean: true,
    versions: { bun: TURBO.bun },
    setup: npmTools(TURBO, "turbo"),
    files: {
      "index.ts":
        `console.log("health: errors=0, failed checks: none");\nconsole.warn("warning: using the error-tolerant parser");\nconsole.log("Listening on http://localhost:5454");\n`,
    },
    command: ["bun", "run", "index.ts"],
    phases: [{ name: "run" }],
  },
  {
    name: "turbo-dev-task-error",
    tool: "turbo",
    about:
      "turbo run dev in a pnpm workspace: web prints its URL, api crashes with a TypeError (prefixed lines)",
    versions: TURBO,
    setup: turboSetup,
    env: turboEnv,
    files: {
      "package.json": pkg({ dev: "turbo run dev" }, { packageManager: "pnpm@10.34.9" }),
      "pnpm-workspace.yaml": `packages:\n  - "apps/*"\n`,
      "turbo.json": JSON.stringify({
        $schema: "https://turborepo.com/schema.json",
        ui: "stream",
        tasks: { dev: { cache: false, persistent: true } },
      }),
      "apps/web/package.json": JSON.stringify({
        name: "web",
        version: "1.0.0",
        scripts: { dev: "node server.js" },
      }),
      "apps/web/server.js":
        `require("node:http").createServer((q, r) => r.end("ok")).listen(5461, () => console.log("web ready on http://localhost:5461"));\n`,
      "apps/api/package.json": JSON.stringify({
        name: "api",
        version: "1.0.0",
        scripts: { dev: "node server.js" },
      }),
      "apps/api/server.js":
        `const db = require("./db");\nconsole.log("api connecting");\nsetTimeout(() => db.connect(), 300);\nsetInterval(() => {}, 1000);\n`,
      "apps/api/db.js":
        `exports.connect = () => {\n  const cfg = undefined;\n  return cfg.url;\n};\n`,
    },
    command: [TURBO_BIN, "run", "dev"],
    phases: [{ name: "start", waitFor: "cfg|url|exited|ERROR", timeoutMs: 60_000, settleMs: 2000 }],
  },
  {
    name: "turbo-noisy-clean",
    tool: "turbo",
    about: "turbo run build in a pnpm workspace: clean tasks whose logs mention errors",
    clean: true,
    versions: TURBO,
    setup: turboSetup,
    env: turboEnv,
    files: {
      "package.json": pkg({ build: "turbo run build" }, { packageManager: "pnpm@10.34.9" }),
      "pnpm-workspace.yaml": `packages:\n  - "apps/*"\n`,
      "turbo.json": JSON.stringify({
        $schema: "https://turborepo.com/schema.json",
        ui: "stream",
        tasks: { build: { cache: false } },
      }),
      "apps/web/package.json": JSON.stringify({
        name: "web",
        version: "1.0.0",
        scripts: { build: "node build.js" },
      }),
      "apps/web/build.js":
        `console.log("bundling error-boundary.tsx");\nconsole.log("0 errors, 0 warnings");\n`,
      "apps/docs/package.json": JSON.stringify({
        name: "docs",
        version: "1.0.0",
        scripts: { build: "node build.js" },
      }),
      "apps/docs/build.js":
        `console.log("rendering pages/errors/failed-builds.md");\nconsole.log("done: failed=0");\n`,
    },
    command: [TURBO_BIN, "run", "build"],
    phases: [{ name: "run", timeoutMs: 60_000 }],
  },
  {
    name: "pnpm-parallel-prefixed",
    tool: "pnpm",
    about:
      "pnpm -r --parallel run dev: two packages' prefixed output; api's tsc --watch reports an error, then fixes it",
    versions: { pnpm: "10.34.9", typescript: "5.9.3" },
    setup: [[PNPM, "install", "--offline"], [
      "ln",
      "-s",
      "/tmp/buzz-corpus/npm/js/node_modules",
      "node_modules",
    ]],
    env: turboEnv,
    files: {
      "package.json": pkg({ dev: "pnpm -r --parallel run dev" }, {
        packageManager: "pnpm@10.34.9",
      }),
      "pnpm-workspace.yaml": `packages:\n  - "packages/*"\n`,
      "packages/web/package.json": JSON.stringify({
        name: "web",
        version: "1.0.0",
        scripts: { dev: "node server.js" },
      }),
      "packages/web/server.js":
        `require("node:http").createServer((q, r) => r.end("ok")).listen(5462, () => console.log("web: errors page at http://localhost:5462/errors"));\n`,
      "packages/api/package.json": JSON.stringify({
        name: "api",
        version: "1.0.0",
        scripts: { dev: "tsc -p . --watch --preserveWatchOutput" },
      }),
      "packages/api/tsconfig.json": JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, types: [] },
        include: ["src"],
      }),
      "packages/api/src/db.ts": `export const poolSize: number = "10";\n`,
    },
    command: [PNPM, "-r", "--parallel", "run", "dev"],
    phases: [
      { name: "start", waitFor: "Found 1 error", timeoutMs: 60_000, settleMs: 1000 },
      {
        name: "fix",
        edit: { "packages/api/src/db.ts": `export const poolSize = 10;\n` },
        waitFor: "Found 0 errors",
        settleMs: 1000,
      },
    ],
  },
];

const MORE = {
  "@biomejs/biome": "2.6.9",
  oxlint: "1.96.0",
  consola: "3.4.2",
  pino: "10.4.0",
};
const LINT_SRC =
  `let unused = 1;\nconst total = items.length;\nif (total == "2") { debugger; }\nexport { total };\n`;

/** Linters and loggers: Biome, Oxlint, consola, pino. */
cases.push(
  {
    name: "biome-lint-errors",
    tool: "biome",
    about: "biome lint: errors (× lines) beside warnings (! lines); fixed",
    versions: { "@biomejs/biome": MORE["@biomejs/biome"] },
    setup: npmTools(MORE, "more"),
    files: {
      "package.json": pkg({}, { type: "module" }),
      "biome.json": JSON.stringify({
        linter: { rules: { suspicious: { noDebugger: "error", noDoubleEquals: "error" } } },
      }),
      "src/a.js": LINT_SRC,
    },
    command: ["biome", "lint", "src"],
    phases: [
      { name: "run" },
      {
        name: "fix",
        run: true,
        edit: { "src/a.js": `const items = [];\nconst total = items.length;\nexport { total };\n` },
      },
    ],
  },
  {
    name: "biome-warnings-clean",
    tool: "biome",
    about: "biome lint: warnings only, in a file named errors.js",
    clean: true,
    versions: { "@biomejs/biome": MORE["@biomejs/biome"] },
    setup: npmTools(MORE, "more"),
    files: {
      "package.json": pkg({}, { type: "module" }),
      "src/errors.js": `let errorCount = 0;\nexport const failed = errorCount > 0;\n`,
    },
    command: ["biome", "lint", "src"],
    phases: [{ name: "run" }],
  },
  {
    name: "oxlint-errors",
    tool: "oxlint",
    about: "oxlint -D correctness: errors with their frames; fixed",
    versions: { oxlint: MORE.oxlint },
    setup: npmTools(MORE, "more"),
    files: { "src/a.js": LINT_SRC },
    command: ["oxlint", "-D", "correctness", "-D", "no-debugger", "src"],
    phases: [
      { name: "run" },
      {
        name: "fix",
        run: true,
        edit: { "src/a.js": `const items = [];\nconst total = items.length;\nexport { total };\n` },
      },
    ],
  },
  {
    name: "oxlint-warnings-clean",
    tool: "oxlint",
    about: "oxlint: warnings only (not errors)",
    clean: true,
    versions: { oxlint: MORE.oxlint },
    setup: npmTools(MORE, "more"),
    files: { "src/errors.js": `let unusedError = 1;\nexport const ok = true;\n` },
    command: ["oxlint", "src"],
    phases: [{ name: "run" }],
  },
  {
    name: "consola-error",
    tool: "consola",
    about: "consola: an error logged with its stack, then a message logged as an error",
    versions: { consola: MORE.consola },
    setup: npmTools(MORE, "more"),
    files: {
      "package.json": pkg({}, { type: "module" }),
      "server.mjs":
        `import { consola } from "consola";\nimport { connect } from "./db.mjs";\nconsola.info("starting");\ntry {\n  connect();\n} catch (e) {\n  consola.error(e);\n}\nconsola.success("ready on http://localhost:5463");\nsetTimeout(() => {}, 5000);\n`,
      "db.mjs":
        `export function connect() {\n  throw new Error("connect ECONNREFUSED 127.0.0.1:5432");\n}\n`,
    },
    command: ["node", "server.mjs"],
    phases: [{ name: "start", waitFor: "ready on", settleMs: 800 }],
  },
  {
    name: "pino-error-log",
    tool: "log",
    about: "pino: JSON logs, one at error level with the error's stack",
    versions: { pino: MORE.pino },
    setup: npmTools(MORE, "more"),
    files: {
      "server.js":
        `const log = require("pino")();\nconst { query } = require("./db");\nlog.info("server up on http://localhost:5464");\ntry {\n  query();\n} catch (err) {\n  log.error(err, "query failed");\n}\nlog.warn({ errors: 0 }, "cache miss rate high");\nsetTimeout(() => {}, 5000);\n`,
      "db.js":
        `exports.query = () => {\n  throw new Error("relation \\"users\\" does not exist");\n};\n`,
    },
    command: ["node", "server.js"],
    phases: [{ name: "start", waitFor: "cache miss", settleMs: 800 }],
  },
);

const NX = { nx: "24.0.7" };
const NX_FILES = {
  "package.json": JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }),
  "nx.json": JSON.stringify({ analytics: false, neverConnectToCloud: true }),
  "packages/web/package.json": JSON.stringify({
    name: "web",
    version: "1.0.0",
    scripts: { build: "node build.js" },
  }),
  "packages/web/build.js": `console.log("web built: 0 errors, 0 failed chunks");\n`,
  "packages/api/package.json": JSON.stringify({
    name: "api",
    version: "1.0.0",
    scripts: { build: "node build.js" },
  }),
  "packages/api/build.js":
    `const config = require("./config");\nconsole.log("api building for", config.target.name);\n`,
  "packages/api/config.js": `module.exports = {};\n`,
};

/** nx run-many with its stream output ("api: " labels). */
cases.push({
  name: "nx-run-many-stream",
  tool: "nx",
  about: "nx run-many --outputStyle=stream: one project's build throws (labelled lines); fixed",
  versions: NX,
  setup: npmTools(NX, "nx"),
  env: { NX_DAEMON: "false", NX_NO_CLOUD: "true", NX_TUI: "false", NX_SKIP_NX_CACHE: "true" },
  files: NX_FILES,
  command: ["nx", "run-many", "-t", "build", "--outputStyle=stream", "--skip-nx-cache"],
  phases: [
    { name: "run", timeoutMs: 90_000 },
    {
      name: "fix",
      run: true,
      edit: { "packages/api/config.js": `module.exports = { target: { name: "node" } };\n` },
      timeoutMs: 90_000,
    },
  ],
});

const BUILD = {
  "@babel/cli": "7.29.7",
  "@babel/core": "7.29.7",
  rollup: "4.69.3",
  prettier: "3.10.2",
};
const BROKEN_JS = `import { b } from "./b.js";\nconst a = {\n  x: 1,,\n};\nconsole.log(a, b);\n`;
const FIXED_JS = `import { b } from "./b.js";\nconst a = {\n  x: 1,\n};\nconsole.log(a, b);\n`;
const buildFiles = { "src/main.js": BROKEN_JS, "src/b.js": `export const b = 1;\n` };

/** Babel, Rollup and Prettier on a syntax error; fixed. */
for (
  const [name, tool, command] of [
    ["babel-syntax", "babel", ["babel", "src", "-d", "out"]],
    ["rollup-syntax", "rollup", ["rollup", "src/main.js", "-o", "out/bundle.js"]],
    ["prettier-check-syntax", "prettier", ["prettier", "--check", "src"]],
  ] as const
) {
  cases.push({
    name,
    tool,
    about: `${command.join(" ")}: a syntax error in src/main.js; fixed`,
    versions: BUILD,
    setup: npmTools(BUILD, "build"),
    files: buildFiles,
    command: [...command],
    phases: [{ name: "run" }, { name: "fix", run: true, edit: { "src/main.js": FIXED_JS } }],
  });
}

const NEST = {
  "@nestjs/core": "11.2.12",
  "@nestjs/common": "11.2.12",
  "@nestjs/platform-express": "11.2.12",
  "reflect-metadata": "0.2.2",
  rxjs: "7.8.2",
};
const NEST_MAIN =
  `require("reflect-metadata");\nconst { NestFactory } = require("@nestjs/core");\nconst { AppModule } = require("./app");\nNestFactory.create(AppModule).then((app) => app.listen(5465)).then(() => console.log("listening on http://localhost:5465"));\n`;

/** NestJS: a request handler that throws, logged by Nest's ExceptionsHandler. */
cases.push({
  name: "nest-request-error",
  tool: "nest",
  about: "NestJS: a controller throws a TypeError on request (Nest's logger, its error-word noise)",
  versions: NEST,
  setup: npmTools(NEST, "nest"),
  files: {
    "main.js": NEST_MAIN,
    "app.js":
      `const { Module, Controller, Get } = require("@nestjs/common");\nclass UsersController {\n  list() {\n    const store = undefined;\n    return store.users;\n  }\n}\nGet("users")(UsersController.prototype, "list", Object.getOwnPropertyDescriptor(UsersController.prototype, "list"));\nController()(UsersController);\nclass AppModule {}\nModule({ controllers: [UsersController] })(AppModule);\nmodule.exports = { AppModule };\n`,
  },
  command: ["node", "main.js"],
  phases: [
    { name: "start", waitFor: "listening on", settleMs: 800 },
    { name: "request", fetch: ["http://localhost:5465/users"], waitFor: "ERROR", settleMs: 1000 },
  ],
});

/** stylelint with its standard config: an error beside a warning-free file; fixed. */
cases.push({
  name: "stylelint-errors",
  tool: "stylelint",
  about: "stylelint: an unknown property (✖ rows under a relative file header); fixed",
  versions: { stylelint: "16.26.1", "stylelint-config-standard": "38.0.0" },
  setup: npmTools(
    { ...BUILD, stylelint: "16.26.1", "stylelint-config-standard": "38.0.0" },
    "build",
  ),
  files: {
    ".stylelintrc.json": `{"extends":"stylelint-config-standard"}\n`,
    "src/a.css": `a {\n  colr: red;\n}\n`,
    "src/errors.css": `.error-banner {\n  color: red;\n}\n`,
  },
  command: ["stylelint", "src/**/*.css"],
  phases: [{ name: "run" }, {
    name: "fix",
    run: true,
    edit: { "src/a.css": `a {\n  color: red;\n}\n` },
  }],
});

/** Rsbuild (Rspack): a syntax error in a build; fixed. */
cases.push({
  name: "rsbuild-build-syntax",
  tool: "rsbuild",
  about: "rsbuild build: a syntax error (rslog's error line, Rspack's × diagnostics); fixed",
  versions: { "@rsbuild/core": "1.7.6" },
  setup: npmTools({ "@rsbuild/core": "1.7.6" }, "rsbuild"),
  files: {
    "package.json": pkg(),
    "src/index.js": `const a = {\n  x: 1,,\n};\nconsole.log("failed: 0, errors: 0", a);\n`,
  },
  command: ["rsbuild", "build"],
  phases: [{ name: "run" }, {
    name: "fix",
    run: true,
    edit: { "src/index.js": `const a = {\n  x: 1,\n};\nconsole.log("failed: 0, errors: 0", a);\n` },
  }],
});

/** Parcel: a syntax error in a build; fixed. */
cases.push({
  name: "parcel-build-syntax",
  tool: "parcel",
  about: "parcel build: a syntax error (🚨 Build failed, a wrapped message, a frame); fixed",
  versions: { parcel: "2.16.4" },
  setup: npmTools({ parcel: "2.16.4" }, "parcel"),
  files: {
    "package.json": JSON.stringify({ name: "demo", private: true, source: "src/index.html" }),
    "src/index.html":
      `<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n`,
    "src/main.js": BROKEN_JS,
    "src/b.js": `export const b = 1;\n`,
  },
  command: ["parcel", "build", "--no-cache"],
  phases: [{ name: "run", timeoutMs: 90_000 }, {
    name: "fix",
    run: true,
    edit: { "src/main.js": FIXED_JS },
    timeoutMs: 90_000,
  }],
});
