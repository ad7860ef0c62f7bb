//! The interface between the one step loop ([`Integrator`](crate::Integrator),
//! [`solve`](crate::solve)) and the method families: explicit Runge–Kutta
//! ([`Erk`](crate::erk::Erk)), ESDIRK ([`Esdirk`](crate::esdirk::Esdirk)) and BDF
//! ([`Bdf`](crate::bdf::Bdf)).
//!
//! A solver owns its buffers, its step size and (for BDF) its order: the driver
//! asks it to attempt a step towards the stop time and records, locates events and
//! counts; the solver decides acceptance with the controller of [`StepControl`] or
//! its own rule (BDF keeps scipy's step and order sequence). After an accepted
//! attempt the step stays *pending*: its dense output can be evaluated until the
//! driver commits it with [`OdeSolver::accept`].

use noether_core::{Space, Tolerance};

use crate::controller::PidController;
use crate::error::Result;
use crate::options::SolveStats;

/// Step-size settings of a solve, shared by every solver.
#[derive(Debug, Clone, PartialEq)]
pub struct StepControl<V> {
    /// Error tolerances (scalar or per-component `atol`).
    pub tol: Tolerance<V>,
    /// `false` for fixed steps.
    pub adaptive: bool,
    /// The PID controller (the default one for fixed steps; `dtmin`/`dtmax` apply
    /// to every adaptive solver).
    pub controller: PidController,
    /// The first step size (absolute value): the fixed step, the user's `h0`, or
    /// `None` for the solver's initial-step heuristic.
    pub h0: Option<f64>,
    /// `+1` forwards, `−1` backwards in time.
    pub dir: f64,
}

/// What an attempted step did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attempt {
    /// The step to `t_new` was accepted; the new state is
    /// [`OdeSolver::proposal`] until [`OdeSolver::accept`].
    Accepted {
        /// End of the step.
        t_new: f64,
    },
    /// The step was rejected; the solver has chosen a smaller step (or a fresh
    /// Jacobian) for the next attempt from the same `(t, y)`.
    Rejected,
}

/// A one-step (or multistep) method driven by the shared step loop, for states in
/// `V` and a system `F`: a [`VectorField`](noether_core::VectorField) for the ODE
/// methods, an [`SdeSystem`](crate::sde::SdeSystem) (SDE and Brownian path) for the
/// SDE schemes.
///
/// Implementors: [`Erk`](crate::erk::Erk), [`Esdirk`](crate::esdirk::Esdirk),
/// [`Bdf`](crate::bdf::Bdf), [`Scheme`](crate::sde::Scheme).
pub trait OdeSolver<V: Space, F: ?Sized> {
    /// The method's name (for messages and reports).
    fn name(&self) -> &'static str;

    /// Whether the method has an error estimate (can run adaptively).
    fn has_error_estimate(&self) -> bool {
        true
    }

    /// Whether the method chooses its own step sizes and cannot take fixed steps.
    fn adaptive_only(&self) -> bool {
        false
    }

    /// Allocates buffers shaped like `y0` and prepares the first step from
    /// `(t0, y0)` towards `t1` (initial step size, first Jacobian). `f`'s
    /// evaluations are counted in `stats`.
    fn init(
        &mut self,
        f: &F,
        t0: f64,
        y0: &V,
        t1: f64,
        ctl: &StepControl<V>,
        stats: &mut SolveStats,
    ) -> Result<()>;

    /// Attempts one step from `(t, y)`, not past `t_stop`.
    fn attempt(
        &mut self,
        f: &F,
        t: f64,
        y: &V,
        t_stop: f64,
        ctl: &StepControl<V>,
        stats: &mut SolveStats,
    ) -> Result<Attempt>;

    /// The state at the end of the pending accepted step.
    fn proposal(&self) -> &V;

    /// Makes the dense output of the pending step available (extra stages or
    /// `f(t_new, y_new)` where the interpolant needs them). Idempotent.
    fn prepare_dense(&mut self, f: &F, t: f64, y: &V, stats: &mut SolveStats);

    /// `out ← y(τ)` inside the pending step, which started at `(t, y)`; call
    /// [`prepare_dense`](OdeSolver::prepare_dense) first.
    fn interpolate(&self, t: f64, y: &V, tau: f64, out: &mut V);

    /// Commits the pending step: `y` becomes the new state and the solver moves to
    /// its next step (new step size, order, recycled stages).
    fn accept(&mut self, y: &mut V, ctl: &StepControl<V>);

    /// The signed size of the next attempted step (for messages and budgets).
    fn next_step(&self) -> f64;

    /// Copies counters the solver keeps itself (factorisations) into `stats`.
    fn finish_stats(&self, stats: &mut SolveStats) {
        let _ = stats;
    }
}
