// The scripts list: one row per script with its latest run's state (with
// readiness, or what its start waits on), pid, uptime, restarts, exit, who
// started it and its first URL.

import { Box, Text } from "ink";
import type { ScriptRow } from "./model.ts";
import { duration, fit } from "./text.ts";

const STATE_COLOR: Record<string, string> = {
  running: "green",
  exited: "gray",
  failed: "red",
  stopped: "yellow",
  ready: "green",
  starting: "yellow",
  "not ready": "red",
};

/** "waiting: api ready"; for a run with a readiness probe, "starting", "ready" or "not ready". */
export function rowState(row: ScriptRow): string {
  const run = row.run;
  if (row.waiting) return `waiting: ${row.waiting}`;
  if (run?.state !== "running" || run.ready_by === "started") return run?.state ?? "idle";
  return run.ready ? "ready" : run.ready_error ? "not ready" : "starting";
}

export function ProcessList(
  props: { rows: ScriptRow[]; selected: number; height: number; now: number },
) {
  const { rows, selected, height, now } = props;
  const nameW = Math.min(16, Math.max(6, ...rows.map((r) => r.script.name.length)));
  const states = rows.map(rowState);
  const stateW = Math.min(28, Math.max(8, ...states.map((s) => s.length)));
  // Keep the selected row in view when there are more scripts than rows.
  const first = Math.max(0, Math.min(selected - height + 2, rows.length - height + 1));
  const visible = rows.slice(first, first + Math.max(0, height - 1));
  const header =
    `  ${fit("SCRIPT", nameW)} ${fit("STATE", stateW)} ${fit("PID", 7)} ${fit("UPTIME", 7)} ` +
    `${fit("↻", 3)}${fit("EXIT", 9)} ${fit("BY", 12)} URL`;
  return (
    <Box flexDirection="column" height={height}>
      <Text dimColor wrap="truncate">{header}</Text>
      {rows.length === 0 && <Text dimColor>no scripts in package.json or deno.json</Text>}
      {visible.map((row, i) => {
        const index = first + i;
        const run = row.run;
        const state = states[index];
        const up = run
          ? duration((run.ended_at ? Date.parse(run.ended_at) : now) - Date.parse(run.started_at))
          : "";
        const exit = run && run.state !== "running"
          ? run.signal ?? (run.exit_code === null ? "" : `code ${run.exit_code}`)
          : "";
        const line = `${index === selected ? "▶" : " "} ${fit(row.script.name, nameW)} `;
        return (
          <Text key={row.script.name} wrap="truncate" inverse={index === selected}>
            {line}
            <Text color={state.startsWith("waiting") ? "yellow" : STATE_COLOR[state]}>
              {fit(state, stateW)}
            </Text>
            {` ${fit(run?.pid ? String(run.pid) : "", 7)} ${fit(up, 7)} ${
              fit(String(row.restarts || ""), 3)
            }${fit(exit, 9)} ${fit(run?.started_by ?? "", 12)} `}
            <Text color="cyan">{run?.urls[0] ?? ""}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
