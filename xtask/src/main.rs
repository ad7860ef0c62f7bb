//! `cargo xtask`: the workflows of the noether workspace.
//!
//! | command | does |
//! |---|---|
//! | `ci` | fmt check, clippy `-D warnings`, all tests, docs with `-D warnings` |
//! | `test` | the whole test suite |
//! | `demo` | each crate's showcase, writing `target/noether/reports/demo.json` |
//! | `bench [AREA]` | criterion + peer comparisons, writing `target/noether/bench/AREA.json` |
//! | `reproduce [NAME]` | an experiment, writing `target/noether/reports/NAME.{json,md}` and plots |

mod bench;
mod cargo_cmd;
mod demo;
mod paths;
mod plot;
mod progress;
mod report;
mod reproduce;
mod venv;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Workflows of the noether workspace")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// fmt check, clippy -D warnings, all tests, docs with -D warnings.
    Ci,
    /// The whole test suite (unit, integration, property and doc tests).
    Test,
    /// Each crate's showcase, with progress bars, writing a report.
    Demo,
    /// Criterion benchmarks and side-by-side peer comparisons.
    Bench {
        /// Area to benchmark (default: all).
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(bench::AREAS))]
        area: Option<String>,
        /// Skip the criterion benchmarks, run only the peer comparison.
        #[arg(long)]
        no_criterion: bool,
        /// Run without the peer libraries (ours only). Without this flag, peers
        /// that pip cannot install (DOLFINx, for mesh and fem) must be present.
        #[arg(long)]
        no_peers: bool,
    },
    /// Reproduce an experiment. Available: krylov-laplacian, maxwell, gp-hm,
    /// gp-hm-advection.
    Reproduce {
        /// Target name (default: all).
        name: Option<String>,
        /// Budget multiplier for long targets (gp-hm: 1 = 5·10³ Adam steps per
        /// GP-HM run, 5% of the paper's; the default 20 = the paper's 10⁵, about
        /// 51 minutes on a 2-core machine; gp-hm-advection: 20 = 10⁵ steps).
        #[arg(long, default_value_t = 20.0)]
        budget: f64,
        /// Only the cases whose name contains this (gp-hm: e.g. `x_sin200x-GP-HM`).
        #[arg(long)]
        only: Option<String>,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Ci => cargo_cmd::ci(),
        Cmd::Test => cargo_cmd::test(),
        Cmd::Demo => demo::run(),
        Cmd::Bench {
            area,
            no_criterion,
            no_peers,
        } => bench::run(area.as_deref(), !no_criterion, !no_peers),
        Cmd::Reproduce { name, budget, only } => {
            reproduce::run(name.as_deref(), budget, only.as_deref())
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
