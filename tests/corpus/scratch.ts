// Where the recorder's scratch projects and tool installs live (never in the
// repository), and the setup that installs npm tools there. Case definitions
// import this, not record.ts (which imports them).

import { join } from "node:path";

/** Scratch projects and shared tool installs live here. */
export const SCRATCH = Deno.env.get("BUZZ_CORPUS_SCRATCH") ?? "/tmp/buzz-corpus";

/**
 * Setup commands that give a project a node_modules with these npm packages at
 * these versions: installed once per package set under SCRATCH/npm, then linked.
 */
export function npmTools(packages: Record<string, string>, name?: string): string[][] {
  const specs = Object.entries(packages).map(([p, v]) => `${p}@${v}`).sort();
  const key = name ?? specs.join(" ").replace(/[^\w.@-]+/g, "_").slice(0, 120);
  const dir = join(SCRATCH, "npm", key);
  const install = `test -d ${dir}/node_modules || (mkdir -p ${dir} && cd ${dir} && ` +
    `echo '{"private":true}' > package.json && npm install --no-audit --no-fund --loglevel=error ${
      specs.join(" ")
    })`;
  return [["sh", "-c", install], ["ln", "-sfn", join(dir, "node_modules"), "node_modules"]];
}
