// The environment a run gets: buzz's own, then the project's `.env` file for
// keys the environment does not already set (the usual dotenv rule: the real
// environment wins), then buzz.json's `env` for the script, then the caller's
// `env` for this run, which wins over all. The file is parsed by the dotenv package, not by hand.

import { join } from "node:path";
import { parse } from "dotenv";

export type EnvSource = ".env" | "buzz.json" | "run";

export interface RunEnv {
  env: Record<string, string>;
  /** Keys that did not come from buzz's own environment, and where they came from. */
  sources: Record<string, EnvSource>;
}

/** Reads `<dir>/.env` fresh for each run, so edits apply to the next start. */
export async function runEnv(
  dir: string,
  extra: Record<string, string> = {},
  base: Record<string, string> = Deno.env.toObject(),
  config: Record<string, string> = {},
): Promise<RunEnv> {
  const env = { ...base };
  const sources: Record<string, EnvSource> = {};
  let text: string | null = null;
  try {
    text = await Deno.readTextFile(join(dir, ".env"));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new Error(`${join(dir, ".env")}: cannot read: ${(e as Error).message}`);
    }
  }
  if (text !== null) {
    for (const [key, value] of Object.entries(parse(text))) {
      if (key in base) continue;
      env[key] = value;
      sources[key] = ".env";
    }
  }
  for (const [from, layer] of [["buzz.json", config], ["run", extra]] as const) {
    for (const [key, value] of Object.entries(layer)) {
      env[key] = value;
      sources[key] = from;
    }
  }
  return { env, sources };
}
