// A real terminal for the UI tests: tmux on a private socket, driven by keys
// and read back from the screen.

import { join } from "node:path";
import { until } from "./helpers.ts";

export const hasTmux = new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
  .output().then((o) => o.success, () => false);

export class Tmux {
  readonly socket = `buzz-ui-test-${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;

  async run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", {
      args: ["-L", this.socket, "-f", "/dev/null", ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) throw new Error(`tmux ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    return text;
  }

  screen(): Promise<string> {
    return this.run("capture-pane", "-p", "-t", "ui");
  }

  /** Each key on its own, as a person types. */
  async keys(...keys: string[]): Promise<void> {
    for (const k of keys) await this.run("send-keys", "-t", "ui", k);
  }

  async waitFor(
    what: string,
    test: (screen: string) => boolean | undefined,
    timeoutMs = 15_000,
  ): Promise<string> {
    let last = "";
    try {
      await until(what, async () => test(last = await this.screen()), timeoutMs);
      return last;
    } catch (e) {
      throw new Error(`${(e as Error).message}; the screen was:\n${last}`);
    }
  }

  async kill(): Promise<void> {
    await this.run("kill-server").catch(() => {});
    const dir = join(Deno.env.get("TMUX_TMPDIR") ?? "/tmp", `tmux-${Deno.uid()}`);
    await Deno.remove(join(dir, this.socket)).catch(() => {});
  }
}
