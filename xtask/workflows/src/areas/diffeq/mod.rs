//! The noether-diffeq area: ODE/SDE solvers against diffrax and scipy.

use xtask::Result;

use crate::areas::{BenchOptions, Workflows};
use crate::report::Report;

mod bench;
mod demo;

/// The diffeq area's workflows.
pub struct Diffeq;

impl Workflows for Diffeq {
    fn demo(&self, report: &mut Report) -> Result<()> {
        demo::run(report)
    }

    fn bench(&self, _opts: &BenchOptions) -> Result<Report> {
        bench::run()
    }
}
