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

use noether_core::{Real, Space, VectorField};

use crate::controller::initial_step;
use crate::error::{DiffeqError, Result, invalid};
use crate::events::{Event, handle_step};
use crate::newton::NewtonLinearSolver;
use crate::output::Recorder;
use crate::solve::{OdeOptions, OdeSolution, SolveStats, StepSize, check_budget, validate};

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

/// Integrates `y' = f(t, y)` with the variable-order NDF/BDF method, solving the
/// corrector with `newton`. Only adaptive steps (`StepSize::Adaptive`; its `h0`, and
/// the controller's `dtmax` and `dtmin`, are honoured — the step and order selection
/// are the method's own). Dense output is the method's interpolating polynomial.
///
/// Errors: [`DiffeqError::StepSizeUnderflow`], [`DiffeqError::MaxSteps`],
/// [`DiffeqError::NonFinite`], [`DiffeqError::InvalidOption`].
///
/// ```
/// use noether_diffeq::bdf::solve_bdf;
/// use noether_diffeq::newton::DenseNewton;
/// use noether_diffeq::solve::OdeOptions;
///
/// // Robertson's chemical kinetics to t = 40.
/// let f = |_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| {
///     dy[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
///     dy[2] = 3e7 * y[1] * y[1];
///     dy[1] = -dy[0] - dy[2];
/// };
/// let mut newton = DenseNewton::finite_difference();
/// let sol = solve_bdf(&f, &mut newton, 0.0, 40.0, &vec![1.0, 0.0, 0.0],
///                     &OdeOptions::tolerances(1e-6, 1e-10)).unwrap();
/// assert!((sol.ys[0][0] - 0.7158).abs() < 1e-3); // y₁(40) = 0.71583…
/// ```
pub fn solve_bdf<V, F, N>(
    f: &F,
    newton: &mut N,
    t0: f64,
    t1: f64,
    y0: &V,
    opts: &OdeOptions,
) -> Result<OdeSolution<V>>
where
    V: Space,
    F: VectorField<V> + ?Sized,
    N: NewtonLinearSolver<V>,
{
    solve_bdf_with_events(f, newton, t0, t1, y0, opts, &[])
}

/// [`solve_bdf`] with events located on the method's interpolating polynomial (see
/// [`solve_ode_with_events`](crate::solve::solve_ode_with_events)).
pub fn solve_bdf_with_events<V, F, N>(
    f: &F,
    newton: &mut N,
    t0: f64,
    t1: f64,
    y0: &V,
    opts: &OdeOptions,
    events: &[Event<'_, V>],
) -> Result<OdeSolution<V>>
where
    V: Space,
    F: VectorField<V> + ?Sized,
    N: NewtonLinearSolver<V>,
{
    validate("BDF", true, t0, t1, y0, opts)?;
    let (h0, dtmax, dtmin) = match &opts.step {
        StepSize::Fixed(_) => {
            return Err(invalid(
                "step",
                "Fixed",
                "the BDF method chooses its own steps (use StepSize::Adaptive)",
            ));
        }
        StepSize::Adaptive { h0, controller } => (*h0, controller.dtmax, controller.dtmin),
    };
    let sc = V::Scalar::of_f64;
    let one = sc(1.0);
    let (atol, rtol) = (sc(opts.atol), sc(opts.rtol));
    let cf = coefficients();
    let dir = if t1 >= t0 { 1.0 } else { -1.0 };
    let mut stats = SolveStats::default();
    let mut rec = Recorder::new(&opts.save_at, t0, y0, dir);
    let mut g_old: Vec<f64> = events.iter().map(|e| (e.g)(t0, y0)).collect();
    let mut hits = Vec::new();
    let newton_tol = crate::esdirk::newton_tolerance(opts.rtol);

    let mut fy = y0.zeros_like();
    f.eval(t0, y0, &mut fy);
    stats.nfev += 1;
    let mut h_abs = match h0 {
        Some(h) => h.abs(),
        None => {
            let (h, n) = initial_step(f, t0, y0, &fy, 2, opts.rtol, opts.atol, dir);
            stats.nfev += n;
            h.abs()
        }
    }
    .min(dtmax);
    let n = newton.update_jacobian(f, t0, y0, &fy)?;
    stats.nfev += n;
    stats.jacobians += 1;

    let mut d: Vec<V> = (0..MAX_ORDER + 3).map(|_| y0.zeros_like()).collect();
    let mut scratch: Vec<V> = (0..=MAX_ORDER).map(|_| y0.zeros_like()).collect();
    d[0].copy_from(y0);
    d[1].lincomb(&[(sc(h_abs * dir), &fy)]);
    let mut order = 1usize;
    let mut n_equal_steps = 0usize;
    let mut t = t0;
    let mut y_predict = y0.zeros_like();
    let mut psi = y0.zeros_like();
    let mut y_new = y0.zeros_like();
    let mut corr = y0.zeros_like();
    let mut rhs = y0.zeros_like();
    let mut dy = y0.zeros_like();
    let mut err = y0.zeros_like();

    while (t1 - t) * dir > 0.0 {
        let min_step = (10.0 * (next_toward(t, dir) - t).abs()).max(dtmin);
        if h_abs > dtmax {
            change_d(&mut d, &mut scratch, order, dtmax / h_abs);
            h_abs = dtmax;
            n_equal_steps = 0;
        } else if h_abs < min_step {
            change_d(&mut d, &mut scratch, order, min_step / h_abs);
            h_abs = min_step;
            n_equal_steps = 0;
        }
        let mut current_jac = false;
        let (t_new, h, n_iter, error_norm) = loop {
            if h_abs < min_step {
                return Err(DiffeqError::StepSizeUnderflow {
                    t,
                    h: h_abs * dir,
                    h_min: min_step,
                });
            }
            check_budget(stats.steps, opts.max_steps, t, h_abs * dir)?;
            stats.steps += 1;
            let mut t_new = t + h_abs * dir;
            if dir * (t_new - t1) > 0.0 {
                t_new = t1;
                change_d(&mut d, &mut scratch, order, (t_new - t).abs() / h_abs);
                n_equal_steps = 0;
            }
            let h = t_new - t;
            h_abs = h.abs();

            let mut terms: [(V::Scalar, &V); MAX_ORDER + 1] = [(one, &d[0]); MAX_ORDER + 1];
            for (j, term) in terms.iter_mut().enumerate().take(order + 1) {
                *term = (one, &d[j]);
            }
            y_predict.lincomb(&terms[..=order]);
            let inv_alpha = 1.0 / cf.alpha[order];
            for (j, term) in terms.iter_mut().enumerate().take(order + 1).skip(1) {
                *term = (sc(cf.gamma[j] * inv_alpha), &d[j]);
            }
            psi.lincomb(&terms[1..=order]);
            let c = h * inv_alpha;

            let mut outcome = None;
            loop {
                let solved = if newton.set_shift(c).is_ok() {
                    newton_corrector(
                        f, newton, t_new, &y_predict, c, &psi, &mut y_new, &mut corr, &mut rhs,
                        &mut dy, &mut fy, atol, rtol, newton_tol, &mut stats,
                    )
                } else {
                    None
                };
                if let Some(n_iter) = solved {
                    outcome = Some(n_iter);
                    break;
                }
                if current_jac {
                    break;
                }
                f.eval(t_new, &y_predict, &mut fy);
                stats.nfev += 1;
                stats.nfev += newton.update_jacobian(f, t_new, &y_predict, &fy)?;
                stats.jacobians += 1;
                current_jac = true;
            }
            let Some(n_iter) = outcome else {
                stats.rejected += 1;
                h_abs *= 0.5;
                change_d(&mut d, &mut scratch, order, 0.5);
                n_equal_steps = 0;
                continue;
            };
            err.lincomb(&[(sc(cf.error_const[order]), &corr)]);
            let error_norm = err.wrms_norm(&y_new, &y_new, atol, rtol).as_f64();
            if error_norm > 1.0 || !error_norm.is_finite() {
                stats.rejected += 1;
                let safety = newton_safety(n_iter);
                let factor = if error_norm.is_finite() {
                    MIN_FACTOR.max(safety * error_norm.powf(-1.0 / (order as f64 + 1.0)))
                } else {
                    MIN_FACTOR
                };
                h_abs *= factor;
                change_d(&mut d, &mut scratch, order, factor);
                n_equal_steps = 0;
                continue;
            }
            break (t_new, h, n_iter, error_norm);
        };
        stats.accepted += 1;
        n_equal_steps += 1;

        // D^{j+1} y_n = D^j y_n − D^j y_{n−1}, with d = D^{k+1} y_n.
        {
            let (lo, hi) = d.split_at_mut(order + 2);
            hi[0].lincomb(&[(one, &corr), (-one, &lo[order + 1])]);
        }
        d[order + 1].copy_from(&corr);
        for i in (0..=order).rev() {
            let (lo, hi) = d.split_at_mut(i + 1);
            lo[i].axpy(one, &hi[0]);
        }
        let dd = &d;
        let dense = |tau: f64, out: &mut V| dense_output(dd, order, t_new, h, tau, out);
        if let Some((t_end, y_event)) = handle_step(
            events, &mut g_old, &mut hits, &mut rec, t, t_new, &y_predict, &y_new, dense,
        ) {
            stats.factorisations = newton.counts().factorisations;
            rec.after_step(t_end, &y_event);
            let (ts, ys) = rec.finish(t_end, y_event);
            return Ok(OdeSolution {
                ts,
                ys,
                stats,
                events: hits,
            });
        }
        rec.after_step(t_new, &y_new);
        t = t_new;
        if !y_new.all_finite() {
            return Err(DiffeqError::NonFinite { t, h });
        }
        if n_equal_steps < order + 1 {
            continue;
        }
        let error_m_norm = if order > 1 {
            err.lincomb(&[(sc(cf.error_const[order - 1]), &d[order])]);
            err.wrms_norm(&y_new, &y_new, atol, rtol).as_f64()
        } else {
            f64::INFINITY
        };
        let error_p_norm = if order < MAX_ORDER {
            err.lincomb(&[(sc(cf.error_const[order + 1]), &d[order + 2])]);
            err.wrms_norm(&y_new, &y_new, atol, rtol).as_f64()
        } else {
            f64::INFINITY
        };
        let norms = [error_m_norm, error_norm, error_p_norm];
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
        order = order + arg - 1;
        let factor = MAX_FACTOR.min(newton_safety(n_iter) * fmax);
        h_abs *= factor;
        change_d(&mut d, &mut scratch, order, factor);
        n_equal_steps = 0;
    }
    let counts = newton.counts();
    stats.factorisations = counts.factorisations;
    let (ts, ys) = rec.finish(t, d[0].clone());
    Ok(OdeSolution {
        ts,
        ys,
        stats,
        events: hits,
    })
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

/// Simplified Newton for the corrector; returns the iteration count on convergence.
#[allow(clippy::too_many_arguments)]
fn newton_corrector<V, F, N>(
    f: &F,
    newton: &mut N,
    t_new: f64,
    y_predict: &V,
    c: f64,
    psi: &V,
    y: &mut V,
    corr: &mut V,
    rhs: &mut V,
    dy: &mut V,
    fy: &mut V,
    atol: V::Scalar,
    rtol: V::Scalar,
    tol: f64,
    stats: &mut SolveStats,
) -> Option<usize>
where
    V: Space,
    F: VectorField<V> + ?Sized,
    N: NewtonLinearSolver<V>,
{
    let sc = V::Scalar::of_f64;
    let one = sc(1.0);
    y.copy_from(y_predict);
    corr.fill(sc(0.0));
    let mut dy_norm_old = f64::NAN;
    for k in 0..NEWTON_MAXITER {
        f.eval(t_new, y, fy);
        stats.nfev += 1;
        stats.newton_iterations += 1;
        if !fy.all_finite() {
            return None;
        }
        rhs.lincomb(&[(sc(c), fy), (-one, psi), (-one, corr)]);
        match newton.solve(f, rhs, dy) {
            Ok(n) => stats.nfev += n,
            Err(_) => return None,
        }
        let dy_norm = dy.wrms_norm(y_predict, y_predict, atol, rtol).as_f64();
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
                || rate.powi((NEWTON_MAXITER - k) as i32) / (1.0 - rate) * dy_norm > tol)
        {
            return None;
        }
        y.axpy(one, dy);
        corr.axpy(one, dy);
        if dy_norm == 0.0 || rate.is_some_and(|r| r / (1.0 - r) * dy_norm < tol) {
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
