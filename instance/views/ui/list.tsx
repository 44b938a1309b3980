// The scripts list: one row per script with its latest run's state, pid,
// uptime, restarts, exit, who started it and its first URL.

import { Box, Text } from "ink";
import type { ScriptRow } from "./model.ts";
import { duration, fit } from "./text.ts";

const STATE_COLOR: Record<string, string> = {
  running: "green",
  exited: "gray",
  failed: "red",
  stopped: "yellow",
};

export function ProcessList(
  props: { rows: ScriptRow[]; selected: number; height: number; now: number },
) {
  const { rows, selected, height, now } = props;
  const nameW = Math.min(16, Math.max(6, ...rows.map((r) => r.script.name.length)));
  // Keep the selected row in view when there are more scripts than rows.
  const first = Math.max(0, Math.min(selected - height + 2, rows.length - height + 1));
  const visible = rows.slice(first, first + Math.max(0, height - 1));
  const header =
    `  ${fit("SCRIPT", nameW)} ${fit("STATE", 8)} ${fit("PID", 7)} ${fit("UPTIME", 7)} ` +
    `${fit("↻", 3)}${fit("EXIT", 9)} ${fit("BY", 12)} URL`;
  return (
    <Box flexDirection="column" height={height}>
      <Text dimColor wrap="truncate">{header}</Text>
      {rows.length === 0 && <Text dimColor>no scripts in package.json or deno.json</Text>}
      {visible.map((row, i) => {
        const index = first + i;
        const run = row.run;
        const state = run?.state ?? "idle";
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
            <Text color={STATE_COLOR[state]}>{fit(state, 8)}</Text>
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
