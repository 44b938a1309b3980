// Run by coldstart.ts as its own process: the hub's start-up steps one by one,
// each timed, in a fresh Deno (so module loading and JIT are as cold as in a
// real hub). Only dynamic imports, so nothing runs before the first mark.
// Prints one JSON line of marks: wall-clock ms at start, then durations in ms.
//
//   deno run -A bench/coldstart_probe.ts <discovery dir>

const wallStart = Date.now();
const t = performance.now();
const marks: Record<string, number> = { wallStart };
let last = t;
const mark = (name: string) => {
  const at = performance.now();
  marks[name] = at - last;
  last = at;
};

const dir = Deno.args[0];
await import("../shared/sdk.ts");
mark("import SDK (server + client + zod)");
const [{ watchAnnouncements }, { Upstream }] = await Promise.all([
  import("../hub/discovery.ts"),
  import("../hub/upstream.ts"),
  import("../hub/main.ts"),
]);
mark("import the rest of hub/");

const stop = new AbortController();
let record;
for await (const a of watchAnnouncements(dir, { signal: stop.signal })) {
  if (a.type === "found") {
    record = a.record;
    break;
  }
}
mark("discovery: watch + scan + read first file");
if (!record) throw new Error(`nothing announced in ${dir}`);

// Upstream.connect, as the hub calls it: the era probe and initialize/discover,
// every list, then the listen stream (modern) and the probe timer.
const up = await Upstream.connect(record, {
  onLost: () => {},
  onListsChanged: () => {},
  onNotification: () => {},
  forwardRequest: () => Promise.reject(new Error("no")),
});
mark("Upstream.connect (probe + handshake + lists + listen)");
await up.close();
mark("(close)");

// The same once more in this now-warm process: what part of the above is cold-start cost.
const up2 = await Upstream.connect(record, {
  onLost: () => {},
  onListsChanged: () => {},
  onNotification: () => {},
  forwardRequest: () => Promise.reject(new Error("no")),
});
mark("Upstream.connect again, warm");
await up2.close();
stop.abort();
console.log(JSON.stringify(marks));
Deno.exit(0);
