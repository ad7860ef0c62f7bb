//! `cargo xtask`: the workflows of the noether workspace.
//!
//! This launcher runs `ci` and `test` itself and hands `demo`, `bench`, `reproduce`
//! and their `--help` to the `xtask-workflows` binary; `cargo xtask --help` and
//! `cargo xtask areas` print the area registry.

use xtask::registry::{AREAS, bench_areas, markdown_table, targets};
use xtask::{Result, cargo_cmd};

fn help() -> String {
    let mut s = String::from(
        "Workflows of the noether workspace\n\n\
         Usage: cargo xtask <COMMAND> [ARGS]\n\n\
         Commands:\n  \
         ci         fmt check, clippy -D warnings, all tests, docs with -D warnings\n  \
         test       the whole test suite (unit, integration, property and doc tests)\n  \
         demo       [AREA] each area's showcase (or one), writing target/noether/reports/demo.{json,md}\n  \
         bench      [AREA] criterion benchmarks and side-by-side peer comparisons\n  \
         reproduce  [NAME] an experiment with a published or closed-form target\n  \
         areas      the area table of the README (Markdown)\n\n\
         `cargo xtask bench --help` and `cargo xtask reproduce --help` show their options.\n\n",
    );
    s.push_str("Areas:\n");
    for a in AREAS {
        s.push_str(&format!(
            "  {:<8} {:<16} bench: {}\n",
            a.name,
            a.crate_name,
            a.bench.unwrap_or("none yet")
        ));
    }
    s.push_str(&format!("\nBench areas: {}\n", bench_areas().join(", ")));
    s.push_str("Reproduce targets:\n");
    for (a, t) in targets() {
        s.push_str(&format!("  {:<18} ({}) {}\n", t.name, a.name, t.about));
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result: Result<()> = match args.first().map(String::as_str) {
        Some("ci") => cargo_cmd::ci(),
        Some("test") => cargo_cmd::test(),
        Some("demo" | "bench" | "reproduce") => cargo_cmd::workflows(&args),
        Some("areas") => {
            print!("{}", markdown_table());
            Ok(())
        }
        Some("-h" | "--help" | "help") | None => {
            print!("{}", help());
            Ok(())
        }
        Some(other) => Err(format!("unknown command '{other}'\n\n{}", help()).into()),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
