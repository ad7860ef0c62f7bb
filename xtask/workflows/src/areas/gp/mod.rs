//! The noether-gp area: Kronecker algebra and GP-HM.

use xtask::Result;

use crate::areas::{BenchOptions, ReproduceOptions, Workflows};
use crate::report::Report;

mod bench;
mod demo;
mod reproduce;

/// The gp area's workflows.
pub struct Gp;

impl Workflows for Gp {
    fn demo(&self, report: &mut Report) -> Result<()> {
        demo::run(report)
    }

    fn bench(&self, _opts: &BenchOptions) -> Result<Report> {
        bench::run()
    }

    fn reproduce(&self, name: &str, opts: &ReproduceOptions) -> Result<()> {
        match name {
            "gp-hm" => reproduce::gp_hm(opts.budget, &opts.only),
            "gp-hm-advection" => reproduce::gp_hm_advection(opts.budget),
            _ => Err(format!("no reproduce target '{name}' in gp").into()),
        }
    }
}
