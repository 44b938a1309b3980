// What the UI's keys do to the supervisor. The UI sends commands; the
// supervisor owns the runs. Each returns a message for the status line.

import type { Supervisor } from "../../supervise/supervisor.ts";
import type { ScriptRow } from "./model.ts";

/** Starts the script, or stops its run if it is up. */
export async function toggle(sup: Supervisor, row: ScriptRow): Promise<string> {
  const run = row.run;
  if (run?.state === "running") {
    const ended = await sup.stop(run.process_id);
    return `you stopped ${ended.process_id}`;
  }
  const { run: started } = await sup.start(row.script.name, { actor: "you" });
  return `you started ${started.process_id}`;
}

export async function restart(sup: Supervisor, row: ScriptRow): Promise<string> {
  const { run } = await sup.start(row.script.name, { restart: true, actor: "you" });
  return `you restarted ${row.script.name} as ${run.process_id}`;
}

/** Whether keystrokes can go to the run: it is up and has a pseudo-terminal. */
export function canType(run: ScriptRow["run"]): string | null {
  if (!run || run.state !== "running") return "select a running process first";
  if (!run.tty) {
    return `${run.process_id} runs without a terminal (plain pipes): nothing to type into`;
  }
  return null;
}
