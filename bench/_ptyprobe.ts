// temporary probe: drives Run in-process with a PTY child
import { Run } from "../instance/runs.ts";
import { SeqCounter } from "../instance/log_buffer.ts";
const seq = new SeqCounter();
let events = 0;
let chunks = 0;
const run = new Run({
  info: {
    process_id: "lines-1", script: "lines", command: "node lines.js", args: [], pid: 0,
    state: "running", exit_code: null, signal: null, started_at: new Date().toISOString(),
    started_by: "agent", ended_at: null, urls: [], tty: Deno.args[0] !== "pipes", env: {}, auto_restart: null, attempt: 1,
  },
  seq, logLines: 10_000, nextErrorId: () => 1, emit: () => { events++; },
});
const t0 = Date.now();
const rss0 = Deno.memoryUsage().rss;
run.start({ argv: ["node", "/tmp/pb/lines.js"], cwd: "/tmp/pb", env: { PATH: Deno.env.get("PATH")! } });
await run.done;
const last = run.logs.last(1)[0];
const m = /^end (\d+)/.exec(last.text);
const begin = seq.current - 1000001;
const heap = Deno.memoryUsage();
console.log(`producer end→stamp ${Date.parse(last.time) - Number(m![1])}ms heapUsed=${(heap.heapUsed/2**20).toFixed(0)} heapTotal=${(heap.heapTotal/2**20).toFixed(0)} external=${(heap.external/2**20).toFixed(0)}`);
console.log(`lines=${seq.current} rate=${Math.round(1e6 / ((Date.parse(last.time) - t0) / 1000))} l/s wall=${Date.now() - t0}ms events=${events} rss=${(Deno.memoryUsage().rss / 2 ** 20).toFixed(0)}MiB (from ${(rss0 / 2 ** 20).toFixed(0)}) last=${last.text.slice(0, 30)}`);
Deno.exit(0);
