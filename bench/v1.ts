// The v1 baseline, measured in the same run: the last commit on the MCP SDK v1
// (a678249) checked out in a temporary git worktree, with its own instance in
// its own discovery directory. Its deno.json says "nodeModulesDir": "none", so
// it runs from Deno's global npm cache, which must already hold SDK 1.32.2.
// The worktree is removed on the way out, whatever happens.

import { join } from "node:path";
import { ROOT } from "../tests/helpers.ts";
import type { DiscoveryRecord } from "../shared/discovery.ts";
import { progress } from "./stats.ts";
import { cleanups, startAnnounced } from "./procs.ts";
import { makeProject } from "./fixture.ts";

export const V1_COMMIT = "a678249";
/** What v1 measured on this machine when it was current, for when the worktree cannot run. */
export const V1_RECORDED = { directMs: 1.75, hubMs: 3.09, hubRatio: 1.34, throughput32: 0.8 };

export interface V1 {
  worktree: string;
  main: string;
  config: string;
  discoveryDir: string;
  record: DiscoveryRecord;
  /** Stops the v1 instance (the worktree stays until the bench's cleanup). */
  stop(): Promise<void>;
}

async function git(...args: string[]) {
  const out = await new Deno.Command("git", {
    args: ["-C", ROOT, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Checks out v1 and starts one v1 instance; null (with the reason on stderr) if it cannot run. */
export async function startV1(): Promise<V1 | null> {
  progress(`v1 baseline: worktree at ${V1_COMMIT}`);
  const worktree = await Deno.makeTempDir({ prefix: "buzz-bench-v1-" });
  cleanups.push(async () => {
    await git("worktree", "remove", "--force", worktree).catch((e) =>
      progress(`v1 worktree: ${(e as Error).message}`)
    );
    await Deno.remove(worktree, { recursive: true }).catch(() => {});
    await git("worktree", "prune").catch(() => {});
  });
  try {
    await git("worktree", "add", "--detach", worktree, V1_COMMIT);
    const main = join(worktree, "main.ts");
    const config = join(worktree, "deno.json");
    const project = await makeProject();
    const discoveryDir = await Deno.makeTempDir({ prefix: "buzz-bench-v1-discovery-" });
    cleanups.push(() => Deno.remove(discoveryDir, { recursive: true }));
    await Deno.chmod(discoveryDir, 0o700);
    const { inst, record } = await startAnnounced(project, discoveryDir, "v1", {
      main,
      config,
      cwd: worktree,
    });
    const stop = async () => void await inst.stop();
    return { worktree, main, config, discoveryDir, record, stop };
  } catch (e) {
    progress(`v1 cannot run, using its recorded figures: ${(e as Error).message}`);
    return null;
  }
}
