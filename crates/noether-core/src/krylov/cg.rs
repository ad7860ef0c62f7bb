//! Preconditioned conjugate gradients.

use super::{
    KrylovOptions, KrylovReport, check_system, final_report, non_finite, residual, target,
};
use crate::error::{CoreError, Result};
use crate::operator::LinearOperator;
use crate::real::Real;
use crate::space::Space;
use num_traits::One;

/// Solves `A x = b` for symmetric positive definite `A` by (preconditioned)
/// conjugate gradients (Hestenes–Stiefel), starting from the `x` given.
///
/// `precond` applies `M⁻¹` for an SPD `M ≈ A`. The loop stops when the recurrence
/// residual satisfies `‖r‖ ≤ max(rtol·‖b‖, atol)`; the true residual `b − A x` is then
/// recomputed and, should rounding have let the recurrence drift, the iteration
/// restarts from it, so the tolerance holds for the returned `x`.
///
/// Errors: [`CoreError::Breakdown`] when `pᵀAp ≤ 0` (A not SPD) or `rᵀM⁻¹r < 0`
/// (preconditioner not SPD); [`CoreError::NonFinite`] for NaN/∞ in the inputs or the
/// iteration; [`CoreError::NotConverged`] after `max_iters`.
///
/// ```
/// use noether_core::krylov::{cg, KrylovOptions};
/// use noether_core::operator::Diagonal;
///
/// let a = Diagonal::new(vec![1.0_f64, 10.0, 100.0]);
/// let b = vec![1.0; 3];
/// let mut x = vec![0.0; 3];
/// let r = cg(&a, &b, &mut x, None, &KrylovOptions::default()).unwrap();
/// assert!(r.iterations <= 3);
/// assert!((x[1] - 0.1).abs() < 1e-12);
/// ```
pub fn cg<V, A>(
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
    const METHOD: &str = "CG";
    check_system(METHOD, a, b, x, precond, opts)?;
    let one = V::Scalar::one();
    let bnorm = b.norm2().as_f64();
    let tol = target(opts, bnorm);

    let mut r = b.zeros_like();
    residual(a, b, x, &mut r);
    let mut rnorm = r.norm2().as_f64();
    let mut history = vec![rnorm];
    if !rnorm.is_finite() {
        return Err(non_finite("initial residual"));
    }
    if rnorm <= tol {
        return Ok(final_report(a, b, x, 0, history));
    }

    let mut z = precond.map(|_| b.zeros_like());
    let mut p = b.zeros_like();
    let mut q = b.zeros_like();
    // rz = rᵀ M⁻¹ r; p = M⁻¹ r
    let mut rz = precondition(precond, &r, z.as_mut(), &mut p, 0)?;
    let mut it = 0;
    let mut restarts = 0;
    while it < opts.max_iters {
        it += 1;
        a.apply(&p, &mut q);
        let pq = p.dot(&q).as_f64();
        if !pq.is_finite() {
            return Err(non_finite("operator output pᵀAp"));
        }
        if pq <= 0.0 {
            return Err(CoreError::Breakdown {
                method: METHOD,
                iteration: it,
                reason: "pᵀAp <= 0: operator not positive definite",
                value: pq,
            });
        }
        let alpha = V::Scalar::of_f64(rz / pq);
        x.axpy(alpha, &p);
        r.axpy(-alpha, &q);
        rnorm = r.norm2().as_f64();
        history.push(rnorm);
        if !rnorm.is_finite() {
            return Err(non_finite("residual"));
        }
        if rnorm <= tol {
            // Guard against drift of the recurrence: check the true residual.
            residual(a, b, x, &mut r);
            let true_norm = r.norm2().as_f64();
            if true_norm <= tol || restarts >= 3 {
                return Ok(final_report(a, b, x, it, history));
            }
            restarts += 1;
            rz = precondition(precond, &r, z.as_mut(), &mut p, it)?;
            continue;
        }
        let rz_new = match z.as_mut() {
            Some(z) => {
                if let Some(m) = precond {
                    m.apply(&r, z);
                }
                r.dot(z).as_f64()
            }
            None => rnorm * rnorm,
        };
        if rz_new < 0.0 {
            return Err(CoreError::Breakdown {
                method: METHOD,
                iteration: it,
                reason: "rᵀM⁻¹r < 0: preconditioner not positive definite",
                value: rz_new,
            });
        }
        let beta = V::Scalar::of_f64(rz_new / rz);
        rz = rz_new;
        // p ← z + β p
        match z.as_ref() {
            Some(z) => p.lincomb_acc(beta, &[(one, z)]),
            None => p.lincomb_acc(beta, &[(one, &r)]),
        }
    }
    Err(CoreError::NotConverged {
        method: METHOD,
        iterations: it,
        residual: if bnorm > 0.0 { rnorm / bnorm } else { rnorm },
        tolerance: opts.rtol,
    })
}

/// Sets `p ← M⁻¹ r` (through `z` when preconditioned) and returns `rᵀM⁻¹r`.
fn precondition<V: Space>(
    precond: Option<&dyn LinearOperator<V>>,
    r: &V,
    z: Option<&mut V>,
    p: &mut V,
    iteration: usize,
) -> Result<f64> {
    let rz = match (precond, z) {
        (Some(m), Some(z)) => {
            m.apply(r, z);
            p.copy_from(z);
            r.dot(z).as_f64()
        }
        _ => {
            p.copy_from(r);
            r.dot(r).as_f64()
        }
    };
    if !rz.is_finite() {
        return Err(non_finite("preconditioned residual"));
    }
    if rz < 0.0 {
        return Err(CoreError::Breakdown {
            method: "CG",
            iteration,
            reason: "rᵀM⁻¹r < 0: preconditioner not positive definite",
            value: rz,
        });
    }
    Ok(rz)
}
