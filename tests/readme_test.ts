// The README a new user follows, run as written where it can run here: the
// install block (with the packed tarball for `buzz-mcp`, into a fresh prefix and
// HOME), the quick start's instance, the Inspector's calls through the hub, and
// every agent configuration's command. Blocks are found by the
// `<!-- readme-test: NAME -->` comment before them, so the README cannot drift
// from the truth without this test failing.

import assert from "node:assert/strict";
import { join } from "node:path";
import { Client } from "../shared/sdk.ts";
import { StdioClientTransport } from "../shared/sdk_stdio.ts";
import { defaultDiscoveryDir, parseDiscoveryRecord } from "../shared/discovery.ts";
import { VERSION } from "../shared/version.ts";
import { killProcessesIn, ROOT, tempDir, trimmedEnv, until } from "./helpers.ts";
import { toolBin, toolVersion } from "./tools.ts";
import { OFFLINE_HINT, packTarball, pathWithoutDeno, run } from "./npm_package.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const README = await Deno.readTextFile(join(ROOT, "README.md"));
const INSPECTOR = "@modelcontextprotocol/inspector";

/** The shell block after `<!-- readme-test: name -->`, without its list indentation. */
function block(name: string): string {
  const re = new RegExp(
    `<!-- readme-test: ${name} -->\\s*\\n( *)\`\`\`sh\\n([\\s\\S]*?)\\n *\`\`\``,
  );
  const m = re.exec(README);
  assert.ok(m, `README.md has no sh block marked readme-test: ${name}`);
  const indent = m[1].length;
  return m[2].split("\n").map((l) => l.slice(indent)).join("\n");
}

/** Every JSON block of the agent setup section. */
function agentConfigs(): unknown[] {
  const start = README.indexOf("## Setting up your agent");
  const end = README.indexOf("\n## ", start + 1);
  const section = README.slice(start, end);
  return [...section.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]));
}

Deno.test(
  "the README's install, instance, Inspector and agent setup examples work as written",
  opts,
  async () => {
    const work = await tempDir("buzz-readme-");
    const tarball = await packTarball(work);
    const home = join(work, "home"), prefix = join(work, "prefix");
    await Deno.mkdir(home);
    await Deno.mkdir(prefix);
    const bin = Deno.build.os === "windows" ? prefix : join(prefix, "bin");
    const npmCache = (await run("npm", ["config", "get", "cache"])).stdout.trim();
    const env = trimmedEnv({
      HOME: home,
      PATH: await pathWithoutDeno({ buzz: join(bin, "buzz"), prefix, home }),
      LANG: "C.UTF-8",
      // `npm install -g` installs into the fresh prefix, from the cache the setup step filled.
      npm_config_prefix: prefix,
      npm_config_cache: npmCache,
      npm_config_offline: "true",
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
    });
    const bash = (script: string, cwd = home) =>
      run("bash", ["-euo", "pipefail", "-c", script], { env, clearEnv: true, cwd });

    // Install: the block as written, with the packed tarball standing for the registry's buzz-mcp.
    const install = block("install");
    assert.match(install, /npm install -g buzz-mcp\n/);
    const installed = await bash(
      install.replace("npm install -g buzz-mcp", `npm install -g ${tarball}`),
    );
    assert.equal(installed.code, 0, `${installed.text}\n${OFFLINE_HINT}`);
    assert.match(installed.stdout, new RegExp(`^buzz ${VERSION.replaceAll(".", "\\.")}$`, "m"));

    // Quick start: an instance in ~/code/my-app (it runs until stopped).
    const project = join(home, "code", "my-app");
    await Deno.mkdir(project, { recursive: true });
    await Deno.writeTextFile(
      join(project, "package.json"),
      JSON.stringify({ scripts: { dev: "node -e \"console.log('ready')\"" } }),
    );
    const instance = new Deno.Command("bash", {
      // The block as written; its last line (buzz itself) replaces the shell, to get the signal.
      args: ["-euo", "pipefail", "-c", block("instance").replace(/\n(?=[^\n]*$)/, "\nexec ")],
      env,
      clearEnv: true,
      cwd: home,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let instanceErr = "";
    (async () => {
      for await (const c of instance.stderr.pipeThrough(new TextDecoderStream())) instanceErr += c;
    })();
    let file: string | undefined;
    const clients: Client[] = [];
    try {
      // It announces in the default discovery directory, like any user's instance.
      const found = await until("the instance's announcement", async () => {
        for (const name of [...Deno.readDirSync(defaultDiscoveryDir())]) {
          if (!name.name.endsWith(".json") || name.name.startsWith(".")) continue;
          const path = join(defaultDiscoveryDir(), name.name);
          try {
            const record = parseDiscoveryRecord(await Deno.readTextFile(path));
            if (record.directory === project) return { record, path };
          } catch { /* another's, or going away */ }
        }
        return undefined;
      }, 60_000).catch((e) => {
        throw new Error(`${(e as Error).message}\n${instanceErr}`);
      });
      file = found.path;

      // The Inspector, through the hub it starts with a trimmed environment: the one the setup
      // step installed stands for `npx -y`, which would download it.
      const npx = `npx -y ${INSPECTOR}@${toolVersion(INSPECTOR)} `;
      const inspectorBlock = block("inspector");
      assert.ok(inspectorBlock.includes(npx), `the README's Inspector is not ${npx}`);
      const inspector = await bash(
        inspectorBlock.replaceAll(npx, `${toolBin(INSPECTOR, "mcp-inspector")} `),
        project,
      );
      assert.equal(inspector.code, 0, inspector.text);
      assert.ok(inspector.stdout.includes(`"id": "${found.record.id}"`), inspector.text);
      assert.match(inspector.stdout, /"name": "scripts_run"/);

      // Every agent configuration's command starts a hub that sees the instance.
      const commands = new Set<string>();
      for (const config of agentConfigs()) {
        const servers = (config as { mcpServers?: object; servers?: object }).mcpServers ??
          (config as { servers: object }).servers;
        const { command, args } = (servers as Record<string, { command: string; args: string[] }>)
          .buzz;
        commands.add(JSON.stringify([command, ...args]));
      }
      assert.deepEqual([...commands], [JSON.stringify(["buzz", "--mcp"])]);
      const [command, ...args] = JSON.parse([...commands][0]);
      const transport = new StdioClientTransport({
        command: join(bin, command),
        args,
        env: trimmedEnv({ HOME: home, PATH: env.PATH }),
        stderr: "pipe",
      });
      const client = new Client({ name: "buzz-readme-test", version: "0" }, { capabilities: {} });
      clients.push(client);
      await client.connect(transport);
      await until("the hub to see the instance", async () => {
        const r = await client.callTool({ name: "instances_list", arguments: {} });
        return JSON.stringify(r.structuredContent).includes(found.record.id);
      }, 30_000);
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      try {
        instance.kill("SIGTERM");
      } catch { /* already gone */ }
      await instance.status;
      killProcessesIn(project);
      if (file) await Deno.remove(file).catch(() => {});
    }
  },
);
