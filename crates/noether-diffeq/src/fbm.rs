//! Fractional Brownian motion by its Markov approximation (Daems, Opper, Crevecoeur
//! & Birdal, "Variational inference for SDEs driven by fractional noise", ICLR 2024).
//!
//! Type II (Riemann–Liouville) fBM `B^H(t) = Γ(H+½)⁻¹ ∫₀ᵗ (t−s)^{H−½} dB_s` is
//! approximated by `B̂^H = Σ_k ω_k Y_k`, a weighted sum of `K` Ornstein–Uhlenbeck
//! processes `dY_k = −γ_k Y_k dt + dB` driven by the same Brownian motion, with
//! geometric rates `γ_k = r^{k−(K+1)/2}` and the weights that minimise
//! `∫₀ᵀ E(B^H − B̂^H)² dt`: `Aω = b` with
//! `A_ij = (T + (e^{−(γ_i+γ_j)T} − 1)/(γ_i+γ_j))/(γ_i+γ_j)` and
//! `b_k = T P(H+½, γ_kT)/γ_k^{H+½} − (H+½) P(H+3/2, γ_kT)/γ_k^{H+3/2}`.
//! The pair `(B, Y₁ … Y_K)` is Markov, so fBM-driven SDEs become ordinary SDEs.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use noether_core::{Real, Space};

use crate::error::{Result, invalid};
use crate::special::{gamma, gamma_p};

/// The Markov approximation of type II fBM on `[0, T]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkovFbm {
    /// Hurst index `H ∈ (0, 1)`.
    pub hurst: f64,
    /// Horizon `T` of the optimisation.
    pub horizon: f64,
    /// Mean-reversion rates `γ_k`.
    pub gammas: Vec<f64>,
    /// Optimal weights `ω_k`.
    pub weights: Vec<f64>,
    b: Vec<f64>,
}

impl MarkovFbm {
    /// The approximation with `k` OU processes, rates geometric between `1/γ_max` and
    /// `γ_max` (`r = γ_max^{2/(K−1)}`), optimal on `[0, horizon]`.
    pub fn type2(hurst: f64, k: usize, gamma_max: f64, horizon: f64) -> Result<Self> {
        if !(hurst > 0.0 && hurst < 1.0) {
            return Err(invalid("hurst", hurst, "must lie in (0, 1)"));
        }
        if k == 0 {
            return Err(invalid("k", 0, "at least one OU process"));
        }
        if !(gamma_max.is_finite() && gamma_max > 1.0) {
            return Err(invalid("gamma_max", gamma_max, "must be finite and > 1"));
        }
        if !(horizon.is_finite() && horizon > 0.0) {
            return Err(invalid("horizon", horizon, "must be finite and positive"));
        }
        let r = if k > 1 {
            gamma_max.powf(2.0 / (k as f64 - 1.0))
        } else {
            1.0
        };
        let gammas: Vec<f64> = (1..=k)
            .map(|i| r.powf(i as f64 - (k as f64 + 1.0) / 2.0))
            .collect();
        let t = horizon;
        let a = Mat::from_fn(k, k, |i, j| {
            let g = gammas[i] + gammas[j];
            (t + ((-g * t).exp() - 1.0) / g) / g
        });
        let hp = hurst + 0.5;
        let b: Vec<f64> = gammas
            .iter()
            .map(|&g| {
                t * gamma_p(hp, g * t) / g.powf(hp)
                    - hp * gamma_p(hp + 1.0, g * t) / g.powf(hp + 1.0)
            })
            .collect();
        let rhs = Mat::from_fn(k, 1, |i, _| b[i]);
        let llt = a.llt(Side::Lower).map_err(|_| {
            invalid("gamma_max", gamma_max, "Gram matrix of the OU processes is numerically singular; use fewer processes or a narrower rate range")
        })?;
        let w = llt.solve(&rhs);
        let weights: Vec<f64> = (0..k).map(|i| w[(i, 0)]).collect();
        if weights.iter().any(|w| !w.is_finite()) {
            return Err(invalid("gamma_max", gamma_max, "weights are not finite"));
        }
        Ok(Self {
            hurst,
            horizon,
            gammas,
            weights,
            b,
        })
    }

    /// The same rates and horizon with another Hurst index (new optimal weights).
    ///
    /// Errors: as [`MarkovFbm::type2`].
    pub fn with_hurst(&self, hurst: f64) -> Result<Self> {
        let k = self.gammas.len();
        let gamma_max = if k > 1 { self.gammas[k - 1] } else { 2.0 };
        Self::type2(hurst, k, gamma_max, self.horizon)
    }

    /// `dω/dH`, the derivative of the optimal weights in the Hurst index on these
    /// rates, by fourth-order central differences with step `δ = 10⁻³`
    /// (`(−ω(H+2δ) + 8ω(H+δ) − 8ω(H−δ) + ω(H−2δ))/12δ`, truncation `O(δ⁴)`): the Gram
    /// matrix `A` is ill-conditioned, so the weights carry round-off of about
    /// `10⁻⁸` relative and a smaller step would amplify it. This is what makes `H`
    /// learnable by gradient descent.
    ///
    /// Errors: as [`MarkovFbm::type2`] (for `H` within `2·10⁻³` of 0 or 1).
    pub fn weights_derivative(&self) -> Result<Vec<f64>> {
        let d = 1e-3;
        let at = |k: f64| self.with_hurst(self.hurst + k * d).map(|m| m.weights);
        let (p2, p1, m1, m2) = (at(2.0)?, at(1.0)?, at(-1.0)?, at(-2.0)?);
        Ok((0..self.weights.len())
            .map(|i| (-p2[i] + 8.0 * p1[i] - 8.0 * m1[i] + m2[i]) / (12.0 * d))
            .collect())
    }

    /// The approximation with the rate range `γ_max` that minimises the relative
    /// error, found by golden-section search on `log γ_max ∈ [log 1.5, log 1e4]`.
    pub fn type2_optimal(hurst: f64, k: usize, horizon: f64) -> Result<Self> {
        let err = |lg: f64| {
            Self::type2(hurst, k, lg.exp(), horizon)
                .map(|m| m.relative_error())
                .unwrap_or(f64::INFINITY)
        };
        let (mut lo, mut hi) = (1.5f64.ln(), 1e4f64.ln());
        let phi = 0.5 * (5f64.sqrt() - 1.0);
        let (mut x1, mut x2) = (hi - phi * (hi - lo), lo + phi * (hi - lo));
        let (mut f1, mut f2) = (err(x1), err(x2));
        for _ in 0..60 {
            if f1 <= f2 {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - phi * (hi - lo);
                f1 = err(x1);
            } else {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + phi * (hi - lo);
                f2 = err(x2);
            }
        }
        Self::type2(hurst, k, (0.5 * (lo + hi)).exp(), horizon)
    }

    /// `∫₀ᵀ E[B^H(t)²] dt = T^{2H+1} / (2H(2H+1)Γ(H+½)²)`.
    fn target_energy(&self) -> f64 {
        let h = self.hurst;
        self.horizon.powf(2.0 * h + 1.0) / (2.0 * h * (2.0 * h + 1.0) * gamma(h + 0.5).powi(2))
    }

    /// Relative approximation error `∫E(B^H − B̂^H)² / ∫E(B^H)² = 1 − bᵀω / c`.
    pub fn relative_error(&self) -> f64 {
        let bw: f64 = self.b.iter().zip(&self.weights).map(|(b, w)| b * w).sum();
        1.0 - bw / self.target_energy()
    }

    /// `Cov(B̂^H(s), B̂^H(t))` of the approximation, in closed form.
    pub fn covariance(&self, s: f64, t: f64) -> f64 {
        let (s, t) = (s.min(t), s.max(t));
        let mut c = 0.0;
        for (&gi, &wi) in self.gammas.iter().zip(&self.weights) {
            for (&gj, &wj) in self.gammas.iter().zip(&self.weights) {
                let g = gi + gj;
                // Cov(Y_i(s), Y_j(t)) = e^{−γ_j(t−s)} (1 − e^{−(γ_i+γ_j)s}) / (γ_i+γ_j)
                c += wi * wj * (-gj * (t - s)).exp() * (1.0 - (-g * s).exp()) / g;
            }
        }
        c
    }
}

/// `Cov(B^H(s), B^H(t))` of type II (Riemann–Liouville) fBM,
/// `Γ(H+½)⁻² ∫₀^{min(s,t)} (s−u)^{H−½}(t−u)^{H−½} du`, by composite Gauss–Legendre
/// quadrature after the substitution `w = (s−u)^{H+½}` that removes the singularity
/// at `u = s` (closed form `s^{2H}/(2H Γ(H+½)²)` on the diagonal).
pub fn type2_covariance(hurst: f64, s: f64, t: f64) -> f64 {
    let (s, t) = (s.min(t), s.max(t));
    let hp = hurst + 0.5;
    let norm = gamma(hp).powi(2);
    if s <= 0.0 {
        return 0.0;
    }
    if t == s {
        return s.powf(2.0 * hurst) / (2.0 * hurst * norm);
    }
    const X: [f64; 5] = [
        0.0,
        -0.538_469_310_105_683_1,
        0.538_469_310_105_683_1,
        -0.906_179_845_938_664,
        0.906_179_845_938_664,
    ];
    const W: [f64; 5] = [
        0.568_888_888_888_888_9,
        0.478_628_670_499_366_5,
        0.478_628_670_499_366_5,
        0.236_926_885_056_189_1,
        0.236_926_885_056_189_1,
    ];
    let wmax = s.powf(hp);
    // Panels graded towards w = 0, where (t − s + v)^{H−½} is nearly singular when t ≈ s.
    let panels = 400;
    let edge = |p: usize| wmax * (p as f64 / panels as f64).powi(4);
    let mut sum = 0.0;
    for p in 0..panels {
        let (a, b) = (edge(p), edge(p + 1));
        let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
        for (x, wt) in X.iter().zip(W) {
            let v = (mid + half * x).powf(1.0 / hp); // s − u
            sum += wt * half * (t - s + v).powf(hurst - 0.5);
        }
    }
    sum / hp / norm
}

impl MarkovFbm {
    /// Covariance of the OU increments over a step `h`:
    /// `Q_ij = (1 − e^{−(γ_i+γ_j)h})/(γ_i+γ_j)`, the exact transition noise of
    /// `Y(t + h) = e^{−γh} Y(t) + ξ`.
    fn transition_covariance(&self, h: f64) -> Vec<f64> {
        let k = self.gammas.len();
        let mut q = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                let g = self.gammas[i] + self.gammas[j];
                q[i * k + j] = -(-g * h).exp_m1() / g;
            }
        }
        q
    }

    /// Samples `paths` independent paths of the approximation `B̂^H = Σ ω_k Y_k` at the
    /// increasing times `times` (from `B̂^H(0) = 0`), by the exact Gaussian transition
    /// of the OU vector (no time-stepping error: the samples have exactly the
    /// covariance [`MarkovFbm::covariance`]). Reproducible for a `seed`.
    /// Returns `paths × times.len()` values, path-major.
    ///
    /// Errors: times not increasing and non-negative.
    pub fn sample_paths(&self, times: &[f64], paths: usize, seed: u64) -> Result<Vec<f64>> {
        let k = self.gammas.len();
        let mut t_prev = 0.0;
        let mut steps = Vec::with_capacity(times.len());
        for &t in times {
            if !(t.is_finite() && t >= t_prev) {
                return Err(invalid("times", t, "must be finite, >= 0 and increasing"));
            }
            let h = t - t_prev;
            let decay: Vec<f64> = self.gammas.iter().map(|g| (-g * h).exp()).collect();
            let chol = cholesky_psd(&self.transition_covariance(h), k);
            steps.push((decay, chol));
            t_prev = t;
        }
        let mut out = vec![0.0; paths * times.len()];
        let mut y = vec![0.0; k];
        let mut z = vec![0.0; k];
        for p in 0..paths {
            y.iter_mut().for_each(|v| *v = 0.0);
            for (step, (decay, chol)) in steps.iter().enumerate() {
                let node = (p as u64) << 32 | step as u64;
                for (c, zc) in z.iter_mut().enumerate() {
                    *zc = crate::brownian::normal(seed, node, c as u64);
                }
                for i in 0..k {
                    let noise: f64 = (0..=i).map(|j| chol[i * k + j] * z[j]).sum();
                    y[i] = decay[i] * y[i] + noise;
                }
                out[p * times.len() + step] = y.iter().zip(&self.weights).map(|(a, w)| a * w).sum();
            }
        }
        Ok(out)
    }
}

/// Lower Cholesky factor of a symmetric positive semi-definite `k × k` matrix
/// (row-major). The OU transition covariances are positive definite but can be
/// ill-conditioned for close rates; pivots below `1e-300` (rounding of a
/// semi-definite direction) give a zero column rather than NaN.
fn cholesky_psd(a: &[f64], k: usize) -> Vec<f64> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = a[i * k + j] - (0..j).map(|p| l[i * k + p] * l[j * k + p]).sum::<f64>();
            if i == j {
                l[i * k + i] = if s > 1e-300 { s.sqrt() } else { 0.0 };
            } else if l[j * k + j] > 0.0 {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    l
}

/// An SDE driven by (the Markov approximation of) fractional Brownian motion,
/// `dX = μ(t, X) dt + σ(t, X) ∘ dB̂^H`, written as an ordinary SDE in the augmented
/// state `(X, Y)`, `Y = (Y₁ … Y_K)`, with one Brownian motion:
/// `dX = (μ − σ Σ_k ω_k γ_k Y_k) dt + σ (Σ_k ω_k) ∘ dB`, `dY_k = −γ_k Y_k dt + dB`.
/// The state is the product space `(V, V)` of any [`Space`] `V` (host vectors or
/// device tensors: `Y` lives where `X` lives); `μ` and `σ` act on `X`. The
/// calculus `C` is that of the driving Brownian integral (Stratonovich keeps the
/// chain rule of the smooth fBM limit; both agree when σ does not depend on `X`).
/// Each drift evaluation reduces `Σ ω_k γ_k Y_k` to the host and each diffusion
/// evaluation reads the scalar increment (one transfer each).
///
/// ```
/// use noether_core::{Space, Stratonovich};
/// use noether_diffeq::brownian::VirtualBrownianTree;
/// use noether_diffeq::fbm::{FbmSde, MarkovFbm};
/// use noether_diffeq::sde::{EulerHeun, Scheme, SdeSystem};
/// use noether_diffeq::{solve, OdeProblem, SolveOptions};
///
/// // dX = dB̂^H (H = 0.7): X(t) is the fBM approximation itself.
/// let fbm = MarkovFbm::type2_optimal(0.7, 5, 1.0).unwrap();
/// let sde: FbmSde<'_, Vec<f64>, Stratonovich, _, _> = FbmSde::new(
///     &fbm,
///     |_t, _x: &Vec<f64>, out: &mut Vec<f64>| out[0] = 0.0,
///     |_t, _x: &Vec<f64>, out: &mut Vec<f64>| out[0] = 1.0,
/// );
/// let path = VirtualBrownianTree::new(0.0, 1.0, 1, 1e-3, 3).unwrap();
/// let system = SdeSystem::new(&sde, &path);
/// let problem = OdeProblem::new(&system, (0.0, 1.0), sde.initial_state(&vec![0.0]));
/// let sol = solve(&problem, Scheme::new(EulerHeun), SolveOptions::default().fixed(1.0 / 256.0)).unwrap();
/// let y = &sol.ys[0];
/// assert!((y.0[0] - sde.fbm_value(y)).abs() < 1e-12);
/// ```
pub struct FbmSde<'a, V, C, F, G> {
    fbm: &'a MarkovFbm,
    drift: F,
    diffusion: G,
    /// `σ(t, X)`, `ω ∘ γ`, `γ` and `ω` on the state's device, made on first use.
    scratch: std::cell::RefCell<Option<FbmScratch<V>>>,
    _calculus: std::marker::PhantomData<C>,
}

struct FbmScratch<V> {
    sigma: V,
    omega_gamma: V,
    gamma: V,
    omega: V,
}

impl<'a, V, C, F, G> FbmSde<'a, V, C, F, G>
where
    V: Space,
    F: Fn(f64, &V, &mut V),
    G: Fn(f64, &V, &mut V),
{
    /// The SDE with drift `μ(t, x, out)` and the vector `σ(t, x, out)` multiplying
    /// the scalar fBM.
    pub fn new(fbm: &'a MarkovFbm, drift: F, diffusion: G) -> Self {
        Self {
            fbm,
            drift,
            diffusion,
            scratch: std::cell::RefCell::new(None),
            _calculus: std::marker::PhantomData,
        }
    }

    /// The augmented initial state `(x0, 0)`, with `Y` where `x0` lives.
    pub fn initial_state(&self, x0: &V) -> (V, V) {
        (x0.clone(), x0.zeros_with_len(self.fbm.gammas.len()))
    }

    /// The coefficient vectors on the device of `state`.
    fn scratch_for(&self, state: &(V, V)) -> std::cell::RefMut<'_, FbmScratch<V>> {
        let mut cell = self.scratch.borrow_mut();
        if cell.as_ref().is_none_or(|s| s.sigma.len() != state.0.len()) {
            let k = self.fbm.gammas.len();
            let make = |values: &[f64]| {
                let mut v = state.1.zeros_with_len(k);
                v.copy_from_f64(values);
                v
            };
            let og: Vec<f64> = self
                .fbm
                .gammas
                .iter()
                .zip(&self.fbm.weights)
                .map(|(g, w)| g * w)
                .collect();
            *cell = Some(FbmScratch {
                sigma: state.0.zeros_like(),
                omega_gamma: make(&og),
                gamma: make(&self.fbm.gammas),
                omega: make(&self.fbm.weights),
            });
        }
        std::cell::RefMut::map(cell, |c| c.as_mut().expect("scratch was just made"))
    }

    /// `B̂^H = Σ ω_k Y_k` of an augmented state (one reduction).
    pub fn fbm_value(&self, state: &(V, V)) -> f64 {
        let s = self.scratch_for(state);
        state.1.dot(&s.omega).as_f64()
    }
}

impl<V, C, F, G> noether_core::Sde<(V, V)> for FbmSde<'_, V, C, F, G>
where
    V: Space,
    C: noether_core::Calculus,
    F: Fn(f64, &V, &mut V),
    G: Fn(f64, &V, &mut V),
{
    type Calculus = C;

    fn noise_shape(&self) -> noether_core::NoiseShape {
        noether_core::NoiseShape::Scalar
    }

    fn drift(&self, t: f64, s: &(V, V), out: &mut (V, V)) {
        let sc = V::Scalar::of_f64;
        let mut scratch = self.scratch_for(s);
        let FbmScratch {
            sigma,
            omega_gamma,
            gamma,
            ..
        } = &mut *scratch;
        (self.drift)(t, &s.0, &mut out.0);
        (self.diffusion)(t, &s.0, sigma);
        let pull = s.1.dot(omega_gamma);
        out.0.axpy(-pull, sigma);
        out.1.copy_from(&s.1);
        out.1.mul_elementwise(gamma);
        out.1.scale(sc(-1.0));
    }

    fn diffusion_times(&self, t: f64, s: &(V, V), dw: &(V, V), out: &mut (V, V)) {
        let sc = V::Scalar::of_f64;
        // The scalar increment ΔB (a state of one entry for scalar noise).
        let db = dw.to_f64_vec().first().copied().unwrap_or(0.0);
        (self.diffusion)(t, &s.0, &mut out.0);
        let wsum: f64 = self.fbm.weights.iter().sum();
        out.0.scale(sc(wsum * db));
        out.1.fill(sc(db));
    }
}
