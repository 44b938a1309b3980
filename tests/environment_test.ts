// buzz in the environments users really have, with real processes: a proxy in
// the environment, a hub started with the SDK's trimmed environment next to an
// instance with its own XDG_RUNTIME_DIR, small error paths, and a far-off time
// zone with a foreign locale.

import assert from "node:assert/strict";
import { join } from "node:path";
import { Client } from "../shared/sdk.ts";
import { StdioClientTransport } from "../shared/sdk_stdio.ts";
import {
  defaultDiscoveryDir,
  discoveryFilePath,
  type DiscoveryRecord,
  parseDiscoveryRecord,
} from "../shared/discovery.ts";
import {
  call,
  connectInstance,
  killProcessesIn,
  MAIN,
  ROOT,
  type Spawned,
  spawnLogged,
  type Structured,
  tempDir,
  trimmedEnv,
  until,
} from "./helpers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const decoder = new TextDecoder();

/** A project with one deno task that prints what the script sees of the proxy variables. */
async function proxyEnvProject(): Promise<string> {
  const dir = await tempDir("buzz-env-project-");
  const print = "node -e \"console.log('seen ' + JSON.stringify(Object.fromEntries(" +
    "['HTTP_PROXY','HTTPS_PROXY','ALL_PROXY','NO_PROXY','no_proxy']" +
    '.map((k) => [k, process.env[k] ?? null]))))"';
  await Deno.writeTextFile(
    join(dir, "deno.json"),
    JSON.stringify({ tasks: { env: print } }, null, 2),
  );
  return dir;
}

/** The environment of this test process, changed: a value of undefined removes the variable. */
function envWith(changes: Record<string, string | undefined>): Record<string, string> {
  const env = Deno.env.toObject();
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Starts `deno run -A main.ts …args` with exactly the environment given. */
function spawnBuzz(args: string[], env: Record<string, string>): Spawned {
  return spawnLogged(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: ROOT,
    clearEnv: true,
    env,
  });
}

/** Waits for the announcement in dir of the instance serving project. */
async function announcement(
  dir: string,
  project: string,
  instance: Spawned,
): Promise<{ record: DiscoveryRecord; file: string }> {
  return await until("the instance's discovery file", async () => {
    const status = instance.exited();
    if (status) throw new Error(`instance exited (${status.code}) early:\n${instance.stderr()}`);
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch { /* not made yet */ }
    for (const e of entries) {
      if (!e.name.endsWith(".json") || e.name.startsWith(".")) continue;
      try {
        const record = parseDiscoveryRecord(await Deno.readTextFile(join(dir, e.name)));
        if (record.directory === project) return { record, file: join(dir, e.name) };
      } catch { /* another writer's file, or one going away */ }
    }
    return undefined;
  }, 30_000);
}

/** A hub through the SDK's stdio client, which starts it with its default (trimmed) environment. */
async function hubThroughSdk(args: string[], env: Record<string, string | undefined> = {}) {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "--mcp", "--log-level", "debug", ...args],
    // The SDK adds HOME, PATH and the like; a user's agent passes on the TLS and proxy settings.
    env: trimmedEnv(env),
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (d: Uint8Array) => err += decoder.decode(d));
  const client = new Client({ name: "buzz-env-test", version: "0" }, { capabilities: {} });
  await client.connect(transport);
  return { client, stderr: () => err, close: () => client.close() };
}

type Listed = { id: string; state: string; directory: string };
const listed = async (client: Client) =>
  (await call(client, "instances_list") as { instances: Listed[] }).instances;

Deno.test(
  "with HTTP_PROXY/HTTPS_PROXY/ALL_PROXY set and no NO_PROXY, the hub reaches instances directly, and scripts still see the proxy",
  opts,
  async () => {
    // A proxy that refuses everything and remembers what it was asked.
    const asked: string[] = [];
    const proxy = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => {
        asked.push(`${req.method} ${req.url}`);
        return new Response("no\n", { status: 502 });
      },
    );
    const proxyUrl = `http://127.0.0.1:${proxy.addr.port}`;
    const proxied = {
      // Deno's own background check for a newer Deno would ask dl.deno.land through the proxy;
      // the installed buzz command turns it off the same way.
      DENO_NO_UPDATE_CHECK: "1",
      HTTP_PROXY: proxyUrl,
      HTTPS_PROXY: proxyUrl,
      ALL_PROXY: proxyUrl,
      http_proxy: proxyUrl,
      https_proxy: proxyUrl,
      all_proxy: proxyUrl,
    };
    const project = await proxyEnvProject();
    const discovery = await tempDir("buzz-env-discovery-");
    const instance = spawnBuzz(
      ["--no-tui", "--dir", project, "--discovery-dir", discovery],
      envWith({ ...proxied, NO_PROXY: undefined, no_proxy: undefined }),
    );
    let hub: Awaited<ReturnType<typeof hubThroughSdk>> | undefined;
    try {
      const { record } = await announcement(discovery, project, instance);
      hub = await hubThroughSdk(["--discovery-dir", discovery], {
        ...proxied,
        NO_PROXY: undefined,
        no_proxy: undefined,
      });
      const client = hub.client;
      await until("the hub to connect to the instance", async () => {
        const mine = (await listed(client)).find((i) => i.id === record.id);
        return mine?.state === "connected";
      }, 20_000).catch((e) => {
        throw new Error(`${(e as Error).message}\nhub stderr:\n${hub?.stderr()}`);
      });
      const scripts = (await call(client, "scripts_list", { instance: record.id })).scripts as {
        name: string;
      }[];
      assert.deepEqual(scripts.map((s) => s.name), ["env"]);

      const { process_id } = await call(client, "scripts_run", {
        name: "env",
        instance: record.id,
      });
      const line = await until("the script's output", async () => {
        const { lines } = await call(client, "logs_tail", { process_id, instance: record.id }) as {
          lines: { text: string }[];
        };
        return lines.find((l) => l.text.startsWith("seen "));
      });
      // The script got the user's proxy variables unchanged, and no NO_PROXY of buzz's.
      assert.deepEqual(JSON.parse(line.text.slice("seen ".length)), {
        HTTP_PROXY: proxyUrl,
        HTTPS_PROXY: proxyUrl,
        ALL_PROXY: proxyUrl,
        NO_PROXY: null,
        no_proxy: null,
      });
      assert.deepEqual(asked, [], "nothing of buzz's went through the proxy");
    } finally {
      await hub?.close().catch(() => {});
      await instance.stop();
      killProcessesIn(project);
      await proxy.shutdown();
    }
  },
);

Deno.test(
  "an instance with its own XDG_RUNTIME_DIR and TMPDIR meets a hub started with the SDK's default environment",
  opts,
  async () => {
    // Neither side is told where to meet: no --discovery-dir, no BUZZ_DISCOVERY_DIR.
    const project = await proxyEnvProject();
    const runtime = await tempDir("buzz-env-xdg-");
    const tmp = await tempDir("buzz-env-tmpdir-");
    const instance = spawnBuzz(
      ["--no-tui", "--dir", project],
      envWith({ XDG_RUNTIME_DIR: runtime, TMPDIR: tmp, BUZZ_DISCOVERY_DIR: undefined }),
    );
    let hub: Awaited<ReturnType<typeof hubThroughSdk>> | undefined;
    let file: string | undefined;
    try {
      // The instance announces in the one per-user place, not under its XDG_RUNTIME_DIR.
      const found = await announcement(defaultDiscoveryDir(), project, instance);
      file = found.file;
      assert.equal(file, discoveryFilePath(defaultDiscoveryDir(), found.record.id));
      assert.deepEqual([...Deno.readDirSync(runtime)], [], "nothing under XDG_RUNTIME_DIR");

      hub = await hubThroughSdk([]);
      const client = hub.client;
      await until("the hub to connect to the instance", async () => {
        const mine = (await listed(client)).find((i) => i.id === found.record.id);
        return mine?.state === "connected";
      }, 20_000).catch((e) => {
        throw new Error(`${(e as Error).message}\nhub stderr:\n${hub?.stderr()}`);
      });
      assert.match(hub.stderr(), new RegExp(`watching ${defaultDiscoveryDir()}`));
      const scripts = (await call(client, "scripts_list", { instance: found.record.id }))
        .scripts as {
          name: string;
        }[];
      assert.deepEqual(scripts.map((s) => s.name), ["env"]);
    } finally {
      await hub?.close().catch(() => {});
      await instance.stop();
      killProcessesIn(project);
      // The instance removes its own file; a failed test must not leave one in the shared place.
      if (file) await Deno.remove(file).catch(() => {});
    }
  },
);

/** Runs buzz to completion with the test's environment; returns exit code and output. */
async function runBuzz(args: string[], env = Deno.env.toObject()) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: ROOT,
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("-v and -V print the version like --version", opts, async () => {
  const expected = (await runBuzz(["--version"])).stdout;
  assert.match(expected, /^buzz \d+\.\d+\.\d+/);
  for (const flag of ["-v", "-V"]) {
    const r = await runBuzz([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, expected);
  }
});

Deno.test("unknown options and missing values are reported in buzz's own words", opts, async () => {
  const cases: [string[], RegExp][] = [
    [["--no-tui", "--bogus"], /^buzz: unknown option --bogus\n/],
    [["-x"], /^buzz: unknown option -x\n/],
    [["--no-tui", "--port"], /^buzz: --port needs a value\n/],
    [["--mcp=yes"], /^buzz: --mcp is a switch and takes no value\n/],
  ];
  for (const [args, expected] of cases) {
    const r = await runBuzz(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.match(r.stderr, /buzz --help/);
    assert.doesNotMatch(r.stderr, /positional argument|ERR_PARSE_ARGS/);
    assert.equal(r.stdout, "");
  }
});

Deno.test("a port already in use is named, with --port 0 suggested", opts, async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const project = await proxyEnvProject();
    const discovery = await tempDir("buzz-env-discovery-");
    const r = await runBuzz([
      "--no-tui",
      "--dir",
      project,
      "--discovery-dir",
      discovery,
      "--port",
      String(port),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`port ${port} .*already in use`));
    assert.match(r.stderr, /--port 0/);
    assert.deepEqual([...Deno.readDirSync(discovery)], [], "no announcement left behind");
  } finally {
    taken.close();
  }
});

Deno.test(
  "an empty project says so and what buzz looks for, and still serves",
  opts,
  async () => {
    for (const files of [{}, { "package.json": `{"name": "x"}` }]) {
      const project = await tempDir("buzz-env-empty-");
      for (const [name, text] of Object.entries(files)) {
        await Deno.writeTextFile(join(project, name), text);
      }
      const discovery = await tempDir("buzz-env-discovery-");
      const instance = spawnBuzz(
        ["--no-tui", "--dir", project, "--discovery-dir", discovery],
        Deno.env.toObject(),
      );
      try {
        const { record } = await announcement(discovery, project, instance);
        await until("the startup lines", () => /serving/.test(instance.stderr()));
        const err = instance.stderr();
        assert.match(err, /package\.json/);
        assert.match(err, /deno\.json/);
        assert.match(
          err,
          Object.keys(files).length
            ? /its package\.json lists none/
            : /has no package\.json, deno\.json or deno\.jsonc/,
        );
        assert.match(err, /serving no scripts/);
        assert.doesNotMatch(err, /serving 0 scripts/);
        const direct = await connectInstance(record);
        try {
          assert.deepEqual((await call(direct.client, "scripts_list")).scripts, []);
        } finally {
          await direct.close();
        }
        // Asking for a script in an empty project explains the same way, and fails.
        const asked = await runBuzz([
          "--no-tui",
          "--dir",
          project,
          "--discovery-dir",
          discovery,
          "dev",
        ]);
        assert.equal(asked.code, 2);
        assert.match(asked.stderr, /no script named dev/);
        assert.match(asked.stderr, /buzz runs the "scripts" of package\.json/);
      } finally {
        await instance.stop();
      }
    }
  },
);

Deno.test(
  "times are right in a far-off time zone and a foreign locale",
  opts,
  async () => {
    const project = await tempDir("buzz-env-tz-");
    await Deno.writeTextFile(
      join(project, "package.json"),
      JSON.stringify({
        scripts: {
          crash: "node -e \"console.log('up'); console.error('TypeError: boom\\n    at x " +
            "(/a.js:1:1)'); process.exit(1)\"",
        },
      }),
    );
    const discovery = await tempDir("buzz-env-discovery-");
    const before = Date.now() - 1000;
    // UTC+14, with a Thai Buddhist-calendar locale and Arabic digits in messages.
    const instance = spawnBuzz(
      ["--no-tui", "--dir", project, "--discovery-dir", discovery],
      envWith({
        TZ: "Pacific/Kiritimati",
        LANG: "th_TH.UTF-8@calendar=buddhist",
        LC_ALL: "ar_EG.UTF-8",
        LANGUAGE: "ar",
      }),
    );
    try {
      const { record } = await announcement(discovery, project, instance);
      const direct = await connectInstance(record);
      try {
        await call(direct.client, "scripts_run", { name: "crash" });
        const run = await until("the run to end", async () => {
          const { runs } = await call(direct.client, "scripts_status") as {
            runs: Structured[];
          };
          return runs.find((r) => r.state !== "running");
        });
        const { errors } = await call(direct.client, "errors_list") as { errors: Structured[] };
        const { lines } = await call(direct.client, "logs_tail") as { lines: Structured[] };
        const after = Date.now() + 1000;
        assert.ok(errors.length >= 1, "the error was detected");
        assert.ok(lines.length >= 2, "the lines were captured");
        const times: [string, unknown][] = [
          ["discovery file started_at", record.started_at],
          ["run started_at", run.started_at],
          ["run ended_at", run.ended_at],
          ...errors.map((e) => ["error time", e.time] as [string, unknown]),
          ...lines.map((l) => ["line time", l.time] as [string, unknown]),
        ];
        for (const [what, time] of times) {
          assert.equal(typeof time, "string", what);
          // Machine-readable UTC, whatever TZ and the locale say.
          assert.match(time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, what);
          const t = Date.parse(time as string);
          assert.ok(t >= before && t <= after, `${what} ${time} is not now`);
        }
      } finally {
        await direct.close();
      }
    } finally {
      await instance.stop();
      killProcessesIn(project);
    }
  },
);
