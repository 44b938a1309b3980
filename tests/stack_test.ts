// A project's whole dev stack from buzz.json, with real processes: a TCP server
// standing in for a database, an API that exits when it cannot connect to it,
// a web server that prints its URL, and a one-shot like a migration.

import assert from "node:assert/strict";
import { join } from "node:path";
import { applyConfig, parseConfig } from "../instance/supervise/config.ts";
import { call, ROOT, type Structured, until } from "./helpers.ts";
import {
  type Ports,
  type Run,
  runs,
  stackProject,
  streamed,
  withInstance,
} from "./stack_helpers.ts";

/** A project with the fixture scripts and a buzz.json made from `scripts(ports)`. */
function project(scripts: (ports: Ports) => Record<string, unknown>) {
  return stackProject((p) => ({ scripts: scripts(p) }));
}

/** db ← api ← web, each ready by its own probe: TCP, HTTP, the URL printed. */
function stack(ports: Ports, extra: Record<string, Record<string, unknown>> = {}) {
  return {
    db: {
      command: "node db.mjs",
      ready: { tcp: Number(ports.DB_PORT) },
      env: ports,
      ...extra.db,
    },
    api: {
      command: "node api.mjs",
      depends_on: { db: "ready" },
      ready: { http: `http://127.0.0.1:${ports.API_PORT}/health` },
      env: ports,
      ...extra.api,
    },
    web: {
      command: "node web.mjs",
      depends_on: { api: "ready" },
      ready: "url",
      env: ports,
      ...extra.web,
    },
  };
}

function byScript(list: Run[], script: string): Run {
  const run = list.findLast((r) => r.script === script);
  assert.ok(run, `a run of ${script} in ${JSON.stringify(list)}`);
  return run;
}

/** Each script started only once the one before it was ready. */
function assertInOrder(list: Run[], order: string[]) {
  for (let i = 1; i < order.length; i++) {
    const before = byScript(list, order[i - 1]);
    const after = byScript(list, order[i]);
    assert.ok(
      Date.parse(before.ready_at!) <= Date.parse(after.started_at),
      `${order[i]} started after ${order[i - 1]} was ready: ${JSON.stringify([before, after])}`,
    );
  }
}

Deno.test("plain buzz brings an autostart stack up in order, each ready by its probe", async () => {
  const { dir, ports } = await project((p) => stack(p, { web: { autostart: true } }));
  const buzz = await streamed(dir);
  try {
    await until("web ready", () => buzz.out().includes("web-1 ready (url "), 30_000);
    const out = buzz.out();
    assert.match(
      out,
      new RegExp(`buzz +\\| db-1 ready \\(tcp 127\\.0\\.0\\.1:${ports.DB_PORT}\\)`),
    );
    assert.match(
      out,
      new RegExp(`buzz +\\| api-1 ready \\(http://127\\.0\\.0\\.1:${ports.API_PORT}/health 200\\)`),
    );
    assert.match(out, /buzz +\| web waiting: api ready/);
    const order = ["db-1 started", "db-1 ready", "api-1 started", "api-1 ready", "web-1 started"];
    const at = order.map((s) => out.indexOf(s));
    assert.deepEqual([...at].sort((a, b) => a - b), at, `in order:\n${out}`);
    assert.ok(!out.includes("failed"), out);
  } finally {
    await buzz.close();
  }
});

Deno.test("one scripts_run starts the dependencies first, reporting what it waits for", async () => {
  const { dir } = await project((p) => stack(p));
  await withInstance(dir, async (client) => {
    const progress: string[] = [];
    const r = await client.callTool(
      { name: "scripts_run", arguments: { name: "web", wait_for: "url" } },
      { onprogress: (p) => void progress.push(p.message ?? "") },
    );
    assert.ok(!r.isError, JSON.stringify(r.content));
    const s = r.structuredContent as Structured;
    assert.deepEqual((s.dependencies as Run[]).map((d) => d.process_id), ["db-1", "api-1"]);
    assert.ok((s.wait as Structured).matched);
    assert.ok(progress.includes("web is waiting for api ready"), progress.join("; "));
    assert.ok(progress.includes("api is waiting for db ready"), progress.join("; "));
    const list = await runs(client);
    assertInOrder(list, ["db", "api", "web"]);
    await until("web ready", async () => byScript(await runs(client), "web").ready);
    const web = byScript(await runs(client), "web");
    assert.match(web.ready_by!, /^url http:\/\/localhost:\d+\/$/);

    // Running it again starts nothing; stopping api leaves db up, with_dependents takes web too.
    const again = await call(client, "scripts_run", { name: "web" });
    assert.equal(again.already_running, true);
    const stopped = await call(client, "scripts_stop", { name: "api", with_dependents: true });
    assert.deepEqual((stopped.dependents as Run[]).map((d) => d.process_id), ["web-1"]);
    assert.equal((stopped.run as Run).process_id, "api-1");
    const after = await runs(client);
    assert.equal(byScript(after, "db").state, "running");
    assert.equal(byScript(after, "web").state, "stopped");
  });
});

Deno.test("a dependency that fails stops the chain with its name and last lines", async () => {
  const { dir } = await project((p) =>
    stack(p, {
      db: { command: "node -e \"console.error('db: disk full'); process.exit(3)\"" },
    })
  );
  await withInstance(dir, async (client) => {
    const r = await client.callTool({ name: "scripts_run", arguments: { name: "web" } });
    assert.ok(r.isError);
    const text = (r.content as { text: string }[])[0].text;
    assert.match(text, /^Cannot start web: its dependency db failed with exit code 3/);
    assert.match(text, /db: disk full/);
    assert.match(text, /scripts_run \{name: "web"\} again/);
    const list = await runs(client);
    assert.deepEqual(list.map((x) => x.script), ["db"], "neither api nor web started");
    const status = await call(client, "scripts_status");
    assert.deepEqual(status.waiting, [], "nothing is left waiting");
  });
});

Deno.test("a dependency that never becomes ready times out with what it waited for", async () => {
  const { dir } = await project((p) =>
    stack(p, { db: { command: "node once.mjs", env: { START_MS: "60000" } } })
  );
  const config = JSON.parse(await Deno.readTextFile(join(dir, "buzz.json")));
  config.scripts.db.ready.timeout_ms = 300;
  await Deno.writeTextFile(join(dir, "buzz.json"), JSON.stringify(config));
  await withInstance(dir, async (client) => {
    const r = await client.callTool({ name: "scripts_run", arguments: { name: "api" } });
    assert.ok(r.isError);
    const text = (r.content as { text: string }[])[0].text;
    assert.match(
      text,
      /Cannot start api: its dependency db did not become ready: no port \d+ accepting on localhost within 300 ms/,
    );
    const db = byScript(await runs(client), "db");
    assert.equal(db.ready, false);
  });
});

Deno.test("completed_successfully waits for a one-shot to exit 0, and stops on a failure", async () => {
  const { dir, write, ports } = await project((p) => ({
    migrate: { command: "node once.mjs" },
    db: { command: "node db.mjs", env: p, depends_on: { migrate: "completed_successfully" } },
  }));
  await withInstance(dir, async (client) => {
    await call(client, "scripts_run", { name: "db" });
    const list = await runs(client);
    const migrate = byScript(list, "migrate");
    assert.equal(migrate.state, "exited");
    assert.ok(Date.parse(migrate.ended_at!) <= Date.parse(byScript(list, "db").started_at));
    await call(client, "scripts_stop", { name: "db" });
    // A one-shot that already completed is not run again.
    await call(client, "scripts_run", { name: "db" });
    assert.equal((await runs(client)).filter((r) => r.script === "migrate").length, 1);
    await call(client, "scripts_stop", { name: "db" });

    await write({
      scripts: {
        migrate: { command: "node once.mjs", env: { EXIT_CODE: "2" } },
        fresh: {
          command: "node db.mjs",
          env: ports,
          depends_on: { migrate: "completed_successfully" },
        },
      },
    });
    await until(
      "the new buzz.json",
      async () =>
        ((await call(client, "scripts_list")).scripts as { name: string }[]).some((s) =>
          s.name === "fresh"
        ),
    );
    // Its latest run must fail for the chain to need it again.
    await call(client, "scripts_run", { name: "migrate" });
    await until("migrate-2 ended", async () => byScript(await runs(client), "migrate").ended_at);
    const r = await client.callTool({ name: "scripts_run", arguments: { name: "fresh" } });
    assert.ok(r.isError);
    assert.match(
      (r.content as { text: string }[])[0].text,
      /its dependency migrate failed with exit code 2/,
    );
  });
});

Deno.test("a cycle and a malformed buzz.json are reported with key and line", async () => {
  const { dir, write } = await project(() => ({
    a: { command: "node once.mjs", depends_on: ["b"] },
    b: { command: "node once.mjs", depends_on: { a: "started" } },
  }));
  await withInstance(dir, async (client, stderr) => {
    await until("the cycle reported", () => stderr().includes("makes a cycle"));
    assert.match(stderr(), /buzz\.json line \d+: scripts\.a\.depends_on makes a cycle: a → b → a/);

    // A good file is taken up live; a broken edit keeps it.
    await write({ scripts: { good: { command: "node once.mjs" } } });
    const names = async () =>
      ((await call(client, "scripts_list")).scripts as { name: string }[]).map((s) => s.name);
    await until("the good file", async () => (await names()).includes("good"));
    await Deno.writeTextFile(
      join(dir, "buzz.json"),
      '{\n  "scripts": {\n    "good": {\n      "command": "node once.mjs",\n      "restart": "sometimes"\n    }\n  }\n}\n',
    );
    await until("the mistake reported", () => stderr().includes("sometimes"));
    assert.match(
      stderr(),
      /buzz\.json line 5: scripts\.good\.restart must be "no", "on_failure" or "always" \(not "sometimes"\); keeping the last good configuration/,
    );
    assert.ok((await names()).includes("good"));
    // The agent reads the mistake in scripts_list, and it goes once the file is fixed.
    const list = await client.callTool({ name: "scripts_list", arguments: {} });
    assert.match(
      (list.content as { text: string }[])[0].text,
      /^buzz\.json line 5: scripts\.good\.restart must be .*fix buzz\.json/s,
    );
    assert.match(
      String((list.structuredContent as Structured).config_error),
      /scripts\.good\.restart/,
    );
    await write({ scripts: { good: { command: "node once.mjs", restart: "on_failure" } } });
    await until(
      "the mistake cleared",
      async () => (await call(client, "scripts_list")).config_error === null,
    );
  });
});

Deno.test("watch restarts a running script once per burst of edits", async () => {
  const { dir } = await project((p) => ({
    web: {
      command: "node web.mjs",
      env: { ...p, API_PORT: "9" },
      watch: { paths: ["src/**/*.js"], ignore: ["src/skip/**"], debounce_ms: 300 },
    },
  }));
  // web.mjs needs an API answering; here a stand-in one that answers anything.
  await Deno.writeTextFile(
    join(dir, "web.mjs"),
    (await Deno.readTextFile(join(dir, "web.mjs"))).replace("await fetch(api);", ""),
  );
  await Deno.mkdir(join(dir, "src", "skip"), { recursive: true });
  await withInstance(dir, async (client) => {
    await call(client, "scripts_run", { name: "web", wait_for: "url" });
    for (let i = 0; i < 5; i++) await Deno.writeTextFile(join(dir, "src", `f${i}.js`), `${i}`);
    await until("a restart", async () => (await runs(client)).length === 2, 15_000);
    // Quiet for longer than the debounce: no second restart from the same burst.
    await new Promise((r) => setTimeout(r, 1000));
    const list = await runs(client);
    assert.deepEqual(list.map((r) => [r.process_id, r.state]), [
      ["web-1", "stopped"],
      ["web-2", "running"],
    ]);
    assert.equal((list[1] as Run & { started_by: string }).started_by, "watch");
    // Ignored and unmatched files restart nothing.
    await Deno.writeTextFile(join(dir, "src", "skip", "x.js"), "x");
    await Deno.writeTextFile(join(dir, "notes.txt"), "x");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await runs(client)).length, 2);
  });
});

Deno.test("the README's buzz.json example reads, and the schema knows every key", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const m = /<!-- readme-test: buzz-json -->\s*```jsonc\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(m, "README.md has a jsonc block marked readme-test: buzz-json");
  const config = parseConfig("buzz.json", m[1]);
  const scripts = applyConfig([
    { name: "api", command: "tsx server", source: "package.json", argv: [], runner: "npm" },
    { name: "dev", command: "vite", source: "package.json", argv: [], runner: "npm" },
  ], config);
  assert.deepEqual(scripts.map((s) => s.name), ["api", "dev", "db", "migrate"]);
  assert.deepEqual(scripts.find((s) => s.name === "api")!.stack!.depends_on, [
    { name: "db", condition: "ready" },
    { name: "migrate", condition: "completed_successfully" },
  ]);

  const schema = JSON.parse(await Deno.readTextFile(join(ROOT, "buzz.schema.json")));
  const keys = Object.keys(schema.definitions.script.properties).sort();
  const all = parseConfig("buzz.json", EVERY_KEY).scripts.get("x")!;
  assert.deepEqual(
    keys,
    ["command", ...Object.keys(all).filter((k) => k !== "line" && k !== "command")].sort(),
  );
});

/** A script with every key, to hold the schema to what buzz reads. */
const EVERY_KEY = JSON.stringify({
  scripts: {
    x: {
      command: "true",
      cwd: ".",
      depends_on: [],
      ready: "url",
      autostart: false,
      restart: "no",
      watch: ["src/**"],
      env: {},
      args: [],
      browser: false,
    },
  },
});

Deno.test("restart: always starts a script again after a clean exit, with the backoff", async () => {
  const { dir } = await project(() => ({
    tick: {
      command: "node once.mjs",
      env: { START_MS: "50" },
      restart: { when: "always", max_restarts: 1, backoff_ms: 100 },
    },
  }));
  await withInstance(dir, async (client) => {
    await call(client, "scripts_run", { name: "tick" });
    const list = await until("a restart after exit 0", async () => {
      const all = await runs(client);
      return all.length === 2 && all[1].ended_at ? all : null;
    });
    assert.deepEqual(list.map((r) => r.state), ["exited", "exited"]);
    assert.equal((list[1] as Run & { started_by: string }).started_by, "restart");
  });
});
