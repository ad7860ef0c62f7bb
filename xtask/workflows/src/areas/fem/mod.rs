//! The noether-fem area: assembly, multigrid, Maxwell and conservation.

use xtask::Result;

use crate::areas::{BenchOptions, ReproduceOptions, Workflows};
use crate::report::Report;

mod bench;
mod demo;
mod reproduce;

/// The fem area's workflows.
pub struct Fem;

impl Workflows for Fem {
    fn demo(&self, report: &mut Report) -> Result<()> {
        demo::run(report)
    }

    fn bench(&self, opts: &BenchOptions) -> Result<Report> {
        bench::run(opts.peers)
    }

    fn reproduce(&self, name: &str, _opts: &ReproduceOptions) -> Result<()> {
        match name {
            "maxwell" => reproduce::maxwell(),
            _ => Err(format!("no reproduce target '{name}' in fem").into()),
        }
    }
}
