//! Gradients through a fixed-step Euler–Maruyama solve of a parameterised Itô SDE
//! ([`ParamSde`]): discretise-then-optimise with every step's start state kept
//! (`O(n)` states; the exact gradient of the discrete solution).
//!
//! Reversible Heun ([`SdeTape`](super::SdeTape)) rebuilds its states backwards in
//! `O(1)` memory, but, like leapfrog, it is stable only for oscillatory dynamics:
//! its parasitic mode grows like `(1 + |hλ|)ⁿ` on a dissipative mode `λ < 0`
//! (an Ornstein–Uhlenbeck rate, a stiff drift). Euler–Maruyama is stable there for
//! `|hλ| < 2`; this tape is the route for such SDEs.
//!
//! One step `y⁺ = y + μ(t, y; θ)h + σ(t, y; θ)ΔW` has the adjoint
//! `λ ← λ + (∂μ/∂y)ᵀ(hλ) + (∂(σΔW)/∂y)ᵀλ`, `θ̄ += (∂μ/∂θ)ᵀ(hλ) + (∂(σΔW)/∂θ)ᵀλ`: one
//! [`ParamSde::vjp`] per step with `w_μ = hλ`, `w_σ = λ`.
//!
//! ```
//! use noether_core::{Ito, NoiseShape, ParamSde, Sde, Space};
//! use noether_diffeq::adjoint::EulerMaruyamaTape;
//! use noether_diffeq::brownian::VirtualBrownianTree;
//!
//! /// dX = −θ₀ X dt + θ₁ dW.
//! struct Ou(Vec<f64>);
//! impl Sde<Vec<f64>> for Ou {
//!     type Calculus = Ito;
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
//! let tape = EulerMaruyamaTape::record(&ou, &path, (0.0, 1.0), vec![1.0], 1000, &[1.0])?;
//! // L = y(1): dL/dy0 = (1 − h)ⁿ ≈ e^{−1}.
//! let g = tape.vjp(&[vec![1.0]])?;
//! assert!((g.y0[0] - 0.999f64.powi(1000)).abs() < 1e-12);
//! # Ok::<(), noether_diffeq::DiffeqError>(())
//! ```

use noether_core::{BrownianPath, Ito, ParamSde, Space};

use super::reversible::{Grid, grid_indices};
use super::{AdjointStats, Gradient, Pending};
use crate::error::{DiffeqError, Result};
use crate::sde::brownian_len;

/// A fixed-step Euler–Maruyama solve recorded for gradients (every step's start
/// state kept).
pub struct EulerMaruyamaTape<'a, V: Space, S: ?Sized, P: ?Sized> {
    sde: &'a S,
    path: &'a P,
    grid: Grid,
    /// `y₀ … y_{n−1}`: the start of every step.
    starts: Vec<V>,
    times: Vec<f64>,
    save_steps: Vec<usize>,
    ys: Vec<V>,
}

impl<V: Space, S: ?Sized, P: ?Sized> std::fmt::Debug for EulerMaruyamaTape<'_, V, S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EulerMaruyamaTape")
            .field("grid", &self.grid)
            .field("times", &self.times)
            .finish_non_exhaustive()
    }
}

impl<'a, V, S, P> EulerMaruyamaTape<'a, V, S, P>
where
    V: Space<Scalar = f64>,
    S: ParamSde<V, Calculus = Ito> + ?Sized,
    S::Params: Space<Scalar = f64>,
    P: BrownianPath<V> + ?Sized,
{
    /// Solves `sde` driven by `path` over `span` in `steps` equal Euler–Maruyama
    /// steps from `y0`, saving the states at `times` (increasing, on the step grid).
    ///
    /// Errors: as [`SdeTape::record`](super::SdeTape::record).
    pub fn record(
        sde: &'a S,
        path: &'a P,
        span: (f64, f64),
        y0: V,
        steps: usize,
        times: &[f64],
    ) -> Result<Self> {
        let grid = Grid::checked(span, steps, path.interval())?;
        let save_steps = grid_indices(span, steps, times)?;
        let m = brownian_len(sde.noise_shape(), y0.len());
        let (mut dw, mut mu, mut noise) = (y0.zeros_with_len(m), y0.zeros_like(), y0.zeros_like());
        let mut y = y0;
        let mut starts = Vec::with_capacity(steps);
        let mut ys = Vec::with_capacity(times.len());
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
            let (t, h) = (grid.time(k), grid.step(k));
            path.increment(t, t + h, &mut dw);
            sde.drift(t, &y, &mut mu);
            sde.diffusion_times(t, &y, &dw, &mut noise);
            starts.push(y.clone());
            y.lincomb_acc(1.0, &[(h, &mu), (1.0, &noise)]);
        }
        Ok(Self {
            sde,
            path,
            grid,
            starts,
            times: times.to_vec(),
            save_steps,
            ys,
        })
    }

    /// The states at the save times.
    pub fn ys(&self) -> &[V] {
        &self.ys
    }

    /// `∂L/∂y₀` and `∂L/∂θ` of a loss whose cotangents with respect to the saved
    /// states are `cotangents` (one per save time).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`] when the count or a length does not
    /// match, or a cotangent is not finite.
    pub fn vjp(&self, cotangents: &[V]) -> Result<Gradient<V, S::Params>> {
        super::reversible::check_cotangents(cotangents, &self.ys)?;
        let y0 = &self.starts[0];
        let m = brownian_len(self.sde.noise_shape(), y0.len());
        let mut dw = y0.zeros_with_len(m);
        let (mut lambda, mut wh, mut dx) = (y0.zeros_like(), y0.zeros_like(), y0.zeros_like());
        let mut dtheta = self.sde.params().zeros_like();
        let mut dp = dtheta.zeros_like();
        let mut pending = Pending::new(&self.save_steps, cotangents);
        pending.add_at(self.grid.steps, &mut lambda);
        for k in (0..self.grid.steps).rev() {
            let (t, h) = (self.grid.time(k), self.grid.step(k));
            self.path.increment(t, t + h, &mut dw);
            wh.lincomb(&[(h, &lambda)]);
            self.sde
                .vjp(t, &self.starts[k], &dw, &wh, &lambda, &mut dx, &mut dp);
            lambda.axpy(1.0, &dx);
            dtheta.axpy(1.0, &dp);
            pending.add_at(k, &mut lambda);
        }
        let steps = self.grid.steps;
        Ok(Gradient {
            y0: lambda,
            params: dtheta,
            stats: AdjointStats {
                field_evals: 0,
                vjps: steps,
                steps,
                snapshots: steps,
            },
        })
    }
}

impl<V: Space, S: ?Sized, P: ?Sized> EulerMaruyamaTape<'_, V, S, P> {
    /// The save times.
    pub fn times(&self) -> &[f64] {
        &self.times
    }
}
