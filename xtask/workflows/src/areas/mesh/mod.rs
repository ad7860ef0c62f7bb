//! The noether-mesh area: generation, topology and refinement against DOLFINx.

use xtask::Result;

use crate::areas::{BenchOptions, Workflows};
use crate::report::Report;

mod bench;
mod demo;

/// The mesh area's workflows.
pub struct Mesh;

impl Workflows for Mesh {
    fn demo(&self, report: &mut Report) -> Result<()> {
        demo::run(report)
    }

    fn bench(&self, opts: &BenchOptions) -> Result<Report> {
        bench::run(opts.peers)
    }
}
