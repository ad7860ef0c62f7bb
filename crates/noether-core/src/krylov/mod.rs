//! Krylov subspace solvers written once against [`LinearOperator`] and [`Space`].
//!
//! | solver | matrices | preconditioner |
//! |---|---|---|
//! | [`cg`] | symmetric positive definite | SPD, left (split form) |
//! | [`minres`] | symmetric, possibly indefinite (saddle points) | SPD |
//! | [`gmres`] | general (nonsymmetric) | any, right |
//! | [`lanczos_extremes`] | symmetric: extreme eigenvalues | — |
//!
//! A preconditioner is any [`LinearOperator`] applying `M⁻¹` (see
//! [`precond`](crate::precond)). Every solver returns a [`KrylovReport`] with the
//! iteration count and the residual history, or a typed [`CoreError`] on breakdown,
//! non-finite values or non-convergence.

mod cg;
mod gmres;
mod lanczos;
mod minres;

pub use cg::cg;
pub use gmres::{GmresOptions, GmresWorkspace, cgs2, gmres};
pub use lanczos::{LanczosOptions, LanczosReport, lanczos_extremes};
pub use minres::minres;

use crate::error::{CoreError, Result};
use crate::operator::LinearOperator;
use crate::real::Real;
use crate::space::Space;

/// Stopping criteria of CG, MINRES and Lanczos: stop when
/// `‖b − A x‖ ≤ max(rtol·‖b‖, atol)`. GMRES takes [`GmresOptions`] (the same
/// criteria and its restart length).
#[derive(Debug, Clone, PartialEq)]
pub struct KrylovOptions {
    /// Relative tolerance on the residual norm (relative to `‖b‖`).
    pub rtol: f64,
    /// Absolute tolerance on the residual norm.
    pub atol: f64,
    /// Maximum number of iterations (operator applications).
    pub max_iters: usize,
}

impl Default for KrylovOptions {
    fn default() -> Self {
        Self {
            rtol: 1e-8,
            atol: 0.0,
            max_iters: 10_000,
        }
    }
}

impl KrylovOptions {
    fn validate(&self, _method: &'static str) -> Result<()> {
        let bad = |name, value: String, reason| {
            Err(CoreError::InvalidArgument {
                name,
                value,
                reason,
            })
        };
        if !(self.rtol >= 0.0 && self.rtol.is_finite()) {
            return bad("rtol", self.rtol.to_string(), "must be finite and >= 0");
        }
        if !(self.atol >= 0.0 && self.atol.is_finite()) {
            return bad("atol", self.atol.to_string(), "must be finite and >= 0");
        }
        if self.rtol == 0.0 && self.atol == 0.0 {
            return bad("rtol", "0".into(), "rtol and atol cannot both be zero");
        }
        Ok(())
    }
}

/// Outcome of a converged Krylov solve.
#[derive(Debug, Clone, PartialEq)]
pub struct KrylovReport {
    /// Iterations performed (operator applications after the initial residual).
    pub iterations: usize,
    /// Residual norm after each iteration, starting with the initial residual (the
    /// method's own recurrence: for preconditioned MINRES the `M⁻¹`-norm).
    pub residual_history: Vec<f64>,
    /// Final `‖b − A x‖ / ‖b‖`, recomputed from `x` (not the recurrence).
    pub relative_residual: f64,
}

/// Validates the shapes of `A x = b` and the finiteness of the inputs.
fn check_system<V: Space, A: LinearOperator<V> + ?Sized>(
    method: &'static str,
    a: &A,
    b: &V,
    x: &V,
    precond: Option<&dyn LinearOperator<V>>,
    opts: &KrylovOptions,
) -> Result<()> {
    opts.validate(method)?;
    let n = crate::operator::require_square(a, method)?;
    for (context, got) in [
        ("right-hand side length", b.len()),
        ("initial guess length", x.len()),
    ] {
        if got != n {
            return Err(CoreError::DimensionMismatch {
                context,
                expected: n,
                got,
            });
        }
    }
    if let Some(m) = precond
        && (m.nrows() != n || m.ncols() != n)
    {
        return Err(CoreError::DimensionMismatch {
            context: "preconditioner size",
            expected: n,
            got: m.nrows(),
        });
    }
    if !b.all_finite() {
        return Err(CoreError::NonFinite {
            context: "right-hand side",
        });
    }
    if !x.all_finite() {
        return Err(CoreError::NonFinite {
            context: "initial guess",
        });
    }
    Ok(())
}

/// `r ← b − A x`.
fn residual<V: Space, A: LinearOperator<V> + ?Sized>(a: &A, b: &V, x: &V, r: &mut V) {
    a.apply(x, r);
    r.lincomb_acc(-V::Scalar::one(), &[(V::Scalar::one(), b)]);
}

/// The absolute residual target `max(rtol·‖b‖, atol)`.
fn target(opts: &KrylovOptions, bnorm: f64) -> f64 {
    (opts.rtol * bnorm).max(opts.atol)
}

/// Recomputes the true relative residual of a finished solve.
fn final_report<V: Space, A: LinearOperator<V> + ?Sized>(
    a: &A,
    b: &V,
    x: &V,
    iterations: usize,
    residual_history: Vec<f64>,
) -> KrylovReport {
    let mut r = b.zeros_like();
    residual(a, b, x, &mut r);
    let bnorm = b.norm2().as_f64();
    let rn = r.norm2().as_f64();
    KrylovReport {
        iterations,
        residual_history,
        relative_residual: if bnorm > 0.0 { rn / bnorm } else { rn },
    }
}

fn non_finite(context: &'static str) -> CoreError {
    CoreError::NonFinite { context }
}

use num_traits::One;
