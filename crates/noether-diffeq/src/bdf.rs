//! Variable-order, quasi-constant-step backward differentiation: the numerical
//! differentiation formulas (NDF) of orders 1–5 of Shampine & Reichelt ("The MATLAB
//! ODE suite", SIAM J. Sci. Comput. 18 (1997) 1–22), in the modified-divided-difference
//! form of `scipy.integrate.solve_ivp(method="BDF")`, so that step and order choices
//! can be compared with scipy one to one.
//!
//! The state is the array `D` of backward differences of the interpolating
//! polynomial, rescaled when the step changes. Each step solves
//! `(I − cJ) Δ = c f(y) − ψ − d` by simplified Newton (at most four iterations) with
//! `c = h/α_k`; the local error is `C_{k+1} d` with `d` the correction to the
//! prediction. After `k + 1` equal steps the order moves to whichever of `k − 1, k,
//! k + 1` allows the largest step.

use noether_core::{Real, Space, Tolerance, VectorField};

use crate::controller::{first_step, initial_step};
use crate::error::{DiffeqError, Result};
use crate::newton::{MassInverted, NewtonLinearSolver};
use crate::options::SolveStats;
use crate::solver::{Attempt, OdeSolver, StepControl};

/// Highest order.
pub const MAX_ORDER: usize = 5;
const NEWTON_MAXITER: usize = 4;
const MIN_FACTOR: f64 = 0.2;
const MAX_FACTOR: f64 = 10.0;
/// NDF coefficients κ_k (Shampine & Reichelt, Table 1; κ₅ = 0 makes order 5 a BDF).
const KAPPA: [f64; MAX_ORDER + 1] = [0.0, -0.1850, -1.0 / 9.0, -0.0823, -0.0415, 0.0];

/// γ_k = Σ_{j ≤ k} 1/j, α_k = (1 − κ_k) γ_k and the error constants
/// C_{k+1} = κ_k γ_k + 1/(k + 1).
struct Coefficients {
    gamma: [f64; MAX_ORDER + 1],
    alpha: [f64; MAX_ORDER + 1],
    error_const: [f64; MAX_ORDER + 2],
}

fn coefficients() -> Coefficients {
    let mut gamma = [0.0; MAX_ORDER + 1];
    for k in 1..=MAX_ORDER {
        gamma[k] = gamma[k - 1] + 1.0 / k as f64;
    }
    let mut alpha = [0.0; MAX_ORDER + 1];
    let mut error_const = [0.0; MAX_ORDER + 2];
    for k in 0..=MAX_ORDER {
        alpha[k] = (1.0 - KAPPA[k]) * gamma[k];
        error_const[k] = KAPPA[k] * gamma[k] + 1.0 / (k + 1) as f64;
    }
    error_const[MAX_ORDER + 1] = 1.0 / (MAX_ORDER + 2) as f64;
    Coefficients {
        gamma,
        alpha,
        error_const,
    }
}

/// The matrix `R(order, factor)` with `R[i][j] = Π_{l=1..i} (l − 1 − factor·j)/l`
/// (`R[0][j] = 1`) that maps differences at step `h` to differences at `factor·h`.
fn compute_r(order: usize, factor: f64) -> [[f64; MAX_ORDER + 1]; MAX_ORDER + 1] {
    let mut r = [[0.0; MAX_ORDER + 1]; MAX_ORDER + 1];
    r[0][..=order].fill(1.0);
    for i in 1..=order {
        let (prev, cur) = r.split_at_mut(i);
        for (j, (rij, pj)) in cur[0]
            .iter_mut()
            .zip(prev[i - 1])
            .enumerate()
            .take(order + 1)
            .skip(1)
        {
            *rij = pj * (i as f64 - 1.0 - factor * j as f64) / i as f64;
        }
    }
    r
}

/// Rescales the differences `D[0..=order]` for a step multiplied by `factor`.
fn change_d<V: Space>(d: &mut [V], scratch: &mut [V], order: usize, factor: f64) {
    let r = compute_r(order, factor);
    let u = compute_r(order, 1.0);
    // RU = R·U; new D_i = Σ_j (RU)[j][i] D_j.
    let mut ru = [[0.0; MAX_ORDER + 1]; MAX_ORDER + 1];
    for i in 0..=order {
        for j in 0..=order {
            ru[i][j] = (0..=order).map(|l| r[i][l] * u[l][j]).sum();
        }
    }
    let sc = V::Scalar::of_f64;
    let mut terms: [(V::Scalar, &V); MAX_ORDER + 1] = [(sc(0.0), &d[0]); MAX_ORDER + 1];
    for (i, out) in scratch.iter_mut().enumerate().take(order + 1) {
        for (j, term) in terms.iter_mut().enumerate().take(order + 1) {
            *term = (sc(ru[j][i]), &d[j]);
        }
        out.lincomb(&terms[..=order]);
    }
    for i in 0..=order {
        std::mem::swap(&mut d[i], &mut scratch[i]);
    }
}

/// The variable-order NDF/BDF method as an [`OdeSolver`], solving the corrector
/// with a [`NewtonLinearSolver`]. Adaptive steps only: the step and order
/// selection are the method's own (scipy's), honouring the first step `h0` and
/// the controller's `dtmax` and `dtmin`. Dense output is the method's
/// interpolating polynomial.
///
/// Errors during a solve: [`DiffeqError::StepSizeUnderflow`],
/// [`DiffeqError::NonFinite`].
///
/// ```
/// use noether_diffeq::{solve, OdeProblem, SolveOptions};
/// use noether_diffeq::bdf::Bdf;
/// use noether_diffeq::newton::DenseNewton;
///
/// // Robertson's chemical kinetics to t = 40.
/// let f = |_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| {
///     dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
///     dy[2] = 3e7 * y[1] * y[1];
///     dy[1] = -dy[0] - dy[2];
/// };
/// let problem = OdeProblem::new(&f, (0.0, 40.0), vec![1.0, 0.0, 0.0]).tolerances(1e-6, 1e-10);
/// let sol = solve(&problem, Bdf::new(DenseNewton::finite_difference()), SolveOptions::default())
///     .unwrap();
/// assert!((sol.ys[0][0] - 0.7158).abs() < 1e-3); // y₁(40) = 0.71583…
/// ```
pub struct Bdf<V, N> {
    newton: N,
    state: Option<BdfState<V>>,
}

struct BdfState<V> {
    cf: Coefficients,
    newton_tol: f64,
    /// Backward differences `D[0..=order+2]` and scratch space for rescaling.
    d: Vec<V>,
    scratch: Vec<V>,
    order: usize,
    n_equal_steps: usize,
    h_abs: f64,
    /// The next attempt starts a new step (not a retry).
    fresh: bool,
    current_jac: bool,
    min_step: f64,
    y_predict: V,
    psi: V,
    y_new: V,
    corr: V,
    rhs: V,
    dy: V,
    fy: V,
    err: V,
    /// The pending step: its size, Newton iterations and error norm.
    h: f64,
    t_new: f64,
    n_iter: usize,
    error_norm: f64,
}

impl<V: Space, N: NewtonLinearSolver<V>> Bdf<V, N> {
    /// The method with `newton` for its corrector.
    pub fn new(newton: N) -> Self {
        Self {
            newton,
            state: None,
        }
    }

    /// The Newton linear solver (for its counters).
    pub fn newton(&self) -> &N {
        &self.newton
    }

    /// The order used by the last step.
    pub fn order(&self) -> usize {
        self.state.as_ref().map_or(1, |s| s.order)
    }

    fn st(&self) -> &BdfState<V> {
        self.state
            .as_ref()
            .expect("Bdf used before OdeSolver::init (a driver bug)")
    }
}

impl<V, F, N> OdeSolver<V, F> for Bdf<V, N>
where
    V: Space,
    F: VectorField<V> + ?Sized,
    N: NewtonLinearSolver<V>,
{
    fn name(&self) -> &'static str {
        "BDF"
    }

    fn adaptive_only(&self) -> bool {
        true
    }

    fn init(
        &mut self,
        f: &F,
        t0: f64,
        y0: &V,
        _t1: f64,
        ctl: &StepControl<V>,
        stats: &mut SolveStats,
    ) -> Result<()> {
        let sc = V::Scalar::of_f64;
        let dir = ctl.dir;
        let mut fy = y0.zeros_like();
        f.eval(t0, y0, &mut fy);
        stats.nfev += 1;
        // y'(t₀) = M⁻¹ f(t₀, y₀) (f itself without a mass matrix).
        let mut yp0 = y0.zeros_like();
        self.newton.solve_mass(&fy, &mut yp0)?;
        let newton = &mut self.newton;
        let h_abs = first_step(ctl, || {
            let (h, n) = if newton.has_mass() {
                let g = MassInverted::new(f, newton, y0);
                initial_step(&g, t0, y0, &yp0, 2, &ctl.tol, dir)
            } else {
                initial_step(f, t0, y0, &yp0, 2, &ctl.tol, dir)
            };
            stats.nfev += n;
            h.abs()
        })
        .abs();
        let n = self.newton.update_jacobian(f, t0, y0, &fy)?;
        stats.nfev += n;
        stats.jacobians += 1;
        let mut d: Vec<V> = (0..MAX_ORDER + 3).map(|_| y0.zeros_like()).collect();
        d[0].copy_from(y0);
        d[1].lincomb(&[(sc(h_abs * dir), &yp0)]);
        self.state = Some(BdfState {
            cf: coefficients(),
            newton_tol: crate::esdirk::newton_tolerance(ctl.tol.rtol),
            d,
            scratch: (0..=MAX_ORDER).map(|_| y0.zeros_like()).collect(),
            order: 1,
            n_equal_steps: 0,
            h_abs,
            fresh: true,
            current_jac: false,
            min_step: 0.0,
            y_predict: y0.zeros_like(),
            psi: y0.zeros_like(),
            y_new: y0.zeros_like(),
            corr: y0.zeros_like(),
            rhs: y0.zeros_like(),
            dy: y0.zeros_like(),
            fy,
            err: y0.zeros_like(),
            h: 0.0,
            t_new: t0,
            n_iter: 0,
            error_norm: 0.0,
        });
        Ok(())
    }

    fn attempt(
        &mut self,
        f: &F,
        t: f64,
        _y: &V,
        t_stop: f64,
        ctl: &StepControl<V>,
        stats: &mut SolveStats,
    ) -> Result<Attempt> {
        let sc = V::Scalar::of_f64;
        let one = sc(1.0);
        let dir = ctl.dir;
        let (dtmax, dtmin) = (ctl.controller.dtmax, ctl.controller.dtmin);
        let newton = &mut self.newton;
        let st = self
            .state
            .as_mut()
            .expect("Bdf used before OdeSolver::init (a driver bug)");
        let order = st.order;
        if st.fresh {
            st.fresh = false;
            st.current_jac = false;
            st.min_step = (10.0 * (next_toward(t, dir) - t).abs()).max(dtmin);
            if st.h_abs > dtmax {
                change_d(&mut st.d, &mut st.scratch, order, dtmax / st.h_abs);
                st.h_abs = dtmax;
                st.n_equal_steps = 0;
            } else if st.h_abs < st.min_step {
                change_d(&mut st.d, &mut st.scratch, order, st.min_step / st.h_abs);
                st.h_abs = st.min_step;
                st.n_equal_steps = 0;
            }
        }
        if st.h_abs < st.min_step {
            return Err(DiffeqError::StepSizeUnderflow {
                t,
                h: st.h_abs * dir,
                h_min: st.min_step,
            });
        }
        let mut t_new = t + st.h_abs * dir;
        if dir * (t_new - t_stop) > 0.0 {
            t_new = t_stop;
            change_d(
                &mut st.d,
                &mut st.scratch,
                order,
                (t_new - t).abs() / st.h_abs,
            );
            st.n_equal_steps = 0;
        }
        let h = t_new - t;
        st.h_abs = h.abs();

        let cf = &st.cf;
        let d = &st.d;
        let mut terms: [(V::Scalar, &V); MAX_ORDER + 1] = [(one, &d[0]); MAX_ORDER + 1];
        for (j, term) in terms.iter_mut().enumerate().take(order + 1) {
            *term = (one, &d[j]);
        }
        st.y_predict.lincomb(&terms[..=order]);
        let inv_alpha = 1.0 / cf.alpha[order];
        for (j, term) in terms.iter_mut().enumerate().take(order + 1).skip(1) {
            *term = (sc(cf.gamma[j] * inv_alpha), &d[j]);
        }
        st.psi.lincomb(&terms[1..=order]);
        let c = h * inv_alpha;

        let mut outcome = None;
        loop {
            let solved = if newton.set_shift(c).is_ok() {
                newton_corrector(f, newton, t_new, c, &ctl.tol, st, stats)
            } else {
                None
            };
            if let Some(n_iter) = solved {
                outcome = Some(n_iter);
                break;
            }
            if st.current_jac {
                break;
            }
            f.eval(t_new, &st.y_predict, &mut st.fy);
            stats.nfev += 1;
            stats.nfev += newton.update_jacobian(f, t_new, &st.y_predict, &st.fy)?;
            stats.jacobians += 1;
            st.current_jac = true;
        }
        let Some(n_iter) = outcome else {
            st.h_abs *= 0.5;
            change_d(&mut st.d, &mut st.scratch, order, 0.5);
            st.n_equal_steps = 0;
            return Ok(Attempt::Rejected);
        };
        st.err.lincomb(&[(sc(st.cf.error_const[order]), &st.corr)]);
        // One reduction; NaN for a non-finite proposal.
        let error_norm = st
            .err
            .wrms_norm(&st.y_new, &st.y_new, ctl.tol.view())
            .as_f64();
        if error_norm > 1.0 || !error_norm.is_finite() {
            let safety = newton_safety(n_iter);
            let factor = if error_norm.is_finite() {
                MIN_FACTOR.max(safety * error_norm.powf(-1.0 / (order as f64 + 1.0)))
            } else {
                MIN_FACTOR
            };
            st.h_abs *= factor;
            change_d(&mut st.d, &mut st.scratch, order, factor);
            st.n_equal_steps = 0;
            return Ok(Attempt::Rejected);
        }
        st.n_equal_steps += 1;
        // D^{j+1} y_n = D^j y_n − D^j y_{n−1}, with d = D^{k+1} y_n.
        {
            let (lo, hi) = st.d.split_at_mut(order + 2);
            hi[0].lincomb(&[(one, &st.corr), (-one, &lo[order + 1])]);
        }
        st.d[order + 1].copy_from(&st.corr);
        for i in (0..=order).rev() {
            let (lo, hi) = st.d.split_at_mut(i + 1);
            lo[i].axpy(one, &hi[0]);
        }
        st.h = h;
        st.t_new = t_new;
        st.n_iter = n_iter;
        st.error_norm = error_norm;
        Ok(Attempt::Accepted { t_new })
    }

    fn proposal(&self) -> &V {
        &self.st().y_new
    }

    fn prepare_dense(&mut self, _f: &F, _t: f64, _y: &V, _stats: &mut SolveStats) {
        // The interpolating polynomial is the differences D: nothing to compute.
    }

    fn interpolate(&self, _t: f64, _y: &V, tau: f64, out: &mut V) {
        let st = self.st();
        dense_output(&st.d, st.order, st.t_new, st.h, tau, out);
    }

    fn accept(&mut self, y: &mut V, ctl: &StepControl<V>) {
        let sc = V::Scalar::of_f64;
        let st = self
            .state
            .as_mut()
            .expect("Bdf used before OdeSolver::init (a driver bug)");
        y.copy_from(&st.y_new);
        st.fresh = true;
        let order = st.order;
        if st.n_equal_steps < order + 1 {
            return;
        }
        let tol = &ctl.tol;
        let error_m_norm = if order > 1 {
            st.err
                .lincomb(&[(sc(st.cf.error_const[order - 1]), &st.d[order])]);
            st.err.wrms_norm(&st.y_new, &st.y_new, tol.view()).as_f64()
        } else {
            f64::INFINITY
        };
        let error_p_norm = if order < MAX_ORDER {
            st.err
                .lincomb(&[(sc(st.cf.error_const[order + 1]), &st.d[order + 2])]);
            st.err.wrms_norm(&st.y_new, &st.y_new, tol.view()).as_f64()
        } else {
            f64::INFINITY
        };
        let norms = [error_m_norm, st.error_norm, error_p_norm];
        // argmax picks the first maximum, as numpy does.
        let mut arg = 0;
        let mut fmax = f64::NEG_INFINITY;
        for (idx, e) in norms.iter().enumerate() {
            let mut factor = e.powf(-1.0 / (order + idx) as f64);
            if factor.is_nan() {
                factor = 0.0;
            }
            if factor > fmax {
                fmax = factor;
                arg = idx;
            }
        }
        st.order = order + arg - 1;
        let factor = MAX_FACTOR.min(newton_safety(st.n_iter) * fmax);
        st.h_abs *= factor;
        change_d(&mut st.d, &mut st.scratch, st.order, factor);
        st.n_equal_steps = 0;
    }

    fn next_step(&self) -> f64 {
        self.state.as_ref().map_or(0.0, |s| s.h_abs)
    }

    fn finish_stats(&self, stats: &mut SolveStats) {
        stats.factorisations = self.newton.counts().factorisations;
    }
}

fn newton_safety(n_iter: usize) -> f64 {
    0.9 * (2 * NEWTON_MAXITER + 1) as f64 / (2 * NEWTON_MAXITER + n_iter) as f64
}

/// The next representable time after `t` in direction `dir`.
fn next_toward(t: f64, dir: f64) -> f64 {
    if dir > 0.0 {
        t.next_up()
    } else {
        t.next_down()
    }
}

/// Simplified Newton for the corrector, from `st.y_predict` into `st.y_new` (with
/// the correction in `st.corr`); returns the iteration count on convergence.
fn newton_corrector<V, F, N>(
    f: &F,
    newton: &mut N,
    t_new: f64,
    c: f64,
    tol: &Tolerance<V>,
    st: &mut BdfState<V>,
    stats: &mut SolveStats,
) -> Option<usize>
where
    V: Space,
    F: VectorField<V> + ?Sized,
    N: NewtonLinearSolver<V>,
{
    let sc = V::Scalar::of_f64;
    let one = sc(1.0);
    let newton_tol = st.newton_tol;
    st.y_new.copy_from(&st.y_predict);
    st.corr.fill(sc(0.0));
    let mut dy_norm_old = f64::NAN;
    for k in 0..NEWTON_MAXITER {
        f.eval(t_new, &st.y_new, &mut st.fy);
        stats.nfev += 1;
        stats.newton_iterations += 1;
        // A non-finite f makes the Newton right-hand side non-finite: the linear
        // solve or the update's norm reports it (no separate host check).
        if newton.has_mass() {
            // c f(y) − M (ψ + d), with `err` and `dy` as scratch.
            st.err.lincomb(&[(one, &st.psi), (one, &st.corr)]);
            newton.apply_mass(&st.err, &mut st.dy);
            st.rhs.lincomb(&[(sc(c), &st.fy), (-one, &st.dy)]);
        } else {
            st.rhs
                .lincomb(&[(sc(c), &st.fy), (-one, &st.psi), (-one, &st.corr)]);
        }
        match newton.solve(f, &st.rhs, &mut st.dy) {
            Ok(n) => stats.nfev += n,
            Err(_) => return None,
        }
        let dy_norm = st
            .dy
            .wrms_norm(&st.y_predict, &st.y_predict, tol.view())
            .as_f64();
        if !dy_norm.is_finite() {
            return None;
        }
        let rate = if k > 0 {
            Some(dy_norm / dy_norm_old)
        } else {
            None
        };
        if let Some(rate) = rate
            && (rate >= 1.0
                || rate.powi((NEWTON_MAXITER - k) as i32) / (1.0 - rate) * dy_norm > newton_tol)
        {
            return None;
        }
        st.y_new.axpy(one, &st.dy);
        st.corr.axpy(one, &st.dy);
        if dy_norm == 0.0 || rate.is_some_and(|r| r / (1.0 - r) * dy_norm < newton_tol) {
            return Some(k + 1);
        }
        dy_norm_old = dy_norm;
    }
    None
}

/// The interpolating polynomial of the last step (order `order`, ending at `t_new`
/// with step `h`) at `tau`.
fn dense_output<V: Space>(d: &[V], order: usize, t_new: f64, h: f64, tau: f64, out: &mut V) {
    let sc = V::Scalar::of_f64;
    let mut p = 1.0;
    let mut terms: [(V::Scalar, &V); MAX_ORDER + 1] = [(sc(1.0), &d[0]); MAX_ORDER + 1];
    for j in 0..order {
        let shift = t_new - h * j as f64;
        let denom = h * (1 + j) as f64;
        p *= (tau - shift) / denom;
        terms[j + 1] = (sc(p), &d[j + 1]);
    }
    out.lincomb(&terms[..=order]);
}
