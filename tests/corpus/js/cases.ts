// The JavaScript family's recorded cases: node, npm/pnpm/yarn, vite (Vite 8 and
// Rolldown), tsc, eslint, webpack, esbuild, next, the test runners, deno, and
// runners that prefix their processes' output (concurrently). Recorded by
// `deno run -A tests/corpus/record.ts js`; the tools are installed under
// /tmp/buzz-corpus/npm (never in the repository), at the versions in JS.

import type { CaseDef } from "../case.ts";
import { npmTools } from "../scratch.ts";

export const JS: Record<string, string> = {
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
  "mocha": "12.0.3",
  "concurrently": "10.1.0",
  "nodemon": "3.1.14",
};
const setup = npmTools(JS, "js");
const v = (...names: string[]) =>
  Object.fromEntries(
    names.map((n) => [n, n === "node" ? "20.20.2" : n === "deno" ? "2.9.6" : JS[n]]),
  );

const pkg = (scripts: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: "demo", version: "1.0.0", private: true, scripts, ...extra }, null, 2);

const VITE_INDEX =
  `<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>\n`;
const TSCONFIG = JSON.stringify({
  compilerOptions: { strict: true, noEmit: true, target: "ES2022", module: "ESNext", types: [] },
  include: ["src"],
});

/** A one-shot command: run it, then (optionally) fix the files and run it again. */
function oneShot(
  c: Omit<CaseDef, "phases"> & { fix?: Record<string, string | null>; timeoutMs?: number },
): CaseDef {
  const { fix, timeoutMs, ...def } = c;
  return {
    setup,
    ...def,
    phases: [
      { name: "run", timeoutMs },
      ...(fix ? [{ name: "fix", edit: fix, run: true, timeoutMs }] : []),
    ],
  };
}

let port = 5301;
function viteDev(
  name: string,
  about: string,
  files: Record<string, string>,
  entry: string,
  fixed: string,
): CaseDef {
  const p = port++;
  return {
    name,
    tool: "vite",
    about,
    versions: v("vite"),
    setup,
    files: {
      "package.json": pkg({ dev: "vite" }, { type: "module" }),
      "index.html": VITE_INDEX,
      "vite.config.js":
        `export default { cacheDir: ".vite", server: { port: ${p}, strictPort: true } };\n`,
      ...files,
    },
    command: ["vite"],
    phases: [
      { name: "start", waitFor: "ready in" },
      { name: "break", fetch: [`http://localhost:${p}/${entry}`], waitFor: "error" },
      {
        name: "fix",
        edit: { [entry]: fixed },
        waitFor: "hmr update|page reload",
        settleMs: 800,
      },
    ],
  };
}

export const cases: CaseDef[] = [
  // ------------------------------------------------------------------ vite
  viteDev(
    "vite-jsx-parse",
    "vite 8 dev: a JSX tag mismatch in the entry, reported when served; fixed",
    {
      "src/main.tsx": `export function App() {\n  return <div>\n    <p>hello</p>\n  </span>;\n}\n`,
    },
    "src/main.tsx",
    `export function App() {\n  return <div><p>hello</p></div>;\n}\n`,
  ),
  viteDev(
    "vite-ts-parse",
    "vite 8 dev: a TS parse error in an imported module, served then scanned; fixed",
    {
      "src/main.tsx": `import "./util";\n`,
      "src/util.ts": `export const n: number = (1 + ;\n`,
    },
    "src/util.ts",
    `export const n: number = 1;\n`,
  ),
  viteDev(
    "vite-missing-import",
    "vite 8 dev: an import of a file that does not exist; the import removed",
    { "src/main.tsx": `import { helper } from "./helpers";\nconsole.log(helper);\n` },
    "src/main.tsx",
    `console.log("fixed");\n`,
  ),
  {
    name: "vite-clean",
    tool: "vite",
    about: "vite 8 dev: a clean start whose module logs the word error",
    clean: true,
    versions: v("vite"),
    setup,
    files: {
      "package.json": pkg({ dev: "vite" }, { type: "module" }),
      "index.html": VITE_INDEX,
      "vite.config.js":
        `export default { cacheDir: ".vite", server: { port: 5399, strictPort: true } };\n`,
      "src/main.tsx": `console.log("error handling ready");\n`,
    },
    command: ["vite"],
    phases: [
      { name: "start", waitFor: "ready in" },
      { name: "serve", fetch: ["http://localhost:5399/src/main.tsx"], settleMs: 800 },
    ],
  },
  oneShot({
    name: "vite8-build-parse",
    tool: "vite",
    about:
      "vite 8 build (rolldown): a syntax error, 'error during build:' and [PARSE_ERROR] with its frame; fixed and rebuilt",
    versions: v("vite"),
    files: {
      "package.json": pkg({ build: "vite build" }, { type: "module" }),
      "index.html":
        `<!doctype html><html><body><script type="module" src="/src/main.js"></script></body></html>\n`,
      "src/main.js":
        `import { total } from "./total.js";\n\nconst items = [1, 2, 3;\nconsole.log(total(items));\n`,
      "src/total.js": `export const total = (xs) => xs.reduce((a, b) => a + b, 0);\n`,
    },
    command: ["vite", "build"],
    fix: {
      "src/main.js":
        `import { total } from "./total.js";\n\nconst items = [1, 2, 3];\nconsole.log(total(items));\n`,
    },
  }),
  oneShot({
    name: "vite8-build-unresolved",
    tool: "vite",
    about: "vite 8 build (rolldown): an import that does not resolve; fixed and rebuilt",
    versions: v("vite"),
    files: {
      "package.json": pkg({ build: "vite build" }, { type: "module" }),
      "index.html":
        `<!doctype html><html><body><script type="module" src="/src/main.js"></script></body></html>\n`,
      "src/main.js": `import { format } from "./format.js";\nconsole.log(format(1));\n`,
    },
    command: ["vite", "build"],
    fix: { "src/format.js": `export const format = (n) => n.toFixed(2);\n` },
  }),
  oneShot({
    name: "vite8-build-noisy-clean",
    tool: "vite",
    about: "vite 8 build: a clean build of modules named error-page, failed-login",
    clean: true,
    versions: v("vite"),
    files: {
      "package.json": pkg({ build: "vite build" }, { type: "module" }),
      "index.html":
        `<!doctype html><html><body><script type="module" src="/src/main.js"></script></body></html>\n`,
      "src/main.js":
        `import { errorPage } from "./error-page.js";\nimport { failedLogin } from "./failed-login.js";\nconsole.log(errorPage(), failedLogin());\n`,
      "src/error-page.js": `export const errorPage = () => "Error: page not found (404)";\n`,
      "src/failed-login.js": `export const failedLogin = () => "login failed: try again";\n`,
    },
    command: ["vite", "build"],
  }),
  // --------------------------------------------------------------- esbuild
  oneShot({
    name: "esbuild-syntax",
    tool: "esbuild",
    about: "esbuild: a syntax error in the entry; fixed",
    versions: v("esbuild"),
    files: {
      "src/a.ts": `import { b } from "./b";\nconst x y = 1;\nconsole.log(b, x);\n`,
      "src/b.ts": `export const b = 1;\n`,
    },
    command: ["esbuild", "src/a.ts", "--bundle", "--outfile=out.js"],
    fix: { "src/a.ts": `import { b } from "./b";\nconst x = 1;\nconsole.log(b, x);\n` },
  }),
  {
    name: "esbuild-watch",
    tool: "esbuild",
    about: "esbuild --watch: an unresolved import, then fixed",
    versions: v("esbuild"),
    setup,
    files: { "src/a.ts": `import { nope } from "./missing";\nconsole.log(nope);\n` },
    command: ["esbuild", "src/a.ts", "--bundle", "--outfile=out.js", "--watch"],
    phases: [
      { name: "start", waitFor: "build finished" },
      { name: "fix", edit: { "src/a.ts": `console.log("fixed");\n` }, waitFor: "build finished" },
    ],
  },
  // ------------------------------------------------------------------- tsc
  oneShot({
    name: "tsc-plain",
    tool: "tsc",
    about: "tsc --pretty false: three type errors in two files; fixed",
    versions: v("typescript"),
    files: {
      "tsconfig.json": TSCONFIG,
      "src/a.ts": `const x: number = "a";\nexport const y = x;\n`,
      "src/b.ts":
        `interface P { id: number }\nconst p: P = { id: "1" } as { id: string };\nexport const q: P[] = [{ id: "2" }];\nexport { p };\n`,
    },
    command: ["tsc", "-p", ".", "--pretty", "false"],
    fix: {
      "src/a.ts": `const x: number = 1;\nexport const y = x;\n`,
      "src/b.ts": `interface P { id: number }\nexport const q: P[] = [{ id: 2 }];\n`,
    },
  }),
  oneShot({
    name: "tsc-pretty",
    tool: "tsc",
    about: "tsc (pretty, in a terminal): two errors with code frames",
    versions: v("typescript"),
    files: {
      "tsconfig.json": TSCONFIG,
      "src/a.ts": `const x: number = "a";\nexport const y = x;\n`,
      "src/b.ts": `export function f(s: string) {\n  return s.lenght;\n}\n`,
    },
    command: ["tsc", "-p", "."],
  }),
  {
    name: "tsc-watch",
    tool: "tsc",
    about: "tsc --watch (pretty): two errors, one fixed, then the other",
    versions: v("typescript"),
    setup,
    files: {
      "tsconfig.json": TSCONFIG,
      "src/a.ts": `const x: number = "a";\nexport const y = x;\n`,
      "src/b.ts": `export function f(s: string) {\n  return s.lenght;\n}\n`,
    },
    command: ["tsc", "-p", ".", "--watch"],
    phases: [
      { name: "start", waitFor: "Watching for file changes" },
      {
        name: "fix-a",
        edit: { "src/a.ts": `const x: number = 1;\nexport const y = x;\n` },
        waitFor: "Found 1 error",
      },
      {
        name: "fix-b",
        edit: { "src/b.ts": `export function f(s: string) {\n  return s.length;\n}\n` },
        waitFor: "Found 0 errors",
      },
    ],
  },
  {
    name: "tsc-watch-plain",
    tool: "tsc",
    about: "tsc --watch --pretty false: an error replaced by another",
    versions: v("typescript"),
    setup,
    files: {
      "tsconfig.json": TSCONFIG,
      "src/a.ts": `const x: number = "a";\nexport const y = x;\n`,
    },
    command: ["tsc", "-p", ".", "--watch", "--pretty", "false", "--preserveWatchOutput"],
    phases: [
      { name: "start", waitFor: "Watching for file changes" },
      {
        name: "change",
        edit: { "src/a.ts": `const x: number = 1;\nexport const y: string = x;\n` },
        waitFor: "Watching for file changes",
      },
    ],
  },
  {
    name: "concurrently-tsc-watch",
    tool: "tsc",
    about:
      "concurrently runs tsc --watch ([types]) beside a node server ([api]): a type error, then fixed",
    versions: v("typescript", "concurrently"),
    setup,
    files: {
      "tsconfig.json": TSCONFIG,
      "src/routes.ts":
        `export const routes: string[] = ["/"];\nexport const port: number = "8080";\n`,
      "server.js":
        `console.log("api: error reporting on, 0 failed requests");\nsetInterval(() => {}, 1000);\n`,
    },
    command: [
      "concurrently",
      "-n",
      "types,api",
      "tsc -p . --watch --preserveWatchOutput",
      "node server.js",
    ],
    phases: [
      { name: "start", waitFor: "Found 1 error" },
      {
        name: "fix",
        edit: {
          "src/routes.ts": `export const routes: string[] = ["/"];\nexport const port = 8080;\n`,
        },
        waitFor: "Found 0 errors",
      },
    ],
  },
  {
    name: "concurrently-noisy-clean",
    tool: "concurrently",
    about: "concurrently: two clean processes whose logs say error and failed",
    clean: true,
    versions: v("concurrently"),
    setup,
    files: {
      "worker.js":
        `console.log("worker: retrying failed jobs: none");\nconsole.log("worker: errors=0 warnings=0");\nsetTimeout(() => {}, 60000);\n`,
      "web.js":
        `console.log("web: Error boundary installed");\nconsole.log("web: listening on http://localhost:5441");\nsetTimeout(() => {}, 60000);\n`,
    },
    command: ["concurrently", "-n", "worker,web", "node worker.js", "node web.js"],
    phases: [{ name: "start", waitFor: "listening on", settleMs: 800 }],
  },
  // ---------------------------------------------------------------- eslint
  oneShot({
    name: "eslint-stylish",
    tool: "eslint",
    about: "npm run lint: eslint errors and a warning in two files; fixed",
    versions: v("eslint", "@eslint/js"),
    files: {
      "package.json": pkg({ lint: "eslint src" }, { type: "module" }),
      "eslint.config.js":
        `import js from "@eslint/js";\nexport default [js.configs.recommended, { rules: { "no-console": "warn" }, languageOptions: { globals: { console: "readonly" } } }];\n`,
      "src/a.js": `const unused = 1;\nfoo();\nconsole.log("hi");\n`,
      "src/b.js": `export function f(a) {\n  if (a == a) return b;\n}\n`,
    },
    command: ["npm", "run", "lint"],
    fix: {
      "src/a.js": `console.log("hi");\n`,
      "src/b.js": `export function f(a) {\n  return a;\n}\n`,
    },
  }),
  oneShot({
    name: "eslint-warnings-clean",
    tool: "eslint",
    about: "eslint: warnings only (not errors), with 'error' in the code",
    clean: true,
    versions: v("eslint", "@eslint/js"),
    files: {
      "eslint.config.js":
        `import js from "@eslint/js";\nexport default [js.configs.recommended, { rules: { "no-console": "warn", "no-unused-vars": "warn" }, languageOptions: { globals: { console: "readonly" } } }];\n`,
      "package.json": pkg({}, { type: "module" }),
      "src/a.js": `const errorCount = 1;\nconsole.log("no errors here");\n`,
    },
    command: ["eslint", "src"],
  }),
  // --------------------------------------------------------------- webpack
  oneShot({
    name: "webpack-errors",
    tool: "webpack",
    about: "webpack: a missing module and a syntax error; fixed",
    versions: v("webpack", "webpack-cli"),
    files: {
      "src/index.js": `import { x } from "./nope";\nimport "./bad";\nconsole.log(x);\n`,
      "src/bad.js": `export const a = {;\n`,
    },
    command: ["webpack", "--mode", "development", "--entry", "./src/index.js"],
    fix: { "src/index.js": `console.log("ok");\n` },
  }),
  oneShot({
    name: "webpack-clean",
    tool: "webpack",
    about: "webpack production build: clean, with size warnings",
    clean: true,
    versions: v("webpack", "webpack-cli"),
    files: {
      "src/index.js": `import("./lazy-" + globalThis.name);\nconsole.log("ok");\n`,
      "src/lazy-a.js": `export const a = 1;\n`,
    },
    command: ["webpack", "--mode", "production", "--entry", "./src/index.js"],
  }),
  // ------------------------------------------------------------------ next
  {
    name: "next-dev-errors",
    tool: "next",
    about: "next dev (turbopack): a runtime TypeError on one page, a compile error on another",
    versions: v("next", "react"),
    setup,
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
    command: ["npm", "run", "dev"],
    phases: [
      { name: "start", waitFor: "Ready in", timeoutMs: 90_000 },
      {
        name: "boom",
        fetch: ["http://localhost:5390/", "http://localhost:5390/boom"],
        waitFor: "name",
        settleMs: 1000,
        timeoutMs: 90_000,
      },
      {
        name: "broken",
        fetch: ["http://localhost:5390/broken"],
        waitFor: "oops|Parsing|Unexpected|Expected",
        settleMs: 2000,
        timeoutMs: 90_000,
      },
    ],
  },
  // ---------------------------------------------------------- test runners
  oneShot({
    name: "vitest-run-fail",
    tool: "vitest",
    about: "vitest run: two failing tests of three; fixed",
    versions: v("vitest"),
    files: {
      "package.json": pkg({}, { type: "module" }),
      "sum.js": `export const sum = (a, b) => a + b + 1;\n`,
      "sum.test.js":
        `import { describe, expect, it } from "vitest";\nimport { sum } from "./sum.js";\n\ndescribe("sum", () => {\n  it("adds", () => {\n    expect(sum(1, 2)).toBe(3);\n  });\n  it("adds zero", () => {\n    expect(sum(0, 0)).toBe(0);\n  });\n  it("is a function", () => {\n    expect(typeof sum).toBe("function");\n  });\n});\n`,
    },
    command: ["vitest", "run"],
    fix: { "sum.js": `export const sum = (a, b) => a + b;\n` },
  }),
  {
    name: "vitest-watch",
    tool: "vitest",
    about: "vitest (watch): a failing test, fixed, re-run passes",
    versions: v("vitest"),
    setup,
    files: {
      "package.json": pkg({}, { type: "module" }),
      "sum.js": `export const sum = (a, b) => a - b;\n`,
      "sum.test.js":
        `import { expect, test } from "vitest";\nimport { sum } from "./sum.js";\n\ntest("adds", () => {\n  expect(sum(2, 2)).toBe(4);\n});\n`,
    },
    command: ["vitest"],
    phases: [
      { name: "start", waitFor: "Waiting for file changes|press h", timeoutMs: 30_000 },
      {
        name: "fix",
        edit: { "sum.js": `export const sum = (a, b) => a + b;\n` },
        waitFor: "Waiting for file changes|press h",
      },
    ],
  },
  oneShot({
    name: "jest-fail",
    tool: "jest",
    about: "jest: two failing tests; fixed",
    versions: v("jest"),
    files: {
      "package.json": pkg({ test: "jest" }),
      "sum.js": `module.exports = (a, b) => a + b + 1;\n`,
      "sum.test.js":
        `const sum = require("./sum");\n\ndescribe("sum", () => {\n  test("adds", () => {\n    expect(sum(1, 2)).toBe(3);\n  });\n  test("returns an object", () => {\n    expect({ total: sum(1, 1) }).toEqual({ total: 2 });\n  });\n  test("is fine", () => {\n    expect(1).toBe(1);\n  });\n});\n`,
    },
    command: ["jest"],
    fix: { "sum.js": `module.exports = (a, b) => a + b;\n` },
  }),
  oneShot({
    name: "jest-pass-clean",
    tool: "jest",
    about: "jest --silent: a passing test about errors",
    clean: true,
    versions: v("jest"),
    files: {
      "package.json": pkg({ test: "jest" }),
      "sum.test.js":
        `test("handles errors", () => {\n  expect(() => { throw new Error("x"); }).toThrow("x");\n  console.error("Error: this is logged on purpose");\n});\n`,
    },
    command: ["jest", "--silent"],
  }),
  {
    name: "jest-watchall",
    tool: "jest",
    about:
      "jest --watchAll: a failing test (FAIL written over RUNS with cursor moves), fixed, passes",
    versions: v("jest"),
    setup,
    files: {
      "package.json": pkg({ test: "jest" }),
      "sum.js": `module.exports = (a, b) => a + b;\n`,
      "sum.test.js":
        `const sum = require("./sum");\n\ndescribe("sum", () => {\n  test("adds", () => {\n    expect(sum(1, 2)).toBe(3);\n  });\n  test("adds negatives", () => {\n    expect(sum(-1, -1)).toBe(0);\n  });\n});\n`,
    },
    command: ["jest", "--watchAll"],
    phases: [
      { name: "start", waitFor: "Watch Usage|Ran all test suites", settleMs: 1000 },
      {
        name: "fix",
        edit: {
          "sum.test.js":
            `const sum = require("./sum");\n\ndescribe("sum", () => {\n  test("adds", () => {\n    expect(sum(1, 2)).toBe(3);\n  });\n  test("adds negatives", () => {\n    expect(sum(-1, -1)).toBe(-2);\n  });\n});\n`,
        },
        waitFor: "Ran all test suites",
        settleMs: 1000,
      },
    ],
  },
  oneShot({
    name: "mocha-fail",
    tool: "mocha",
    about: "mocha: one failing assertion of two; fixed",
    versions: v("mocha"),
    files: {
      "package.json": pkg({ test: "mocha" }),
      "sum.js": `module.exports = (a, b) => (a < 0 ? 0 : a + b);\n`,
      "test/sum.test.js":
        `const assert = require("node:assert");\nconst sum = require("../sum");\n\ndescribe("sum", () => {\n  it("adds positives", () => {\n    assert.strictEqual(sum(1, 2), 3);\n  });\n\n  it("adds negatives", () => {\n    assert.strictEqual(sum(-1, -1), -2);\n  });\n});\n`,
    },
    command: ["mocha"],
    fix: { "sum.js": `module.exports = (a, b) => a + b;\n` },
  }),
  oneShot({
    name: "mocha-throw",
    tool: "mocha",
    about: "mocha: a TypeError thrown in code under test, and a failing async test",
    versions: v("mocha"),
    files: {
      "package.json": pkg({ test: "mocha" }),
      "lib/user.js":
        `exports.fullName = (u) => u.first + " " + u.last;\nexports.load = async (id) => { throw new Error("user " + id + " not found"); };\n`,
      "test/user.test.js":
        `const assert = require("node:assert");\nconst user = require("../lib/user");\n\ndescribe("user", () => {\n  it("joins names", () => {\n    assert.equal(user.fullName(undefined), "a b");\n  });\n  it("loads", async () => {\n    await user.load(7);\n  });\n  it("is fine", () => {});\n});\n`,
    },
    command: ["mocha"],
  }),
  oneShot({
    name: "mocha-pass-noisy",
    tool: "mocha",
    about: "mocha: passing tests named after errors and failures",
    clean: true,
    versions: v("mocha"),
    files: {
      "package.json": pkg({ test: "mocha" }),
      "test/errors.test.js":
        `const assert = require("node:assert");\n\ndescribe("error handling", () => {\n  it("reports failed logins as an error", () => {\n    assert.throws(() => { throw new Error("failed"); }, /failed/);\n  });\n  it("returns Error: not found for 404", () => {\n    console.log("Error: not found (expected in this test)");\n  });\n});\n`,
    },
    command: ["mocha"],
  }),
  // ------------------------------------------------------------------ node
  oneShot({
    name: "node-uncaught",
    tool: "node",
    about: "node: a TypeError thrown while loading a required module",
    versions: v("node"),
    files: {
      "server.js":
        `const config = require("./config");\nconsole.log("starting on", config.port);\n`,
      "config.js":
        `function load(env) {\n  return env.settings.port;\n}\nmodule.exports = { port: load({}) };\n`,
    },
    command: ["node", "server.js"],
    fix: {
      "config.js":
        `function load(env) {\n  return env.port ?? 3000;\n}\nmodule.exports = { port: load({}) };\n`,
    },
  }),
  oneShot({
    name: "node-syntax",
    tool: "node",
    about: "node: a SyntaxError, located by the lines before the headline",
    versions: v("node"),
    files: { "app.js": `console.log("start");\nconst a = {\n  b: 1,,\n};\n` },
    command: ["node", "app.js"],
  }),
  oneShot({
    name: "node-unhandled-rejection",
    tool: "node",
    about: "node: an unhandled rejection of an Error with a code",
    versions: v("node"),
    files: {
      "main.mjs":
        `async function fetchUser(id) {\n  const err = new Error(\`user \${id} not found\`);\n  err.code = "E_NOUSER";\n  throw err;\n}\nconsole.log("fetching");\nfetchUser(7);\n`,
    },
    command: ["node", "main.mjs"],
  }),
  oneShot({
    name: "node-rejection-value",
    tool: "node",
    about: "node: a promise rejected with a string",
    versions: v("node"),
    files: { "main.js": `console.log("ready");\nPromise.reject("timeout talking to db");\n` },
    command: ["node", "main.js"],
  }),
  oneShot({
    name: "node-warnings-clean",
    tool: "node",
    about: "node: warnings and log lines that mention errors",
    clean: true,
    versions: v("node"),
    files: {
      "main.js":
        `process.emitWarning("The thing is deprecated", "DeprecationWarning", "DEP9999");\nprocess.emitWarning("Something odd");\nconsole.log("errors: 0, warnings: 2");\nconsole.log("Listening on http://localhost:3000 (errorHandler installed)");\n`,
    },
    command: ["node", "main.js"],
  }),
  oneShot({
    name: "node-exit-unexplained",
    tool: "node",
    about: "node: a script that prints a message no tool format knows and exits 1",
    versions: v("node"),
    files: {
      "check.js":
        `console.log("checking the database schema");\nconsole.log("schema drift: table users has 2 unknown columns");\nprocess.exit(1);\n`,
    },
    command: ["node", "check.js"],
  }),
  {
    name: "node-watch-restart",
    tool: "node",
    about: "node --watch: a crash on start, fixed, restarted cleanly",
    versions: v("node"),
    setup,
    files: {
      "server.js":
        `const http = require("node:http");\nconst routes = require("./routes");\nhttp.createServer((q, r) => r.end(routes.home())).listen(5442, () => console.log("listening on http://localhost:5442"));\n`,
      "routes.js": `exports.home = () => "home";\nexports.user = undefinedHelper();\n`,
    },
    command: ["node", "--watch", "server.js"],
    phases: [
      { name: "start", waitFor: "Failed running|Error", settleMs: 800 },
      {
        name: "fix",
        edit: { "routes.js": `exports.home = () => "home";\n` },
        waitFor: "listening on",
      },
    ],
  },
  {
    name: "nodemon-restart",
    tool: "node",
    about: "nodemon: a crash, 'app crashed', fixed, restarted",
    versions: v("nodemon"),
    setup,
    files: {
      "app.js":
        `const cfg = JSON.parse('{"port": 5443,}');\nrequire("node:http").createServer((q, r) => r.end("ok")).listen(cfg.port, () => console.log("up on http://localhost:" + cfg.port));\n`,
    },
    command: ["nodemon", "app.js"],
    phases: [
      { name: "start", waitFor: "app crashed" },
      {
        name: "fix",
        edit: {
          "app.js":
            `const cfg = JSON.parse('{"port": 5443}');\nrequire("node:http").createServer((q, r) => r.end("ok")).listen(cfg.port, () => console.log("up on http://localhost:" + cfg.port));\n`,
        },
        waitFor: "up on",
      },
    ],
  },
  // ------------------------------------------------------------------ deno
  oneShot({
    name: "deno-check",
    tool: "deno",
    about: "deno check: two type errors across modules",
    versions: v("deno"),
    files: {
      "main.ts":
        `import { greet } from "./greet.ts";\nconst n: number = greet("x");\nconsole.log(n);\n`,
      "greet.ts": `export function greet(name: string): string {\n  return "hi " + nme;\n}\n`,
    },
    command: ["deno", "check", "main.ts"],
  }),
  oneShot({
    name: "deno-runtime",
    tool: "deno",
    about: "deno run: an uncaught NotFound from an awaited read",
    versions: v("deno"),
    files: {
      "main.ts":
        `console.log("serving");\nasync function load() {\n  await Deno.readTextFile("./missing.json");\n}\nawait load();\n`,
    },
    command: ["deno", "run", "-R", "main.ts"],
  }),
  oneShot({
    name: "deno-uncaught",
    tool: "deno",
    about: "deno run: an uncaught TypeError; fixed",
    versions: v("deno"),
    files: {
      "main.ts":
        `function parse(s: string) {\n  if (!s.startsWith("{")) throw new TypeError("expected an object, got " + s);\n}\nconsole.log("parsing");\nparse("42");\n`,
    },
    command: ["deno", "run", "main.ts"],
    fix: {
      "main.ts":
        `function parse(s: string) {\n  if (!s.startsWith("{")) throw new TypeError("expected an object, got " + s);\n}\nconsole.log("parsing");\nparse("{}");\n`,
    },
  }),
  {
    name: "deno-watch",
    tool: "deno",
    about: "deno run --watch: an uncaught error, fixed, restarted",
    versions: v("deno"),
    setup,
    files: {
      "main.ts":
        `import { port } from "./config.ts";\nconsole.log("port", port);\nsetInterval(() => {}, 1000);\n`,
      "config.ts": `export const port: number = JSON.parse("{bad json}");\n`,
    },
    command: ["deno", "run", "--watch", "main.ts"],
    phases: [
      { name: "start", waitFor: "Process failed|error:", settleMs: 800 },
      { name: "fix", edit: { "config.ts": `export const port = 8000;\n` }, waitFor: "port 8000" },
    ],
  },
  // ------------------------------------------------------ package managers
  oneShot({
    name: "npm-script-fail",
    tool: "npm",
    about: "npm run build: the script exits 3 without saying why",
    versions: v("node"),
    files: {
      "package.json": pkg({ build: "node build.js" }),
      "build.js": `console.log("building");\nprocess.exit(3);\n`,
    },
    command: ["npm", "run", "build"],
  }),
  oneShot({
    name: "npm-missing-script",
    tool: "npm",
    about: "npm run start: no such script",
    versions: v("node"),
    files: { "package.json": pkg({ dev: "node x.js" }) },
    command: ["npm", "run", "start"],
  }),
  oneShot({
    name: "npm-notices-clean",
    tool: "npm",
    about: "npm pack --dry-run: notices about a package named error-free",
    clean: true,
    versions: v("node"),
    files: { "package.json": pkg(), "index.js": `module.exports = "error-free";\n` },
    command: ["npm", "pack", "--dry-run"],
  }),
  oneShot({
    name: "pnpm-script-fail",
    tool: "pnpm",
    about: "pnpm run build: the script exits 2",
    versions: v("pnpm"),
    files: {
      "package.json": pkg({ build: "node build.js" }),
      "build.js": `console.log("building");\nprocess.exit(2);\n`,
    },
    command: ["pnpm", "run", "build"],
  }),
  oneShot({
    name: "yarn-script-fail",
    tool: "yarn",
    about: "yarn run build: the script exits 2",
    versions: v("yarn"),
    files: {
      "package.json": pkg({ build: "node build.js" }),
      "build.js": `console.log("building");\nprocess.exit(2);\n`,
    },
    command: ["yarn", "run", "build"],
  }),
  // ------------------------------------------------- clean but noisy output
  oneShot({
    name: "vitest-pass-noisy",
    tool: "vitest",
    about: "vitest run: passing tests about errors that log error-looking lines",
    clean: true,
    versions: v("vitest"),
    files: {
      "package.json": pkg({}, { type: "module" }),
      "errors.test.js":
        `import { expect, test } from "vitest";\n\ntest("maps an Error to a 500", () => {\n  console.error("Error: upstream failed (simulated)");\n  expect(() => { throw new TypeError("bad input"); }).toThrow(TypeError);\n});\n\ntest("counts failed logins", () => {\n  console.log("failed logins: 0, errors: 0");\n  expect(0).toBe(0);\n});\n`,
    },
    command: ["vitest", "run"],
  }),
  {
    name: "tsc-watch-noisy-clean",
    tool: "tsc",
    about: "tsc --watch: a clean project with files named errors.ts and failures.ts",
    clean: true,
    versions: v("typescript"),
    setup,
    files: {
      "tsconfig.json": TSCONFIG,
      "src/errors.ts":
        `export class NotFoundError extends Error {}\nexport const errorCount = 0;\n`,
      "src/failures.ts":
        `import { errorCount } from "./errors";\nexport const failed = errorCount > 0;\n`,
    },
    command: ["tsc", "-p", ".", "--watch", "--preserveWatchOutput"],
    phases: [
      { name: "start", waitFor: "Watching for file changes" },
      {
        name: "edit",
        edit: {
          "src/failures.ts":
            `import { errorCount } from "./errors";\nexport const failed: boolean = errorCount > 1;\n`,
        },
        waitFor: "Watching for file changes",
      },
    ],
  },
  oneShot({
    name: "node-server-log-noisy",
    tool: "node",
    about: "node: a server's logs full of error and failure words that are not errors",
    clean: true,
    versions: v("node"),
    files: {
      "server.js":
        `const log = (level, msg) => console.log(new Date(0).toISOString(), level, msg);\n` +
        `log("info", "error reporter ready (sentry disabled)");\n` +
        `log("info", "retry queue: 0 failed jobs");\n` +
        `log("warn", "deprecated option errorFormat, use errors.format");\n` +
        `log("info", "GET /errors 200 12ms");\n` +
        `log("info", "GET /api/failures?since=1h 200 3ms");\n` +
        `console.log("Error rate: 0.00% (0 of 1200 requests)");\n` +
        `console.log("Listening on http://localhost:5444");\n`,
    },
    command: ["node", "server.js"],
  }),
  oneShot({
    name: "esbuild-noisy-clean",
    tool: "esbuild",
    about: "esbuild: a clean bundle of modules named error-handler and failed",
    clean: true,
    versions: v("esbuild"),
    files: {
      "src/main.ts":
        `import { handle } from "./error-handler";\nimport { failed } from "./failed";\nconsole.log(handle(new Error("x")), failed);\n`,
      "src/error-handler.ts": `export const handle = (e: Error) => "Error: " + e.message;\n`,
      "src/failed.ts": `export const failed = [] as string[];\n`,
    },
    command: ["esbuild", "src/main.ts", "--bundle", "--outfile=out/error-bundle.js"],
  }),
];
