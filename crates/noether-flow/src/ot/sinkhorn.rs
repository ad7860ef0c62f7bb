//! Entropic optimal transport by Sinkhorn's iteration in the log domain, with
//! ε-scaling, an unbalanced (KL-relaxed) variant and envelope-theorem gradients.
//!
//! **Problem.** With `a ∈ ℝⁿ₊`, `b ∈ ℝᵐ₊`, costs `C` and `ε > 0`,
//! `OT_ε = min_P ⟨P, C⟩ + ε KL(P ‖ a⊗b)` over plans with marginals `a`, `b`
//! (KL the generalised divergence `Σ P log(P/q) − P + q`). Its solution is
//! `Pᵢⱼ = aᵢbⱼ exp((fᵢ + gⱼ − Cᵢⱼ)/ε)`; it is POT's plan too (POT regularises with
//! `Σ P log P`, which differs from this KL by a constant on the feasible set).
//!
//! **Iteration** (block coordinate ascent on the dual), on the potentials only:
//! `gⱼ ← −ε LSEᵢ(log aᵢ + (fᵢ − Cᵢⱼ)/ε)`, then `fᵢ ← −ε LSEⱼ(log bⱼ + (gⱼ − Cᵢⱼ)/ε)`.
//! Every log-sum-exp is shifted by the potential it replaces, so that the exponent
//! is `log(Pᵢⱼ/aᵢ)` or `log(Pᵢⱼ/bⱼ)`, at most `log(1/weight)` near convergence: one
//! pass of vectorised `exp` ([`noether_core::fast_math::exp`]) per row, and a
//! second pass with the row maximum only where the shifted sum leaves the normal
//! range. This never forms `exp(−C/ε)`, so `ε = 10⁻⁴ · max C` runs where the
//! kernel form underflows to zero. Rows of `C` and of `Cᵀ` (a copy) are processed
//! in parallel.
//!
//! **Kernel form.** For the balanced problem, after three log-domain iterations the
//! potentials are absorbed into `K̃ᵢⱼ = exp((fᵢ + gⱼ − Cᵢⱼ)/ε)` and the iteration
//! continues on scalings `u, v` with two matrix–vector products per iteration
//! (Schmitzer's stabilised scaling, 2019): the scalings are absorbed back and `K̃`
//! rebuilt whenever they pass `e^{±30}`. Where a row or column of `K̃` underflows
//! to zero, the iteration falls back to the log domain. It needs an `n × m` matrix
//! beyond the costs and their transpose.
//!
//! **Stopping**, as POT: after the `f` update the row marginals are exact, and the
//! iteration stops when the column marginals' Euclidean error `‖Pᵀ1 − b‖₂` is below
//! `tol`. That error comes free with the next `g` update.
//!
//! **Over-relaxation** (Thibault, Chizat, Dossal & Papadakis 2021; Lehmann et al.
//! 2022): `f ← (1 − ω)f + ω F(g)` and likewise for `g`, with `ω ∈ [1, 2)` chosen
//! from the contraction rate η of the plain iteration as `2/(1 + √(1 − η))`. Same
//! fixed point, a rate of about `1 − √(1 − η)` per iteration instead of η; plain
//! iterations resume once the error is below `tol`, so the stopping rule is
//! POT's. On by default for the balanced problem.
//!
//! **ε-scaling** (Schmitzer 2019): optionally solve first at `ε₀ = max |C|` and
//! divide ε by a constant factor per stage, a few warm-started iterations per stage,
//! down to the target; at small ε this cuts the iteration count by orders of
//! magnitude.
//!
//! **Unbalanced** (Chizat et al. 2018): replace the marginal constraints by penalties
//! `ρ_a KL(P1 ‖ a) + ρ_b KL(Pᵀ1 ‖ b)`; the updates are the balanced ones multiplied
//! by `ρ/(ρ + ε)` (POT's `sinkhorn_knopp_unbalanced` with `reg_type = "kl"`). It
//! stops when no potential moves by more than `tol · ε` in an iteration.
//!
//! **Gradient.** By the envelope theorem `∂OT_ε/∂Cᵢⱼ = Pᵢⱼ` at the optimum, so
//! `∇_{xᵢ} OT_ε = Σⱼ Pᵢⱼ ∇ₓc(xᵢ, yⱼ)`: no differentiation through the iterations.

use noether_core::fast_math::sum_exp_affine;
use rayon::prelude::*;

use crate::error::{FlowError, Result, invalid};
use crate::ot::cost::{Cloud, CostMatrix, Ground, check_weights};

/// Settings of [`sinkhorn`] and [`sinkhorn_unbalanced`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SinkhornOptions {
    /// The entropic regularisation ε (> 0), in cost units.
    pub reg: f64,
    /// Stopping threshold: the column marginals' Euclidean error (balanced), or the
    /// largest change of a potential divided by ε (unbalanced).
    pub tol: f64,
    /// The most iterations (one `g` and one `f` update each), all stages together.
    pub max_iter: usize,
    /// ε-scaling: the factor in (0, 1) by which ε shrinks per stage, starting from
    /// `max |C|`; `None` solves at `reg` directly.
    pub scaling: Option<f64>,
    /// Iterations per intermediate ε-scaling stage.
    pub stage_iter: usize,
    /// Over-relaxation of the balanced iteration (see [`sinkhorn`]): same fixed
    /// point and stopping rule, fewer iterations.
    pub relax: bool,
    /// The stabilised kernel form for the balanced problem (see the module docs):
    /// matrix–vector products instead of exponentials, with the log-domain
    /// iteration as the fallback where the kernel underflows.
    pub kernel: bool,
}

impl SinkhornOptions {
    /// `reg` with `tol = 1e-9` (POT's default), 100 000 iterations, no ε-scaling,
    /// over-relaxation on.
    pub fn new(reg: f64) -> Self {
        Self {
            reg,
            tol: 1e-9,
            max_iter: 100_000,
            scaling: None,
            stage_iter: 10,
            relax: true,
            kernel: true,
        }
    }

    /// With this stopping threshold.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// With this iteration limit.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// With over-relaxation on or off.
    pub fn relax(mut self, on: bool) -> Self {
        self.relax = on;
        self
    }

    /// With the stabilised kernel form on or off.
    pub fn kernel(mut self, on: bool) -> Self {
        self.kernel = on;
        self
    }

    /// With ε-scaling by `factor` per stage.
    pub fn scaling(mut self, factor: f64) -> Self {
        self.scaling = Some(factor);
        self
    }

    fn validate(&self) -> Result<()> {
        if !(self.reg > 0.0 && self.reg.is_finite()) {
            return Err(invalid("reg", self.reg, "must be finite and > 0"));
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(invalid("tol", self.tol, "must be finite and > 0"));
        }
        if let Some(f) = self.scaling
            && !(f > 0.0 && f < 1.0)
        {
            return Err(invalid("scaling", f, "the factor must lie in (0, 1)"));
        }
        if self.stage_iter == 0 {
            return Err(invalid("stage_iter", 0, "must be at least 1"));
        }
        Ok(())
    }
}

/// The solution of entropic OT: the dual potentials and what they give.
#[derive(Debug, Clone, PartialEq)]
pub struct EntropicPlan {
    /// Potentials of the sources.
    pub f: Vec<f64>,
    /// Potentials of the targets.
    pub g: Vec<f64>,
    /// The ε solved for.
    pub reg: f64,
    /// Iterations made (all stages).
    pub iterations: usize,
    /// The final value of the stopping criterion.
    pub error: f64,
    /// `⟨P, C⟩`.
    pub transport_cost: f64,
    /// The regularised objective `⟨P, C⟩ + ε KL(P ‖ a⊗b)`, plus
    /// `ρ_a KL(P1 ‖ a) + ρ_b KL(Pᵀ1 ‖ b)` when unbalanced.
    pub objective: f64,
    log_a: Vec<f64>,
    log_b: Vec<f64>,
}

impl EntropicPlan {
    /// Row `i` of the plan into `out`, with `z` (same length) as scratch.
    fn plan_row(&self, cost: &CostMatrix, i: usize, z: &mut [f64], out: &mut [f64]) {
        let ic = 1.0 / self.reg;
        let base = self.log_a[i] + self.f[i] * ic;
        for ((o, c), (lb, g)) in z
            .iter_mut()
            .zip(cost.row(i))
            .zip(self.log_b.iter().zip(&self.g))
        {
            *o = base + lb + (g - c) * ic;
        }
        // Zero weights give −∞ exponents, which `exp` sends to 0.
        noether_core::fast_math::exp(z, out);
    }

    /// The plan `Pᵢⱼ = aᵢbⱼ exp((fᵢ + gⱼ − Cᵢⱼ)/ε)`, dense, row-major (`cost` must be
    /// the matrix it was solved with).
    pub fn plan(&self, cost: &CostMatrix) -> Vec<f64> {
        let m = cost.cols();
        let mut p = vec![0.0; cost.rows() * m];
        p.par_chunks_mut(m).enumerate().for_each_init(
            || vec![0.0; m],
            |z, (i, row)| self.plan_row(cost, i, z, row),
        );
        p
    }

    /// The gradients of [`objective`](Self::objective) with respect to the points
    /// of both clouds (`∇ₓ`, `∇_y`, row-major like the clouds), by the envelope
    /// theorem: `∇_{xᵢ} = Σⱼ Pᵢⱼ ∇ₓc(xᵢ, yⱼ)`, `∇_{yⱼ} = Σᵢ Pᵢⱼ ∇_y c(xᵢ, yⱼ)`.
    /// `cost` must be `CostMatrix::pairwise(x, y, ground)`.
    pub fn gradients(
        &self,
        cost: &CostMatrix,
        x: &Cloud<'_>,
        y: &Cloud<'_>,
        ground: Ground,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        if x.len() != cost.rows() || y.len() != cost.cols() {
            return Err(FlowError::Mismatch {
                what: "cloud sizes against the cost matrix (rows, then columns)",
                expected: cost.rows(),
                found: x.len(),
            });
        }
        let (d, m) = (x.dim(), cost.cols());
        let rows: Vec<(Vec<f64>, Vec<f64>)> = (0..cost.rows())
            .into_par_iter()
            .map(|i| {
                let (mut z, mut p) = (vec![0.0; m], vec![0.0; m]);
                self.plan_row(cost, i, &mut z, &mut p);
                let mut gx = vec![0.0; d];
                let mut gy = vec![0.0; m * d];
                for (j, &w) in p.iter().enumerate() {
                    if w > 0.0 {
                        ground.add_gradient(x.point(i), y.point(j), w, &mut gx);
                        ground.add_gradient(y.point(j), x.point(i), w, &mut gy[j * d..(j + 1) * d]);
                    }
                }
                (gx, gy)
            })
            .collect();
        let mut gx = Vec::with_capacity(x.len() * d);
        let mut gy = vec![0.0; m * d];
        for (rx, ry) in rows {
            gx.extend_from_slice(&rx);
            for (o, v) in gy.iter_mut().zip(&ry) {
                *o += v;
            }
        }
        Ok((gx, gy))
    }
}

/// Balanced entropic OT between `a` (one weight per row of `cost`) and `b` (one
/// per column) by log-domain Sinkhorn; see the [module docs](self).
///
/// Errors: empty or mismatched inputs, bad weights, unequal masses (relative
/// difference above 1e-9), invalid options, non-finite iterates
/// ([`FlowError::SinkhornDiverged`]) or the iteration limit
/// ([`FlowError::SinkhornNotConverged`]).
///
/// ```
/// use noether_flow::ot::{CostMatrix, SinkhornOptions, sinkhorn};
///
/// let c = CostMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0])?;
/// let sol = sinkhorn(&[0.5, 0.5], &[0.5, 0.5], &c, &SinkhornOptions::new(0.1))?;
/// // The plan puts 1/(2(1 + e^{-1/ε})) on the diagonal.
/// let diag = 0.5 / (1.0 + (-10.0f64).exp());
/// assert!((sol.transport_cost - (1.0 - 2.0 * diag)).abs() < 1e-9);
/// # Ok::<(), noether_flow::FlowError>(())
/// ```
pub fn sinkhorn(
    a: &[f64],
    b: &[f64],
    cost: &CostMatrix,
    opts: &SinkhornOptions,
) -> Result<EntropicPlan> {
    let mass_a = check_weights("a", a, cost.rows())?;
    let mass_b = check_weights("b", b, cost.cols())?;
    if (mass_a - mass_b).abs() > 1e-9 * mass_a.max(mass_b) {
        return Err(invalid(
            "total masses",
            format!("{mass_a} vs {mass_b}"),
            "balanced Sinkhorn needs equal masses (use sinkhorn_unbalanced otherwise)",
        ));
    }
    opts.validate()?;
    solve(a, b, cost, opts, None)
}

/// Unbalanced entropic OT: the marginal constraints replaced by the penalties
/// `ρ_a KL(P1 ‖ a) + ρ_b KL(Pᵀ1 ‖ b)` (`reg_m = (ρ_a, ρ_b)`, each > 0, `∞` for an
/// exact marginal); see the [module docs](self).
pub fn sinkhorn_unbalanced(
    a: &[f64],
    b: &[f64],
    cost: &CostMatrix,
    reg_m: (f64, f64),
    opts: &SinkhornOptions,
) -> Result<EntropicPlan> {
    check_weights("a", a, cost.rows())?;
    check_weights("b", b, cost.cols())?;
    for rho in [reg_m.0, reg_m.1] {
        if rho.is_nan() || rho <= 0.0 {
            return Err(invalid(
                "reg_m",
                rho,
                "must be > 0 (infinity for an exact marginal)",
            ));
        }
    }
    opts.validate()?;
    solve(a, b, cost, opts, Some(reg_m))
}

/// `out[r] = LSE_c(w_c − M[r, c]·ic)` for every row `r` of `mat`, shifted by
/// `shift[r]` (the expected value; a max-shifted second pass where that misses).
fn row_lse(mat: &CostMatrix, w: &[f64], ic: f64, shift: &[f64], out: &mut [f64]) {
    out.par_iter_mut()
        .zip(shift.par_iter())
        .enumerate()
        .with_min_len(16)
        .for_each(|(r, (o, &s))| {
            let row = mat.row(r);
            let sum = sum_exp_affine(w, row, ic, s);
            *o = if (1e-200..1e200).contains(&sum) {
                s + sum.ln()
            } else {
                let max = w
                    .iter()
                    .zip(row)
                    .fold(f64::NEG_INFINITY, |m, (wc, mc)| m.max(wc - mc * ic));
                if max.is_finite() {
                    max + sum_exp_affine(w, row, ic, max).ln()
                } else {
                    max
                }
            };
        });
}

fn solve(
    a: &[f64],
    b: &[f64],
    cost: &CostMatrix,
    opts: &SinkhornOptions,
    reg_m: Option<(f64, f64)>,
) -> Result<EntropicPlan> {
    let (n, m) = (cost.rows(), cost.cols());
    // Cᵀ for the log-domain g update, built on first use (the kernel form needs
    // none).
    let mut ct: Option<CostMatrix> = None;
    let log_a: Vec<f64> = a.iter().map(|v| v.ln()).collect();
    let log_b: Vec<f64> = b.iter().map(|v| v.ln()).collect();
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; m]);
    let (mut lse_f, mut lse_g) = (vec![0.0; n], vec![0.0; m]);
    let (mut w_f, mut w_g) = (vec![0.0; m], vec![0.0; n]);
    let mut shift_f = vec![0.0; n];
    let mut shift_g = vec![0.0; m];
    // ε-scaling stages: (ε, iteration budget, whether it is the final stage).
    let mut stages = Vec::new();
    if let Some(factor) = opts.scaling {
        let mut eps = cost.max_abs();
        while eps > opts.reg {
            stages.push((eps, opts.stage_iter, false));
            eps *= factor;
        }
    }
    stages.push((opts.reg, usize::MAX, true));
    let mut iterations = 0;
    let mut error = f64::INFINITY;
    let mut converged = false;
    let mut col_mass = vec![0.0; m];
    let norm_b = b.iter().map(|v| v * v).sum::<f64>().sqrt();
    for &(eps, budget, last) in &stages {
        let ic = 1.0 / eps;
        let (fa, fb) = match reg_m {
            Some((ra, rb)) => (damping(ra, eps), damping(rb, eps)),
            None => (1.0, 1.0),
        };
        let mut k = 0;
        // Over-relaxation (balanced, final stage): ω from the observed contraction
        // rate η of plain iterations, then plain iterations again to finish.
        let mut relax = Relaxation::new(last && reg_m.is_none() && opts.relax, 0.1 * norm_b);
        // The kernel form takes over after KERNEL_AFTER log-domain iterations;
        // where it underflows the log domain goes on.
        let mut kernel = last && reg_m.is_none() && opts.kernel;
        while k < budget {
            if iterations == opts.max_iter {
                break;
            }
            if kernel && k >= KERNEL_AFTER {
                kernel = false;
                let mut phase = KernelPhase {
                    a,
                    b,
                    cost,
                    eps,
                    tol: opts.tol,
                    max_iter: opts.max_iter,
                };
                let (done, err) = phase.run(&mut f, &mut g, &mut iterations, &mut relax)?;
                if err.is_finite() {
                    error = err;
                }
                if done {
                    converged = true;
                    break;
                }
                // The kernel underflowed or ran out of iterations: go on in the log
                // domain from the last absorbed potentials.
                continue;
            }
            // g update; the column masses of the current (f, g) come with it.
            for ((w, la), fi) in w_g.iter_mut().zip(&log_a).zip(&f) {
                *w = la + fi * ic;
            }
            for (s, gj) in shift_g.iter_mut().zip(&g) {
                *s = -gj * ic;
            }
            let ct = ct.get_or_insert_with(|| cost.transpose());
            row_lse(ct, &w_g, ic, &shift_g, &mut lse_g);
            if reg_m.is_none() {
                for (((cm, l), s), bj) in col_mass.iter_mut().zip(&lse_g).zip(&shift_g).zip(b) {
                    *cm = bj * (l - s).exp();
                }
                error = col_mass
                    .iter()
                    .zip(b)
                    .map(|(c, bj)| (c - bj) * (c - bj))
                    .sum::<f64>()
                    .sqrt();
                if !error.is_finite() {
                    return Err(FlowError::SinkhornDiverged {
                        iteration: iterations,
                        reg: eps,
                        marginal_error: error,
                    });
                }
                // Rows are exact only after a plain f update.
                if k > 0 && relax.last_plain && error < opts.tol {
                    converged = last;
                    break;
                }
                relax.observe(error, opts.tol);
            }
            let omega = relax.omega;
            let mut moved = 0.0f64;
            for (gj, l) in g.iter_mut().zip(&lse_g) {
                let new = (1.0 - omega) * *gj - omega * eps * l * fb;
                moved = moved.max((new - *gj).abs());
                *gj = new;
            }
            // f update.
            for ((w, lb), gj) in w_f.iter_mut().zip(&log_b).zip(&g) {
                *w = lb + gj * ic;
            }
            for (s, fi) in shift_f.iter_mut().zip(&f) {
                *s = -fi * ic;
            }
            row_lse(cost, &w_f, ic, &shift_f, &mut lse_f);
            for (fi, l) in f.iter_mut().zip(&lse_f) {
                let new = (1.0 - omega) * *fi - omega * eps * l * fa;
                moved = moved.max((new - *fi).abs());
                *fi = new;
            }
            relax.last_plain = omega == 1.0;
            iterations += 1;
            k += 1;
            if !moved.is_finite() {
                return Err(FlowError::SinkhornDiverged {
                    iteration: iterations,
                    reg: eps,
                    marginal_error: error,
                });
            }
            if reg_m.is_some() {
                error = moved * ic;
                if error < opts.tol && iterations > 1 {
                    converged = last;
                    break;
                }
            }
        }
        if iterations == opts.max_iter && !converged {
            return Err(FlowError::SinkhornNotConverged {
                iterations,
                marginal_error: error,
                tol: opts.tol,
            });
        }
    }
    let mut sol = EntropicPlan {
        f,
        g,
        reg: opts.reg,
        iterations,
        error,
        transport_cost: 0.0,
        objective: 0.0,
        log_a,
        log_b,
    };
    // One pass for ⟨P, C⟩ and the plan's marginals: row masses per row, column
    // masses summed per thread (the plan itself is never stored).
    let mut row_mass = vec![0.0; n];
    let (transport, cols) = row_mass
        .par_iter_mut()
        .enumerate()
        .fold(
            || (0.0, vec![0.0; m], vec![0.0; m], vec![0.0; m]),
            |(tc, mut cm, mut z, mut p), (i, rm)| {
                sol.plan_row(cost, i, &mut z, &mut p);
                *rm = p.iter().sum();
                for (c, v) in cm.iter_mut().zip(&p) {
                    *c += v;
                }
                let t: f64 = p.iter().zip(cost.row(i)).map(|(p, c)| p * c).sum();
                (tc + t, cm, z, p)
            },
        )
        .map(|(tc, cm, _, _)| (tc, cm))
        .reduce(
            || (0.0, vec![0.0; m]),
            |(ta, mut ca), (tb, cb)| {
                for (x, y) in ca.iter_mut().zip(&cb) {
                    *x += y;
                }
                (ta + tb, ca)
            },
        );
    col_mass.copy_from_slice(&cols);
    // ε KL(P ‖ a⊗b) = Σ P(f + g − C) − ε ΣP + ε ΣaΣb.
    let total: f64 = row_mass.iter().sum();
    let fg: f64 = row_mass.iter().zip(&sol.f).map(|(r, f)| r * f).sum::<f64>()
        + col_mass.iter().zip(&sol.g).map(|(c, g)| c * g).sum::<f64>();
    let (sum_a, sum_b): (f64, f64) = (a.iter().sum(), b.iter().sum());
    let mut objective = fg - opts.reg * total + opts.reg * sum_a * sum_b;
    if let Some((ra, rb)) = reg_m {
        if ra.is_finite() {
            objective += ra * kl(&row_mass, a);
        }
        if rb.is_finite() {
            objective += rb * kl(&col_mass, b);
        }
    }
    sol.transport_cost = transport;
    sol.objective = objective;
    Ok(sol)
}

/// Absorb the scalings into the potentials once `|ln u|` or `|ln v|` exceeds this.
const ABSORB_AT: f64 = 30.0;

/// Log-domain iterations before the kernel form takes over: they bring the
/// potentials close enough that the absorbed kernel is not rebuilt at every early
/// iteration, and its rows do not underflow.
const KERNEL_AFTER: usize = 3;

/// The stabilised kernel form of the balanced iteration (Schmitzer 2019): with
/// potentials `f, g` absorbed into `K̃ᵢⱼ = exp((fᵢ + gⱼ − Cᵢⱼ)/ε)`, the plan is
/// `Pᵢⱼ = aᵢbⱼ uᵢ K̃ᵢⱼ vⱼ` and the updates are `v ← 1/K̃ᵀ(a∘u)`,
/// `u ← 1/K̃(b∘v)` (over-relaxed as in the log domain): two matrix–vector products
/// per iteration, no exponentials. The scalings are absorbed into `f, g` and `K̃`
/// rebuilt whenever they grow past `e^30`.
struct KernelPhase<'p> {
    a: &'p [f64],
    b: &'p [f64],
    cost: &'p CostMatrix,
    eps: f64,
    tol: f64,
    max_iter: usize,
}

impl KernelPhase<'_> {
    fn build(&self, f: &[f64], g: &[f64]) -> Vec<f64> {
        let (n, m) = (self.cost.rows(), self.cost.cols());
        let ic = 1.0 / self.eps;
        let mut k = vec![0.0; n * m];
        k.par_chunks_mut(m).enumerate().for_each_init(
            || vec![0.0; m],
            |z, (i, row)| {
                for ((o, c), gj) in z.iter_mut().zip(self.cost.row(i)).zip(g) {
                    *o = (f[i] + gj - c) * ic;
                }
                noether_core::fast_math::exp(z, row);
            },
        );
        k
    }

    /// Runs to convergence: `(true, error)` with `f, g` updated, or `(false, last
    /// error)` (after absorbing the last finite scalings) when the kernel
    /// underflows or the iteration budget runs out.
    fn run(
        &mut self,
        f: &mut [f64],
        g: &mut [f64],
        iterations: &mut usize,
        relax: &mut Relaxation,
    ) -> Result<(bool, f64)> {
        let mut last = f64::NAN;
        let (n, m) = (self.cost.rows(), self.cost.cols());
        let eps = self.eps;
        let mut kt = self.build(f, g);
        let (mut u, mut v) = (vec![1.0; n], vec![1.0; m]);
        let (mut au, mut bv) = (vec![0.0; n], vec![0.0; m]);
        let mut s = vec![0.0; m];
        let mut r = vec![0.0; n];
        let mut v_old = vec![0.0; m];
        let absorb = |f: &mut [f64], g: &mut [f64], u: &mut [f64], v: &mut [f64]| {
            for (fi, ui) in f.iter_mut().zip(u.iter_mut()) {
                *fi += eps * ui.ln();
                *ui = 1.0;
            }
            for (gj, vj) in g.iter_mut().zip(v.iter_mut()) {
                *gj += eps * vj.ln();
                *vj = 1.0;
            }
        };
        let mut first = true;
        loop {
            if *iterations >= self.max_iter {
                absorb(f, g, &mut u, &mut v);
                return Ok((false, last));
            }
            for ((o, ai), ui) in au.iter_mut().zip(self.a).zip(&u) {
                *o = ai * ui;
            }
            column_products(&kt, m, &au, &mut s);
            let mut error = 0.0;
            for ((sj, vj), bj) in s.iter().zip(&v).zip(self.b) {
                let c = bj * vj * sj;
                error += (c - bj) * (c - bj);
            }
            let error = error.sqrt();
            if error.is_finite() {
                last = error;
            }
            if !error.is_finite() || s.iter().any(|&x| !(x > 0.0 && x.is_finite())) {
                absorb(f, g, &mut u, &mut v);
                return Ok((false, last));
            }
            if !first && relax.last_plain && error < self.tol {
                absorb(f, g, &mut u, &mut v);
                return Ok((true, error));
            }
            first = false;
            relax.observe(error, self.tol);
            let omega = relax.omega;
            let update = |x: &mut f64, new: f64| {
                *x = if omega == 1.0 {
                    new
                } else {
                    x.powf(1.0 - omega) * new.powf(omega)
                };
            };
            v_old.copy_from_slice(&v);
            for (vj, sj) in v.iter_mut().zip(&s) {
                update(vj, 1.0 / sj);
            }
            for ((o, bj), vj) in bv.iter_mut().zip(self.b).zip(&v) {
                *o = bj * vj;
            }
            kt.par_chunks(m)
                .zip(r.par_iter_mut())
                .for_each(|(row, ri)| *ri = dot(row, &bv));
            if r.iter().any(|&x| !(x > 0.0 && x.is_finite())) {
                // u is still the previous one; v goes back too.
                v.copy_from_slice(&v_old);
                absorb(f, g, &mut u, &mut v);
                return Ok((false, last));
            }
            for (ui, ri) in u.iter_mut().zip(&r) {
                update(ui, 1.0 / ri);
            }
            relax.last_plain = omega == 1.0;
            *iterations += 1;
            let big = u.iter().chain(&v).any(|x| x.ln().abs() > ABSORB_AT);
            if big {
                absorb(f, g, &mut u, &mut v);
                kt = self.build(f, g);
            }
        }
    }
}

/// `x·y` with four partial sums (vectorisable).
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            acc[k] += a[k] * b[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `out = Kᵀw` for row-major `K` with `m` columns: each thread accumulates a
/// contiguous block of rows into a private vector (streaming `K` row by row), and
/// the partial sums are added.
fn column_products(k: &[f64], m: usize, w: &[f64], out: &mut [f64]) {
    let n = w.len();
    let blocks = rayon::current_num_threads().max(1);
    let rows = n.div_ceil(blocks);
    let parts: Vec<Vec<f64>> = (0..blocks)
        .into_par_iter()
        .map(|bi| {
            let mut acc = vec![0.0; m];
            for i in bi * rows..((bi + 1) * rows).min(n) {
                let wi = w[i];
                if wi != 0.0 {
                    for (a, kj) in acc.iter_mut().zip(&k[i * m..(i + 1) * m]) {
                        *a += wi * kj;
                    }
                }
            }
            acc
        })
        .collect();
    out.fill(0.0);
    for p in parts {
        for (o, v) in out.iter_mut().zip(&p) {
            *o += v;
        }
    }
}

/// The over-relaxation state: plain iterations until the contraction rate `η` of
/// the marginal error is measured (over the last five iterations, and stable: within 5 % of the rate over the five before, and with the error below a tenth of ‖b‖₂), then
/// `ω = 2/(1 + √(1 − η))` (the optimal factor of Lehmann, von Renesse, Sambale &
/// Uschmajew 2022, capped at 1.9) until the error is below the threshold, then plain
/// again so that the row marginals are exact when it stops. An error that grows
/// tenfold during relaxation returns to plain iterations and measures η again (at
/// most three times).
struct Relaxation {
    enabled: bool,
    omega: f64,
    errors: Vec<f64>,
    best: f64,
    last_plain: bool,
    retries: u32,
    /// Relaxation starts only below this error (a tenth of ‖b‖₂).
    start_below: f64,
}

impl Relaxation {
    fn new(enabled: bool, start_below: f64) -> Self {
        Self {
            start_below,
            enabled,
            omega: 1.0,
            errors: Vec::new(),
            best: f64::INFINITY,
            last_plain: true,
            retries: 0,
        }
    }

    fn observe(&mut self, error: f64, tol: f64) {
        if !self.enabled {
            return;
        }
        if self.omega > 1.0 {
            self.best = self.best.min(error);
            if error < tol {
                self.omega = 1.0;
                self.enabled = false;
            } else if error > 10.0 * self.best {
                // Relaxed too early: back to plain iterations and measure again.
                self.omega = 1.0;
                self.errors.clear();
                self.retries += 1;
                self.enabled = self.retries < 3;
            }
            return;
        }
        self.errors.push(error);
        let k = self.errors.len();
        if k >= 11 {
            // η over the last five iterations and the five before: relax once the
            // two agree to 5 % (the linear regime).
            let eta = (self.errors[k - 1] / self.errors[k - 6]).powf(0.2);
            let before = (self.errors[k - 6] / self.errors[k - 11]).powf(0.2);
            if eta > 0.0
                && eta < 1.0
                && (eta - before).abs() < 0.05 * eta
                && error < self.start_below
            {
                self.omega = (2.0 / (1.0 + (1.0 - eta).sqrt())).min(1.9);
                self.best = error;
            }
        }
    }
}

/// `ρ/(ρ + ε)`, 1 for an exact marginal.
fn damping(rho: f64, eps: f64) -> f64 {
    if rho.is_finite() {
        rho / (rho + eps)
    } else {
        1.0
    }
}

/// The generalised KL divergence `Σ p log(p/q) − p + q`.
fn kl(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .map(|(&p, &q)| if p > 0.0 { p * (p / q).ln() - p + q } else { q })
        .sum()
}
