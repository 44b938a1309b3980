// Monorepos as their package managers lay them out, with the real tools from
// tests/tools: a pnpm workspace (pnpm-workspace.yaml), an npm workspace driven
// by turbo (package.json's workspaces), and a Deno workspace. Each package's
// scripts are listed as "<package>:<script>", run alone in the package's
// directory with the workspace's package manager, and named in buzz.json.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { applyConfig, loadProject, parseConfig } from "../instance/supervise/config.ts";
import { loadScripts } from "../instance/supervise/scripts.ts";
import { Supervisor } from "../instance/supervise/supervisor.ts";
import { call, freePort, ROOT, type Structured, tempDir, until } from "./helpers.ts";
import { type Client, withInstance } from "./stack_helpers.ts";
import { toolBin } from "./tools.ts";

const FIXTURES = join(ROOT, "tests", "fixtures", "workspace");

/** Writes files (JSON for objects) under dir, making their directories. */
async function files(dir: string, tree: Record<string, string | object>) {
  for (const [path, content] of Object.entries(tree)) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(
      join(dir, path),
      typeof content === "string" ? content : JSON.stringify(content, null, 2),
    );
  }
}

/** A package with the fixture dev server and build. */
async function pkg(dir: string, name: string, scripts: Record<string, string>) {
  await files(dir, { "package.json": { name, version: "1.0.0", private: true, scripts } });
  for (const f of ["server.mjs", "build.mjs"]) {
    await Deno.copyFile(join(FIXTURES, f), join(dir, f));
  }
}

/** PATH with the test tools' commands (pnpm, turbo) first, as a user who installed them has. */
function toolsEnv(): Record<string, string> {
  const bin = dirname(toolBin("pnpm", "pnpm"));
  toolBin("turbo", "turbo");
  return {
    PATH: `${bin}:${Deno.env.get("PATH")}`,
    // No telemetry or update checks from turbo: tests reach no network.
    TURBO_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
    TURBO_NO_UPDATE_NOTIFIER: "1",
  };
}

type Script = { name: string; runner: string; cwd: string | null; source: string };
type Run = { process_id: string; script: string; state: string; ready_by: string | null };

function withTools(
  dir: string,
  fn: (client: Client) => Promise<void>,
): Promise<void> {
  return withInstance(dir, fn, toolsEnv());
}

function text(r: { content: unknown }): string {
  return (r.content as { text: string }[]).map((c) => c.text).join("\n");
}

Deno.test("a pnpm workspace: each package's scripts alone, in its directory, with pnpm", async () => {
  const dir = await tempDir("buzz-pnpm-");
  const [apiPort, webPort] = [String(freePort()), String(freePort())];
  await files(dir, {
    "package.json": { name: "mono", private: true, scripts: { dev: "pnpm -r --parallel dev" } },
    "pnpm-workspace.yaml": "packages:\n  - apps/*\n  - 'packages/*'\n  - '!packages/legacy'\n",
    "buzz.json": {
      scripts: {
        "api:dev": {
          depends_on: { "ui:build": "completed_successfully" },
          ready: "url",
          env: { PORT: apiPort, FAIL_WITH: "api: seed data is missing" },
        },
        "web:dev": { depends_on: ["api:dev"], env: { PORT: webPort } },
      },
    },
  });
  await pkg(join(dir, "apps", "api"), "@mono/api", { dev: "node server.mjs" });
  await pkg(join(dir, "apps", "web"), "@mono/web", { dev: "node server.mjs" });
  await pkg(join(dir, "packages", "ui"), "@mono/ui", { build: "node build.mjs" });
  await pkg(join(dir, "packages", "legacy"), "@mono/legacy", { build: "node build.mjs" });

  await withTools(dir, async (client) => {
    const list = (await call(client, "scripts_list")).scripts as Script[];
    assert.deepEqual(list.map((s) => [s.name, s.runner, s.cwd]), [
      ["dev", "pnpm", null],
      ["api:dev", "pnpm", "apps/api"],
      ["web:dev", "pnpm", "apps/web"],
      ["ui:build", "pnpm", "packages/ui"],
    ]);

    const r = await client.callTool({
      name: "scripts_run",
      arguments: { name: "web:dev", wait_for: "url" },
    });
    assert.ok(!r.isError, text(r));
    const s = r.structuredContent as Structured;
    assert.equal(s.process_id, "web:dev-1");
    assert.deepEqual((s.dependencies as Run[]).map((d) => [d.process_id, d.ready_by]), [
      ["ui:build-1", "completed"],
      ["api:dev-1", `url http://127.0.0.1:${apiPort}/`],
    ]);
    await Deno.stat(join(dir, "packages", "ui", "dist", "index.js"));

    // api:dev is its own process: its logs, its error, its URL, run by pnpm in apps/api.
    const runs = (await call(client, "scripts_status")).runs as (Run & { command: string })[];
    assert.equal(runs.find((x) => x.process_id === "api:dev-1")!.command, "pnpm run dev");
    const logs = await call(client, "logs_tail", { process_id: "api:dev-1" });
    const lines = (logs.lines as { text: string }[]).map((l) => l.text).join("\n");
    assert.match(lines, new RegExp(`@mono/api running in ${join(dir, "apps", "api")}`));
    assert.doesNotMatch(lines, /@mono\/web/);
    const errors = await call(client, "errors_list", { process_id: "api:dev-1" });
    assert.match(JSON.stringify(errors.errors), /seed data is missing/);
    const webErrors = await call(client, "errors_list", { process_id: "web:dev-1" });
    assert.deepEqual(webErrors.errors, []);
    const urls = (await call(client, "urls_list")).runs as { process_id: string; urls: string[] }[];
    assert.deepEqual(urls.find((u) => u.process_id === "api:dev-1")!.urls, [
      `http://127.0.0.1:${apiPort}/`,
    ]);
    assert.deepEqual(urls.find((u) => u.process_id === "web:dev-1")!.urls, [
      `http://127.0.0.1:${webPort}/`,
    ]);
    assert.equal(await (await fetch(`http://127.0.0.1:${apiPort}/`)).text(), "@mono/api");

    // A package's own package.json is watched: a script added there is listed.
    await files(join(dir, "apps", "web"), {
      "package.json": {
        name: "@mono/web",
        private: true,
        scripts: { dev: "node server.mjs", lint: "echo lint" },
      },
    });
    await until(
      "web:lint listed",
      async () =>
        ((await call(client, "scripts_list")).scripts as Script[]).some((s) =>
          s.name === "web:lint"
        ),
      15_000,
    );
  });
});

Deno.test("an npm workspace with turbo: packages that share a directory name, turbo at the root", async () => {
  const dir = await tempDir("buzz-npm-ws-");
  const npm = new TextDecoder().decode(
    (await new Deno.Command("npm", { args: ["--version"], stdout: "piped" }).output()).stdout,
  ).trim();
  const port = String(freePort());
  await files(dir, {
    "package.json": {
      name: "mono",
      private: true,
      packageManager: `npm@${npm}`,
      workspaces: ["apps/*", "services/*"],
      scripts: { build: "turbo run build" },
      devDependencies: { turbo: "*" },
    },
    "turbo.json": { tasks: { build: { outputs: ["dist/**"] } } },
    "buzz.json": {
      scripts: {
        "apps/api:dev": { ready: "url", env: { PORT: port } },
        "web:dev": { depends_on: { "apps/api:dev": "ready" }, env: { PORT: String(freePort()) } },
        // A command of the project's own, run in a package's directory.
        where: { command: "node -e \"console.log('cwd=' + process.cwd())\"", cwd: "services/api" },
      },
    },
  });
  await pkg(join(dir, "apps", "api"), "api", { dev: "node server.mjs", build: "node build.mjs" });
  await pkg(join(dir, "services", "api"), "api-service", { dev: "node server.mjs" });
  await pkg(join(dir, "apps", "web"), "web", { dev: "node server.mjs", build: "node build.mjs" });
  // turbo installed in the workspace, as `npm install` would leave it (from tests/tools: no download).
  const turbo = dirname(dirname(dirname(toolBin("turbo", "turbo")))) + "/node_modules/turbo";
  await Deno.mkdir(join(dir, "node_modules", ".bin"), { recursive: true });
  await Deno.symlink(turbo, join(dir, "node_modules", "turbo"));
  await Deno.symlink("../turbo/bin/turbo", join(dir, "node_modules", ".bin", "turbo"));

  await withTools(dir, async (client) => {
    const list = (await call(client, "scripts_list")).scripts as Script[];
    assert.deepEqual(list.map((s) => [s.name, s.runner, s.cwd]), [
      ["build", "npm", null],
      ["apps/api:dev", "npm", "apps/api"],
      ["apps/api:build", "npm", "apps/api"],
      ["web:dev", "npm", "apps/web"],
      ["web:build", "npm", "apps/web"],
      ["services/api:dev", "npm", "services/api"],
      ["where", "shell", "services/api"],
    ]);

    // One package alone, named in buzz.json's depends_on by its path.
    const r = await call(client, "scripts_run", { name: "web:dev", wait_for: "url" });
    assert.deepEqual((r.dependencies as Run[]).map((d) => d.process_id), ["apps/api:dev-1"]);
    const logs = await call(client, "logs_tail", { process_id: "apps/api:dev-1" });
    assert.match(
      (logs.lines as { text: string }[]).map((l) => l.text).join("\n"),
      new RegExp(`api running in ${join(dir, "apps", "api")}`),
    );
    const runs = (await call(client, "scripts_status")).runs as Run[];
    assert.deepEqual(runs.map((x) => x.process_id).sort(), ["apps/api:dev-1", "web:dev-1"]);

    // The root's turbo still drives every package's build, as one run.
    const build = await call(client, "scripts_run", {
      name: "build",
      wait_for: "Tasks:",
      timeout_ms: 120_000,
    });
    assert.ok((build.wait as Structured).matched, JSON.stringify(build));
    await until("turbo done", async () => {
      const run = ((await call(client, "scripts_status", { name: "build" })).runs as Run[])[0];
      return run.state === "exited" ? run : null;
    }, 60_000);
    const out = await call(client, "logs_tail", { process_id: "build-1", limit: 200 });
    const turboOut = (out.lines as { text: string }[]).map((l) => l.text).join("\n");
    assert.match(turboOut, /web:build/, turboOut);
    assert.match(turboOut, /2 successful, 2 total/, turboOut);

    const where = await call(client, "scripts_run", { name: "where", wait_for: "cwd=" });
    assert.equal(
      ((where.wait as Structured).line as { text: string }).text,
      `cwd=${join(dir, "services", "api")}`,
    );
  });
});

Deno.test("a Deno workspace: each member's tasks, run with deno task in the member", async () => {
  const dir = await tempDir("buzz-deno-ws-");
  await files(dir, {
    "deno.json": { workspace: ["./packages/a", "./packages/b"], tasks: { check: "echo root" } },
    "packages/a/deno.json": { name: "@ws/a", tasks: { hello: "echo hello from a; pwd" } },
    "packages/b/deno.json": { name: "@ws/b", tasks: { check: "echo b" } },
  });
  const scripts = await loadScripts(dir);
  assert.deepEqual(scripts.map((s) => [s.name, s.runner, s.cwd ?? null]), [
    ["check", "deno", null],
    ["a:hello", "deno", "packages/a"],
    ["b:check", "deno", "packages/b"],
  ]);
  const sup = new Supervisor(dir, scripts, { tty: false });
  try {
    const { run } = await sup.start("a:hello");
    const done = await sup.waitForExit(run.process_id);
    assert.equal(done?.state, "exited");
    const out = sup.tail({ processId: run.process_id }).lines.map((l) => l.plain).join("\n");
    assert.match(out, /hello from a/);
    assert.match(out, new RegExp(join(dir, "packages", "a")));
  } finally {
    await sup.stopAll();
  }
});

Deno.test("the README's workspace example reads against a workspace's scripts", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const m = /<!-- readme-test: buzz-json-workspace -->\s*```jsonc\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(m, "README.md has a jsonc block marked readme-test: buzz-json-workspace");
  const dir = await tempDir("buzz-readme-ws-");
  await files(dir, {
    "package.json": { name: "mono", private: true, workspaces: ["apps/*", "packages/*"] },
  });
  await pkg(join(dir, "apps", "api"), "@acme/api", { dev: "node server.mjs" });
  await pkg(join(dir, "apps", "web"), "@acme/web", { dev: "node server.mjs" });
  await pkg(join(dir, "packages", "ui"), "@acme/ui", { build: "node build.mjs" });
  const scripts = applyConfig(await loadScripts(dir), parseConfig("buzz.json", m[1]));
  assert.deepEqual(scripts.map((s) => [s.name, s.cwd ?? null]), [
    ["api:dev", "apps/api"],
    ["web:dev", "apps/web"],
    ["ui:build", "packages/ui"],
    ["seed", "apps/api"],
  ]);
});

Deno.test("buzz.json's cwd must name a directory of the project", async () => {
  const dir = await tempDir("buzz-cwd-");
  await files(dir, {
    "buzz.json": '{\n  "scripts": {\n    "x": { "command": "pwd", "cwd": "apps/nope" }\n  }\n}\n',
  });
  await assert.rejects(
    () => loadProject(dir),
    /^Error: buzz\.json line 3: scripts\.x\.cwd "apps\/nope" is not a directory in /,
  );
  await files(dir, { "buzz.json": { scripts: { x: { command: "pwd", cwd: "/tmp" } } } });
  await assert.rejects(() => loadProject(dir), /scripts\.x\.cwd must be a directory relative/);
});
