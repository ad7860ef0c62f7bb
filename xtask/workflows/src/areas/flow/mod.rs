//! The noether-flow area: optimal transport (and, as they land, flow matching).

use xtask::Result;

use crate::areas::{BenchOptions, ReproduceOptions, Workflows};
use crate::report::Report;

mod bench;
mod demo;
mod reproduce;

/// The flow area's workflows.
pub struct Flow;

impl Workflows for Flow {
    fn demo(&self, report: &mut Report) -> Result<()> {
        demo::run(report)
    }

    fn bench(&self, _opts: &BenchOptions) -> Result<Report> {
        bench::run()
    }

    fn reproduce(&self, name: &str, opts: &ReproduceOptions) -> Result<()> {
        match name {
            "flows-2d" => reproduce::flows_2d(opts.budget, &opts.only),
            _ => Err(format!("no reproduce target '{name}' in flow").into()),
        }
    }
}
