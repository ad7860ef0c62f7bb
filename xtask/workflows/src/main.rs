//! The demo, bench and reproduce workflows of noether, run by `cargo xtask` (the
//! launcher in `xtask/`). One module per area under [`areas`]; the area list, the
//! help and the dispatch come from the launcher's registry
//! (`xtask::registry::AREAS`).

mod areas;
mod digits;
mod peer;
mod plot;
mod progress;
mod report;
mod venv;

use clap::{Parser, Subcommand};
use xtask::paths::{bench_dir, reports_dir};
use xtask::registry::{self, AREAS};
use xtask::{Result, cargo_cmd};

use crate::areas::{BenchOptions, ReproduceOptions};
use crate::report::Report;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Workflows of the noether workspace"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Each area's showcase, with progress bars, writing a report.
    Demo {
        /// Only this area's showcase (default: every area with one); the report is
        /// then `demo-AREA`.
        area: Option<String>,
    },
    /// Criterion benchmarks and side-by-side peer comparisons, writing
    /// `target/noether/bench/AREA.json`.
    Bench {
        /// Area to benchmark (default: every area with a benchmark).
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(registry::bench_areas()))]
        area: Option<String>,
        /// Skip the criterion benchmarks, run only the peer comparison.
        #[arg(long)]
        no_criterion: bool,
        /// Run without the peers that pip cannot install (DOLFINx, for mesh and
        /// fem): ours alone. Without this flag they must be present.
        #[arg(long)]
        no_peers: bool,
    },
    /// Reproduce an experiment, writing `target/noether/reports/NAME.{json,md}`.
    Reproduce {
        /// Target name (default: all).
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(
            registry::targets().map(|(_, t)| t.name)
        ))]
        name: Option<String>,
        /// Budget multiplier for long targets (gp-hm: 1 = 5·10³ Adam steps per
        /// GP-HM run, 5% of the paper's; the default 20 = the paper's 10⁵, about
        /// 51 minutes on a 2-core machine; gp-hm-advection: 20 = 10⁵ steps;
        /// local-reg: 20 = 5000 Adam steps per model; fbm-vi: 20 = 1500).
        #[arg(long, default_value_t = 20.0)]
        budget: f64,
        /// Only the cases whose name contains this (gp-hm: e.g. `x_sin200x-GP-HM`).
        #[arg(long)]
        only: Option<String>,
    },
}

fn demo(only: Option<&str>) -> Result<()> {
    let mut report = match only {
        Some(a) => Report::new(&format!("demo-{a}")),
        None => Report::new("demo"),
    };
    for area in AREAS.iter().filter(|a| only.is_none_or(|n| n == a.name)) {
        match (area.demo, areas::workflows(area.name)) {
            (true, Some(w)) => w.demo(&mut report)?,
            _ => println!("{}: no showcase yet", area.crate_name),
        }
    }
    report.print();
    let dir = reports_dir();
    let json = report.write_json(&dir)?;
    let md = report.write_markdown(&dir, "Showcase of the noether crates (`cargo xtask demo`).")?;
    println!("\nwrote {} and {}", json.display(), md.display());
    Ok(())
}

fn bench(area: Option<&str>, opts: BenchOptions) -> Result<()> {
    let chosen: Vec<&registry::Area> = AREAS
        .iter()
        .filter(|a| a.bench.is_some() && area.is_none_or(|n| n == a.name))
        .collect();
    if !opts.peers && chosen.iter().any(|a| a.system_peer.is_none()) {
        return Err(
            "--no-peers applies to the areas whose peers come from Debian \
                    (mesh, fem); the others compare with Python peers from the venv"
                .into(),
        );
    }
    for a in &chosen {
        if let (true, Some(p)) = (opts.peers, a.system_peer) {
            peer::require_system_peer(a.name, p)?;
        }
    }
    for a in chosen {
        let report = areas::require(a.name)?.bench(&opts)?;
        report.print();
        let path = report.write_json(&bench_dir())?;
        println!("wrote {}", path.display());
        if opts.criterion && a.criterion {
            cargo_cmd::cargo(&["bench", "-p", "noether-benches", "--bench", a.name], &[])?;
        }
    }
    Ok(())
}

fn reproduce(name: Option<&str>, opts: &ReproduceOptions) -> Result<()> {
    for (area, target) in registry::targets() {
        if name.is_none_or(|n| n == target.name) {
            areas::require(area.name)?.reproduce(target.name, opts)?;
        }
    }
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    let result = areas::check_registry().and_then(|()| match cli.cmd {
        Cmd::Demo { area } => demo(area.as_deref()),
        Cmd::Bench {
            area,
            no_criterion,
            no_peers,
        } => bench(
            area.as_deref(),
            BenchOptions {
                criterion: !no_criterion,
                peers: !no_peers,
            },
        ),
        Cmd::Reproduce { name, budget, only } => reproduce(
            name.as_deref(),
            &ReproduceOptions {
                budget,
                only: only.unwrap_or_default(),
            },
        ),
    });
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
