//! The noether-core area: Krylov solvers, the Laplacian, Hamiltonian structure.

use xtask::Result;

use crate::areas::{BenchOptions, ReproduceOptions, Workflows};
use crate::report::Report;

mod bench;
mod demo;
mod reproduce;

/// The core area's workflows.
pub struct Core;

impl Workflows for Core {
    fn demo(&self, report: &mut Report) -> Result<()> {
        demo::run(report)
    }

    fn bench(&self, _opts: &BenchOptions) -> Result<Report> {
        bench::run()
    }

    fn reproduce(&self, name: &str, _opts: &ReproduceOptions) -> Result<()> {
        match name {
            "krylov-laplacian" => reproduce::krylov_laplacian(),
            _ => Err(format!("no reproduce target '{name}' in core").into()),
        }
    }
}
