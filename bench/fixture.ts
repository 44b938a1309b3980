// The temporary project every instance in the bench serves: a package.json and
// the flood script that the log-ingestion phase drives.

import { join } from "node:path";
import { FLOOD_FIRST, FLOOD_MORE, FLOOD_TOTAL } from "./settings.ts";
import { cleanups } from "./procs.ts";

/**
 * A Node function out(s) for flood scripts: synchronous writes straight to fd 1, so the
 * pipe's backpressure reaches the producer (process.stdout would buffer in memory
 * instead); EAGAIN means the pipe is full and buzz has not read it yet.
 */
export const SYNC_OUT = `
const fs = require("fs");
const nap = new Int32Array(new SharedArrayBuffer(4));
function out(s) {
  const buf = Buffer.from(s);
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      Atomics.wait(nap, 0, 0, 1);
    }
  }
}
`;

/** A project whose `flood` script prints FLOOD_MORE lines in three gated bursts. */
export async function makeProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "buzz-bench-project-" });
  cleanups.push(() => Deno.remove(dir, { recursive: true }));
  // Stage one fills the ring buffer and waits for a "go1" file, so the bench can
  // read the instance's RSS at exactly 10k lines; stage two prints up to 200k
  // lines as fast as a synchronous pipe write allows, reports its own timing and
  // waits for "go2"; stage three prints the rest.
  const flood = `
${SYNC_OUT}const text = (i) => "flood line " + i + " lorem ipsum dolor sit amet, consectetur adipiscing elit\\n";
function burst(from, to) {
  let s = "";
  for (let i = from; i < to; i++) {
    s += text(i);
    if (s.length > 32768) { out(s); s = ""; }
  }
  if (s) out(s);
}
// Gives up after a minute, so a bench that died mid-way leaves no busy child behind.
function gate(name) {
  const giveUp = Date.now() + 60000;
  while (!fs.existsSync(name)) {
    if (Date.now() > giveUp) process.exit(3);
    Atomics.wait(nap, 0, 0, 5);
  }
}
burst(0, ${FLOOD_FIRST});
out("phase1-done\\n");
gate("go1");
const start = Date.now();
burst(${FLOOD_FIRST}, ${FLOOD_TOTAL});
const end = Date.now();
out("phase2-done start=" + start + " end=" + end + "\\n");
gate("go2");
burst(${FLOOD_TOTAL}, ${FLOOD_MORE});
out("flood-done\\n");
`;
  await Deno.writeTextFile(join(dir, "flood.js"), flood);
  await Deno.writeTextFile(
    join(dir, "package.json"),
    JSON.stringify(
      {
        name: "bench-project",
        private: true,
        scripts: {
          flood: "node flood.js",
          hello: "node -e \"console.log('hello from http://localhost:5173/')\"",
          idle: 'node -e "setInterval(() => {}, 1000)"',
        },
      },
      null,
      2,
    ),
  );
  return dir;
}

/** A project with one idle script and its own discovery directory, both removed on the way out. */
export async function idleProject(name: string): Promise<{ project: string; disco: string }> {
  const project = await Deno.makeTempDir({ prefix: `buzz-bench-${name}-` });
  const disco = await Deno.makeTempDir({ prefix: `buzz-bench-${name}-disc-` });
  cleanups.push(() => Deno.remove(project, { recursive: true }));
  cleanups.push(() => Deno.remove(disco, { recursive: true }));
  await Deno.chmod(disco, 0o700);
  await Deno.writeTextFile(
    join(project, "package.json"),
    JSON.stringify({ private: true, scripts: { idle: "node -e 'setInterval(()=>{},1e6)'" } }),
  );
  return { project, disco };
}
