//! Restarted GMRES(m) with right preconditioning.

use super::{
    KrylovOptions, KrylovReport, check_system, final_report, non_finite, residual, target,
};
use crate::error::{CoreError, Result};
use crate::operator::LinearOperator;
use crate::real::Real;
use crate::space::Space;
use num_traits::{One, Zero};

/// Solves a general (nonsymmetric) system `A x = b` by restarted GMRES(m)
/// (Saad & Schultz 1986) with right preconditioning: GMRES is applied to
/// `A M⁻¹ u = b`, `x = M⁻¹ u`, so the residual it minimises and reports is the true
/// residual `b − A x`. Arnoldi orthogonalises by classical Gram–Schmidt applied
/// twice (CGS2: two multi-dot reductions per step, orthogonal to working precision); the small least-squares problem is updated with Givens
/// rotations. `opts.restart` is `m`; `opts.max_iters` counts all inner iterations.
///
/// Errors: [`CoreError::NonFinite`]; [`CoreError::NotConverged`] (GMRES cannot
/// break down except "luckily", at the exact solution).
///
/// ```
/// use noether_core::krylov::{gmres, KrylovOptions};
/// use faer::mat;
///
/// let a = mat![[4.0_f64, 1.0, 0.0], [-2.0, 3.0, 1.0], [0.0, -1.0, 2.0]];
/// let b = vec![1.0, 2.0, 3.0];
/// let mut x = vec![0.0; 3];
/// let r = gmres(&a, &b, &mut x, None, &KrylovOptions::default()).unwrap();
/// assert!(r.relative_residual < 1e-8);
/// ```
pub fn gmres<V, A>(
    a: &A,
    b: &V,
    x: &mut V,
    precond: Option<&dyn LinearOperator<V>>,
    opts: &KrylovOptions,
) -> Result<KrylovReport>
where
    V: Space,
    A: LinearOperator<V> + ?Sized,
{
    const METHOD: &str = "GMRES";
    check_system(METHOD, a, b, x, precond, opts)?;
    let m = opts.restart.min(opts.max_iters.max(1)).max(1);
    let sc = V::Scalar::of_f64;
    let bnorm = b.norm2().as_f64();
    let tol = target(opts, bnorm);

    let mut r = b.zeros_like();
    let mut w = b.zeros_like();
    let mut zbuf = b.zeros_like();
    let mut basis: Vec<V> = Vec::with_capacity(m + 1);
    // Hessenberg matrix, column-major: h[j] has j + 2 entries.
    let mut h: Vec<Vec<f64>> = Vec::with_capacity(m);
    let mut cs = vec![0.0; m];
    let mut sn = vec![0.0; m];
    let mut g = vec![0.0; m + 1];

    residual(a, b, x, &mut r);
    let mut rnorm = r.norm2().as_f64();
    if !rnorm.is_finite() {
        return Err(non_finite("initial residual"));
    }
    let mut history = vec![rnorm];
    let mut it = 0;
    while rnorm > tol {
        if it >= opts.max_iters {
            return Err(CoreError::NotConverged {
                method: METHOD,
                iterations: it,
                residual: if bnorm > 0.0 { rnorm / bnorm } else { rnorm },
                tolerance: opts.rtol,
            });
        }
        // Start a cycle from the current residual.
        basis.clear();
        h.clear();
        g.iter_mut().for_each(|v| *v = 0.0);
        g[0] = rnorm;
        let mut v0 = r.clone();
        v0.scale(sc(1.0 / rnorm));
        basis.push(v0);
        let mut k = 0;
        while k < m && it < opts.max_iters {
            it += 1;
            // w = A M⁻¹ v_k
            match precond {
                Some(pm) => {
                    pm.apply(&basis[k], &mut zbuf);
                    a.apply(&zbuf, &mut w);
                }
                None => a.apply(&basis[k], &mut w),
            }
            // Classical Gram–Schmidt, twice (CGS2): each pass is one multi-dot (one
            // reduction) and one fused update, and two passes keep the basis
            // orthogonal to working precision (Giraud et al. 2005).
            let mut col = vec![0.0; k + 2];
            let refs: Vec<&V> = basis.iter().collect();
            let mut dots = vec![V::Scalar::zero(); k + 1];
            for _pass in 0..2 {
                w.multi_dot(&refs, &mut dots);
                let terms: Vec<(V::Scalar, &V)> =
                    dots.iter().zip(&refs).map(|(&d, &v)| (-d, v)).collect();
                w.lincomb_acc(V::Scalar::one(), &terms);
                for (c, d) in col.iter_mut().zip(&dots) {
                    *c += d.as_f64();
                }
            }
            let hnext = w.norm2().as_f64();
            if !hnext.is_finite() {
                return Err(non_finite("Arnoldi vector"));
            }
            col[k + 1] = hnext;
            // Apply the previous rotations, then a new one zeroing col[k+1].
            for i in 0..k {
                let t = cs[i] * col[i] + sn[i] * col[i + 1];
                col[i + 1] = -sn[i] * col[i] + cs[i] * col[i + 1];
                col[i] = t;
            }
            let d = col[k].hypot(col[k + 1]);
            if d == 0.0 {
                (cs[k], sn[k]) = (1.0, 0.0);
            } else {
                (cs[k], sn[k]) = (col[k] / d, col[k + 1] / d);
            }
            col[k] = d;
            col[k + 1] = 0.0;
            g[k + 1] = -sn[k] * g[k];
            g[k] *= cs[k];
            h.push(col);
            rnorm = g[k + 1].abs();
            history.push(rnorm);
            k += 1;
            if rnorm <= tol || hnext <= f64::EPSILON * d.max(f64::MIN_POSITIVE) {
                break;
            }
            let mut vnext = w.clone();
            vnext.scale(sc(1.0 / hnext));
            basis.push(vnext);
        }
        // Back substitution: H[0..k,0..k] y = g[0..k].
        let mut y = vec![0.0; k];
        for i in (0..k).rev() {
            let mut s = g[i];
            for (j, hj) in h.iter().enumerate().take(k).skip(i + 1) {
                s -= hj[i] * y[j];
            }
            if h[i][i] == 0.0 {
                return Err(CoreError::Breakdown {
                    method: METHOD,
                    iteration: it,
                    reason: "singular Hessenberg matrix (operator singular on the Krylov space)",
                    value: 0.0,
                });
            }
            y[i] = s / h[i][i];
        }
        // x ← x + M⁻¹ (V y)
        let terms: Vec<(V::Scalar, &V)> =
            y.iter().zip(&basis).map(|(&yi, vi)| (sc(yi), vi)).collect();
        match precond {
            Some(pm) => {
                zbuf.lincomb(&terms);
                pm.apply(&zbuf, &mut w);
                x.axpy(V::Scalar::one(), &w);
            }
            None => x.lincomb_acc(V::Scalar::one(), &terms),
        }
        // True residual for the next cycle (and to guard the Givens estimate).
        residual(a, b, x, &mut r);
        rnorm = r.norm2().as_f64();
        if !rnorm.is_finite() {
            return Err(non_finite("residual"));
        }
    }
    Ok(final_report(a, b, x, it, history))
}
