// The detector's toolchain families, in the order their rules are tried (the
// first headline match wins, so specific formats come before the generic
// fallbacks). Each family module holds its tools' rules and success signals;
// the README's table of tools is generated from their docs.

import type { Family, Rule, Signal } from "../types.ts";
import { family as tsc } from "./tsc.ts";
import { family as deno } from "./deno.ts";
import { family as vite } from "./vite.ts";
import { family as bundlers } from "./bundlers.ts";
import { family as next } from "./next.ts";
import { family as tests } from "./tests.ts";
import { family as eslint } from "./eslint.ts";
import { family as bun } from "./bun.ts";
import { family as astro } from "./astro.ts";
import { family as linters } from "./linters.ts";
import { family as logs } from "./logs.ts";
import { family as go } from "./go.ts";
import { family as rust } from "./rust.ts";
import { family as python } from "./python.ts";
import { family as jvm } from "./jvm.ts";
import { family as pm } from "./pm.ts";
import { family as generic } from "./generic.ts";

export const FAMILIES: Family[] = [
  tsc,
  deno,
  jvm,
  vite,
  bundlers,
  next,
  tests,
  eslint,
  bun,
  astro,
  linters,
  logs,
  go,
  rust,
  python,
  pm,
  generic,
];

export const RULES: Rule[] = FAMILIES.flatMap((f) => f.rules);
export const SIGNALS: Signal[] = FAMILIES.flatMap((f) => f.signals);

const MAY_START = new RegExp(FAMILIES.map((f) => `(?:${f.mayStart.source})`).join("|"));
const MAY_SIGNAL = new RegExp(FAMILIES.map((f) => `(?:${f.maySignal.source})`).join("|"));

const QUIET = new RegExp(
  FAMILIES.flatMap((f) => f.quiet ? [`(?:${f.quiet.source})`] : []).join("|") || "$^",
);

/** False for lines no rule could start on: most lines, which then skip every rule. */
export function mayStart(plain: string): boolean {
  return MAY_START.test(plain) && !QUIET.test(plain);
}

/** False for lines no signal could match. */
export function maySignal(plain: string): boolean {
  return MAY_SIGNAL.test(plain);
}
