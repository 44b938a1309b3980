// Builds the buzz-mcp npm package: buzz's code and its npm dependencies bundled
// (deno bundle) into lib/, a small Node launcher as the `buzz` command, and a
// package.json whose only dependencies are the Deno runtime (the `deno` npm
// package) and the native libraries that cannot be bundled. Starting the
// installed command fetches nothing from any registry.
//
//   deno run -A npm/build.ts [--out DIR] [--pack DIR]
//
// --out: where the package tree goes (default dist/npm); --pack: also run
// `npm pack` into DIR and print the tarball's path as the last line of stdout.
// `deno task pack` does both with the defaults (dist/npm, dist/).

import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../shared/version.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const PACKAGE_NAME = "buzz-mcp";

/**
 * npm packages with native parts: kept out of the bundle and installed from the registry
 * with the package, like any dependency (with their prebuilt binaries). Each must be in
 * deno.json's imports, which gives its version.
 */
const NATIVE = ["@lydell/node-pty"];

/**
 * Optional imports of bundled packages, for features buzz never turns on (ink's React
 * DevTools link, loaded only with DEV=true): left out of the bundle, and replaced by a
 * module that fails the way a missing one does, so that the package handles it as designed.
 */
const OPTIONAL = ["react-devtools-core"];

/** The bundle's entry in lib/ (deno bundle names it after main.ts); bin/launch.cjs names it. */
const ENTRY = "main.js";

/** The Deno that runs the bundle: the one that built it, pinned exactly. */
const DENO_VERSION = Deno.version.deno;

const decoder = new TextDecoder();

async function run(cmd: string, args: string[], cwd = ROOT): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${out.code}):\n${decoder.decode(out.stderr)}` +
        decoder.decode(out.stdout),
    );
  }
  return decoder.decode(out.stdout);
}

/** The version deno.json's imports give an npm package, if it maps it. */
async function importVersion(name: string): Promise<string | undefined> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const target: string | undefined = config.imports?.[name];
  if (!target) return undefined;
  const version = /^npm:\/?(?:@[^/@]+\/)?[^/@]+@([^/]+)/.exec(target)?.[1];
  if (!version) throw new Error(`deno.json maps ${name} to ${target}, which has no version`);
  return version;
}

/** Native packages that deno.json maps, with their versions. */
async function nativeDependencies(): Promise<Record<string, string>> {
  const deps: Record<string, string> = {};
  for (const name of NATIVE) {
    const version = await importVersion(name);
    if (version) deps[name] = version;
  }
  return deps;
}

/** Replaces each default or namespace import of an OPTIONAL module with a stand-in. */
export function stubOptionalImports(code: string, optional: string[]): string {
  for (const name of optional) {
    const quoted = name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const re = new RegExp(
      `^import\\s+(?:\\*\\s+as\\s+)?([\\w$]+)\\s+from\\s*["']${quoted}["'];?$`,
      "gm",
    );
    code = code.replace(
      re,
      (_, local) => `const ${local} = missingModule(${JSON.stringify(name)});`,
    );
    if (outsideImports(code).includes(name)) {
      throw new Error(`the bundle imports ${name} in a form npm/build.ts cannot stand in for`);
    }
  }
  return code;
}

/** Prepended to a bundle with stand-ins: any use of one throws as a missing module would. */
const MISSING_MODULE = `function missingModule(name) {
  const fail = () => {
    const e = new Error(\`Cannot find module '\${name}': buzz's npm package leaves it out\`);
    e.code = "ERR_MODULE_NOT_FOUND";
    throw e;
  };
  return new Proxy(function () {}, { get: fail, apply: fail, construct: fail });
}
`;

/**
 * ink reads its own package.json next to its code (../package.json) when DEV=true; in the
 * bundle that would be a file beside the package. The bundle gets ink's name and version.
 */
export function inlineInkPackageJson(code: string, inkVersion: string | undefined): string {
  const re = /[\w$]+\.readFileSync\(new URL\("\.\.\/package\.json", import\.meta\.url\), "utf8"\)/g;
  return code.replace(
    re,
    () => JSON.stringify(JSON.stringify({ name: "ink", version: inkVersion })),
  );
}

/**
 * Every module the bundle still imports, other than node: built-ins: the top-level import
 * statements that esbuild writes for what it left out, and any dynamic import of a registry
 * or remote module (relative ones were inlined; the same text inside strings is no import).
 */
export function outsideImports(code: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /^(?:import|export)\b[^;"'`\n]*?\bfrom\s*["']([^"']+)["']/gm,
    /^import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']((?:npm|jsr|https?):[^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) found.add(m[1]);
  }
  return [...found].filter((s) => !s.startsWith("node:")).sort();
}

export async function build(out: string): Promise<void> {
  const natives = await nativeDependencies();
  await Deno.remove(out, { recursive: true }).catch(() => {});
  await Deno.mkdir(join(out, "bin"), { recursive: true });

  // Split into chunks, as a checkout loads modules: what a dynamic import brings (the
  // instance's side, the terminal UI, the SDK's client half) loads when that import runs.
  // One file evaluated all of it at every start: the installed hub started 1.6× slower.
  const lib = join(out, "lib");
  await run(Deno.execPath(), [
    "bundle",
    "--platform",
    "deno",
    "--code-splitting",
    ...[...Object.keys(natives), ...OPTIONAL].flatMap((n) => ["--external", n]),
    "--outdir",
    lib,
    join(ROOT, "main.ts"),
  ]);
  const inkVersion = await importVersion("ink");
  for await (const entry of Deno.readDir(lib)) {
    if (!entry.name.endsWith(".js")) continue;
    const file = join(lib, entry.name);
    let code = await Deno.readTextFile(file);
    const stubbed = stubOptionalImports(code, OPTIONAL);
    if (stubbed !== code) code = MISSING_MODULE + stubbed;
    code = inlineInkPackageJson(code, inkVersion);
    const stray = outsideImports(code).filter((s) => !(s in natives) && !s.startsWith("./"));
    if (stray.length) {
      throw new Error(
        `the bundle still imports ${stray.join(", ")}: add it to NATIVE in npm/build.ts if ` +
          `it has native parts, or find out why deno bundle left it out`,
      );
    }
    if (entry.name === ENTRY) {
      code =
        `// buzz ${VERSION}, bundled by npm/build.ts; the source is main.ts and its imports.\n` +
        code;
    }
    await Deno.writeTextFile(file, code);
  }

  for (const name of ["buzz", "launch.cjs", "install.cjs"]) {
    await Deno.copyFile(join(ROOT, "npm", "bin", name), join(out, "bin", name));
  }
  await Deno.chmod(join(out, "bin", "buzz"), 0o755);
  await Deno.copyFile(join(ROOT, "README.md"), join(out, "README.md"));
  // Shipped so a project's buzz.json can name it in "$schema" from node_modules.
  await Deno.copyFile(join(ROOT, "buzz.schema.json"), join(out, "buzz.schema.json"));
  const manifest = {
    name: PACKAGE_NAME,
    version: VERSION,
    description: "buzz: your project's dev processes, served to AI coding agents over MCP",
    keywords: ["mcp", "model-context-protocol", "dev-server", "agent", "claude", "cursor"],
    bin: { buzz: "bin/buzz" },
    scripts: { postinstall: "node bin/install.cjs" },
    files: ["bin/", "lib/", "README.md", "buzz.schema.json"],
    engines: { node: ">=18" },
    // The platforms the `deno` package has binaries for.
    os: ["linux", "darwin", "win32"],
    cpu: ["x64", "arm64"],
    dependencies: { deno: DENO_VERSION, ...natives },
  };
  await Deno.writeTextFile(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** Runs `npm pack` on the built tree; returns the tarball's path. */
export async function pack(out: string, into: string): Promise<string> {
  await Deno.mkdir(into, { recursive: true });
  const printed = await run("npm", ["pack", "--json", "--pack-destination", into], out);
  const [{ filename }] = JSON.parse(printed);
  return join(into, filename);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { out: { type: "string" }, pack: { type: "string" } },
  });
  const out = resolve(values.out ?? join(ROOT, "dist", "npm"));
  await build(out);
  console.error(`built ${PACKAGE_NAME} ${VERSION} in ${out}`);
  if (values.pack) {
    const tarball = await pack(out, resolve(values.pack));
    console.error(`packed ${tarball}`);
    console.log(tarball);
  }
}
