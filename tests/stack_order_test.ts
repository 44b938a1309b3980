// The dev stack's order with real processes: one-shots that run again when
// what they ran against was restarted, shutdown in dependency order, a
// dependency its restart policy brings back, autostart added by an edit, and
// the messages a person and an agent read while it comes up.

import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../instance/supervise/config.ts";
import { call, jsonFiles, killProcessesIn, MAIN, type Structured, until } from "./helpers.ts";
import { parseDiscoveryRecord } from "../shared/discovery.ts";
import {
  type Ports,
  type Run,
  runs,
  stackProject,
  streamed,
  withInstance,
} from "./stack_helpers.ts";

const project = stackProject;

/** db ← migrate (one-shot) ← api: the issue's stack, with the fixtures standing in. */
function migrated(p: Ports) {
  return {
    scripts: {
      db: { command: "node db.mjs", ready: { tcp: Number(p.DB_PORT) }, env: p },
      migrate: { command: "node once.mjs", depends_on: { db: "ready" } },
      api: {
        command: "node api.mjs",
        depends_on: { db: "ready", migrate: "completed_successfully" },
        ready: { http: `http://127.0.0.1:${p.API_PORT}/health` },
        env: p,
      },
    },
  };
}

Deno.test("a one-shot runs again once what it depended on was restarted; messages say it once", async () => {
  const { dir } = await project(migrated);
  await withInstance(dir, async (client) => {
    const progress: string[] = [];
    const r = await client.callTool(
      { name: "scripts_run", arguments: { name: "api", env: { EXTRA: "1" } } },
      { onprogress: (p) => void progress.push(p.message ?? "") },
    );
    assert.ok(!r.isError, JSON.stringify(r.content));
    const first = r.structuredContent as Structured;
    const deps = first.dependencies as Run[];
    // db satisfied both api and migrate: listed once.
    assert.deepEqual(deps.map((d) => d.process_id).sort(), ["db-1", "migrate-1"]);
    const text = (r.content as { text: string }[])[0].text;
    assert.equal(text.match(/db-1 \(/g)?.length, 1, text);
    assert.match(text, /migrate-1 \(completed\)/);
    assert.equal(deps.find((d) => d.script === "migrate")!.ready_by, "completed");
    // One notification per change, none repeated.
    assert.ok(progress.length >= 2, progress.join("; "));
    for (let i = 1; i < progress.length; i++) {
      assert.notEqual(progress[i], progress[i - 1], progress.join("; "));
    }
    assert.ok(
      progress.includes("api is waiting for db ready, migrate completed"),
      progress.join("; "),
    );
    assert.ok(progress.includes("migrate is waiting for db ready"), progress.join("; "));

    // buzz.json's env has its own label, apart from scripts_run's.
    const api = (await runs(client)).find((x) => x.process_id === "api-1")!;
    assert.equal(api.env.DB_PORT, "buzz.json");
    assert.equal(api.env.EXTRA, "run");
    const status = await client.callTool({ name: "scripts_status", arguments: { name: "api" } });
    assert.match((status.content as { text: string }[])[0].text, /DB_PORT \(buzz\.json\)/);

    // Restarting api alone: db is still the one migrate ran against, so migrate is not run again.
    await call(client, "scripts_run", { name: "api", restart: true });
    assert.equal((await runs(client)).filter((x) => x.script === "migrate").length, 1);

    // The issue's sequence: the db goes (a throwaway database), the api is asked for again.
    await call(client, "scripts_stop", { name: "db", with_dependents: true });
    const again = await call(client, "scripts_run", { name: "api" });
    assert.deepEqual((again.dependencies as Run[]).map((d) => d.process_id).sort(), [
      "db-2",
      "migrate-2",
    ]);
    const list = await runs(client);
    const db2 = list.find((x) => x.process_id === "db-2")!;
    const migrate2 = list.find((x) => x.process_id === "migrate-2")!;
    assert.ok(Date.parse(db2.ready_at!) <= Date.parse(migrate2.started_at), "after the new db");
  });
});

Deno.test("a dependency that its restart policy brings back does not fail the chain", async () => {
  const { dir } = await project((p) => {
    const m = migrated(p);
    // Crashes once before it listens (its first run finds no marker), then comes up.
    m.scripts.db.command =
      "if [ ! -f crashed-once ]; then touch crashed-once; echo 'db: not yet'; exit 1; fi; exec node db.mjs";
    return {
      scripts: {
        ...m.scripts,
        db: { ...m.scripts.db, restart: { when: "on_failure", backoff_ms: 300 } },
      },
    };
  });
  await withInstance(dir, async (client) => {
    const r = await client.callTool({ name: "scripts_run", arguments: { name: "api" } });
    assert.ok(!r.isError, JSON.stringify(r.content));
    const deps = (r.structuredContent as Structured).dependencies as Run[];
    assert.ok(deps.some((d) => d.process_id === "db-2" && d.ready), JSON.stringify(deps));
    const list = await runs(client);
    assert.deepEqual(
      list.filter((x) => x.script === "db").map((x) => [x.state, x.started_by]),
      [["failed", "buzz-test"], ["running", "restart"]],
    );
    assert.equal(list.find((x) => x.script === "api")!.state, "running");
  });
});

Deno.test("a dependency whose restart policy gives up still fails the chain, saying so", async () => {
  const { dir } = await project((p) => ({
    scripts: {
      db: {
        command: "echo 'db: broken'; exit 4",
        ready: { tcp: Number(p.DB_PORT) },
        restart: { when: "on_failure", max_restarts: 1, backoff_ms: 100 },
      },
      api: { command: "node api.mjs", depends_on: ["db"], env: p },
    },
  }));
  await withInstance(dir, async (client) => {
    const r = await client.callTool({ name: "scripts_run", arguments: { name: "api" } });
    assert.ok(r.isError);
    assert.match(
      (r.content as { text: string }[])[0].text,
      /its dependency db crashed 2 times in a row \(the last with exit code 4\); its restart policy gave up/,
    );
  });
});

Deno.test("an edit that adds autostart starts the script when it is loaded", async () => {
  const { dir, write, ports } = await project((p) => migrated(p));
  await withInstance(dir, async (client) => {
    assert.deepEqual(await runs(client), []);
    const config = migrated(ports);
    await write({
      scripts: { ...config.scripts, api: { ...config.scripts.api, autostart: true } },
    });
    const list = await until("api started by the edit", async () => {
      const all = await runs(client);
      return all.some((x) => x.script === "api" && x.ready) ? all : null;
    }, 30_000);
    assert.equal(list.find((x) => x.script === "api")!.started_by, "autostart");
  });
});

Deno.test("a JSONC syntax error says line, column and what was expected", async () => {
  const text = '{\n  "scripts": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}\n';
  assert.throws(
    () => parseConfig("buzz.json", text),
    { message: 'buzz.json line 4, column 5: expected "," between two entries; found "b"' },
  );
  assert.throws(
    () => parseConfig("buzz.json", '{"scripts": {"a": {"command": x}}}'),
    /^Error: buzz\.json line 1, column 31: expected JSON here \(strings and keys go in double quotes\); found "x"$/,
  );
  assert.throws(
    () => parseConfig("buzz.json", '{"scripts": {'),
    /line 1, column 14: expected "}" to close the object .*; found the end of the file/,
  );
  // And the agent reads the same in scripts_list.
  const { dir } = await project(() => ({ scripts: {} }));
  await Deno.writeTextFile(join(dir, "buzz.json"), text);
  await withInstance(dir, async (client) => {
    const list = await call(client, "scripts_list");
    assert.match(String(list.config_error), /line 4, column 5: expected ","/);
    assert.doesNotMatch(String(list.config_error), /CommaExpected|InvalidSymbol/);
  });
});

/** web → api → db, and solo on its own: each records its SIGTERM and exit in order.txt. */
function termStack(_p: Ports, dir: string) {
  const term = (name: string) => ({ NAME: name, ORDER_FILE: join(dir, "order.txt") });
  return {
    scripts: {
      db: { command: "node term.mjs", env: term("db") },
      api: { command: "node term.mjs", env: term("api"), depends_on: ["db"] },
      web: { command: "node term.mjs", env: term("web"), depends_on: ["api"], autostart: true },
      solo: { command: "node term.mjs", env: term("solo"), autostart: true },
    },
  };
}

function order(dir: string): Promise<string> {
  return Deno.readTextFile(join(dir, "order.txt")).catch(() => "");
}

/** Each dependency signalled only once what depends on it has exited; solo alongside web. */
async function assertStoppedInOrder(dir: string) {
  const lines = (await order(dir)).trim().split("\n").filter((l) => !l.endsWith(" up"));
  const at = (line: string) => {
    const i = lines.findIndex((l) => l.startsWith(line));
    assert.ok(i !== -1, `${line} in:\n${lines.join("\n")}`);
    return i;
  };
  assert.ok(at("web exiting") < at("api got"), lines.join("\n"));
  assert.ok(at("api exiting") < at("db got"), lines.join("\n"));
  // solo depends on nothing and nothing on it: it stops alongside web, not after db.
  assert.ok(at("solo got") < at("api got"), lines.join("\n"));
  assert.ok(at("db exiting") > 0);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`${signal} stops dependents first, then what they depend on; unrelated ones at once`, async () => {
    const { dir } = await project(termStack);
    const buzz = await streamed(dir);
    try {
      await until(
        "all four up",
        async () => (await order(dir)).match(/ up$/gm)?.length === 4,
        30_000,
      );
      buzz.proc.kill(signal);
      const status = await buzz.proc.status;
      assert.equal(status.code, 0, buzz.out());
      await assertStoppedInOrder(dir);
    } finally {
      await buzz.close();
    }
  });
}

const hasTmux = new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
  .output().then((o) => o.success, () => false);

// q and Ctrl-C are keys to the UI; SIGTERM comes from outside while the UI runs (Ink's
// signal-exit must not turn it into a forced exit).
for (const key of ["q", "C-c", "SIGTERM"]) {
  Deno.test({
    name: `${key} with the terminal UI stops the stack in dependency order`,
    ignore: !(await hasTmux),
  }, async () => {
    const { dir } = await project(termStack);
    const socket = `buzz-order-${Deno.pid}-${key}`;
    const tmux = (...args: string[]) =>
      new Deno.Command("tmux", { args: ["-L", socket, "-f", "/dev/null", ...args] }).output();
    const buzz = [Deno.execPath(), "run", "-A", MAIN, "--dir", dir, "--discovery-dir", dir + "/d"];
    await tmux(
      "new-session",
      "-d",
      "-s",
      "ui",
      "-x",
      "100",
      "-y",
      "30",
      `${buzz.map((a) => `'${a}'`).join(" ")}; echo "buzz exited $?" > '${dir}/exit.txt'`,
    );
    try {
      await until(
        "all four up",
        async () => (await order(dir)).match(/ up$/gm)?.length === 4,
        60_000,
      );
      // The keys go to the UI once it is drawn (the scripts start before it loads).
      await until("the UI", async () => {
        const screen = (await tmux("capture-pane", "-p", "-t", "ui")).stdout;
        return /agents:/.test(new TextDecoder().decode(screen));
      }, 60_000);
      if (key === "SIGTERM") {
        const [file] = jsonFiles(join(dir, "d"));
        Deno.kill(parseDiscoveryRecord(await Deno.readTextFile(join(dir, "d", file))).pid, key);
      } else {
        await tmux("send-keys", "-t", "ui", key);
      }
      await until(
        "buzz to exit",
        () => Deno.readTextFile(join(dir, "exit.txt")).then((t) => t.trim(), () => ""),
        30_000,
      );
      assert.equal((await Deno.readTextFile(join(dir, "exit.txt"))).trim(), "buzz exited 0");
      await assertStoppedInOrder(dir);
    } finally {
      await tmux("kill-server");
      const sockets = join(Deno.env.get("TMUX_TMPDIR") ?? "/tmp", `tmux-${Deno.uid()}`);
      await Deno.remove(join(sockets, socket)).catch(() => {});
      killProcessesIn(dir);
    }
  });
}

Deno.test("the output stream prints one waiting line per real change", async () => {
  const { dir, ports } = await project(migrated);
  const config = migrated(ports);
  await Deno.writeTextFile(
    join(dir, "buzz.json"),
    JSON.stringify({
      scripts: {
        ...config.scripts,
        api: { ...config.scripts.api, autostart: true, watch: ["src/**/*.js"] },
      },
    }),
  );
  await Deno.mkdir(join(dir, "src"));
  const buzz = await streamed(dir);
  try {
    await until("api ready", () => buzz.out().includes("api-1 ready"), 30_000);
    const waiting = () => buzz.out().split("\n").filter((l) => / waiting: /.test(l));
    const first = waiting();
    assert.match(first[0], /api waiting: db ready, migrate completed$/, first.join("\n"));
    for (let i = 1; i < first.length; i++) assert.notEqual(first[i], first[i - 1]);
    assert.ok(!first.some((l) => /api waiting: db ready$/.test(l)), first.join("\n"));
    // A watch restart finds db up and migrate done: nothing to wait for, no waiting line.
    await Deno.writeTextFile(join(dir, "src", "x.js"), "x");
    await until("api restarted", () => buzz.out().includes("api-2 ready"), 30_000);
    assert.deepEqual(waiting(), first, buzz.out());
  } finally {
    await buzz.close();
  }
});
