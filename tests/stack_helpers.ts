// What the stack tests share: a project made of tests/fixtures/stack's scripts
// with a buzz.json, an instance on it with a connected client, and its runs.

import { join } from "node:path";
import { call, connectInstance, freePort, ROOT, startInstance, tempDir } from "./helpers.ts";

const FIXTURES = join(ROOT, "tests", "fixtures", "stack");

export interface Ports {
  DB_PORT: string;
  API_PORT: string;
  WEB_PORT: string;
}

export type Client = Awaited<ReturnType<typeof connectInstance>>["client"];

export type Run = {
  process_id: string;
  script: string;
  state: string;
  ready: boolean;
  ready_by: string | null;
  started_at: string;
  started_by: string;
  ended_at: string | null;
  ready_at: string | null;
  env: Record<string, string>;
};

/** A temp project with the fixture scripts, free ports, and a buzz.json from `config`. */
export async function stackProject(
  config: (ports: Ports, dir: string) => unknown,
): Promise<{ dir: string; ports: Ports; write: (config: unknown) => Promise<void> }> {
  const dir = await tempDir("buzz-stack-");
  for await (const f of Deno.readDir(FIXTURES)) {
    await Deno.copyFile(join(FIXTURES, f.name), join(dir, f.name));
  }
  const ports = {
    DB_PORT: String(freePort()),
    API_PORT: String(freePort()),
    WEB_PORT: String(freePort()),
  };
  const write = (c: unknown) =>
    Deno.writeTextFile(join(dir, "buzz.json"), JSON.stringify(c, null, 2));
  await write(config(ports, dir));
  return { dir, ports, write };
}

/** Runs fn with a client of a `buzz --no-tui` instance on dir; stops both after, pass or fail. */
export async function withInstance(
  dir: string,
  fn: (client: Client, stderr: () => string) => Promise<void>,
  env?: Record<string, string>,
) {
  const discoveryDir = await tempDir("buzz-disc-");
  const inst = await startInstance({ project: dir, discoveryDir, env });
  const conn = await connectInstance(inst.record);
  try {
    await fn(conn.client, inst.stderr);
  } finally {
    await conn.close();
    await inst.stop();
  }
}

export async function runs(client: Client): Promise<Run[]> {
  return (await call(client, "scripts_status")).runs as Run[];
}

/** Spawns `buzz --no-tui` on the project and reads its output stream. */
export async function streamed(dir: string) {
  const discoveryDir = await tempDir("buzz-disc-");
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "main.ts"), "--no-tui", "--dir", dir, "--port", "0"],
    env: { BUZZ_DISCOVERY_DIR: discoveryDir, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const reading = (async () => {
    for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) out += chunk;
  })();
  const errReading = proc.stderr.pipeTo(new WritableStream());
  return {
    proc,
    out: () => out,
    async close() {
      try {
        proc.kill("SIGKILL");
      } catch { /* exited */ }
      await proc.status;
      await reading.catch(() => {});
      await errReading.catch(() => {});
    },
  };
}
