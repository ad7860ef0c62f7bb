//! One module per area: its showcase, its benchmark and its reproduce targets.
//! Adding an area is adding its module here and its entry in the launcher's
//! registry (`xtask::registry::AREAS`); [`check_registry`] keeps the two in step.

use xtask::Result;
use xtask::registry::AREAS;

use crate::report::Report;

mod core;
mod diffeq;
mod fem;
mod flow;
mod gp;
mod mesh;
mod neural;

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    /// Run the criterion benchmarks too (not only the peer comparison).
    pub criterion: bool,
    /// Run the peers that pip cannot install (otherwise ours alone).
    pub peers: bool,
}

/// Options of `cargo xtask reproduce`.
#[derive(Debug, Clone)]
pub struct ReproduceOptions {
    /// Budget multiplier for long targets (20 = the paper's budget).
    pub budget: f64,
    /// Only the cases whose name contains this (empty: all).
    pub only: String,
}

/// The workflows one area offers; what the registry says it lacks is never called.
pub trait Workflows: Sync {
    /// Adds the area's showcase rows to the demo report (and writes its plots).
    fn demo(&self, _report: &mut Report) -> Result<()> {
        Err("no showcase".into())
    }
    /// Runs the area's benchmark and returns its report.
    fn bench(&self, _opts: &BenchOptions) -> Result<Report> {
        Err("no benchmark".into())
    }
    /// Runs the reproduce target `name` of this area.
    fn reproduce(&self, name: &str, _opts: &ReproduceOptions) -> Result<()> {
        Err(format!("no reproduce target '{name}'").into())
    }
}

/// Least-squares slope of the points' y against x (the workspace's one fit,
/// `noether_core::stats::fit_slope`).
pub fn slope_of(points: &[(f64, f64)]) -> f64 {
    let (xs, ys): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
    noether_core::stats::fit_slope(&xs, &ys)
}

/// Every area module, by registry name.
const MODULES: &[(&str, &dyn Workflows)] = &[
    ("core", &core::Core),
    ("diffeq", &diffeq::Diffeq),
    ("mesh", &mesh::Mesh),
    ("fem", &fem::Fem),
    ("gp", &gp::Gp),
    ("neural-ode", &neural::Neural),
    ("flow", &flow::Flow),
];

/// The module of area `name`, if it has one.
pub fn workflows(name: &str) -> Option<&'static dyn Workflows> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, w)| *w)
}

/// The module of area `name`, or an error naming the missing module.
pub fn require(name: &str) -> Result<&'static dyn Workflows> {
    workflows(name)
        .ok_or_else(|| format!("area '{name}' has no module in xtask/workflows/src/areas").into())
}

/// Every registry area with a workflow has a module, and every module an area.
pub fn check_registry() -> Result<()> {
    for a in AREAS {
        if (a.demo || a.bench.is_some() || !a.reproduce.is_empty()) && workflows(a.name).is_none() {
            return Err(format!("the registry's area '{}' has no workflows module", a.name).into());
        }
    }
    for (n, _) in MODULES {
        if !AREAS.iter().any(|a| a.name == *n) {
            return Err(format!("workflows module '{n}' is not in the registry").into());
        }
    }
    Ok(())
}
