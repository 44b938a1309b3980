// The Rust family's recorded cases: cargo build/check/run/test/clippy, compile
// errors with their ` --> file:line:col` pointers, warnings that are not
// errors, panics, and test failures. Recorded by tests/corpus/record.ts with
// the machine's cargo (rustup stable).

import type { CaseDef } from "../case.ts";
import { npmTools } from "../scratch.ts";

const versions = { cargo: "1.95.0", rustc: "1.95.0" };
// A developer's shell seldom sets RUST_BACKTRACE (this machine's does): panics print their short form.
const env = {
  PATH: `${Deno.env.get("HOME")}/.cargo/bin:/usr/local/bin:/usr/bin:/bin`,
  RUST_BACKTRACE: "0",
};
const toml = (name: string) =>
  `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n`;

const MAIN_OK = `fn main() {
    let count: u32 = 5;
    println!("count = {count}");
}
`;
const MAIN_E0308 = `fn main() {
    let count: u32 = "five";
    println!("count = {count}");
}
`;

const totals = (body: string) =>
  `fn total(prices: &[u32]) -> u32 {
    prices.iter().sum()
}

fn main() {
    let prices = vec![3, 4];
${body}
}
`;

const PARSER_OK = `pub fn words(line: &str) -> usize {
    line.split_whitespace().count()
}
`;
const PARSER_BROKEN = `pub fn words(line: &str) -> usize {
    line.split_whitespace().size()
}
`;
const LIB_MAIN = `mod parser;

fn main() {
    println!("{}", parser::words("a b c"));
}
`;

const WARN_MAIN = `fn report_error(code: i32) -> String {
    format!("error {code}")
}

fn main() {
    let failed = 0;
    let unused_error_count = 3;
    println!("build ok, {} failed", 0);
}
`;

const panicMain = (i: number) =>
  `fn main() {
    let items = vec!["a", "b", "c"];
    let index = ${i};
    println!("loaded {} items", items.len());
    println!("last: {}", items[index]);
}
`;

const config = (port: string) =>
  `pub fn port() -> u16 {
    let raw = "${port}";
    raw.parse().unwrap()
}
`;
const CONFIG_MAIN = `mod config;

fn main() {
    println!("starting");
    println!("port {}", config::port());
}
`;

const lib = (discount: string) =>
  `pub fn total(prices: &[u32], discount: u32) -> u32 {
    let sum: u32 = prices.iter().sum();
    sum - sum * discount / ${discount}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_cart_is_free() {
        assert_eq!(total(&[], 10), 0);
    }

    #[test]
    fn discount_applies() {
        assert_eq!(total(&[10, 10], 25), 15);
    }
}
`;

const NOISY_LIB = `#[derive(Debug, PartialEq)]
pub enum LoginError {
    Invalid,
}

pub fn login(password: &str) -> Result<(), LoginError> {
    if password == "secret" { Ok(()) } else { Err(LoginError::Invalid) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_handling_returns_err() {
        assert_eq!(login("wrong"), Err(LoginError::Invalid));
        println!("error: expected and handled");
    }

    #[test]
    fn failed_login_is_reported() {
        assert!(login("nope").is_err());
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn panics_are_caught() {
        panic!("boom");
    }

    #[test]
    fn ok_login() {
        assert_eq!(login("secret"), Ok(()));
    }
}
`;

const clippyMain = (broken: boolean) =>
  broken
    ? `fn main() {
    let items = vec![1, 2, 3];
    for item in &items {
        println!("first {item}");
        break;
    }
}
`
    : `fn main() {
    let items = vec![1, 2, 3];
    if let Some(item) = items.first() {
        println!("first {item}");
    }
}
`;

const mainResult = (raw: string) =>
  `use std::num::ParseIntError;

fn parse_port(raw: &str) -> Result<u16, ParseIntError> {
    raw.trim().parse()
}

fn main() -> Result<(), ParseIntError> {
    let port = parse_port("${raw}")?;
    println!("listening on port {port}");
    Ok(())
}
`;

const threeFailing = (fixed: boolean) =>
  `pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds() {
        assert_eq!(add(1, 1), ${fixed ? 2 : 3});
    }

    #[test]
    fn big_enough() {
        assert!(add(1, 1) > ${fixed ? 1 : 5}, "sum too small: {}", add(1, 1));
    }

    #[test]
    fn indexes() {
        let v: Vec<u32> = vec![${fixed ? "1, 2" : ""}];
        assert_eq!(v[1], 2);
    }
}
`;

const CLIPPY_NOISY = `fn error_count(errors: &Vec<String>) -> usize {
    errors.len()
}

fn main() {
    let failed = vec!["none".to_string()];
    let panics = 0;
    if panics == 0 {
        println!("errors: {}", error_count(&failed));
    } else {
        println!("errors: {}", error_count(&failed));
    }
}
`;

export const cases: CaseDef[] = [
  {
    name: "rust-build-mismatched-types",
    tool: "cargo",
    about: "cargo build: error[E0308] mismatched types, then fixed",
    files: { "Cargo.toml": toml("counter"), "src/main.rs": MAIN_OK },
    command: ["cargo", "build"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "src/main.rs": MAIN_E0308 } },
      { name: "fix", run: true, edit: { "src/main.rs": MAIN_OK } },
    ],
  },
  {
    name: "rust-run-two-errors",
    tool: "cargo",
    about:
      "cargo run: an unknown name and a wrong method (E0425, E0599) beside a warning, fixed one by one",
    files: {
      "Cargo.toml": toml("shop"),
      "src/main.rs": totals('    println!("total {}", total(&prices));'),
    },
    command: ["cargo", "run"],
    env,
    versions,
    phases: [
      { name: "start" },
      {
        name: "break",
        run: true,
        edit: {
          "src/main.rs": totals(
            '    let unused = 1;\n    println!("total {}", totl(&prices));\n    println!("{}", prices.length());',
          ),
        },
      },
      {
        name: "half",
        run: true,
        edit: {
          "src/main.rs": totals(
            '    println!("total {}", total(&prices));\n    println!("{}", prices.length());',
          ),
        },
      },
      {
        name: "fix",
        run: true,
        edit: { "src/main.rs": totals('    println!("total {}", total(&prices));') },
      },
    ],
  },
  {
    name: "rust-check-module-error",
    tool: "cargo",
    about: "cargo check: no method in a sub-module (src/parser.rs), then fixed",
    files: { "Cargo.toml": toml("words"), "src/main.rs": LIB_MAIN, "src/parser.rs": PARSER_OK },
    command: ["cargo", "check"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "src/parser.rs": PARSER_BROKEN } },
      { name: "fix", run: true, edit: { "src/parser.rs": PARSER_OK } },
    ],
  },
  {
    name: "rust-warnings-clean",
    tool: "cargo",
    about:
      "cargo run: unused-variable and dead-code warnings about 'error' names, the program runs (clean)",
    files: { "Cargo.toml": toml("warned"), "src/main.rs": WARN_MAIN },
    command: ["cargo", "run"],
    env,
    versions,
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "rust-panic-index",
    tool: "rust",
    about: "cargo run: index out of bounds panic (thread 'main' (N) panicked at ...), then fixed",
    files: { "Cargo.toml": toml("items"), "src/main.rs": panicMain(2) },
    command: ["cargo", "run"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "src/main.rs": panicMain(5) } },
      { name: "fix", run: true, edit: { "src/main.rs": panicMain(2) } },
    ],
  },
  {
    name: "rust-panic-unwrap-module",
    tool: "rust",
    about:
      "cargo run: Result::unwrap() on an Err in src/config.rs, with RUST_BACKTRACE=1, then fixed",
    files: {
      "Cargo.toml": toml("server"),
      "src/main.rs": CONFIG_MAIN,
      "src/config.rs": config("80a"),
    },
    command: ["cargo", "run"],
    env: { ...env, RUST_BACKTRACE: "1" },
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "src/config.rs": config("8080") } },
    ],
  },
  {
    name: "rust-test-fail",
    tool: "cargo",
    about: "cargo test: an assert_eq! failure in a unit test, then fixed",
    files: { "Cargo.toml": toml("cart"), "src/lib.rs": lib("200") },
    command: ["cargo", "test"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "src/lib.rs": lib("100") } },
    ],
  },
  {
    name: "rust-test-pass-clean",
    tool: "cargo",
    about:
      "cargo test: passing tests named after errors, failures and panics (should_panic) (clean)",
    files: { "Cargo.toml": toml("auth"), "src/lib.rs": NOISY_LIB },
    command: ["cargo", "test"],
    env,
    versions,
    clean: true,
    phases: [{ name: "start" }, { name: "rerun", run: true }],
  },
  {
    name: "rust-clippy-deny",
    tool: "cargo",
    about: "cargo clippy: a deny-by-default lint (never_loop) is an error, then fixed",
    files: { "Cargo.toml": toml("linted"), "src/main.rs": clippyMain(false) },
    command: ["cargo", "clippy"],
    env,
    versions: { ...versions, clippy: "0.1.95" },
    phases: [
      { name: "start" },
      { name: "break", run: true, edit: { "src/main.rs": clippyMain(true) } },
      { name: "fix", run: true, edit: { "src/main.rs": clippyMain(false) } },
    ],
  },
  {
    name: "rust-main-returns-err",
    tool: "rust",
    about: 'cargo run: main returns Err ("Error: ParseIntError { … }", exit 1), then fixed',
    files: { "Cargo.toml": toml("portcheck"), "src/main.rs": mainResult("80a") },
    command: ["cargo", "run"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "src/main.rs": mainResult("8080") } },
    ],
  },
  {
    name: "rust-test-three-failures",
    tool: "cargo",
    about:
      "cargo test: three failing tests (assert_eq!, assert! with a message, an index panic), then fixed",
    files: { "Cargo.toml": toml("adder"), "src/lib.rs": threeFailing(false) },
    command: ["cargo", "test"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "src/lib.rs": threeFailing(true) } },
    ],
  },
  {
    name: "rust-clippy-warnings-clean",
    tool: "cargo",
    about:
      "cargo clippy: warnings only (ptr_arg, if_same_then_else) about names with 'error' and 'panic' (clean)",
    files: { "Cargo.toml": toml("noisy"), "src/main.rs": CLIPPY_NOISY },
    command: ["cargo", "clippy"],
    env,
    versions: { ...versions, clippy: "0.1.95" },
    clean: true,
    phases: [{ name: "start" }, {
      name: "rerun",
      run: true,
      edit: { "src/main.rs": CLIPPY_NOISY + "\n" },
    }],
  },
  {
    name: "rust-nodemon-run",
    tool: "cargo",
    about:
      "nodemon -e rs --exec 'cargo run' (rerun on save, in one run): a type error, fixed; then a panic, fixed",
    files: { "Cargo.toml": toml("watched"), "src/main.rs": panicMain(2) },
    setup: npmTools({ nodemon: "3.1.14" }),
    command: ["nodemon", "-e", "rs", "--exec", "cargo run"],
    env: { ...env, PATH: `node_modules/.bin:${env.PATH}` },
    versions: { ...versions, nodemon: "3.1.14" },
    phases: [
      { name: "start", waitFor: "last: c", timeoutMs: 90_000 },
      {
        name: "break",
        edit: { "src/main.rs": panicMain(2).replace("let index = 2;", 'let index: usize = "2";') },
        waitFor: "app crashed",
        timeoutMs: 90_000,
      },
      { name: "fix", edit: { "src/main.rs": panicMain(2) }, waitFor: "last: c", timeoutMs: 90_000 },
      {
        name: "panic",
        edit: { "src/main.rs": panicMain(5) },
        waitFor: "app crashed",
        timeoutMs: 90_000,
      },
      {
        name: "fixed",
        edit: { "src/main.rs": panicMain(2) },
        waitFor: "last: c",
        timeoutMs: 90_000,
      },
    ],
  },
  {
    name: "rust-test-nocapture",
    tool: "cargo",
    about:
      "cargo test -- --nocapture: a passing #[should_panic] test prints its panic, a failing test prints its own; then fixed",
    files: {
      "Cargo.toml": toml("nocap"),
      "src/lib.rs": NOISY_LIB.replace("ok_login()", "ok_login_fails()").replace(
        'login("secret"), Ok(())',
        'login("secret!"), Ok(())',
      ),
    },
    command: ["cargo", "test", "--", "--nocapture", "--test-threads=1"],
    env,
    versions,
    phases: [
      { name: "start" },
      { name: "fix", run: true, edit: { "src/lib.rs": NOISY_LIB } },
    ],
  },
  {
    name: "cargo-missing-dependency",
    tool: "cargo",
    about:
      "cargo build: a new dependency cannot be fetched (no registry here: 'failed to get `serde`'), then removed",
    files: { "Cargo.toml": toml("shopdeps"), "src/main.rs": MAIN_OK },
    command: ["cargo", "build"],
    env,
    versions,
    phases: [
      { name: "start" },
      {
        name: "break",
        run: true,
        edit: { "Cargo.toml": toml("shopdeps") + 'serde = "1"\n' },
        timeoutMs: 120_000,
      },
      { name: "fix", run: true, edit: { "Cargo.toml": toml("shopdeps") } },
    ],
  },
];
