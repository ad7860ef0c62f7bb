//! Gradients through a solve, chosen per solve (as diffrax's `adjoint=`): a forward
//! solve of a parameterised field ([`ParamField`]) with an explicit Runge–Kutta
//! method records a [`Tape`], and [`Tape::vjp`] turns cotangents of the saved states
//! into the gradients with respect to the initial state and the parameters.
//!
//! - [`Adjoint::Checkpointed`] (discretise-then-optimise): the exact gradient of the
//!   discrete solution. The forward solve keeps snapshots of the whole integrator
//!   every `s` accepted steps, with `s` doubling whenever more than `2s` snapshots
//!   are held, so that about `√(2n)` snapshots stand for `n` steps; the backward pass
//!   replays each segment from its snapshot (the same accepted and rejected steps,
//!   as the snapshot holds the controller's memory) and runs the adjoint of each
//!   step in reverse. Memory `O(√n)` states, one extra forward solve of work. The
//!   controller's accept/reject decisions are not differentiated.
//! - [`Adjoint::Backsolve`] (optimise-then-discretise): the continuous adjoint
//!   `ȧ = −(∂f/∂y)ᵀa`, `θ̄̇ = −(∂f/∂θ)ᵀa` solved backwards together with `y` on the
//!   augmented state `[(y, a), θ̄]`, whose error norm ignores `θ̄` (the seminorm of
//!   Kidger, Chen & Lyons 2021); the cotangent of each saved state is added to `a`
//!   at its time. Memory `O(1)` in the number of steps.
//!
//! Steps land on the save times, so every saved state is a step's end (no
//! interpolation to differentiate).
//!
//! [`local_error`] gives the error estimate of one step and its gradient, the local
//! regulariser of Pal, Edelman & Rackauckas (2023).
//!
//! For SDEs, [`SdeTape`] records a fixed-step reversible Heun solve of a
//! [`ParamSde`](noether_core::ParamSde) and differentiates it either by rebuilding
//! the states backwards ([`SdeAdjoint::Reversible`], `O(1)` memory) or from
//! snapshots ([`SdeAdjoint::Checkpointed`]); both give the exact gradient of the
//! discrete solution. [`EulerMaruyamaTape`] differentiates a fixed-step
//! Euler–Maruyama solve of an Itô SDE, keeping every step's state (for dissipative
//! SDEs, where reversible Heun is unstable).
//!
//! ```
//! use noether_diffeq::adjoint::{Adjoint, Tape};
//! use noether_diffeq::problems::LotkaVolterra;
//! use noether_diffeq::tableau::DOPRI5;
//! use noether_diffeq::{OdeProblem, SolveOptions};
//!
//! let lv = LotkaVolterra::classic();
//! let problem = OdeProblem::new(&lv, (0.0, 2.0), vec![1.0, 1.0]).tolerances(1e-8, 1e-8);
//! let tape = Tape::record(&problem, &DOPRI5, &SolveOptions::default(), &[1.0, 2.0], Adjoint::Checkpointed)?;
//! // L = Σ_t |y(t)|² / 2: its cotangents are the saved states themselves.
//! let cot: Vec<Vec<f64>> = tape.ys().to_vec();
//! let g = tape.vjp(&cot)?;
//! assert_eq!(g.params.len(), 4);
//! # Ok::<(), noether_diffeq::DiffeqError>(())
//! ```

mod backsolve;
mod erk_step;
mod euler_maruyama;
mod local_error;
mod reversible;

pub use euler_maruyama::EulerMaruyamaTape;
pub use local_error::{LocalError, local_error};
pub use reversible::{SdeAdjoint, SdeTape};

use noether_core::{ParamField, Space};

use crate::erk::Erk;
use crate::error::{Result, invalid};
use crate::integrator::Integrator;
use crate::options::{SaveAt, SolveOptions, SolveStats};
use crate::problem::OdeProblem;
use crate::tableau::ButcherTableau;

use erk_step::{Method, stages, step_vjp};

/// How gradients flow through a solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Adjoint {
    /// Discretise-then-optimise with `O(√n)` snapshots (exact gradients of the
    /// discrete solution).
    Checkpointed,
    /// The continuous backsolve adjoint with the seminorm, solved at these
    /// tolerances.
    Backsolve {
        /// Relative tolerance of the backward solve.
        rtol: f64,
        /// Absolute tolerance of the backward solve.
        atol: f64,
    },
}

/// Gradients of a loss with respect to the initial state and the parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient<V, P> {
    /// `∂L/∂y₀`.
    pub y0: V,
    /// `∂L/∂θ`.
    pub params: P,
    /// Work of the backward pass.
    pub stats: AdjointStats,
}

/// What a backward pass cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdjointStats {
    /// Field evaluations (replayed forward steps, stage recomputation, or the
    /// backward solve's `y` channel).
    pub field_evals: usize,
    /// Vector–Jacobian products of the field.
    pub vjps: usize,
    /// Steps of the backward solve (backsolve) or replayed steps (checkpointed).
    pub steps: usize,
    /// Integrator snapshots held at most (checkpointed).
    pub snapshots: usize,
}

/// An integrator snapshot and the index of the first step after it.
type Snapshot<'f, V, F> = (usize, Integrator<'f, V, F, Erk<'static, V>>);

/// A forward solve recorded for gradients: the states at the save times and what
/// the chosen [`Adjoint`] needs to run backwards.
pub struct Tape<'f, V: Space, F: ?Sized> {
    problem: &'f OdeProblem<'f, V, F>,
    tableau: &'static ButcherTableau,
    times: Vec<f64>,
    ys: Vec<V>,
    stats: SolveStats,
    adjoint: Adjoint,
    /// Checkpointed: `(index of the first step after the snapshot, snapshot)`.
    snapshots: Vec<Snapshot<'f, V, F>>,
    /// Checkpointed: the accepted-step count at each save time.
    save_steps: Vec<usize>,
    max_snapshots: usize,
}

impl<V: Space, F: ?Sized> std::fmt::Debug for Tape<'_, V, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tape")
            .field("adjoint", &self.adjoint)
            .field("times", &self.times)
            .field("stats", &self.stats)
            .field("snapshots", &self.snapshots.len())
            .finish_non_exhaustive()
    }
}

impl<'f, V, F> Tape<'f, V, F>
where
    V: Space<Scalar = f64>,
    F: ParamField<V> + ?Sized,
    F::Params: Space<Scalar = f64>,
{
    /// Solves `problem` with the explicit method `tableau`, saving the states at
    /// `times` (increasing, inside the span, steps landing on them), and records what
    /// `adjoint` needs. `opts` gives the step-size settings and the step budget; its
    /// `save_at` and events must be left at their defaults.
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// for bad times or options, and whatever the solve returns.
    pub fn record(
        problem: &'f OdeProblem<'f, V, F>,
        tableau: &'static ButcherTableau,
        opts: &SolveOptions<'_, V>,
        times: &[f64],
        adjoint: Adjoint,
    ) -> Result<Self> {
        check_times(problem, times)?;
        if !matches!(opts.save_at, SaveAt::End) || !opts.events.is_empty() {
            return Err(invalid(
                "opts",
                "save_at/events",
                "a recorded solve saves at its `times` and takes no events",
            ));
        }
        if let Adjoint::Backsolve { rtol, atol } = adjoint
            && !(rtol.is_finite()
                && atol.is_finite()
                && rtol >= 0.0
                && atol >= 0.0
                && rtol + atol > 0.0)
        {
            return Err(invalid(
                "adjoint",
                format!("Backsolve {{ rtol: {rtol}, atol: {atol} }}"),
                "tolerances must be finite, >= 0 and not both zero",
            ));
        }
        let checkpointed = adjoint == Adjoint::Checkpointed;
        let mut it = Integrator::new(problem, Erk::new(tableau), opts)?;
        let mut ys = Vec::with_capacity(times.len());
        let mut snapshots = Vec::new();
        let mut save_steps = Vec::with_capacity(times.len());
        let (mut stride, mut n, mut max_snapshots) = (1usize, 0usize, 0usize);
        for &t_save in times {
            if t_save != it.t() {
                it.set_stop_time(t_save)?;
                loop {
                    let fresh = snapshots.last().is_none_or(|(k, _)| *k != n);
                    if checkpointed && n.is_multiple_of(stride) && fresh {
                        snapshots.push((n, it.clone()));
                        if snapshots.len() > 2 * stride {
                            stride *= 2;
                            snapshots.retain(|(k, _)| k.is_multiple_of(stride));
                        }
                        max_snapshots = max_snapshots.max(snapshots.len());
                    }
                    if it.step()?.is_none() {
                        break;
                    }
                    n += 1;
                }
            }
            ys.push(it.y().clone());
            save_steps.push(n);
        }
        Ok(Self {
            problem,
            tableau,
            times: times.to_vec(),
            ys,
            stats: it.stats(),
            adjoint,
            snapshots,
            save_steps,
            max_snapshots,
        })
    }

    /// The states at the save times.
    pub fn ys(&self) -> &[V] {
        &self.ys
    }

    /// The save times.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Counters of the forward solve.
    pub fn stats(&self) -> SolveStats {
        self.stats
    }

    /// `∂L/∂y₀` and `∂L/∂θ` of a loss whose cotangents with respect to the saved
    /// states are `cotangents` (one per save time).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// when the count or a length does not match, or a cotangent is not finite;
    /// whatever a replayed or backward solve returns.
    pub fn vjp(&self, cotangents: &[V]) -> Result<Gradient<V, F::Params>> {
        reversible::check_cotangents(cotangents, &self.ys)?;
        match self.adjoint {
            Adjoint::Checkpointed => self.checkpointed_vjp(cotangents, None).map(|(g, _)| g),
            Adjoint::Backsolve { rtol, atol } => backsolve::vjp(
                self.problem,
                self.tableau,
                &self.times,
                self.ys.last().unwrap_or(&self.problem.y0),
                cotangents,
                (rtol, atol),
            ),
        }
    }

    /// The gradient of `L + w Σₖ Rₖ`, where `L` has the cotangents `cotangents` and
    /// `Rₖ = hₖ‖ẽₖ‖` is the error estimate of accepted step `k` ([`local_error`] at
    /// the step's own `(t, y, h)`, scale `atol + rtol·max(|y|, |y⁺|)`): the global
    /// (integrated) error regulariser of Pal, Edelman & Rackauckas (2023), the
    /// alternative to sampling one step. Returns the gradient and `Σₖ Rₖ`. Each step
    /// costs its stages and their VJPs once more, with the error weights.
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// for a tape recorded with [`Adjoint::Backsolve`] (the penalty needs the
    /// forward steps), bad cotangents, a tableau without an embedded pair or bad
    /// tolerances; whatever a replay returns.
    pub fn vjp_with_error_penalty(
        &self,
        cotangents: &[V],
        weight: f64,
        rtol: f64,
        atol: f64,
    ) -> Result<(Gradient<V, F::Params>, f64)> {
        if self.adjoint != Adjoint::Checkpointed {
            return Err(invalid(
                "adjoint",
                format!("{:?}", self.adjoint),
                "the step penalty needs a checkpointed tape",
            ));
        }
        if !weight.is_finite() {
            return Err(invalid("weight", weight, "must be finite"));
        }
        reversible::check_cotangents(cotangents, &self.ys)?;
        self.checkpointed_vjp(cotangents, Some((weight, rtol, atol)))
    }

    fn checkpointed_vjp(
        &self,
        cotangents: &[V],
        penalty: Option<(f64, f64, f64)>,
    ) -> Result<(Gradient<V, F::Params>, f64)> {
        let f = self.problem.f;
        let mut total_error = 0.0;
        let method = Method::new(self.tableau);
        let mut lambda = self.problem.y0.zeros_like();
        let mut dtheta = f.params().zeros_like();
        let mut stats = AdjointStats {
            snapshots: self.max_snapshots,
            ..AdjointStats::default()
        };
        let n_total = self.save_steps.last().copied().unwrap_or(0);
        // Cotangents whose save time is the end of step k−1 (k accepted steps taken).
        let mut pending = Pending::new(&self.save_steps, cotangents);
        pending.add_at(n_total, &mut lambda);
        let mut seg_end = n_total;
        for (start, snap) in self.snapshots.iter().rev() {
            if *start >= seg_end {
                continue;
            }
            // Replay steps start..seg_end, keeping (t, y, h) of each.
            let mut it = snap.clone();
            let mut steps: Vec<(f64, V, f64)> = Vec::with_capacity(seg_end - start);
            let before = it.stats().nfev;
            while steps.len() < seg_end - start {
                let (t, y) = (it.t(), it.y().clone());
                match it.step()? {
                    Some(step) => steps.push((t, y, step.t - step.t_prev)),
                    None => {
                        let next = self.times.iter().copied().find(|&s| s > it.t());
                        match next {
                            Some(s) => it.set_stop_time(s)?,
                            None => {
                                return Err(invalid(
                                    "tape",
                                    "replay",
                                    "ran past the last save time",
                                ));
                            }
                        }
                    }
                }
            }
            stats.field_evals += it.stats().nfev - before;
            stats.steps += steps.len();
            for (k, (t, y, h)) in steps.iter().enumerate().rev() {
                let (st, _) = stages(f, &method, *t, y, *h);
                stats.field_evals += st.ys.len();
                stats.vjps += step_vjp(f, &method, *t, &st, *h, &mut lambda, &mut dtheta);
                if let Some((w, rtol, atol)) = penalty {
                    let r = local_error(f, self.tableau, *t, y, *h, rtol, atol)?;
                    total_error += r.value;
                    lambda.axpy(w, &r.y);
                    dtheta.axpy(w, &r.params);
                    stats.field_evals += r.stats.field_evals;
                    stats.vjps += r.stats.vjps;
                }
                pending.add_at(start + k, &mut lambda);
            }
            seg_end = *start;
        }
        Ok((
            Gradient {
                y0: lambda,
                params: dtheta,
                stats,
            },
            total_error,
        ))
    }
}

/// The cotangents of the saved states not yet added to the adjoint, by the step
/// index (accepted steps taken) at which each state was saved; a backward pass adds
/// them as it reaches those indices, last first.
pub(crate) struct Pending<'c, V> {
    queue: Vec<(usize, &'c V)>,
}

impl<'c, V: Space<Scalar = f64>> Pending<'c, V> {
    /// The cotangent of the state saved after `save_steps[i]` steps is `cotangents[i]`.
    pub fn new(save_steps: &[usize], cotangents: &'c [V]) -> Self {
        Self {
            queue: save_steps.iter().copied().zip(cotangents).collect(),
        }
    }

    /// `λ += ` the cotangents of the states saved at step index `k`.
    pub fn add_at(&mut self, k: usize, lambda: &mut V) {
        while let Some(&(s, w)) = self.queue.last() {
            if s != k {
                break;
            }
            lambda.axpy(1.0, w);
            self.queue.pop();
        }
    }
}

/// Save times must be finite, strictly monotone in the direction of the span,
/// and inside it.
fn check_times<V: Space, F: ?Sized>(problem: &OdeProblem<'_, V, F>, times: &[f64]) -> Result<()> {
    let (t0, t1) = (problem.t0, problem.t1);
    let dir = if t1 >= t0 { 1.0 } else { -1.0 };
    if times.is_empty() {
        return Err(invalid("times", "[]", "need at least one save time"));
    }
    let mut prev = t0;
    for (i, &t) in times.iter().enumerate() {
        let inside = (t - t0) * dir >= 0.0 && (t1 - t) * dir >= 0.0;
        let after = if i == 0 {
            (t - prev) * dir >= 0.0
        } else {
            (t - prev) * dir > 0.0
        };
        if !t.is_finite() || !inside || !after {
            return Err(invalid(
                "times",
                t,
                "must be finite, inside the span and strictly increasing along it",
            ));
        }
        prev = t;
    }
    Ok(())
}
