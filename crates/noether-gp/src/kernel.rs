//! Stationary one-dimensional kernels `k(x, x') = k(z)`, `z = x − x'`, with their
//! analytic derivatives in `z` up to third order (so `∂k/∂x = k'`, `∂k/∂x' = −k'`,
//! `∂²k/∂x∂x' = −k''`, `∂²k/∂x² = k''`) and their gradients in the parameters, and
//! products of them over dimensions.
//!
//! Parametrisations (all free parameters are unconstrained reals):
//!
//! - [`SquaredExponential`]: `σ² exp(−z²/(2ℓ²))`, parameters `(log σ², log ℓ)`;
//! - [`Matern`] ν ∈ {½, 3/2, 5/2}: `σ² p_ν(a|z|) e^{−a|z|}`, `a = √(2ν)/ℓ`,
//!   parameters `(log σ², log ℓ)`;
//! - [`Periodic`]: `σ² exp(−2 sin²(πz/p)/ℓ²)`, parameters `(log σ², log ℓ, log p)`;
//! - [`SpectralMixture`], Gaussian (GM) or Student-t/Matérn-5/2 (StM) envelope, as
//!   GP-HM (Fang et al., ICLR 2024): `Σ_q w_q g_q(z) cos(2πμ_q z)` with
//!   `g = e^{−r z²}`, `r = e^{ρ_q}` (GM) or the Matérn-5/2 shape with
//!   `α = √5 e^{ρ_q}` (StM); parameters `(log w_q, ρ_q, μ_q)` per component, μ in
//!   cycles per unit length, ρ a log inverse length scale.
//!
//! Parameter gradients are exact: every kernel is written once over a scalar type
//! that is either `f64` or a forward-mode dual number.
//!
//! ```
//! use noether_gp::kernel::{Kernel1d, SquaredExponential};
//! let k = SquaredExponential::new(1.0, 0.5).unwrap();
//! let [k0, k1, k2, _] = k.derivatives(0.0);
//! assert!((k0 - 1.0).abs() < 1e-15 && k1 == 0.0 && (k2 + 4.0).abs() < 1e-12);
//! ```

use std::f64::consts::PI;
use std::ops::{Add, Div, Mul, Neg, Sub};

use noether_core::space::kernels::dot;

use crate::error::{Result, invalid};

/// A forward-mode dual number `v + d ε`, `ε² = 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dual {
    /// Value.
    pub v: f64,
    /// Derivative.
    pub d: f64,
}

/// A dual number with three derivative slots (one mixture component's parameters
/// at once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dual3 {
    /// Value.
    pub v: f64,
    /// Derivatives.
    pub d: [f64; 3],
}

impl Dual3 {
    fn scale(self, a: f64, b: f64) -> [f64; 3] {
        // a·self.d + b·(other's d) helper is spelled out in the ops below
        [a * self.d[0] + b, a * self.d[1] + b, a * self.d[2] + b]
    }
}

impl Add for Dual3 {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Dual3 {
            v: self.v + o.v,
            d: std::array::from_fn(|i| self.d[i] + o.d[i]),
        }
    }
}
impl Sub for Dual3 {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Dual3 {
            v: self.v - o.v,
            d: std::array::from_fn(|i| self.d[i] - o.d[i]),
        }
    }
}
#[allow(clippy::suspicious_arithmetic_impl)] // the product rule
impl Mul for Dual3 {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        Dual3 {
            v: self.v * o.v,
            d: std::array::from_fn(|i| self.d[i] * o.v + self.v * o.d[i]),
        }
    }
}
impl Div for Dual3 {
    type Output = Self;
    fn div(self, o: Self) -> Self {
        let inv = 1.0 / (o.v * o.v);
        Dual3 {
            v: self.v / o.v,
            d: std::array::from_fn(|i| (self.d[i] * o.v - self.v * o.d[i]) * inv),
        }
    }
}
impl Neg for Dual3 {
    type Output = Self;
    fn neg(self) -> Self {
        Dual3 {
            v: -self.v,
            d: self.d.map(|x| -x),
        }
    }
}
impl Scalar for Dual3 {
    fn c(x: f64) -> Self {
        Dual3 { v: x, d: [0.0; 3] }
    }
    fn exp(self) -> Self {
        let e = self.v.exp();
        Dual3 {
            v: e,
            d: self.scale(e, 0.0),
        }
    }
    fn sin(self) -> Self {
        let (s, c) = self.v.sin_cos();
        Dual3 {
            v: s,
            d: self.scale(c, 0.0),
        }
    }
    fn cos(self) -> Self {
        let (s, c) = self.v.sin_cos();
        Dual3 {
            v: c,
            d: self.scale(-s, 0.0),
        }
    }
    fn sqrt(self) -> Self {
        let r = self.v.sqrt();
        Dual3 {
            v: r,
            d: self.scale(0.5 / r, 0.0),
        }
    }
}

/// The arithmetic the kernel formulas need, for `f64` and [`Dual`].
pub trait Scalar:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// A constant.
    fn c(x: f64) -> Self;
    /// `eˣ`.
    fn exp(self) -> Self;
    /// `sin x`.
    fn sin(self) -> Self;
    /// `cos x`.
    fn cos(self) -> Self;
    /// `√x`.
    fn sqrt(self) -> Self;
}

impl Scalar for f64 {
    fn c(x: f64) -> Self {
        x
    }
    fn exp(self) -> Self {
        f64::exp(self)
    }
    fn sin(self) -> Self {
        f64::sin(self)
    }
    fn cos(self) -> Self {
        f64::cos(self)
    }
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
}

impl Add for Dual {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Dual {
            v: self.v + o.v,
            d: self.d + o.d,
        }
    }
}
impl Sub for Dual {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Dual {
            v: self.v - o.v,
            d: self.d - o.d,
        }
    }
}
#[allow(clippy::suspicious_arithmetic_impl)] // the product rule
impl Mul for Dual {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        Dual {
            v: self.v * o.v,
            d: self.d * o.v + self.v * o.d,
        }
    }
}
impl Div for Dual {
    type Output = Self;
    fn div(self, o: Self) -> Self {
        Dual {
            v: self.v / o.v,
            d: (self.d * o.v - self.v * o.d) / (o.v * o.v),
        }
    }
}
impl Neg for Dual {
    type Output = Self;
    fn neg(self) -> Self {
        Dual {
            v: -self.v,
            d: -self.d,
        }
    }
}
impl Scalar for Dual {
    fn c(x: f64) -> Self {
        Dual { v: x, d: 0.0 }
    }
    fn exp(self) -> Self {
        let e = self.v.exp();
        Dual {
            v: e,
            d: self.d * e,
        }
    }
    fn sin(self) -> Self {
        Dual {
            v: self.v.sin(),
            d: self.d * self.v.cos(),
        }
    }
    fn cos(self) -> Self {
        Dual {
            v: self.v.cos(),
            d: -self.d * self.v.sin(),
        }
    }
    fn sqrt(self) -> Self {
        let s = self.v.sqrt();
        Dual {
            v: s,
            d: self.d / (2.0 * s),
        }
    }
}

/// A stationary kernel on the line.
pub trait Kernel1d: Send + Sync {
    /// The free parameters, borrowed (evaluation reads them without copying).
    fn param_slice(&self) -> &[f64];

    /// Number of free parameters.
    fn n_params(&self) -> usize {
        self.param_slice().len()
    }

    /// The free parameters.
    fn params(&self) -> Vec<f64> {
        self.param_slice().to_vec()
    }

    /// Sets the free parameters; fails on a wrong count or non-finite values.
    fn set_params(&mut self, p: &[f64]) -> Result<()>;

    /// `[k(z), k'(z), k''(z), k'''(z)]` at parameters `p` over any scalar type.
    fn eval_with<S: Scalar>(&self, p: &[S], z: f64) -> [S; 4]
    where
        Self: Sized;

    /// `[k, k', k'', k''']` at `z`.
    fn derivatives(&self, z: f64) -> [f64; 4]
    where
        Self: Sized,
    {
        self.eval_with(self.param_slice(), z)
    }

    /// `k(z)`.
    fn value(&self, z: f64) -> f64
    where
        Self: Sized,
    {
        self.derivatives(z)[0]
    }

    /// The gradients of `[k, k', k'', k''']` at `z` in every parameter:
    /// `out[j] = ∂/∂θ_j [k, k', k'', k''']`.
    fn param_gradients(&self, z: f64) -> Vec<[f64; 4]>
    where
        Self: Sized,
    {
        let p = self.param_slice();
        (0..p.len())
            .map(|j| {
                let duals: Vec<Dual> = p
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| Dual {
                        v,
                        d: if i == j { 1.0 } else { 0.0 },
                    })
                    .collect();
                self.eval_with(&duals, z).map(|x| x.d)
            })
            .collect()
    }
}

/// The parameter accessors of a kernel that keeps its `N` parameters in
/// `self.p: [f64; N]`.
macro_rules! fixed_params {
    ($n:expr) => {
        fn param_slice(&self) -> &[f64] {
            &self.p
        }
        fn set_params(&mut self, p: &[f64]) -> Result<()> {
            check_params(p, $n)?;
            self.p.copy_from_slice(p);
            Ok(())
        }
    };
}

fn check_params(p: &[f64], n: usize) -> Result<()> {
    if p.len() != n {
        return Err(invalid("params", p.len(), "wrong number of parameters"));
    }
    if let Some(v) = p.iter().find(|v| !v.is_finite()) {
        return Err(invalid("params", v, "must be finite"));
    }
    Ok(())
}

fn sign(z: f64) -> f64 {
    if z > 0.0 {
        1.0
    } else if z < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `σ² exp(−z²/(2ℓ²))`.
#[derive(Debug, Clone, PartialEq)]
pub struct SquaredExponential {
    p: [f64; 2],
}

impl SquaredExponential {
    /// With variance `σ² > 0` and length scale `ℓ > 0`.
    pub fn new(variance: f64, lengthscale: f64) -> Result<Self> {
        if !(variance > 0.0 && variance.is_finite()) {
            return Err(invalid("variance", variance, "must be positive"));
        }
        if !(lengthscale > 0.0 && lengthscale.is_finite()) {
            return Err(invalid("lengthscale", lengthscale, "must be positive"));
        }
        Ok(Self {
            p: [variance.ln(), lengthscale.ln()],
        })
    }
}

impl Kernel1d for SquaredExponential {
    fixed_params!(2);
    fn eval_with<S: Scalar>(&self, p: &[S], z: f64) -> [S; 4] {
        // σ² e^{−r z²} with r = 1/(2ℓ²)
        gaussian_shape(S::c(0.5) / (p[1] + p[1]).exp(), z, p[0].exp())
    }
}

/// The smoothness of a [`Matern`] kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nu {
    /// ν = ½ (exponential): not differentiable at 0; derivatives there are the
    /// one-sided limits' average (0 for odd orders).
    Half,
    /// ν = 3/2: once differentiable in each argument.
    ThreeHalves,
    /// ν = 5/2: twice differentiable in each argument.
    FiveHalves,
}

/// `σ² p_ν(a|z|) e^{−a|z|}`, `a = √(2ν)/ℓ`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matern {
    nu: Nu,
    p: [f64; 2],
}

impl Matern {
    /// With smoothness `nu`, variance `σ² > 0` and length scale `ℓ > 0`.
    pub fn new(nu: Nu, variance: f64, lengthscale: f64) -> Result<Self> {
        let se = SquaredExponential::new(variance, lengthscale)?;
        Ok(Self { nu, p: se.p })
    }
}

impl Kernel1d for Matern {
    fixed_params!(2);
    fn eval_with<S: Scalar>(&self, p: &[S], z: f64) -> [S; 4] {
        let s2 = p[0].exp();
        let inv_l = (-p[1]).exp();
        let (zs, rs, sg) = (S::c(z), S::c(z.abs()), S::c(sign(z)));
        match self.nu {
            Nu::Half => {
                let e = s2 * (-(inv_l * rs)).exp();
                [
                    e,
                    -(inv_l * sg) * e,
                    inv_l * inv_l * e,
                    -(inv_l * inv_l * inv_l * sg) * e,
                ]
            }
            Nu::ThreeHalves => {
                let a = S::c(3f64.sqrt()) * inv_l;
                let e = s2 * (-(a * rs)).exp();
                let ar = a * rs;
                [
                    (S::c(1.0) + ar) * e,
                    -(a * a * zs) * e,
                    -(a * a) * (S::c(1.0) - ar) * e,
                    a * a * a * sg * (S::c(2.0) - ar) * e,
                ]
            }
            Nu::FiveHalves => {
                let a = S::c(5f64.sqrt()) * inv_l;
                matern52_shape(a, z, s2)
            }
        }
    }
}

/// `s·e^{−r z²}` and its first three derivatives in `z`.
fn gaussian_shape<S: Scalar>(r: S, z: f64, s: S) -> [S; 4] {
    let zs = S::c(z);
    let g = s * (-(r * zs * zs)).exp();
    let two = S::c(2.0);
    [
        g,
        -(two * r * zs) * g,
        (S::c(4.0) * r * r * zs * zs - two * r) * g,
        (S::c(12.0) * r * r * zs - S::c(8.0) * r * r * r * zs * zs * zs) * g,
    ]
}

/// `s·(1 + αR + α²R²/3) e^{−αR}` and its first three derivatives in `z`.
fn matern52_shape<S: Scalar>(a: S, z: f64, s: S) -> [S; 4] {
    let (zs, rs) = (S::c(z), S::c(z.abs()));
    let e = s * (-(a * rs)).exp();
    let ar = a * rs;
    let third = S::c(1.0 / 3.0);
    let one = S::c(1.0);
    [
        (one + ar + ar * ar * third) * e,
        -(a * a * third) * zs * (one + ar) * e,
        -(a * a * third) * (one + ar - ar * ar) * e,
        a * a * a * a * third * zs * (S::c(3.0) - ar) * e,
    ]
}

/// `σ² exp(−2 sin²(πz/p)/ℓ²)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Periodic {
    p: [f64; 3],
}

impl Periodic {
    /// With variance, length scale and period, all positive.
    pub fn new(variance: f64, lengthscale: f64, period: f64) -> Result<Self> {
        let se = SquaredExponential::new(variance, lengthscale)?;
        if !(period > 0.0 && period.is_finite()) {
            return Err(invalid("period", period, "must be positive"));
        }
        Ok(Self {
            p: [se.p[0], se.p[1], period.ln()],
        })
    }
}

impl Kernel1d for Periodic {
    fixed_params!(3);
    fn eval_with<S: Scalar>(&self, p: &[S], z: f64) -> [S; 4] {
        let s2 = p[0].exp();
        let inv_l2 = (-(p[1] + p[1])).exp();
        let w = S::c(PI) / p[2].exp(); // π/p
        let u2 = S::c(2.0) * w * S::c(z); // 2u
        let (s2u, c2u) = (u2.sin(), u2.cos());
        // h = −2 sin²u/ℓ² = (cos 2u − 1)/ℓ²
        let h = (c2u - S::c(1.0)) * inv_l2;
        let h1 = -(S::c(2.0) * w * s2u * inv_l2);
        let h2 = -(S::c(4.0) * w * w * c2u * inv_l2);
        let h3 = S::c(8.0) * w * w * w * s2u * inv_l2;
        let k = s2 * h.exp();
        [
            k,
            k * h1,
            k * (h2 + h1 * h1),
            k * (h3 + S::c(3.0) * h1 * h2 + h1 * h1 * h1),
        ]
    }
}

/// A [`SpectralMixture`] at the lags `z_m = m·h` of a uniform grid
/// ([`SpectralMixture::lag_table`]).
#[derive(Debug, Clone, Default)]
pub struct LagTable {
    n: usize,
    k: Vec<f64>,
    k2: Vec<f64>,
    /// Per component, six runs of `n`: `∂k/∂log w, ∂k''/∂log w, ∂k/∂ρ, ∂k''/∂ρ,
    /// ∂k/∂μ, ∂k''/∂μ`.
    partials: Vec<f64>,
    /// `k'(z_m)` and, per component, three runs of `n`: `∂k'/∂log w, ∂k'/∂ρ,
    /// ∂k'/∂μ`; empty unless asked for ([`SpectralMixture::lag_table_with_slope`]).
    k1: Vec<f64>,
    partials1: Vec<f64>,
}

impl LagTable {
    /// `k(z_m)`.
    pub fn k(&self) -> &[f64] {
        &self.k
    }

    /// `k''(z_m)`.
    pub fn k2(&self) -> &[f64] {
        &self.k2
    }

    /// `k'(z_m)` (empty unless the table was built with
    /// [`SpectralMixture::lag_table_with_slope`]). `k'` is odd: the skew Toeplitz
    /// matrix `[k'(x_i − x_j)]` has `sign(i − j)·k'(z_{|i−j|})` at `(i, j)`.
    pub fn k1(&self) -> &[f64] {
        &self.k1
    }

    /// `Σ_m e_m ∂k'(z_m)/∂θ` for every parameter θ (layout of
    /// [`Kernel1d::params`]): the parameter gradient of a loss whose derivative in
    /// the skew Toeplitz matrix `[k'(x_i − x_j)]` has the signed diagonal sums `e`
    /// (`e_l = Σ_{i−j=l} G_ij − Σ_{j−i=l} G_ij`). Zeros when the table holds no
    /// slopes.
    pub fn gradient_first(&self, e: &[f64]) -> Vec<f64> {
        let n = self.n;
        assert_eq!(e.len(), n, "LagTable::gradient_first: one value per lag");
        if self.partials1.is_empty() {
            return vec![0.0; self.partials.len() / (2 * n.max(1))];
        }
        self.partials1.chunks(n).map(|run| dot(e, run)).collect()
    }

    /// `Σ_m (c_m ∂k(z_m)/∂θ + e_m ∂k''(z_m)/∂θ)` for every parameter θ (layout of
    /// [`Kernel1d::params`]): the parameter gradient of a loss whose derivatives in
    /// the Toeplitz matrices `[k]` and `[k'']` have the folded diagonal sums `c` and
    /// `e` (one value per lag).
    pub fn gradient(&self, c: &[f64], e: &[f64]) -> Vec<f64> {
        let n = self.n;
        assert!(
            c.len() == n && e.len() == n,
            "LagTable::gradient: one value per lag"
        );
        let mut out = Vec::with_capacity(self.partials.len() / (2 * n));
        for run in self.partials.chunks(2 * n) {
            let (pk, pk2) = run.split_at(n);
            out.push(dot(c, pk) + dot(e, pk2));
        }
        out
    }
}

/// The envelope of a [`SpectralMixture`] component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// Gaussian `e^{−r z²}` (GM).
    Gaussian,
    /// Matérn-5/2 (Student-t spectral density; StM).
    Matern52,
}

/// `Σ_q w_q g_q(z) cos(2πμ_q z)` with parameters `(log w_q, ρ_q, μ_q)` per
/// component, stored component by component.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralMixture {
    envelope: Envelope,
    p: Vec<f64>,
}

impl SpectralMixture {
    /// GP-HM's initialisation: `Q` components, `log w = log(1/Q)`, `ρ = 0`,
    /// `μ = linspace(0, 1, Q)·freq_scale`.
    pub fn gp_hm_init(envelope: Envelope, q: usize, freq_scale: f64) -> Result<Self> {
        if q == 0 {
            return Err(invalid("components", q, "need at least one"));
        }
        let mut p = Vec::with_capacity(3 * q);
        for i in 0..q {
            let mu = if q == 1 {
                0.0
            } else {
                i as f64 / (q - 1) as f64 * freq_scale
            };
            p.extend([(1.0 / q as f64).ln(), 0.0, mu]);
        }
        Ok(Self { envelope, p })
    }

    /// From `(weight, log inverse length scale ρ, frequency μ)` per component.
    pub fn new(envelope: Envelope, components: &[(f64, f64, f64)]) -> Result<Self> {
        let mut p = Vec::with_capacity(3 * components.len());
        for &(w, rho, mu) in components {
            if !(w > 0.0 && w.is_finite() && rho.is_finite() && mu.is_finite()) {
                return Err(invalid(
                    "component",
                    format!("({w}, {rho}, {mu})"),
                    "weight > 0, finite ρ and μ",
                ));
            }
            p.extend([w.ln(), rho, mu]);
        }
        if p.is_empty() {
            return Err(invalid("components", 0, "need at least one"));
        }
        Ok(Self { envelope, p })
    }

    /// Number of components.
    pub fn components(&self) -> usize {
        self.p.len() / 3
    }

    /// Per parameter, `∂/∂θ [k, k', k'', k''']` at `z`, each component
    /// differentiated alone with a three-slot dual (cost `Q` component evaluations
    /// instead of [`Kernel1d::param_gradients`]' `3Q²`).
    pub fn param_gradients_fast(&self, z: f64) -> Vec<[f64; 4]> {
        let mut out = Vec::with_capacity(self.p.len());
        for c in self.p.chunks(3) {
            let duals: [Dual3; 3] = std::array::from_fn(|i| {
                let mut d = [0.0; 3];
                d[i] = 1.0;
                Dual3 { v: c[i], d }
            });
            let r = self.eval_with(&duals, z);
            for j in 0..3 {
                out.push(r.map(|x| x.d[j]));
            }
        }
        out
    }

    /// The envelope shape `[g, g′, g″, g‴]` at `z` for `ρ`, each entry a dual
    /// number carrying `∂/∂ρ`.
    fn shape_with_rho_derivative(&self, rho: f64, z: f64) -> [Dual; 4] {
        let one = Dual::c(1.0);
        match self.envelope {
            Envelope::Gaussian => {
                let r = rho.exp();
                gaussian_shape(Dual { v: r, d: r }, z, one)
            }
            Envelope::Matern52 => {
                let a = 5f64.sqrt() * rho.exp();
                matern52_shape(Dual { v: a, d: a }, z, one)
            }
        }
    }

    /// `k`, `k''` and their parameter gradients at the lags `z_m = m·h`,
    /// `m = 0 … n − 1`: the first rows of the symmetric Toeplitz matrices
    /// `[k(x_i − x_j)]` and `[k''(x_i − x_j)]` on a uniform grid of spacing `h`, and
    /// what [`LagTable::gradient`] contracts. One exponential and one `sincos` per
    /// lag and component.
    pub fn lag_table(&self, h: f64, n: usize) -> LagTable {
        let q = self.components();
        let mut t = LagTable {
            n,
            k: vec![0.0; n],
            k2: vec![0.0; n],
            partials: vec![0.0; 6 * q * n],
            k1: Vec::new(),
            partials1: Vec::new(),
        };
        for (comp, part) in self.p.chunks(3).zip(t.partials.chunks_mut(6 * n)) {
            let (w, m) = (comp[0].exp(), 2.0 * PI * comp[2]);
            let (kq, rest) = part.split_at_mut(n);
            let (k2q, rest) = rest.split_at_mut(n);
            let (kr, rest) = rest.split_at_mut(n);
            let (k2r, rest) = rest.split_at_mut(n);
            let (km, k2m) = rest.split_at_mut(n);
            for i in 0..n {
                let z = i as f64 * h;
                let [g, g1, g2, _] = self.shape_with_rho_derivative(comp[1], z);
                let (s, co) = (m * z).sin_cos();
                // this component's k and k'' (also their log w derivatives) …
                kq[i] = w * g.v * co;
                k2q[i] = w * (g2.v * co - 2.0 * m * g1.v * s - m * m * g.v * co);
                // … their ρ derivatives through the envelope …
                kr[i] = w * g.d * co;
                k2r[i] = w * (g2.d * co - 2.0 * m * g1.d * s - m * m * g.d * co);
                // … and their μ derivatives, ∂/∂μ = 2π ∂/∂m
                km[i] = -2.0 * PI * w * g.v * z * s;
                k2m[i] = 2.0
                    * PI
                    * w
                    * (-z * s * g2.v
                        - 2.0 * g1.v * s
                        - 2.0 * m * z * g1.v * co
                        - 2.0 * m * g.v * co
                        + m * m * z * g.v * s);
                t.k[i] += kq[i];
                t.k2[i] += k2q[i];
            }
        }
        t
    }

    /// [`Self::lag_table`] with the first derivative too: `k'(z_m)` and its
    /// parameter gradients ([`LagTable::k1`], [`LagTable::gradient_first`]), for
    /// residuals with first derivatives (advection).
    pub fn lag_table_with_slope(&self, h: f64, n: usize) -> LagTable {
        let mut t = self.lag_table(h, n);
        t.k1 = vec![0.0; n];
        t.partials1 = vec![0.0; 3 * self.components() * n];
        for (comp, part) in self.p.chunks(3).zip(t.partials1.chunks_mut(3 * n)) {
            let (w, m) = (comp[0].exp(), 2.0 * PI * comp[2]);
            let (k1w, rest) = part.split_at_mut(n);
            let (k1r, k1m) = rest.split_at_mut(n);
            for i in 0..n {
                let z = i as f64 * h;
                let [g, g1, _, _] = self.shape_with_rho_derivative(comp[1], z);
                let (s, co) = (m * z).sin_cos();
                // k' = w (g' cos mz − m g sin mz), also its log w derivative …
                k1w[i] = w * (g1.v * co - m * g.v * s);
                // … its ρ derivative through the envelope …
                k1r[i] = w * (g1.d * co - m * g.d * s);
                // … and its μ derivative, ∂/∂μ = 2π ∂/∂m
                k1m[i] = 2.0 * PI * w * (-z * g1.v * s - g.v * s - m * z * g.v * co);
                t.k1[i] += k1w[i];
            }
        }
        t
    }

    /// `(w_q, μ_q)` of every component: the learned spectrum.
    pub fn spectrum(&self) -> Vec<(f64, f64)> {
        self.p.chunks(3).map(|c| (c[0].exp(), c[2])).collect()
    }
}

impl Kernel1d for SpectralMixture {
    fn param_slice(&self) -> &[f64] {
        &self.p
    }
    fn set_params(&mut self, p: &[f64]) -> Result<()> {
        check_params(p, self.p.len())?;
        self.p.copy_from_slice(p);
        Ok(())
    }
    fn eval_with<S: Scalar>(&self, p: &[S], z: f64) -> [S; 4] {
        let zero = S::c(0.0);
        let mut out = [zero; 4];
        let zs = S::c(z);
        for c in p.chunks(3) {
            let w = c[0].exp();
            let g = match self.envelope {
                Envelope::Gaussian => gaussian_shape(c[1].exp(), z, S::c(1.0)),
                Envelope::Matern52 => matern52_shape(S::c(5f64.sqrt()) * c[1].exp(), z, S::c(1.0)),
            };
            let m = S::c(2.0 * PI) * c[2];
            let (cz, sz) = ((m * zs).cos(), (m * zs).sin());
            let three = S::c(3.0);
            out[0] = out[0] + w * g[0] * cz;
            out[1] = out[1] + w * (g[1] * cz - m * g[0] * sz);
            out[2] = out[2] + w * (g[2] * cz - S::c(2.0) * m * g[1] * sz - m * m * g[0] * cz);
            out[3] = out[3]
                + w * (g[3] * cz - three * m * g[2] * sz - three * m * m * g[1] * cz
                    + m * m * m * g[0] * sz);
        }
        out
    }
}
