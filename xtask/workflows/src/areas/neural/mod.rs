//! The neural area (noether-diffeq's `neural` module on burn): neural ODEs trained
//! through the solvers.

use xtask::Result;

use crate::areas::{BenchOptions, Workflows};
use crate::report::Report;

mod bench;
mod demo;

/// The neural area's workflows.
pub struct Neural;

impl Workflows for Neural {
    fn demo(&self, report: &mut Report) -> Result<()> {
        demo::run(report)
    }
    fn bench(&self, _opts: &BenchOptions) -> Result<Report> {
        bench::run()
    }
}
