//! Standard test problems (Hairer, Nørsett & Wanner I; Lorenz 1963), used by the
//! tests, the demo and the benchmarks, and handy for checking a new method; two
//! parameterised fields with vector–Jacobian products ([`LotkaVolterra`], [`HostMlp`])
//! and a parameterised SDE ([`StochasticRing`]);
//! [`named`] bundles each standard problem with its span, initial state, usual
//! tolerances and a stored reference solution.

#![allow(clippy::ptr_arg)] // vector fields over Vec<f64> take &Vec by signature

use noether_core::{Hamiltonian, ParamField, VectorField};

pub mod named;

/// The Lorenz system with σ = 10, ρ = 28, β = 8/3.
pub fn lorenz(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    dy[0] = 10.0 * (y[1] - y[0]);
    dy[1] = y[0] * (28.0 - y[2]) - y[1];
    dy[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
}

/// Mass ratio of the Arenstorf orbit (earth–moon).
pub const ARENSTORF_MU: f64 = 0.012277471;

/// Period of the Arenstorf orbit started at [`ARENSTORF_Y0`].
pub const ARENSTORF_PERIOD: f64 = 17.065_216_560_157_96;

/// Initial state `(x, y, x', y')` of the periodic Arenstorf orbit.
pub const ARENSTORF_Y0: [f64; 4] = [0.994, 0.0, 0.0, -2.001_585_106_379_082_5];

/// The restricted three-body problem of the Arenstorf orbit (HNW I, §II.0).
pub fn arenstorf(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    let mu = ARENSTORF_MU;
    let mup = 1.0 - mu;
    let d1 = ((y[0] + mu).powi(2) + y[1] * y[1]).powf(1.5);
    let d2 = ((y[0] - mup).powi(2) + y[1] * y[1]).powf(1.5);
    dy[0] = y[2];
    dy[1] = y[3];
    dy[2] = y[0] + 2.0 * y[3] - mup * (y[0] + mu) / d1 - mu * (y[0] - mup) / d2;
    dy[3] = y[1] - 2.0 * y[2] - mup * y[1] / d1 - mu * y[1] / d2;
}

/// The Kepler problem `H = |p|²/2 − 1/|q|` in the plane (period 2π for the orbits
/// of [`Kepler::start`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Kepler;

impl Kepler {
    /// `(q, p)` at pericentre of the orbit with eccentricity `e ∈ [0, 1)`.
    pub fn start(e: f64) -> (Vec<f64>, Vec<f64>) {
        (
            vec![1.0 - e, 0.0],
            vec![0.0, ((1.0 + e) / (1.0 - e)).sqrt()],
        )
    }

    /// The first-order form `y = (q, p)`, `y' = (p, −q/|q|³)`.
    pub fn vector_field(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
        let r3 = (y[0] * y[0] + y[1] * y[1]).powf(1.5);
        dy[0] = y[2];
        dy[1] = y[3];
        dy[2] = -y[0] / r3;
        dy[3] = -y[1] / r3;
    }
}

impl Hamiltonian<Vec<f64>> for Kepler {
    fn dh_dq(&self, q: &Vec<f64>, _p: &Vec<f64>, out: &mut Vec<f64>) {
        let r3 = (q[0] * q[0] + q[1] * q[1]).powf(1.5);
        out[0] = q[0] / r3;
        out[1] = q[1] / r3;
    }
    fn dh_dp(&self, _q: &Vec<f64>, p: &Vec<f64>, out: &mut Vec<f64>) {
        out.copy_from_slice(p);
    }
    fn energy(&self, q: &Vec<f64>, p: &Vec<f64>) -> Option<f64> {
        Some(0.5 * (p[0] * p[0] + p[1] * p[1]) - 1.0 / (q[0] * q[0] + q[1] * q[1]).sqrt())
    }
    fn is_separable(&self) -> bool {
        true
    }
}

/// `‖a − b‖₂ / ‖b‖₂` (the workspace's one implementation).
pub use noether_core::stats::relative_l2 as relative_l2_error;

/// Stiffness parameter of the Van der Pol test ([`van_der_pol`]).
pub const VDP_MU: f64 = 1000.0;

/// The Van der Pol oscillator `y₁' = y₂`, `y₂' = μ(1 − y₁²)y₂ − y₁` with μ =
/// [`VDP_MU`] = 1000 (stiff; the relaxation period is ≈ (3 − 2 ln 2)μ), usually from
/// `y(0) = (2, 0)` over `[0, 3000]`.
pub fn van_der_pol(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    dy[0] = y[1];
    dy[1] = VDP_MU * (1.0 - y[0] * y[0]) * y[1] - y[0];
}

/// Jacobian of [`van_der_pol`] (row-major 2 × 2).
pub fn van_der_pol_jacobian(y: &[f64]) -> [[f64; 2]; 2] {
    [
        [0.0, 1.0],
        [
            -2.0 * VDP_MU * y[0] * y[1] - 1.0,
            VDP_MU * (1.0 - y[0] * y[0]),
        ],
    ]
}

/// Robertson's chemical kinetics (HNW II, §IV.1): rate constants 0.04, 3·10⁷, 10⁴,
/// from `y(0) = (1, 0, 0)`; mass `y₁ + y₂ + y₃ = 1` is conserved.
pub fn robertson(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    let r1 = 0.04 * y[0];
    let r2 = 3e7 * y[1] * y[1];
    let r3 = 1e4 * y[1] * y[2];
    dy[0] = -r1 + r3;
    dy[1] = r1 - r2 - r3;
    dy[2] = r2;
}

/// Jacobian of [`robertson`] (row-major 3 × 3).
pub fn robertson_jacobian(y: &[f64]) -> [[f64; 3]; 3] {
    [
        [-0.04, 1e4 * y[2], 1e4 * y[1]],
        [0.04, -6e7 * y[1] - 1e4 * y[2], -1e4 * y[1]],
        [0.0, 6e7 * y[1], 0.0],
    ]
}

/// End of the HIRES interval.
pub const HIRES_T1: f64 = 321.8122;

/// Initial state of HIRES.
pub const HIRES_Y0: [f64; 8] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057];

/// HIRES, the "high irradiance response" of plant morphogenesis (Schäfer 1975;
/// HNW II, §IV.10; the IVP test set of Mazzia & Magherini): 8 stiff equations over
/// `[0, 321.8122]` from [`HIRES_Y0`].
pub fn hires(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    let r = 280.0 * y[5] * y[7];
    dy[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
    dy[1] = 1.71 * y[0] - 8.75 * y[1];
    dy[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
    dy[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
    dy[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
    dy[5] = -r + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
    dy[6] = r - 1.81 * y[6];
    dy[7] = -r + 1.81 * y[6];
}

/// Lotka–Volterra predator–prey dynamics with parameters `θ = (α, β, δ, γ)`:
/// `x' = αx − βxy`, `y' = δxy − γy`, with its vector–Jacobian products in the state
/// and the parameters ([`ParamField`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LotkaVolterra {
    /// `(α, β, δ, γ)`.
    pub theta: Vec<f64>,
}

impl LotkaVolterra {
    /// The classic `(α, β, δ, γ) = (1.5, 1, 1, 3)`.
    pub fn classic() -> Self {
        Self {
            theta: vec![1.5, 1.0, 1.0, 3.0],
        }
    }
}

impl VectorField<Vec<f64>> for LotkaVolterra {
    fn eval(&self, _t: f64, u: &Vec<f64>, du: &mut Vec<f64>) {
        let [a, b, d, g] = [self.theta[0], self.theta[1], self.theta[2], self.theta[3]];
        du[0] = a * u[0] - b * u[0] * u[1];
        du[1] = d * u[0] * u[1] - g * u[1];
    }
}

impl ParamField<Vec<f64>> for LotkaVolterra {
    type Params = Vec<f64>;

    fn params(&self) -> &Vec<f64> {
        &self.theta
    }

    fn vjp(&self, _t: f64, u: &Vec<f64>, w: &Vec<f64>, du: &mut Vec<f64>, dp: &mut Vec<f64>) {
        let [a, b, d, g] = [self.theta[0], self.theta[1], self.theta[2], self.theta[3]];
        let (x, y) = (u[0], u[1]);
        du[0] = w[0] * (a - b * y) + w[1] * d * y;
        du[1] = -w[0] * b * x + w[1] * (d * x - g);
        dp[0] = w[0] * x;
        dp[1] = -w[0] * x * y;
        dp[2] = w[1] * x * y;
        dp[3] = -w[1] * y;
    }
}

/// A multilayer perceptron `f(t, x) = W_L σ(… σ(W₁ [x, t] + b₁) …) + b_L` on host
/// vectors with `tanh` hidden activations: a learned vector field whose parameters
/// are one flat vector (each layer's row-major `W` then `b`), with hand-written
/// backpropagation for [`ParamField::vjp`]. The burn networks of the neural-DE
/// crate are the trainable version; this one is the host reference.
#[derive(Debug, Clone, PartialEq)]
pub struct HostMlp {
    /// Layer widths `[d + 1, h₁, …, d]` (the input includes `t`).
    widths: Vec<usize>,
    /// All weights and biases, layer by layer.
    theta: Vec<f64>,
}

impl HostMlp {
    /// An MLP for states of dimension `dim` with the given hidden widths and
    /// parameters drawn from `U(−1/√fan_in, 1/√fan_in)` by a seeded generator.
    pub fn new(dim: usize, hidden: &[usize], seed: u64) -> Self {
        let mut widths = vec![dim + 1];
        widths.extend_from_slice(hidden);
        widths.push(dim);
        let count: usize = widths.windows(2).map(|w| w[1] * (w[0] + 1)).sum();
        // SplitMix64: a small, seeded, dependency-free generator.
        let mut state = seed;
        let mut uniform = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as f64 / u64::MAX as f64
        };
        let mut theta = Vec::with_capacity(count);
        for w in widths.windows(2) {
            let bound = 1.0 / (w[0] as f64).sqrt();
            for _ in 0..w[1] * (w[0] + 1) {
                theta.push(bound * (2.0 * uniform() - 1.0));
            }
        }
        Self { widths, theta }
    }

    /// Number of parameters.
    pub fn num_params(&self) -> usize {
        self.theta.len()
    }

    /// Replaces the parameters (same length).
    pub fn set_params(&mut self, theta: &[f64]) {
        assert_eq!(theta.len(), self.theta.len(), "HostMlp: parameter count");
        self.theta.copy_from_slice(theta);
    }

    /// Forward pass keeping every layer's activations (input first).
    fn forward(&self, t: f64, x: &[f64]) -> Vec<Vec<f64>> {
        let mut acts = vec![[x, &[t]].concat()];
        let mut off = 0;
        let layers = self.widths.len() - 1;
        for (l, w) in self.widths.windows(2).enumerate() {
            let (nin, nout) = (w[0], w[1]);
            let (wm, b) = (
                &self.theta[off..off + nout * nin],
                &self.theta[off + nout * nin..],
            );
            let a = &acts[l];
            let z: Vec<f64> = (0..nout)
                .map(|i| b[i] + (0..nin).map(|j| wm[i * nin + j] * a[j]).sum::<f64>())
                .collect();
            acts.push(if l + 1 < layers {
                z.iter().map(|v| v.tanh()).collect()
            } else {
                z
            });
            off += nout * (nin + 1);
        }
        acts
    }
}

impl VectorField<Vec<f64>> for HostMlp {
    fn eval(&self, t: f64, x: &Vec<f64>, out: &mut Vec<f64>) {
        let acts = self.forward(t, x);
        out.copy_from_slice(&acts[acts.len() - 1]);
    }
}

impl ParamField<Vec<f64>> for HostMlp {
    type Params = Vec<f64>;

    fn params(&self) -> &Vec<f64> {
        &self.theta
    }

    fn vjp(&self, t: f64, x: &Vec<f64>, w: &Vec<f64>, dx: &mut Vec<f64>, dp: &mut Vec<f64>) {
        let acts = self.forward(t, x);
        let layers = self.widths.len() - 1;
        // Offsets of each layer's parameters.
        let mut offs = vec![0];
        for wd in self.widths.windows(2) {
            offs.push(offs[offs.len() - 1] + wd[1] * (wd[0] + 1));
        }
        // g = ∂L/∂z of the current layer, starting from the linear output.
        let mut g = w.clone();
        for l in (0..layers).rev() {
            let (nin, nout) = (self.widths[l], self.widths[l + 1]);
            let off = offs[l];
            let a = &acts[l];
            for i in 0..nout {
                for j in 0..nin {
                    dp[off + i * nin + j] = g[i] * a[j];
                }
                dp[off + nout * nin + i] = g[i];
            }
            let wm = &self.theta[off..off + nout * nin];
            let mut ga: Vec<f64> = (0..nin)
                .map(|j| (0..nout).map(|i| wm[i * nin + j] * g[i]).sum())
                .collect();
            if l > 0 {
                // through tanh: σ' = 1 − a²
                for (gj, aj) in ga.iter_mut().zip(a) {
                    *gj *= 1.0 - aj * aj;
                }
            }
            g = ga;
        }
        // The input is [x, t]: the last entry is ∂/∂t, not returned.
        dx.copy_from_slice(&g[..x.len()]);
    }
}

/// A ring of `n` coupled, damped components with multiplicative diagonal noise, a
/// parameterised Stratonovich SDE ([`ParamSde`](noether_core::ParamSde)) for
/// checking SDE adjoints:
/// `μᵢ = −θ₀xᵢ + θ₁ sin(xᵢ₊₁) + θ₂`, `σᵢ = θ₃ + θ₄ cos(xᵢ)` (indices mod `n`).
#[derive(Debug, Clone, PartialEq)]
pub struct StochasticRing {
    /// `θ = (θ₀, …, θ₄)`.
    pub theta: Vec<f64>,
}

impl StochasticRing {
    /// The ring with parameters `theta` (five of them).
    pub fn new(theta: [f64; 5]) -> Self {
        Self {
            theta: theta.to_vec(),
        }
    }
}

impl noether_core::Sde<Vec<f64>> for StochasticRing {
    type Calculus = noether_core::Stratonovich;
    fn noise_shape(&self) -> noether_core::NoiseShape {
        noether_core::NoiseShape::Diagonal
    }
    fn drift(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) {
        let (th, n) = (&self.theta, x.len());
        for (i, o) in out.iter_mut().enumerate() {
            *o = -th[0] * x[i] + th[1] * x[(i + 1) % n].sin() + th[2];
        }
    }
    fn diffusion_times(&self, _t: f64, x: &Vec<f64>, dw: &Vec<f64>, out: &mut Vec<f64>) {
        let th = &self.theta;
        for ((o, xi), d) in out.iter_mut().zip(x).zip(dw) {
            *o = (th[3] + th[4] * xi.cos()) * d;
        }
    }
    fn diffusion_diagonal(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) -> Option<()> {
        for (o, xi) in out.iter_mut().zip(x) {
            *o = self.theta[3] + self.theta[4] * xi.cos();
        }
        Some(())
    }
}

impl noether_core::ParamSde<Vec<f64>> for StochasticRing {
    type Params = Vec<f64>;
    fn params(&self) -> &Vec<f64> {
        &self.theta
    }
    fn vjp(
        &self,
        _t: f64,
        x: &Vec<f64>,
        dw: &Vec<f64>,
        w_mu: &Vec<f64>,
        w_sigma: &Vec<f64>,
        dx: &mut Vec<f64>,
        dp: &mut Vec<f64>,
    ) {
        let (th, n) = (&self.theta, x.len());
        dp.iter_mut().for_each(|v| *v = 0.0);
        for j in 0..n {
            let prev = (j + n - 1) % n;
            let ws = dw[j] * w_sigma[j];
            dx[j] = -th[0] * w_mu[j] + th[1] * x[j].cos() * w_mu[prev] - th[4] * x[j].sin() * ws;
            dp[0] -= x[j] * w_mu[j];
            dp[1] += x[(j + 1) % n].sin() * w_mu[j];
            dp[2] += w_mu[j];
            dp[3] += ws;
            dp[4] += x[j].cos() * ws;
        }
    }
}
