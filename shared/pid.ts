// Whether a process is alive, for the hub (stale announcements) and the tests.

import { kill } from "node:process";

/** Is the instance's process alive? A zombie (killed, not yet reaped by its parent) is not. */
export function pidAlive(pid: number): boolean {
  try {
    kill(pid, 0);
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
  if (Deno.build.os !== "linux") return true;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
