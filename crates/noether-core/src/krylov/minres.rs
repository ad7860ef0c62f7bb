//! MINRES for symmetric (possibly indefinite) systems.

use super::{
    KrylovOptions, KrylovReport, check_system, final_report, non_finite, residual, target,
};
use crate::error::{CoreError, Result};
use crate::operator::LinearOperator;
use crate::real::Real;
use crate::space::Space;
use num_traits::One;

/// Solves `A x = b` for symmetric, possibly indefinite `A` (saddle-point systems of
/// mixed finite elements, shifted operators) by MINRES (Paige & Saunders 1975),
/// in the preconditioned form of Elman, Silvester & Wathen (2014, Alg. 4.1).
///
/// The preconditioner `M⁻¹` must be symmetric positive definite (block-diagonal
/// preconditioners of saddle-point systems are). MINRES minimises the `M⁻¹`-norm of
/// the residual over the Krylov space; the stopping test uses that norm relative to
/// `‖b‖_{M⁻¹}`, and the returned report gives the true Euclidean residual.
///
/// Errors: [`CoreError::Breakdown`] when the preconditioner is not positive
/// definite; [`CoreError::NonFinite`]; [`CoreError::NotConverged`].
///
/// ```
/// use noether_core::krylov::{minres, KrylovOptions};
/// use noether_core::operator::Diagonal;
///
/// // An indefinite diagonal system: CG would fail, MINRES does not.
/// let a = Diagonal::new(vec![2.0_f64, -3.0, 5.0, -7.0]);
/// let b = vec![1.0; 4];
/// let mut x = vec![0.0; 4];
/// minres(&a, &b, &mut x, None, &KrylovOptions::default()).unwrap();
/// assert!((x[3] + 1.0 / 7.0).abs() < 1e-10);
/// ```
pub fn minres<V, A>(
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
    const METHOD: &str = "MINRES";
    check_system(METHOD, a, b, x, precond, opts)?;
    let one = V::Scalar::one();
    let sc = V::Scalar::of_f64;

    // Norm of b in the preconditioner's metric, for the relative test.
    let mut v = b.zeros_like();
    let mut z = b.zeros_like();
    let bnorm_m = m_norm(precond, b, &mut z, 0)?;
    let tol = target(opts, bnorm_m);

    // v₁ = b − A x₀ (unnormalised), z₁ = M⁻¹ v₁, γ₁ = sqrt(z₁ᵀv₁)
    residual(a, b, x, &mut v);
    let mut gamma = m_norm(precond, &v, &mut z, 0)?;
    let mut history = vec![gamma];
    if gamma <= tol {
        return Ok(final_report(a, b, x, 0, history));
    }

    let mut v_prev = b.zeros_like();
    let mut q = b.zeros_like();
    let mut w = b.zeros_like();
    let mut w_prev = b.zeros_like();
    let mut w_new = b.zeros_like();
    let mut gamma_prev = 1.0;
    let mut eta = gamma;
    let (mut c_prev, mut c) = (1.0_f64, 1.0_f64);
    let (mut s_prev, mut s) = (0.0_f64, 0.0_f64);

    let mut it = 0;
    while it < opts.max_iters {
        it += 1;
        z.scale(sc(1.0 / gamma));
        a.apply(&z, &mut q);
        let delta = q.dot(&z).as_f64();
        // v_{j+1} = A z_j − (δ/γ_j) v_j − (γ_j/γ_{j−1}) v_{j−1}, stored into v_prev.
        v_prev.lincomb_acc(
            sc(-gamma / gamma_prev),
            &[(one, &q), (sc(-delta / gamma), &v)],
        );
        std::mem::swap(&mut v, &mut v_prev);
        // Keep z_j (normalised) in q for the w update; z ← M⁻¹ v_{j+1}.
        std::mem::swap(&mut q, &mut z);
        let gamma_new = m_norm(precond, &v, &mut z, it)?;

        let alpha0 = c * delta - c_prev * s * gamma;
        let alpha1 = alpha0.hypot(gamma_new);
        let alpha2 = s * delta + c_prev * c * gamma;
        let alpha3 = s_prev * gamma;
        if !(alpha1.is_finite() && delta.is_finite()) {
            return Err(non_finite("MINRES recurrence"));
        }
        if alpha1 == 0.0 {
            return Err(CoreError::Breakdown {
                method: METHOD,
                iteration: it,
                reason: "singular tridiagonal projection (α₁ = 0)",
                value: alpha1,
            });
        }
        let c_new = alpha0 / alpha1;
        let s_new = gamma_new / alpha1;
        // w_{j+1} = (z_j − α₃ w_{j−1} − α₂ w_j) / α₁
        w_new.lincomb(&[
            (sc(1.0 / alpha1), &q),
            (sc(-alpha3 / alpha1), &w_prev),
            (sc(-alpha2 / alpha1), &w),
        ]);
        x.axpy(sc(c_new * eta), &w_new);
        eta *= -s_new;
        history.push(eta.abs());

        // shift the recurrences
        std::mem::swap(&mut w_prev, &mut w);
        std::mem::swap(&mut w, &mut w_new);
        gamma_prev = gamma;
        gamma = gamma_new;
        c_prev = c;
        c = c_new;
        s_prev = s;
        s = s_new;

        if eta.abs() <= tol || gamma_new == 0.0 {
            return Ok(final_report(a, b, x, it, history));
        }
    }
    let rep = final_report(a, b, x, it, history);
    Err(CoreError::NotConverged {
        method: METHOD,
        iterations: it,
        residual: rep.relative_residual,
        tolerance: opts.rtol,
    })
}

/// `z ← M⁻¹ v` and returns `sqrt(zᵀv)` (the Euclidean norm without a
/// preconditioner).
fn m_norm<V: Space>(
    precond: Option<&dyn LinearOperator<V>>,
    v: &V,
    z: &mut V,
    iteration: usize,
) -> Result<f64> {
    match precond {
        Some(m) => m.apply(v, z),
        None => z.copy_from(v),
    }
    let zv = z.dot(v).as_f64();
    if !zv.is_finite() {
        return Err(non_finite("MINRES Lanczos vector"));
    }
    if zv < 0.0 {
        return Err(CoreError::Breakdown {
            method: "MINRES",
            iteration,
            reason: "vᵀM⁻¹v < 0: preconditioner not positive definite",
            value: zv,
        });
    }
    Ok(zv.sqrt())
}
