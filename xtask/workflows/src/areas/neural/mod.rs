//! The neural-ode area (noether-diffeq's `neural` and `adjoint` modules): neural
//! ODEs and SDEs trained through the solvers; the diffrax benchmark, and the
//! local-regularisation and fbm-vi reproduce targets.

use xtask::Result;

use crate::areas::{BenchOptions, ReproduceOptions, Workflows};
use crate::report::Report;

mod bench;
mod demo;
mod fbm_vi;
mod reproduce;

/// The neural-ode area's workflows.
pub struct Neural;

impl Workflows for Neural {
    fn demo(&self, report: &mut Report) -> Result<()> {
        demo::run(report)
    }
    fn bench(&self, _opts: &BenchOptions) -> Result<Report> {
        bench::run()
    }
    fn reproduce(&self, name: &str, opts: &ReproduceOptions) -> Result<()> {
        match name {
            "local-reg" => reproduce::local_reg(opts.budget),
            "fbm-vi" => fbm_vi::fbm_vi(opts.budget),
            _ => Err(format!("no reproduce target '{name}' in neural-ode").into()),
        }
    }
}
