//! Vector fields, SDEs, Brownian paths, Hamiltonians and samplers: the interfaces
//! between models (FE semi-discretisations, learned networks, physical fields) and
//! the integrators and samplers that drive them.
//!
//! Time is always `f64` on the host; states live in a [`Space`].

use crate::space::Space;

/// An autonomous or time-dependent vector field `ẋ = f(t, x)`.
///
/// Closures `Fn(f64, &V, &mut V)` implement it:
///
/// ```
/// use noether_core::VectorField;
///
/// let decay = |_t: f64, x: &Vec<f64>, out: &mut Vec<f64>| {
///     for (o, xi) in out.iter_mut().zip(x) {
///         *o = -xi;
///     }
/// };
/// let mut out = vec![0.0; 2];
/// decay.eval(0.0, &vec![1.0, 2.0], &mut out);
/// assert_eq!(out, vec![-1.0, -2.0]);
/// ```
pub trait VectorField<V: Space> {
    /// `out ← f(t, x)`.
    fn eval(&self, t: f64, x: &V, out: &mut V);
}

impl<V: Space, F: Fn(f64, &V, &mut V) + ?Sized> VectorField<V> for F {
    fn eval(&self, t: f64, x: &V, out: &mut V) {
        self(t, x, out)
    }
}

/// A vector field with Jacobian–vector products `∂f/∂x · v` (forward mode).
pub trait VectorFieldJvp<V: Space>: VectorField<V> {
    /// `out ← (∂f/∂x)(t, x) · v`.
    fn jvp(&self, t: f64, x: &V, v: &V, out: &mut V);
}

/// A vector field `f(t, x; θ)` with parameters `θ` and its vector–Jacobian
/// products in the state and in the parameters: what adjoint methods (backsolve,
/// reversible, checkpointed) call.
///
/// The parameters live in a [`Space`] of their own: a host vector for hand-written
/// fields, a flattened tensor (or a product space of tensors) for a network, so
/// that adjoint states `(y, a, ∂L/∂θ)` are product spaces the integrators run on.
///
/// ```
/// use noether_core::{ParamField, Space, VectorField};
///
/// /// x' = −θ₀ x + θ₁.
/// struct Relax(Vec<f64>);
/// impl VectorField<Vec<f64>> for Relax {
///     fn eval(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) {
///         out[0] = -self.0[0] * x[0] + self.0[1];
///     }
/// }
/// impl ParamField<Vec<f64>> for Relax {
///     type Params = Vec<f64>;
///     fn params(&self) -> &Vec<f64> { &self.0 }
///     fn vjp(&self, _t: f64, x: &Vec<f64>, w: &Vec<f64>, dx: &mut Vec<f64>, dp: &mut Vec<f64>) {
///         dx[0] = -self.0[0] * w[0];
///         dp[0] = -x[0] * w[0];
///         dp[1] = w[0];
///     }
/// }
/// let f = Relax(vec![2.0, 1.0]);
/// let (mut dx, mut dp) = (vec![0.0], f.params().zeros_like());
/// f.vjp(0.0, &vec![3.0], &vec![1.0], &mut dx, &mut dp);
/// assert_eq!((dx, dp), (vec![-2.0], vec![-3.0, 1.0]));
/// ```
pub trait ParamField<V: Space>: VectorField<V> {
    /// The parameter vector `θ`.
    type Params: Space;

    /// The current parameters.
    fn params(&self) -> &Self::Params;

    /// `dx ← (∂f/∂x)(t, x)ᵀ w` and `dp ← (∂f/∂θ)(t, x)ᵀ w` (one backward pass gives
    /// both). `dp` has the shape of [`params`](ParamField::params).
    fn vjp(&self, t: f64, x: &V, w: &V, dx: &mut V, dp: &mut Self::Params);
}

/// Marker for the Itô interpretation of a stochastic integral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ito;

/// Marker for the Stratonovich interpretation of a stochastic integral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stratonovich;

/// The interpretation of the stochastic integral, carried in the type of an
/// [`Sde`] so that an Itô solver cannot be handed a Stratonovich SDE by mistake.
pub trait Calculus: Copy + Default + std::fmt::Debug + 'static {
    /// `"Itô"` or `"Stratonovich"`.
    const NAME: &'static str;
}

impl Calculus for Ito {
    const NAME: &'static str = "Itô";
}

impl Calculus for Stratonovich {
    const NAME: &'static str = "Stratonovich";
}

/// How the Brownian motion enters an SDE `dX = μ(t, X) dt + σ(t, X) ∘ dW`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseShape {
    /// One scalar Brownian motion multiplying a state-shaped diffusion vector.
    Scalar,
    /// One independent Brownian motion per state component (`σ` diagonal).
    Diagonal,
    /// Additive diagonal noise: `σ` depends on `t` only (enables strong order 1.5
    /// schemes such as SRA1).
    Additive,
    /// A general `len × m` diffusion matrix driven by `m` Brownian motions.
    General {
        /// Number of Brownian motions `m`.
        brownian_dim: usize,
    },
}

/// A stochastic differential equation with drift `μ` and diffusion `σ`, in the
/// calculus `C` ([`Ito`] or [`Stratonovich`]).
pub trait Sde<V: Space> {
    /// Itô or Stratonovich.
    type Calculus: Calculus;

    /// The structure of the noise.
    fn noise_shape(&self) -> NoiseShape;

    /// `out ← μ(t, x)`.
    fn drift(&self, t: f64, x: &V, out: &mut V);

    /// `out ← σ(t, x) · dw`, the diffusion applied to a Brownian increment (a
    /// state-shaped vector for scalar, diagonal and additive noise, of length `m`
    /// for general noise).
    fn diffusion_times(&self, t: f64, x: &V, dw: &V, out: &mut V);

    /// For diagonal noise: `out ← σ(t, x)` as a state-shaped vector (its diagonal).
    /// Needed by Milstein-type schemes; `None` when not provided.
    fn diffusion_diagonal(&self, t: f64, x: &V, out: &mut V) -> Option<()> {
        let _ = (t, x, out);
        None
    }
}

/// An SDE `dX = μ(t, X; θ) dt + σ(t, X; θ) ∘ dW` with parameters `θ` and the
/// vector–Jacobian products of its drift and diffusion: what the SDE adjoints
/// (reversible Heun, checkpointed) call.
///
/// One call gives the products of both terms, so that a network holding drift and
/// diffusion runs one backward pass:
/// `dx ← (∂μ/∂x)ᵀ w_μ + (∂(σ·dw)/∂x)ᵀ w_σ` and
/// `dp ← (∂μ/∂θ)ᵀ w_μ + (∂(σ·dw)/∂θ)ᵀ w_σ`.
///
/// ```
/// use noether_core::{Ito, NoiseShape, ParamSde, Sde, Space};
///
/// /// dX = −θ₀ X dt + θ₁ dW (Ornstein–Uhlenbeck, diagonal noise).
/// struct Ou(Vec<f64>);
/// impl Sde<Vec<f64>> for Ou {
///     type Calculus = Ito;
///     fn noise_shape(&self) -> NoiseShape { NoiseShape::Diagonal }
///     fn drift(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) { out[0] = -self.0[0] * x[0]; }
///     fn diffusion_times(&self, _t: f64, _x: &Vec<f64>, dw: &Vec<f64>, out: &mut Vec<f64>) {
///         out[0] = self.0[1] * dw[0];
///     }
/// }
/// impl ParamSde<Vec<f64>> for Ou {
///     type Params = Vec<f64>;
///     fn params(&self) -> &Vec<f64> { &self.0 }
///     fn vjp(&self, _t: f64, x: &Vec<f64>, dw: &Vec<f64>, w_mu: &Vec<f64>, w_sigma: &Vec<f64>,
///            dx: &mut Vec<f64>, dp: &mut Vec<f64>) {
///         dx[0] = -self.0[0] * w_mu[0];
///         dp[0] = -x[0] * w_mu[0];
///         dp[1] = dw[0] * w_sigma[0];
///     }
/// }
/// let ou = Ou(vec![2.0, 0.5]);
/// let (mut dx, mut dp) = (vec![0.0], ou.params().zeros_like());
/// ou.vjp(0.0, &vec![3.0], &vec![0.1], &vec![1.0], &vec![2.0], &mut dx, &mut dp);
/// assert_eq!(dx, vec![-2.0]);
/// assert_eq!(dp, vec![-3.0, 0.2]);
/// ```
pub trait ParamSde<V: Space>: Sde<V> {
    /// The parameter vector `θ`.
    type Params: Space;

    /// The current parameters.
    fn params(&self) -> &Self::Params;

    /// The products of the drift's transposed Jacobians with `w_mu` and of the
    /// diffusion-times-increment's (`σ(t, x; θ)·dw`) with `w_sigma`, summed, in the
    /// state (`dx`) and the parameters (`dp`, the shape of
    /// [`params`](ParamSde::params)). Both outputs are overwritten.
    #[allow(clippy::too_many_arguments)]
    fn vjp(&self, t: f64, x: &V, dw: &V, w_mu: &V, w_sigma: &V, dx: &mut V, dp: &mut Self::Params);
}

/// A Brownian motion (or another driving path) that can be queried for its increment
/// over any interval, reproducibly: the same seed gives the same path whatever the
/// order of the queries.
pub trait BrownianPath<V: Space> {
    /// The interval `[t0, t1]` on which the path is defined.
    fn interval(&self) -> (f64, f64);

    /// `out ← W(t) − W(s)` for `t0 ≤ s ≤ t ≤ t1`.
    fn increment(&self, s: f64, t: f64, out: &mut V);

    /// The space-time Lévy area `H` over `[s, t]` (`N(0, (t−s)/12)`, independent of
    /// the increment), for higher-order SDE schemes; `None` when not provided.
    fn space_time_levy_area(&self, s: f64, t: f64, out: &mut V) -> Option<()> {
        let _ = (s, t, out);
        None
    }
}

/// A separable or general Hamiltonian `H(q, p)` for symplectic integrators.
pub trait Hamiltonian<V: Space> {
    /// `out ← ∂H/∂q (q, p)`.
    fn dh_dq(&self, q: &V, p: &V, out: &mut V);

    /// `out ← ∂H/∂p (q, p)`.
    fn dh_dp(&self, q: &V, p: &V, out: &mut V);

    /// `H(q, p)` when it is cheap to evaluate (for energy diagnostics).
    fn energy(&self, q: &V, p: &V) -> Option<f64> {
        let _ = (q, p);
        None
    }

    /// `true` when `H = T(p) + U(q)`, so that `∂H/∂q` depends on `q` only and
    /// `∂H/∂p` on `p` only (explicit symplectic schemes need this).
    fn is_separable(&self) -> bool {
        false
    }
}

/// Draws batches from a distribution or a data set (initial states of SDEs, source and
/// target distributions of flows). All randomness comes from the caller's seeded RNG.
pub trait Sampler {
    /// A batch of samples.
    type Batch;

    /// Dimension of one sample.
    fn dim(&self) -> usize;

    /// Draws `batch` samples.
    fn sample<R: rand::Rng + ?Sized>(&self, batch: usize, rng: &mut R) -> Self::Batch;
}
