//! Gradients through a fixed-step reversible Heun solve of a parameterised
//! Stratonovich SDE ([`ParamSde`]), by two routes that give the same numbers:
//!
//! - [`SdeAdjoint::Reversible`] (Kidger, Foster, Li & Lyons 2021, arXiv 2105.13493):
//!   the backward pass rebuilds each step's start `(yₖ, ŷₖ)` from its end with
//!   [`ReversibleHeun::step_back`] (the scheme is algebraically reversible), so it
//!   holds `O(1)` states whatever the number of steps, and the gradient is the exact
//!   gradient of the discrete solution up to round-off in the reconstruction.
//! - [`SdeAdjoint::Checkpointed`] (discretise-then-optimise): snapshots of
//!   `(yₖ, ŷₖ)` every `s` steps (`s` doubling as in
//!   [`Adjoint::Checkpointed`](super::Adjoint::Checkpointed), `O(√n)` of them); each
//!   segment is replayed forward and differentiated backwards.
//!
//! Reversible Heun is stable for oscillatory dynamics only: on a dissipative mode
//! `λ < 0` its parasitic solution grows like `(1 + |hλ|)ⁿ` (as leapfrog's does), so
//! stiff or strongly damped SDEs (fast Ornstein–Uhlenbeck rates) need
//! [`EulerMaruyamaTape`](super::EulerMaruyamaTape) instead.
//!
//! One step with `F(t, z) = μ(t, z; θ)h + σ(t, z; θ)ΔW` is
//! `ŷₖ₊₁ = 2yₖ − ŷₖ + F(tₖ, ŷₖ)`, `yₖ₊₁ = yₖ + ½(F(tₖ, ŷₖ) + F(tₖ₊₁, ŷₖ₊₁))`. With
//! the adjoints `(a, â)` of `(yₖ₊₁, ŷₖ₊₁)`, its reverse is
//! `ā = â + ½J₁ᵀa`, `aₖ = a + 2ā`, `âₖ = −ā + J₀ᵀ(½a + ā)` and
//! `θ̄ += ½(∂F₁/∂θ)ᵀa + (∂F₀/∂θ)ᵀ(½a + ā)`, where `Jᵢ = ∂F/∂z` at `(tₖ₊ᵢ, ŷₖ₊ᵢ)`. As
//! `ŷ₀ = y₀`, `∂L/∂y₀ = a₀ + â₀`. The step uses only `ŷₖ` and `ŷₖ₊₁`, two products
//! of the SDE's [`ParamSde::vjp`] per step.
//!
//! The increments come from the Brownian path queried again over the same
//! intervals (a [`VirtualBrownianTree`](crate::brownian::VirtualBrownianTree) answers
//! reproducibly), so no noise is stored.
//!
//! ```
//! use noether_core::{ParamSde, Sde, NoiseShape, Stratonovich, Space};
//! use noether_diffeq::adjoint::{SdeAdjoint, SdeTape};
//! use noether_diffeq::brownian::VirtualBrownianTree;
//!
//! /// dX = −θ₀ X dt + θ₁ ∘ dW.
//! struct Ou(Vec<f64>);
//! impl Sde<Vec<f64>> for Ou {
//!     type Calculus = Stratonovich;
//!     fn noise_shape(&self) -> NoiseShape { NoiseShape::Diagonal }
//!     fn drift(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) { out[0] = -self.0[0] * x[0]; }
//!     fn diffusion_times(&self, _t: f64, _x: &Vec<f64>, dw: &Vec<f64>, out: &mut Vec<f64>) {
//!         out[0] = self.0[1] * dw[0];
//!     }
//! }
//! impl ParamSde<Vec<f64>> for Ou {
//!     type Params = Vec<f64>;
//!     fn params(&self) -> &Vec<f64> { &self.0 }
//!     fn vjp(&self, _t: f64, x: &Vec<f64>, dw: &Vec<f64>, w_mu: &Vec<f64>, w_sigma: &Vec<f64>,
//!            dx: &mut Vec<f64>, dp: &mut Vec<f64>) {
//!         dx[0] = -self.0[0] * w_mu[0];
//!         dp[0] = -x[0] * w_mu[0];
//!         dp[1] = dw[0] * w_sigma[0];
//!     }
//! }
//! let ou = Ou(vec![1.0, 0.3]);
//! let path = VirtualBrownianTree::new(0.0, 1.0, 1, 1e-8, 7)?;
//! let tape = SdeTape::record(&ou, &path, (0.0, 1.0), vec![1.0], 100, &[1.0], SdeAdjoint::Reversible)?;
//! // L = y(1): dL/dy0 = e^{−θ₀} for this linear SDE (to the scheme's accuracy).
//! let g = tape.vjp(&[vec![1.0]])?;
//! assert!((g.y0[0] - (-1.0f64).exp()).abs() < 1e-4);
//! # Ok::<(), noether_diffeq::DiffeqError>(())
//! ```

use noether_core::{BrownianPath, ParamSde, Space, Stratonovich};

use super::{AdjointStats, Gradient, Pending};
use crate::error::{DiffeqError, Result, invalid};
use crate::sde::{Increment, ReversibleHeun, ReversibleHeunState, SdeSolver, brownian_len};

/// How gradients flow through a reversible Heun solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdeAdjoint {
    /// Discretise-then-optimise with `O(√n)` snapshots of `(y, ŷ)`.
    Checkpointed,
    /// States rebuilt backwards by [`ReversibleHeun::step_back`]: `O(1)` memory.
    Reversible,
}

/// A fixed-step reversible Heun solve recorded for gradients.
pub struct SdeTape<'a, V: Space, S: ?Sized, P: ?Sized> {
    sde: &'a S,
    path: &'a P,
    span: (f64, f64),
    steps: usize,
    y0: V,
    times: Vec<f64>,
    save_steps: Vec<usize>,
    ys: Vec<V>,
    adjoint: SdeAdjoint,
    /// `(y, ŷ)` after the last step.
    end: (V, V),
    /// Checkpointed: `(step index, y, ŷ)`.
    snapshots: Vec<(usize, V, V)>,
    max_snapshots: usize,
}

impl<V: Space, S: ?Sized, P: ?Sized> std::fmt::Debug for SdeTape<'_, V, S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdeTape")
            .field("adjoint", &self.adjoint)
            .field("span", &self.span)
            .field("steps", &self.steps)
            .field("times", &self.times)
            .field("snapshots", &self.snapshots.len())
            .finish_non_exhaustive()
    }
}

/// Per-step scratch of the forward and backward passes.
struct Work<V, Q> {
    state: ReversibleHeunState<V>,
    dw: V,
    g: V,
    gh: V,
    dz: V,
    dp: Q,
}

impl<'a, V, S, P> SdeTape<'a, V, S, P>
where
    V: Space<Scalar = f64>,
    S: ParamSde<V, Calculus = Stratonovich> + ?Sized,
    S::Params: Space<Scalar = f64>,
    P: BrownianPath<V> + ?Sized,
{
    /// Solves `sde` driven by `path` over `span` in `steps` equal reversible Heun
    /// steps from `y0`, saving the states at `times` (increasing, each on the step
    /// grid), and records what `adjoint` needs.
    ///
    /// Errors: [`DiffeqError::InvalidArgument`] for an empty or reversed span, zero
    /// steps, a path that does not cover the span, or save times off the grid;
    /// [`DiffeqError::NonFinite`] (with the time and step) when a saved state is not
    /// finite.
    pub fn record(
        sde: &'a S,
        path: &'a P,
        span: (f64, f64),
        y0: V,
        steps: usize,
        times: &[f64],
        adjoint: SdeAdjoint,
    ) -> Result<Self> {
        let grid = Grid::checked(span, steps, path.interval())?;
        let save_steps = grid_indices(span, steps, times)?;
        let checkpointed = adjoint == SdeAdjoint::Checkpointed;
        let mut work = Work::new(sde, &y0)?;
        let mut y = y0.clone();
        let mut ys = Vec::with_capacity(times.len());
        let mut snapshots = Vec::new();
        let (mut stride, mut max_snapshots) = (1usize, 0usize);
        let mut next_save = 0;
        for k in 0..=steps {
            while next_save < save_steps.len() && save_steps[next_save] == k {
                if !y.all_finite() {
                    return Err(DiffeqError::NonFinite {
                        t: grid.time(k),
                        h: grid.step(k.max(1) - 1),
                    });
                }
                ys.push(y.clone());
                next_save += 1;
            }
            if k == steps {
                break;
            }
            if checkpointed && k.is_multiple_of(stride) {
                snapshots.push((k, y.clone(), work.state.yhat.clone()));
                if snapshots.len() > 2 * stride {
                    stride *= 2;
                    snapshots.retain(|(i, _, _)| i.is_multiple_of(stride));
                }
                max_snapshots = max_snapshots.max(snapshots.len());
            }
            work.forward(sde, path, &grid, k, &mut y);
        }
        let end = (y, work.state.yhat.clone());
        Ok(Self {
            sde,
            path,
            span,
            steps,
            y0,
            times: times.to_vec(),
            save_steps,
            ys,
            adjoint,
            end,
            snapshots,
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

    /// The state `y` and the auxiliary state `ŷ` after the last step.
    pub fn end(&self) -> (&V, &V) {
        (&self.end.0, &self.end.1)
    }

    /// `∂L/∂y₀` and `∂L/∂θ` of a loss whose cotangents with respect to the saved
    /// states are `cotangents` (one per save time).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`] when the count or a length does not
    /// match, or a cotangent is not finite.
    pub fn vjp(&self, cotangents: &[V]) -> Result<Gradient<V, S::Params>> {
        check_cotangents(cotangents, &self.ys)?;
        let grid = Grid {
            span: self.span,
            steps: self.steps,
        };
        let mut back = Backward {
            sde: self.sde,
            path: self.path,
            grid,
            work: Work::new(self.sde, &self.y0)?,
            a: self.y0.zeros_like(),
            ahat: self.y0.zeros_like(),
            dtheta: self.sde.params().zeros_like(),
            pending: Pending::new(&self.save_steps, cotangents),
            stats: AdjointStats {
                snapshots: self.max_snapshots,
                ..AdjointStats::default()
            },
        };
        back.add_cotangents_at(self.steps);
        match self.adjoint {
            SdeAdjoint::Reversible => back.reversible(&self.end),
            SdeAdjoint::Checkpointed => back.checkpointed(&self.snapshots, &self.end.1),
        }
        let Backward {
            mut a,
            ahat,
            dtheta,
            stats,
            ..
        } = back;
        a.axpy(1.0, &ahat);
        Ok(Gradient {
            y0: a,
            params: dtheta,
            stats,
        })
    }
}

/// The step grid `tₖ = t₀ + k(t₁ − t₀)/n`, with `tₙ = t₁` exactly.
#[derive(Debug, Clone, Copy)]
pub(super) struct Grid {
    pub span: (f64, f64),
    pub steps: usize,
}

impl Grid {
    /// The grid of `steps` steps over `span`, checked against the Brownian path's
    /// interval.
    pub fn checked(span: (f64, f64), steps: usize, path: (f64, f64)) -> Result<Self> {
        let (t0, t1) = span;
        if !(t0.is_finite() && t1.is_finite() && t1 > t0) {
            return Err(invalid(
                "span",
                format!("({t0}, {t1})"),
                "must be finite with t1 > t0",
            ));
        }
        if steps == 0 {
            return Err(invalid("steps", 0, "need at least one step"));
        }
        let (p0, p1) = path;
        if p0 > t0 || p1 < t1 {
            return Err(invalid(
                "path",
                format!("[{p0}, {p1}]"),
                "the Brownian path must cover the span",
            ));
        }
        Ok(Self { span, steps })
    }

    /// `h` of step `k` (from `tₖ` to `tₖ₊₁`).
    pub fn step(&self, k: usize) -> f64 {
        self.time(k + 1) - self.time(k)
    }

    /// `tₖ`.
    pub fn time(&self, k: usize) -> f64 {
        let (t0, t1) = self.span;
        if k == self.steps {
            t1
        } else {
            t0 + (t1 - t0) * (k as f64 / self.steps as f64)
        }
    }
}

/// Errors unless there is one finite cotangent of each saved state's length.
pub(super) fn check_cotangents<V: Space>(cotangents: &[V], ys: &[V]) -> Result<()> {
    if cotangents.len() != ys.len() {
        return Err(invalid(
            "cotangents",
            cotangents.len(),
            "need one per save time",
        ));
    }
    for (w, y) in cotangents.iter().zip(ys) {
        if w.len() != y.len() {
            return Err(invalid(
                "cotangents",
                w.len(),
                "length differs from the state's",
            ));
        }
        if !w.all_finite() {
            return Err(invalid("cotangents", "non-finite", "must be finite"));
        }
    }
    Ok(())
}

/// The step index of each save time; errors for times off the grid or out of order.
pub(super) fn grid_indices(span: (f64, f64), steps: usize, times: &[f64]) -> Result<Vec<usize>> {
    if times.is_empty() {
        return Err(invalid("times", "[]", "need at least one save time"));
    }
    let grid = Grid { span, steps };
    let h = (span.1 - span.0) / steps as f64;
    let mut out: Vec<usize> = Vec::with_capacity(times.len());
    for &t in times {
        let k = ((t - span.0) / h).round();
        let on_grid = t.is_finite()
            && (0.0..=steps as f64).contains(&k)
            && (grid.time(k as usize) - t).abs() <= 1e-9 * (span.1 - span.0);
        if !on_grid || out.last().is_some_and(|&prev| prev >= k as usize) {
            return Err(invalid(
                "times",
                t,
                "save times must lie on the step grid, strictly increasing",
            ));
        }
        out.push(k as usize);
    }
    Ok(out)
}

impl<V, Q> Work<V, Q>
where
    V: Space<Scalar = f64>,
    Q: Space<Scalar = f64>,
{
    fn new<S>(sde: &S, y0: &V) -> Result<Self>
    where
        S: ParamSde<V, Calculus = Stratonovich, Params = Q> + ?Sized,
    {
        let m = brownian_len(sde.noise_shape(), y0.len());
        Ok(Self {
            state: ReversibleHeun.init(sde, 0.0, y0, m)?,
            dw: y0.zeros_with_len(m),
            g: y0.zeros_like(),
            gh: y0.zeros_like(),
            dz: y0.zeros_like(),
            dp: sde.params().zeros_like(),
        })
    }

    /// Step `k` forward: `(y, ŷ)` from `tₖ` to `tₖ₊₁`.
    fn forward<S, P>(&mut self, sde: &S, path: &P, grid: &Grid, k: usize, y: &mut V)
    where
        S: ParamSde<V, Calculus = Stratonovich, Params = Q> + ?Sized,
        P: BrownianPath<V> + ?Sized,
    {
        let (t, t_next) = (grid.time(k), grid.time(k + 1));
        path.increment(t, t_next, &mut self.dw);
        let inc = Increment {
            dw: &self.dw,
            levy_area: None,
        };
        ReversibleHeun.step(sde, t, t_next - t, &inc, y, &mut self.state);
    }
}

/// The state of the backward pass: the adjoints `(a, â)` of `(y, ŷ)`, `θ̄`, and the
/// cotangents not yet added.
struct Backward<'s, V: Space, S: ParamSde<V> + ?Sized, P: ?Sized> {
    sde: &'s S,
    path: &'s P,
    grid: Grid,
    work: Work<V, S::Params>,
    a: V,
    ahat: V,
    dtheta: S::Params,
    pending: Pending<'s, V>,
    stats: AdjointStats,
}

impl<V, S, P> Backward<'_, V, S, P>
where
    V: Space<Scalar = f64>,
    S: ParamSde<V, Calculus = Stratonovich> + ?Sized,
    S::Params: Space<Scalar = f64>,
    P: BrownianPath<V> + ?Sized,
{
    /// Adds the cotangents of the states saved at step index `k` to `a`.
    fn add_cotangents_at(&mut self, k: usize) {
        self.pending.add_at(k, &mut self.a);
    }

    /// The reverse of step `k` (from `tₖ` to `tₖ₊₁`), given `ŷₖ`, `ŷₖ₊₁` and the
    /// increment in `work.dw`.
    fn step(&mut self, k: usize, yhat0: &V, yhat1: &V) {
        let (t, t_next) = (self.grid.time(k), self.grid.time(k + 1));
        let h = t_next - t;
        let w = &mut self.work;
        // ā = â + J₁ᵀ(½a), θ̄ += (∂F₁/∂θ)ᵀ(½a).
        w.g.lincomb(&[(0.5, &self.a)]);
        w.gh.lincomb(&[(0.5 * h, &self.a)]);
        self.sde
            .vjp(t_next, yhat1, &w.dw, &w.gh, &w.g, &mut w.dz, &mut w.dp);
        self.dtheta.axpy(1.0, &w.dp);
        self.ahat.axpy(1.0, &w.dz);
        // g₀ = ½a + ā; θ̄ += (∂F₀/∂θ)ᵀg₀.
        w.g.lincomb(&[(0.5, &self.a), (1.0, &self.ahat)]);
        w.gh.lincomb(&[(h, &w.g)]);
        self.sde
            .vjp(t, yhat0, &w.dw, &w.gh, &w.g, &mut w.dz, &mut w.dp);
        self.dtheta.axpy(1.0, &w.dp);
        // a ← a + 2ā; â ← −ā + J₀ᵀg₀.
        self.a.axpy(2.0, &self.ahat);
        self.ahat.lincomb_acc(-1.0, &[(1.0, &w.dz)]);
        self.stats.vjps += 2;
        self.stats.steps += 1;
        self.add_cotangents_at(k);
    }

    /// Rebuilds each step's start from its end with `step_back`.
    fn reversible(&mut self, end: &(V, V)) {
        let mut y = end.0.clone();
        self.work.state.yhat.copy_from(&end.1);
        let mut yhat1 = end.1.clone();
        let mut yhat0 = end.1.zeros_like();
        for k in (0..self.grid.steps).rev() {
            let (t, t_next) = (self.grid.time(k), self.grid.time(k + 1));
            self.path.increment(t, t_next, &mut self.work.dw);
            yhat1.copy_from(&self.work.state.yhat);
            ReversibleHeun.step_back(
                self.sde,
                t,
                t_next - t,
                &self.work.dw,
                &mut y,
                &mut self.work.state,
            );
            self.stats.field_evals += 2;
            yhat0.copy_from(&self.work.state.yhat);
            self.step(k, &yhat0, &yhat1);
        }
    }

    /// Replays each segment from its snapshot, keeping its `ŷₖ`, and runs the
    /// reverse steps.
    fn checkpointed(&mut self, snapshots: &[(usize, V, V)], yhat_end: &V) {
        let mut seg_end = self.grid.steps;
        let mut yhat_after = yhat_end.clone();
        for (start, y_start, yhat_start) in snapshots.iter().rev() {
            let start = *start;
            if start >= seg_end {
                continue;
            }
            let mut y = y_start.clone();
            self.work.state.yhat.copy_from(yhat_start);
            let mut yhats = Vec::with_capacity(seg_end - start + 1);
            yhats.push(yhat_start.clone());
            for k in start..seg_end - 1 {
                self.work
                    .forward(self.sde, self.path, &self.grid, k, &mut y);
                self.stats.field_evals += 2;
                yhats.push(self.work.state.yhat.clone());
            }
            yhats.push(yhat_after.clone());
            for k in (start..seg_end).rev() {
                let (t, t_next) = (self.grid.time(k), self.grid.time(k + 1));
                self.path.increment(t, t_next, &mut self.work.dw);
                let i = k - start;
                self.step(k, &yhats[i], &yhats[i + 1]);
            }
            yhat_after.copy_from(yhat_start);
            seg_end = start;
        }
    }
}
