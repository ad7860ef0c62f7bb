//! GP-HM (Fang et al., "Solving High Frequency and Multi-Scale PDEs with Gaussian
//! Processes", ICLR 2024): the solution values `U` on a uniform tensor grid are the
//! unknowns of a GP with a spectral-mixture kernel per dimension; derivatives are GP
//! conditional means through the Kronecker structure, `∂²_{x_d} U = U ×_d D2_d K_d⁻¹`
//! (Poisson, Allen–Cahn) or `∂_{x_d} U = U ×_d D1_d K_d⁻¹` with the skew
//! `D1_d = [k'(x_i − x_j)]` (advection, [`Pde::Advection`]); the loss
//!
//! `L = ½ Σ_d (N/n_d) log|K_d| + ½⟨U, U ×₁K₁⁻¹ … ×_D K_D⁻¹⟩
//!      + λ_b (½τ₁‖u_b − g‖² − ½N_b log τ₁) + ½τ₂‖H‖² − ½N log τ₂`
//!
//! (`H` the PDE residual at every grid point, `τ = e^{log τ}` learned noise
//! precisions) is minimised by Adam over `U`, every kernel parameter and `log τ`,
//! with hand-written adjoints (no autodiff). The grid is uniform, so every `K_d` and
//! `D2_d` is symmetric Toeplitz: kernels are evaluated at the `n_d` lags
//! ([`crate::kernel::LagTable`]), `K_d⁻¹` costs O(n_d²) ([`crate::toeplitz`]),
//! parameter gradients contract folded diagonal sums, a 1-D problem never forms an
//! `n × n` matrix but `K⁻¹`, and mode products in 2-D/3-D use the centrosymmetric
//! half-size blocks ([`crate::centro`]).
//!
//! ```
//! use noether_gp::gphm::{GpHm, GpHmOptions, Pde};
//! // u'' = f on [0, 2π] with u = sin(3x): a few hundred steps already fit it
//! let n = 40;
//! let x: Vec<f64> = (0..n).map(|i| 2.0 * std::f64::consts::PI * i as f64 / (n - 1) as f64).collect();
//! let f: Vec<f64> = x.iter().map(|v| -9.0 * (3.0 * v).sin()).collect();
//! let mut solver = GpHm::new(vec![x], &f, &|p| (3.0 * p[0]).sin(), GpHmOptions {
//!     components: 10, freq_scale: 2.0, pde: Pde::Poisson, ..GpHmOptions::default() }).unwrap();
//! let first = solver.step().unwrap();
//! for _ in 0..300 { solver.step().unwrap(); }
//! assert!(solver.step().unwrap() < first);
//! ```

use std::cell::RefCell;

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::Solve;
use faer::{Accum, Mat, MatMut, MatRef};
use rayon::prelude::*;

use crate::adam::Adam;
use crate::centro::CentroHalves;
use crate::error::{GpError, Result, invalid};
use crate::kernel::{Envelope, Kernel1d, LagTable, SpectralMixture};
use crate::toeplitz::{
    folded_cross_correlation, folded_diagonal_sums, signed_diagonal_sums, symmetric_matvec,
    toeplitz_inverse_into,
};

/// The PDE whose residual enters the loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pde {
    /// `Δu = f`.
    Poisson,
    /// `Δu + u(u² − 1) = f` (as GP-HM codes Allen–Cahn).
    AllenCahn,
    /// `β ∂u/∂x + ∂u/∂t = f` on a 2-D grid whose first axis is `x` and second `t`
    /// (GP-HM's advection benchmark, `β = 200`); the boundary datum is imposed on
    /// all four sides, as the paper does.
    Advection {
        /// The velocity `β`.
        beta: f64,
    },
}

impl Pde {
    /// The coefficient of dimension `d`'s first derivative in an advection
    /// residual; `None` for the second-order PDEs.
    fn slope_coefficient(self, d: usize) -> Option<f64> {
        match self {
            Self::Advection { beta } => Some(if d == 0 { beta } else { 1.0 }),
            _ => None,
        }
    }
}

/// Settings of [`GpHm`], defaulting to the paper's.
#[derive(Debug, Clone, PartialEq)]
pub struct GpHmOptions {
    /// Mixture envelope: Student-t/Matérn (StM) or Gaussian (GM).
    pub envelope: Envelope,
    /// Mixture components `Q` per dimension (30).
    pub components: usize,
    /// The initial frequencies are `linspace(0, 1, Q)·freq_scale` (cycles per unit).
    pub freq_scale: f64,
    /// Boundary weight `λ_b` (200).
    pub lambda_b: f64,
    /// Adam learning rate (1e-2).
    pub lr: f64,
    /// Jitter added to each `K_d` (1e-6).
    pub jitter: f64,
    /// The PDE.
    pub pde: Pde,
    /// Learn the mixture frequencies (true: GP-HM); false fixes μ = 0, which drops
    /// the cosine and gives the GP-SE / GP-Matérn baselines of the paper.
    pub learn_frequencies: bool,
}

impl Default for GpHmOptions {
    fn default() -> Self {
        Self {
            envelope: Envelope::Matern52,
            components: 30,
            freq_scale: 20.0,
            lambda_b: 200.0,
            lr: 1e-2,
            jitter: 1e-6,
            pde: Pde::Poisson,
            learn_frequencies: true,
        }
    }
}

/// `x ×_d M` for a row-major tensor `x` of shape `dims` (M is `m × n_d`).
pub fn mode_product(x: &[f64], dims: &[usize], d: usize, m: MatRef<'_, f64>) -> Vec<f64> {
    let n_out = x.len() / dims[d] * m.nrows();
    let mut out = vec![0.0; n_out];
    mode_product_into(x, dims, d, m, &mut out);
    out
}

/// [`mode_product`] into `out` (of the product's length).
fn mode_product_into(x: &[f64], dims: &[usize], d: usize, m: MatRef<'_, f64>, out: &mut [f64]) {
    let pre: usize = dims[..d].iter().product();
    let nd = dims[d];
    let post: usize = dims[d + 1..].iter().product();
    let mo = m.nrows();
    let par = faer::get_global_parallelism();
    if post == 1 {
        // the last mode: one GEMM, out (pre × mo) = X (pre × n_d) Mᵀ, both row-major
        matmul(
            MatMut::from_row_major_slice_mut(out, pre, mo),
            Accum::Replace,
            MatRef::from_row_major_slice(x, pre, nd),
            m.transpose(),
            1.0,
            par,
        );
        return;
    }
    for (xb, o) in x.chunks(nd * post).zip(out.chunks_mut(mo * post)) {
        matmul(
            MatMut::from_row_major_slice_mut(o, mo, post),
            Accum::Replace,
            m,
            MatRef::from_row_major_slice(xb, nd, post),
            1.0,
            par,
        );
    }
}

/// An operator of a mode product: dense, or an even-sized centrosymmetric matrix by
/// its half-size blocks (half the flops).
#[derive(Clone, Copy)]
enum ModeOperator<'a> {
    Dense(MatRef<'a, f64>),
    Centro(&'a CentroHalves),
}

/// `out = x ×_d M` for a row-major tensor `x` of shape `dims` and a square operator
/// `M`.
fn mode_apply(x: &[f64], dims: &[usize], d: usize, op: ModeOperator<'_>, out: &mut [f64]) {
    let halves = match op {
        ModeOperator::Dense(m) => return mode_product_into(x, dims, d, m, out),
        ModeOperator::Centro(c) => c,
    };
    let pre: usize = dims[..d].iter().product();
    let nd = dims[d];
    let post: usize = dims[d + 1..].iter().product();
    if post == 1 {
        // the last mode: outᵀ (n_d × pre) = M Xᵀ, both transposes column-major views
        halves.apply(
            MatRef::from_row_major_slice(x, pre, nd).transpose(),
            MatMut::from_row_major_slice_mut(out, pre, nd).transpose_mut(),
        );
        return;
    }
    for (xb, ob) in x.chunks(nd * post).zip(out.chunks_mut(nd * post)) {
        halves.apply(
            MatRef::from_row_major_slice(xb, nd, post),
            MatMut::from_row_major_slice_mut(ob, nd, post),
        );
    }
}

/// Buffers kept between steps behind interior mutability (`loss_and_gradient`
/// takes `&self`): fresh grid-sized or `n × n` allocations every step cost more in
/// page faults than the arithmetic on them. A clone starts empty.
#[derive(Default)]
struct Scratch<T: Default>(RefCell<T>);

impl<T: Default> Clone for Scratch<T> {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl<T: Default> std::fmt::Debug for Scratch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scratch")
    }
}

/// Grid-sized work vectors.
type VecPool = Scratch<Vec<Vec<f64>>>;

impl VecPool {
    /// A vector of length `n` (contents unspecified).
    fn take(&self, n: usize) -> Vec<f64> {
        let mut v = self.0.borrow_mut().pop().unwrap_or_default();
        v.resize(n, 0.0);
        v
    }

    /// Returns vectors to the pool.
    fn give(&self, vs: impl IntoIterator<Item = Vec<f64>>) {
        self.0.borrow_mut().extend(vs);
    }
}

/// One dimension's mode-product operators `K_d⁻¹`, the residual's derivative
/// operator `D_d` and `S_dᵀ = K_d⁻¹ D_dᵀ`. On a uniform axis `K_d⁻¹` is
/// centrosymmetric, `D2_d` too, and the skew `c_d·D1_d` of advection centro-skew:
/// by their half-size blocks when `n_d` is even (half the flops), else dense.
enum ModeOps {
    Centro(Box<[CentroHalves; 3]>),
    Dense(Mat<f64>),
}

impl ModeOps {
    /// The operators of `fac`, whose `D_d` is a first derivative (skew) when
    /// `first_order`, else `D2_d`.
    fn new(fac: &Factor, first_order: bool) -> Self {
        let kinv = CentroHalves::new(fac.kinv.as_ref());
        // S_dᵀ = K_d⁻¹ D_dᵀ: K_d⁻¹ D2_d, or −K_d⁻¹ D_d for the skew-symmetric c_d·D1_d
        let halves = if first_order {
            kinv.zip(CentroHalves::new_skew(fac.deriv.as_ref()))
                .map(|(k, d)| (k.product(&d).scaled(-1.0), k, d))
        } else {
            kinv.zip(CentroHalves::new(fac.deriv.as_ref()))
                .map(|(k, d)| (k.product(&d), k, d))
        };
        match halves {
            Some((st, k, d)) => Self::Centro(Box::new([k, d, st])),
            None => Self::Dense(&fac.kinv * fac.deriv.transpose()),
        }
    }

    fn kinv<'a>(&'a self, fac: &'a Factor) -> ModeOperator<'a> {
        match self {
            Self::Centro(h) => ModeOperator::Centro(&h[0]),
            Self::Dense(_) => ModeOperator::Dense(fac.kinv.as_ref()),
        }
    }

    fn deriv<'a>(&'a self, fac: &'a Factor) -> ModeOperator<'a> {
        match self {
            Self::Centro(h) => ModeOperator::Centro(&h[1]),
            Self::Dense(_) => ModeOperator::Dense(fac.deriv.as_ref()),
        }
    }

    fn st(&self) -> ModeOperator<'_> {
        match self {
            Self::Centro(h) => ModeOperator::Centro(&h[2]),
            Self::Dense(st) => ModeOperator::Dense(st.as_ref()),
        }
    }
}

/// `X_(d) Y_(d)ᵀ` (`n_d × n_d`): the mode-`d` unfoldings' product, into `acc`.
fn mode_gram(x: &[f64], y: &[f64], dims: &[usize], d: usize, acc: &mut Mat<f64>) {
    let pre: usize = dims[..d].iter().product();
    let nd = dims[d];
    let post: usize = dims[d + 1..].iter().product();
    // one thread: the callers run the grams of all dimensions side by side
    let par = faer::Par::Seq;
    if post == 1 {
        // Σ_p x_p y_pᵀ = Xᵀ Y with X, Y (pre × n_d) row-major
        let xm = MatRef::from_row_major_slice(x, pre, nd);
        let ym = MatRef::from_row_major_slice(y, pre, nd);
        matmul(acc.as_mut(), Accum::Replace, xm.transpose(), ym, 1.0, par);
        return;
    }
    for p in 0..pre {
        let xb = MatRef::from_row_major_slice(&x[p * nd * post..(p + 1) * nd * post], nd, post);
        let yb = MatRef::from_row_major_slice(&y[p * nd * post..(p + 1) * nd * post], nd, post);
        let accum = if p == 0 { Accum::Replace } else { Accum::Add };
        matmul(acc.as_mut(), accum, xb, yb.transpose(), 1.0, par);
    }
}

/// `‖T (B v) − v‖ / ‖v‖` for the symmetric Toeplitz `T` with first row `t`, its
/// computed inverse `B` and a fixed oscillating `v`: O(n²).
fn toeplitz_inverse_residual(t: &[f64], b: &Mat<f64>) -> f64 {
    let n = t.len();
    let v: Vec<f64> = (0..n).map(|i| (1.7 * i as f64 + 0.3).sin()).collect();
    let w = matvec(b.as_ref(), &v);
    let mut tw = vec![0.0; n];
    symmetric_matvec(t, &w, &mut tw);
    let (mut num, mut den) = (0.0, 0.0);
    for (x, vi) in tw.iter().zip(&v) {
        num += (x - vi) * (x - vi);
        den += vi * vi;
    }
    if num.is_nan() {
        return f64::INFINITY;
    }
    (num / den).sqrt()
}

/// `M x` for a dense `M`.
fn matvec(m: MatRef<'_, f64>, x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; m.nrows()];
    matmul(
        MatMut::from_column_major_slice_mut(&mut out, m.nrows(), 1),
        Accum::Replace,
        m,
        MatRef::from_column_major_slice(x, x.len(), 1),
        1.0,
        faer::Par::Seq,
    );
    out
}

/// The largest relative residual `‖K B v − v‖/‖v‖` of a Trench inverse `B` that
/// GP-HM keeps (above it, or on a breakdown, it factors by Cholesky).
const TRENCH_ACCEPT: f64 = 1e-3;

/// `K⁻¹ y` for the symmetric Toeplitz `K` with first row `k_row`, from an
/// approximate inverse `B` with relative residual `residual`: `x = B y`, then, unless
/// `B` is accurate to near round-off, fixed-precision iterative refinement
/// `x ← x + B(y − K x)` while the residual keeps halving (at most three times,
/// O(n²) each). That makes the solve backward stable, like a Cholesky solve.
fn refined_solve(k_row: &[f64], kinv: MatRef<'_, f64>, residual: f64, y: &[f64]) -> Vec<f64> {
    let toeplitz = |v: &[f64]| {
        let mut out = vec![0.0; v.len()];
        symmetric_matvec(k_row, v, &mut out);
        out
    };
    refine(y, residual, |v| matvec(kinv, v), toeplitz)
}

/// `x ×_d K_d⁻¹` from the factor's approximate inverse, refined like
/// [`refined_solve`] against the dense Toeplitz `K_d` (for prediction; O(N n_d) per
/// pass).
fn refined_mode_solve(x: &[f64], dims: &[usize], d: usize, fac: &Factor) -> Vec<f64> {
    let inverse = |v: &[f64]| mode_product(v, dims, d, fac.kinv.as_ref());
    if fac.residual <= 1e-10 {
        return inverse(x);
    }
    let n = dims[d];
    let k = Mat::from_fn(n, n, |i, j| fac.k_row[i.abs_diff(j)]);
    refine(x, fac.residual, inverse, |v| {
        mode_product(v, dims, d, k.as_ref())
    })
}

/// Fixed-precision iterative refinement of `K x = y` with an approximate inverse:
/// `x = B y`, then, unless `B`'s relative residual is near round-off,
/// `x ← x + B(y − K x)` while the residual keeps halving (at most three passes).
fn refine(
    y: &[f64],
    residual: f64,
    apply_inverse: impl Fn(&[f64]) -> Vec<f64>,
    apply_k: impl Fn(&[f64]) -> Vec<f64>,
) -> Vec<f64> {
    let mut x = apply_inverse(y);
    if residual <= 1e-10 {
        return x;
    }
    let mut last = f64::INFINITY;
    for _ in 0..3 {
        let mut r = apply_k(&x);
        r.iter_mut().zip(y).for_each(|(ri, yi)| *ri = yi - *ri);
        let norm = r.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm.is_nan() || norm == 0.0 || norm > 0.5 * last {
            break;
        }
        last = norm;
        let dx = apply_inverse(&r);
        x.iter_mut().zip(&dx).for_each(|(xi, d)| *xi += d);
    }
    x
}

/// `K⁻¹` into `inv` by Cholesky, returning `log det K`.
fn cholesky_inverse(k: &Mat<f64>, inv: &mut Mat<f64>) -> Result<f64> {
    let llt = k
        .llt(faer::Side::Lower)
        .map_err(crate::error::cholesky_failed)?;
    let l = llt.L();
    let log_det = 2.0 * (0..k.nrows()).map(|i| l[(i, i)].ln()).sum::<f64>();
    *inv = Mat::identity(k.nrows(), k.nrows());
    llt.solve_in_place(inv.as_mut());
    Ok(log_det)
}

/// The GP-HM solver state.
#[derive(Debug, Clone)]
pub struct GpHm {
    axes: Vec<Vec<f64>>,
    dims: Vec<usize>,
    kernels: Vec<SpectralMixture>,
    u: Vec<f64>,
    log_tau: [f64; 2],
    f: Vec<f64>,
    b_idx: Vec<usize>,
    b_val: Vec<f64>,
    opts: GpHmOptions,
    adam: Adam,
    pool: FactorPool,
    vecs: VecPool,
}

/// Per-dimension quantities of one evaluation. Their buffers are kept between
/// steps ([`FactorPool`]): fresh `n × n` allocations every step cost more in page
/// faults than the factorisation itself.
struct Factor {
    /// `K_d⁻¹`.
    kinv: Mat<f64>,
    /// The kernel at the grid's lags: first rows of the symmetric Toeplitz `K_d`
    /// (before the jitter) and `D2_d`, and their parameter gradients.
    lags: LagTable,
    /// Dense `D_d`, the residual's derivative operator in this dimension (`D2_d`,
    /// or `c_d·D1_d` for advection), and scratch for the two mode Gram matrices of
    /// the kernel gradient; empty in 1-D, where everything is a Toeplitz product.
    deriv: Mat<f64>,
    grams: [Mat<f64>; 2],
    log_det: f64,
    /// First row of `K_d` with the jitter, and the relative residual of `kinv`.
    k_row: Vec<f64>,
    residual: f64,
}

impl Factor {
    fn new(n: usize, dense: bool) -> Self {
        let m = if dense { n } else { 0 };
        Self {
            kinv: Mat::zeros(n, n),
            lags: LagTable::default(),
            deriv: Mat::zeros(m, m),
            grams: [Mat::zeros(m, m), Mat::zeros(m, m)],
            log_det: 0.0,
            k_row: Vec::new(),
            residual: 0.0,
        }
    }
}

/// What a dimension's [`Factor`] is built from: the axes, kernels and jitter (shared
/// by reference, so the dimensions' factors can be built side by side; the solver
/// itself holds single-threaded buffers).
struct FactorInputs<'a> {
    axes: &'a [Vec<f64>],
    kernels: &'a [SpectralMixture],
    jitter: f64,
    /// Two or more dimensions: the factor also needs dense `D_d`.
    tensor: bool,
    pde: Pde,
}

impl FactorInputs<'_> {
    /// Dimension `d`'s kernel factor into the buffers `fac`.
    fn fill(&self, d: usize, mut fac: Factor) -> Result<Factor> {
        let a = &self.axes[d];
        let n = a.len();
        let h = a[1] - a[0];
        // the first rows of the symmetric Toeplitz K_d and D2_d (or the skew
        // Toeplitz D1_d): n kernel lags
        let slope = self.pde.slope_coefficient(d);
        let lags = match slope {
            Some(_) => self.kernels[d].lag_table_with_slope(h, n),
            None => self.kernels[d].lag_table(h, n),
        };
        let mut k_row = lags.k().to_vec();
        k_row[0] += self.jitter;
        if self.tensor {
            let (k1_row, d2_row) = (lags.k1(), lags.k2());
            for j in 0..n {
                for (i, v) in fac.deriv.col_as_slice_mut(j).iter_mut().enumerate() {
                    *v = match slope {
                        // D1_ij = k'(x_i − x_j), k' odd (so 0 on the diagonal)
                        Some(_) if i == j => 0.0,
                        Some(c) if i > j => c * k1_row[i - j],
                        Some(c) => -c * k1_row[j - i],
                        None => d2_row[i.abs_diff(j)],
                    };
                }
            }
        }
        // O(n²) inverse (Trench), checked by a residual. Levinson-type recursions are
        // only weakly stable: on the ill-conditioned kernels GP-HM learns (log|K| ≈
        // −10⁴ at n = 900) the residual reaches ~1e-6, as a Cholesky inverse's does
        // on the same matrix, so the inverse is kept up to TRENCH_ACCEPT and the
        // 1-D solves are refined against K ([`refined_solve`]); a breakdown or a
        // worse inverse falls back to Cholesky
        let trench = toeplitz_inverse_into(&k_row, &mut fac.kinv)
            .ok()
            .map(|log_det| (log_det, toeplitz_inverse_residual(&k_row, &fac.kinv)))
            .filter(|&(_, r)| r < TRENCH_ACCEPT);
        match trench {
            Some((log_det, r)) => {
                fac.log_det = log_det;
                fac.residual = r;
            }
            None => {
                let k = Mat::from_fn(n, n, |i, j| k_row[i.abs_diff(j)]);
                fac.log_det = cholesky_inverse(&k, &mut fac.kinv).map_err(|e| {
                    GpError::NotPositiveDefinite(format!("K_{d} with jitter {}: {e}", self.jitter))
                })?;
                fac.residual = toeplitz_inverse_residual(&k_row, &fac.kinv);
            }
        }
        fac.k_row = k_row;
        fac.lags = lags;
        Ok(fac)
    }
}

/// Reusable [`Factor`] buffers, one slot per dimension.
type FactorPool = Scratch<Vec<Option<Factor>>>;

impl GpHm {
    /// A solver on the uniform tensor grid `axes` (each with endpoints, at least 3
    /// points) for the source `f` at the grid points (row-major, first axis
    /// slowest) and the Dirichlet datum `g` on every face of the box (corner points
    /// count once per face, as GP-HM). Initialisation as the paper: `U = 0`,
    /// `log τ = 0`, `log w = log(1/Q)`, `ρ = 0`, `μ = linspace(0, 1, Q)·freq_scale`.
    pub fn new(
        axes: Vec<Vec<f64>>,
        f: &[f64],
        g: &dyn Fn(&[f64]) -> f64,
        opts: GpHmOptions,
    ) -> Result<Self> {
        if axes.is_empty() || axes.len() > 3 {
            return Err(invalid("axes", axes.len(), "1 to 3 dimensions"));
        }
        for a in &axes {
            if a.len() < 3 {
                return Err(invalid("axis", a.len(), "at least 3 points"));
            }
            let h = a[1] - a[0];
            if h.is_nan()
                || h <= 0.0
                || a.windows(2)
                    .any(|w| ((w[1] - w[0]) - h).abs() > 1e-9 * h.abs())
            {
                return Err(invalid(
                    "axis",
                    format!("spacing {h}"),
                    "must be uniform and increasing",
                ));
            }
        }
        if let Pde::Advection { beta } = opts.pde
            && (axes.len() != 2 || !beta.is_finite())
        {
            return Err(invalid(
                "pde",
                format!("advection with β = {beta} on {} axes", axes.len()),
                "advection needs two axes (x, t) and a finite velocity",
            ));
        }
        let dims: Vec<usize> = axes.iter().map(|a| a.len()).collect();
        let n: usize = dims.iter().product();
        if f.len() != n || f.iter().any(|v| !v.is_finite()) {
            return Err(invalid("f", f.len(), "one finite value per grid point"));
        }
        let scale = if opts.learn_frequencies {
            opts.freq_scale
        } else {
            0.0
        };
        let kernels = (0..axes.len())
            .map(|_| SpectralMixture::gp_hm_init(opts.envelope, opts.components, scale))
            .collect::<Result<Vec<_>>>()?;
        // boundary points: every face, corners once per face
        let (mut b_idx, mut b_val) = (Vec::new(), Vec::new());
        for d in 0..dims.len() {
            for side in [0, dims[d] - 1] {
                for idx in 0..n {
                    let mut rest = idx;
                    let mut multi = vec![0; dims.len()];
                    for e in (0..dims.len()).rev() {
                        multi[e] = rest % dims[e];
                        rest /= dims[e];
                    }
                    if multi[d] == side {
                        let x: Vec<f64> =
                            multi.iter().enumerate().map(|(e, &i)| axes[e][i]).collect();
                        let gv = g(&x);
                        if !gv.is_finite() {
                            return Err(invalid("g", gv, "boundary datum must be finite"));
                        }
                        b_idx.push(idx);
                        b_val.push(gv);
                    }
                }
            }
        }
        let n_params = n + kernels.iter().map(|k| k.n_params()).sum::<usize>() + 2;
        let opts_lr = opts.lr;
        Ok(Self {
            axes,
            dims,
            kernels,
            u: vec![0.0; n],
            log_tau: [0.0, 0.0],
            f: f.to_vec(),
            b_idx,
            b_val,
            opts,
            adam: Adam::new(n_params, opts_lr),
            pool: FactorPool::default(),
            vecs: VecPool::default(),
        })
    }

    /// The current grid values `U`.
    pub fn values(&self) -> &[f64] {
        &self.u
    }

    /// The kernels (one per dimension).
    pub fn kernels(&self) -> &[SpectralMixture] {
        &self.kernels
    }

    /// `(τ₁, τ₂)`.
    pub fn precisions(&self) -> (f64, f64) {
        (self.log_tau[0].exp(), self.log_tau[1].exp())
    }

    /// Adam steps taken.
    pub fn steps(&self) -> usize {
        self.adam.steps()
    }

    /// All parameters, flattened: `U`, each kernel's parameters, `log τ₁, log τ₂`.
    pub fn params(&self) -> Vec<f64> {
        let mut p = self.u.clone();
        for k in &self.kernels {
            p.extend(k.params());
        }
        p.extend(self.log_tau);
        p
    }

    /// Sets all parameters (layout of [`Self::params`]).
    pub fn set_params(&mut self, p: &[f64]) -> Result<()> {
        if p.len() != self.adam.len() {
            return Err(invalid("params", p.len(), "wrong length"));
        }
        let n = self.u.len();
        self.u.copy_from_slice(&p[..n]);
        let mut o = n;
        for k in self.kernels.iter_mut() {
            let np = k.n_params();
            k.set_params(&p[o..o + np])?;
            o += np;
        }
        self.log_tau = [p[o], p[o + 1]];
        Ok(())
    }

    fn factor(&self, d: usize) -> Result<Factor> {
        self.factor_inputs().fill(d, self.pooled_factor(d))
    }

    /// The pool's buffers for dimension `d`'s factor (fresh ones the first time).
    fn pooled_factor(&self, d: usize) -> Factor {
        let mut pool = self.pool.0.borrow_mut();
        if pool.len() < self.dims.len() {
            pool.resize_with(self.dims.len(), || None);
        }
        pool[d]
            .take()
            .unwrap_or_else(|| Factor::new(self.dims[d], self.dims.len() > 1))
    }

    /// What filling a factor reads.
    fn factor_inputs(&self) -> FactorInputs<'_> {
        FactorInputs {
            axes: &self.axes,
            kernels: &self.kernels,
            jitter: self.opts.jitter,
            tensor: self.dims.len() > 1,
            pde: self.opts.pde,
        }
    }

    /// Returns factor buffers to the pool.
    fn recycle(&self, factors: Vec<Factor>) {
        let mut pool = self.pool.0.borrow_mut();
        for (d, f) in factors.into_iter().enumerate() {
            if d < pool.len() {
                pool[d] = Some(f);
            }
        }
    }

    /// The loss and its gradient in the layout of [`Self::params`].
    pub fn loss_and_gradient(&self) -> Result<(f64, Vec<f64>)> {
        // the dimensions' factors side by side (each O(n_d²))
        let bufs: Vec<Factor> = (0..self.dims.len())
            .map(|d| self.pooled_factor(d))
            .collect();
        let inputs = self.factor_inputs();
        let mut factors = bufs
            .into_par_iter()
            .enumerate()
            .map(|(d, fac)| inputs.fill(d, fac))
            .collect::<Result<Vec<_>>>()?;
        let out = if self.dims.len() == 1 {
            self.loss_and_gradient_1d(&factors[0])
        } else {
            self.loss_and_gradient_tensor(&mut factors)
        };
        self.recycle(factors);
        out
    }

    /// 1-D: `K` and `D2` are symmetric Toeplitz, so every product with them is a
    /// Toeplitz matrix–vector product and every kernel-gradient contraction a
    /// cross-correlation; no `n × n` matrix is formed but `K⁻¹`.
    fn loss_and_gradient_1d(&self, fac: &Factor) -> Result<(f64, Vec<f64>)> {
        let n = self.u.len();
        let tau2 = self.precisions().1;
        // A = K⁻¹U, U'' = D2 A
        let a = refined_solve(&fac.k_row, fac.kinv.as_ref(), fac.residual, &self.u);
        let mut h = vec![0.0; n];
        symmetric_matvec(fac.lags.k2(), &a, &mut h);
        self.finish_residual(&mut h);
        let (loss, mut grad, tail) = self.loss_terms(std::slice::from_ref(fac), &a, &h)?;
        // P = Sᵀ H = K⁻¹ D2 H
        let mut d2h = vec![0.0; n];
        symmetric_matvec(fac.lags.k2(), &h, &mut d2h);
        let p = refined_solve(&fac.k_row, fac.kinv.as_ref(), fac.residual, &d2h);
        grad.iter_mut().zip(&p).for_each(|(g, v)| *g += tau2 * v);
        // ∂L/∂K = −½AAᵀ + ½K⁻¹ − τ₂PAᵀ and ∂L/∂D2 = τ₂HAᵀ, summed over each lag
        let w: Vec<f64> = a.iter().zip(&p).map(|(x, y)| -0.5 * x - tau2 * y).collect();
        let mut c = folded_cross_correlation(&w, &a);
        for (x, y) in c.iter_mut().zip(folded_diagonal_sums(fac.kinv.as_ref())) {
            *x += 0.5 * y;
        }
        let mut e = folded_cross_correlation(&h, &a);
        e.iter_mut().for_each(|v| *v *= tau2);
        grad.extend(self.kernel_gradient(fac, &c, &e));
        grad.extend(tail);
        Ok((loss, grad))
    }

    /// Two or more dimensions: mode products and mode Gram matrices (GEMMs). The
    /// dimensions' independent products run side by side (one task per dimension):
    /// at GP-HM's sizes a single GEMM is too small to split well across threads.
    /// Sums over dimensions are taken afterwards in dimension order, so the result
    /// does not depend on the scheduling.
    fn loss_and_gradient_tensor(&self, factors: &mut [Factor]) -> Result<(f64, Vec<f64>)> {
        let dims = &self.dims;
        let n = self.u.len();
        let tau2 = self.precisions().1;
        let pde = self.opts.pde;
        let ops: Vec<ModeOps> = factors
            .par_iter()
            .enumerate()
            .map(|(d, fac)| ModeOps::new(fac, pde.slope_coefficient(d).is_some()))
            .collect();
        let pool = &self.vecs;
        let big_d = dims.len();
        // B_d = U ×_d K_d⁻¹; A = U ×_1 K_1⁻¹ … ×_D K_D⁻¹ continues from B_1;
        // U_dd = B_d ×_d D_d (the residual's derivative in dimension d)
        let mut b: Vec<Vec<f64>> = (0..big_d).map(|_| pool.take(n)).collect();
        let u = &self.u;
        b.par_iter_mut().enumerate().for_each(|(d, bd)| {
            mode_apply(u, dims, d, ops[d].kinv(&factors[d]), bd);
        });
        let mut udd: Vec<Vec<f64>> = (0..big_d).map(|_| pool.take(n)).collect();
        let (mut a, mut tmp) = (pool.take(n), pool.take(n));
        rayon::join(
            || {
                a.copy_from_slice(&b[0]);
                for (d, (fac, op)) in factors.iter().zip(&ops).enumerate().skip(1) {
                    mode_apply(&a, dims, d, op.kinv(fac), &mut tmp);
                    std::mem::swap(&mut a, &mut tmp);
                }
            },
            || {
                udd.par_iter_mut().enumerate().for_each(|(d, ud)| {
                    mode_apply(&b[d], dims, d, ops[d].deriv(&factors[d]), ud);
                });
            },
        );
        let mut h = pool.take(n);
        h.copy_from_slice(&udd[0]);
        for ud in &udd[1..] {
            h.iter_mut().zip(ud).for_each(|(x, y)| *x += y);
        }
        self.finish_residual(&mut h);
        let (loss, mut grad, tail) = self.loss_terms(factors, &a, &h)?;
        // per dimension: P_d = H ×_d S_dᵀ (S_dᵀ = K_d⁻¹ D_dᵀ); and, as
        // A ×_{e≠d} K_e = B_d, ∂L/∂K_d = (−½A − τ₂P_d)_(d) B_d(d)ᵀ + ½(N/n_d)K_d⁻¹
        // and ∂L/∂D_d = τ₂ H_(d) B_d(d)ᵀ
        let (mut p, mut w) = (udd, vec![tmp]);
        w.extend((1..big_d).map(|_| pool.take(n)));
        factors
            .par_iter_mut()
            .zip(p.par_iter_mut().zip(w.par_iter_mut()))
            .enumerate()
            .for_each(|(d, (fac, (pd, wd)))| {
                mode_apply(&h, dims, d, ops[d].st(), pd);
                for ((wi, x), y) in wd.iter_mut().zip(&a).zip(pd.iter()) {
                    *wi = -0.5 * x - tau2 * y;
                }
                let [gk, gd2] = &mut fac.grams;
                rayon::join(
                    || mode_gram(wd, &b[d], dims, d, gk),
                    || mode_gram(&h, &b[d], dims, d, gd2),
                );
            });
        let mut kernel_grads = Vec::new();
        for (d, (fac, pd)) in factors.iter().zip(&p).enumerate() {
            grad.iter_mut().zip(pd).for_each(|(g, v)| *g += tau2 * v);
            let scale = 0.5 * (n / dims[d]) as f64;
            let mut c = folded_diagonal_sums(fac.grams[0].as_ref());
            for (x, y) in c.iter_mut().zip(folded_diagonal_sums(fac.kinv.as_ref())) {
                *x += scale * y;
            }
            // ∂L/∂D_d = τ₂ H_(d) B_d(d)ᵀ, summed per lag of the Toeplitz D2_d or the
            // skew Toeplitz c_d·D1_d
            let grads = match self.opts.pde.slope_coefficient(d) {
                None => {
                    let mut e = folded_diagonal_sums(fac.grams[1].as_ref());
                    e.iter_mut().for_each(|v| *v *= tau2);
                    self.kernel_gradient(fac, &c, &e)
                }
                Some(coef) => {
                    let mut e1 = signed_diagonal_sums(fac.grams[1].as_ref());
                    e1.iter_mut().for_each(|v| *v *= tau2 * coef);
                    let mut g = self.kernel_gradient(fac, &c, &vec![0.0; c.len()]);
                    let g1 = fac.lags.gradient_first(&e1);
                    g.iter_mut()
                        .zip(self.frequency_mask(g1))
                        .for_each(|(x, y)| *x += y);
                    g
                }
            };
            kernel_grads.extend(grads);
        }
        pool.give(b);
        pool.give(p);
        pool.give(w);
        pool.give([a, h]);
        grad.extend(kernel_grads);
        grad.extend(tail);
        Ok((loss, grad))
    }

    /// `H ← ΣU_dd − f` (+ `U(U² − 1)` for Allen–Cahn), given the sum of the
    /// derivative terms `ΣU_dd` in `h`.
    fn finish_residual(&self, h: &mut [f64]) {
        for ((x, f), u) in h.iter_mut().zip(&self.f).zip(&self.u) {
            *x -= f;
            if self.opts.pde == Pde::AllenCahn {
                *x += u * (u * u - 1.0);
            }
        }
    }

    /// The loss from `A = U ×_1 K_1⁻¹ …` and the residual `H`; the part of `∂L/∂U`
    /// that needs no operator (`A`, the boundary and the Allen–Cahn term); and the
    /// gradient in `(log τ₁, log τ₂)`.
    fn loss_terms(
        &self,
        factors: &[Factor],
        a: &[f64],
        h: &[f64],
    ) -> Result<(f64, Vec<f64>, [f64; 2])> {
        let n = self.u.len();
        let (tau1, tau2) = self.precisions();
        let lb = self.opts.lambda_b;
        let rb: Vec<f64> = self
            .b_idx
            .iter()
            .zip(&self.b_val)
            .map(|(&i, g)| self.u[i] - g)
            .collect();
        let nb = rb.len() as f64;
        let h2 = h.iter().map(|v| v * v).sum::<f64>();
        let rb2 = rb.iter().map(|v| v * v).sum::<f64>();
        let ua: f64 = self.u.iter().zip(a).map(|(x, y)| x * y).sum();
        let logdets: f64 = factors
            .iter()
            .zip(&self.dims)
            .map(|(f, nd)| (n / nd) as f64 * f.log_det)
            .sum();
        let loss = 0.5 * logdets
            + 0.5 * ua
            + lb * (0.5 * tau1 * rb2 - 0.5 * nb * self.log_tau[0])
            + 0.5 * tau2 * h2
            - 0.5 * n as f64 * self.log_tau[1];
        if !loss.is_finite() {
            return Err(GpError::LinearAlgebra(format!(
                "non-finite loss after {} steps",
                self.adam.steps()
            )));
        }
        let mut gu = a.to_vec();
        for (&i, r) in self.b_idx.iter().zip(&rb) {
            gu[i] += lb * tau1 * r;
        }
        if self.opts.pde == Pde::AllenCahn {
            for ((g, hh), u) in gu.iter_mut().zip(h).zip(&self.u) {
                *g += tau2 * hh * (3.0 * u * u - 1.0);
            }
        }
        let tail = [
            lb * (0.5 * tau1 * rb2 - 0.5 * nb),
            0.5 * tau2 * h2 - 0.5 * n as f64,
        ];
        Ok((loss, gu, tail))
    }

    /// The gradient in a dimension's kernel parameters from the folded diagonal
    /// sums `c` of `∂L/∂K_d` and `e` of `∂L/∂D2_d`.
    fn kernel_gradient(&self, fac: &Factor, c: &[f64], e: &[f64]) -> Vec<f64> {
        self.frequency_mask(fac.lags.gradient(c, e))
    }

    /// A kernel-parameter gradient with the frequencies' entries zeroed when they
    /// are not learned (μ stays 0, so its Adam update must be zero).
    fn frequency_mask(&self, mut gk: Vec<f64>) -> Vec<f64> {
        if !self.opts.learn_frequencies {
            gk.iter_mut().skip(2).step_by(3).for_each(|g| *g = 0.0);
        }
        gk
    }

    /// One Adam step (β = 0.9, 0.999, ε = 1e-8) on every parameter; returns the loss
    /// before the step.
    pub fn step(&mut self) -> Result<f64> {
        let (loss, grad) = self.loss_and_gradient()?;
        self.adam.next_step();
        // U in place, then the few kernel and precision parameters
        let n = self.u.len();
        self.adam.descend(0, &mut self.u, &grad[..n]);
        let mut rest: Vec<f64> = self.kernels.iter().flat_map(|k| k.params()).collect();
        rest.extend(self.log_tau);
        self.adam.descend(n, &mut rest, &grad[n..]);
        let mut o = 0;
        for k in self.kernels.iter_mut() {
            let np = k.n_params();
            k.set_params(&rest[o..o + np])?;
            o += np;
        }
        self.log_tau = [rest[o], rest[o + 1]];
        Ok(loss)
    }

    /// The GP conditional mean at the tensor grid `test`: `(⊗ K_{*d}) (⊗K_d)⁻¹ U`,
    /// the solves refined against each `K_d` (the learned kernels are so
    /// ill-conditioned that an unrefined `K⁻¹U` loses digits the grid values have:
    /// on x sin 200x, N = 900, a grid error of 4e-6 read as 2e-4 between the nodes).
    pub fn predict(&self, test: &[Vec<f64>]) -> Result<Vec<f64>> {
        if test.len() != self.dims.len() {
            return Err(invalid("test", test.len(), "one axis per dimension"));
        }
        let mut a = self.u.clone();
        let mut dims = self.dims.clone();
        let mut used = Vec::with_capacity(self.dims.len());
        for d in 0..self.dims.len() {
            let fac = self.factor(d)?;
            a = refined_mode_solve(&a, &dims, d, &fac);
            used.push(fac);
        }
        self.recycle(used);
        for (d, t) in test.iter().enumerate() {
            let g = &self.axes[d];
            let kstar = Mat::from_fn(t.len(), g.len(), |i, j| self.kernels[d].value(t[i] - g[j]));
            a = mode_product(&a, &dims, d, kstar.as_ref());
            dims[d] = t.len();
        }
        Ok(a)
    }
}

/// Relative L² error `‖a − b‖/‖b‖` (the workspace's one implementation).
pub use noether_core::stats::relative_l2;

#[cfg(test)]
mod tests {
    use super::{
        Factor, TRENCH_ACCEPT, cholesky_inverse, refined_mode_solve, refined_solve,
        toeplitz_inverse_residual,
    };
    use crate::toeplitz::{symmetric_matvec, toeplitz_inverse_into};
    use faer::Mat;
    use faer::linalg::solvers::Solve;

    fn se_row(n: usize, h: f64, jitter: f64) -> Vec<f64> {
        (0..n)
            .map(|k| (-(k as f64 * h).powi(2) / 0.5).exp() + if k == 0 { jitter } else { 0.0 })
            .collect()
    }

    /// The Cholesky fallback and Trench give the same inverse and log-determinant on
    /// a healthy factor, whose residual passes the check; a corrupted inverse fails it.
    #[test]
    fn fallback_agrees_and_residual_detects_a_bad_inverse() {
        let n = 120;
        let row = se_row(n, 0.05, 1e-4);
        let k = Mat::from_fn(n, n, |i, j| row[i.abs_diff(j)]);
        let (mut a, mut b) = (Mat::zeros(n, n), Mat::zeros(n, n));
        let la = toeplitz_inverse_into(&row, &mut a).unwrap();
        let lb = cholesky_inverse(&k, &mut b).unwrap();
        assert!((la - lb).abs() < 1e-8 * lb.abs());
        let scale = (0..n).map(|i| b[(i, i)]).fold(0.0, f64::max);
        assert!((0..n).all(|j| (0..n).all(|i| (a[(i, j)] - b[(i, j)]).abs() < 1e-8 * scale)));
        assert!(toeplitz_inverse_residual(&row, &a) < 1e-6);
        a[(3, 7)] += 0.1 * scale;
        assert!(toeplitz_inverse_residual(&row, &a) > TRENCH_ACCEPT);
    }

    /// On an ill-conditioned factor (SE, jitter 1e-9: the inverse's residual far
    /// above round-off) iterative refinement brings the solve's residual
    /// ‖K x − y‖/‖y‖ down to a Cholesky solve's (backward stable) and far below the
    /// unrefined one's.
    #[test]
    fn refinement_makes_ill_conditioned_solves_backward_stable() {
        let n = 300;
        let row = se_row(n, 0.01, 1e-9);
        let mut inv = Mat::zeros(n, n);
        toeplitz_inverse_into(&row, &mut inv).unwrap();
        let res = toeplitz_inverse_residual(&row, &inv);
        assert!(res > 1e-10 && res < TRENCH_ACCEPT, "residual {res:e}");
        let y: Vec<f64> = (0..n).map(|i| (0.3 * i as f64).cos()).collect();
        let rel = |x: &[f64]| {
            let mut kx = vec![0.0; n];
            symmetric_matvec(&row, x, &mut kx);
            let num: f64 = kx.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum();
            (num / y.iter().map(|v| v * v).sum::<f64>()).sqrt()
        };
        let plain = rel(&refined_solve(&row, inv.as_ref(), 0.0, &y));
        let refined = rel(&refined_solve(&row, inv.as_ref(), res, &y));
        // the prediction's mode solve refines the same way
        let mut fac = Factor::new(n, false);
        fac.kinv = inv.clone();
        fac.k_row = row.clone();
        fac.residual = res;
        let mode = rel(&refined_mode_solve(&y, &[n], 0, &fac));
        // a backward-stable solve (Cholesky) on the same matrix
        let k = Mat::from_fn(n, n, |i, j| row[i.abs_diff(j)]);
        let llt = k.llt(faer::Side::Lower).unwrap();
        let mut x = Mat::from_fn(n, 1, |i, _| y[i]);
        llt.solve_in_place(x.as_mut());
        let cholesky = rel(&(0..n).map(|i| x[(i, 0)]).collect::<Vec<_>>());
        for r in [refined, mode] {
            assert!(
                r < 0.1 * plain && r < 3.0 * cholesky,
                "refined {r:e}, plain {plain:e}, Cholesky {cholesky:e}"
            );
        }
    }
}
