//! Linear operators and their algebra.
//!
//! [`LinearOperator`] is what the Krylov solvers, preconditioners and Newton
//! iterations consume. Dense and sparse faer matrices, matrix-free closures
//! ([`FnOperator`]), stencils ([`Laplacian2d`]) and the compositions in this module
//! (sums, products, scalings, identity, diagonal, transpose) all implement it, and so
//! do the Kronecker and finite-element operators of the other crates.

mod compose;
mod faer_ops;
mod stencil;

pub use compose::{Diagonal, FnOperator, Identity, Product, Scaled, Sum, Transposed};
pub use stencil::Laplacian2d;

use crate::error::{CoreError, Result};
use crate::space::Space;

/// A linear map `A: V → V` between vectors of a [`Space`], with `nrows × ncols`
/// dimensions (`y = A x` has `nrows` entries, `x` has `ncols`).
///
/// `apply` requires `x.len() == ncols()` and `y.len() == nrows()`; solvers validate
/// dimensions before they call it.
///
/// ```
/// use noether_core::operator::{Diagonal, Identity, LinearOperator, Sum};
///
/// // (I + diag(1, 2)) x
/// let a = Sum::new(Identity::new(2), Diagonal::new(vec![1.0_f64, 2.0])).unwrap();
/// let mut y = vec![0.0; 2];
/// a.apply(&vec![1.0, 1.0], &mut y);
/// assert_eq!(y, vec![2.0, 3.0]);
/// ```
pub trait LinearOperator<V: Space> {
    /// Number of rows (length of `A x`).
    fn nrows(&self) -> usize;

    /// Number of columns (length of `x`).
    fn ncols(&self) -> usize;

    /// `y ← A x`.
    fn apply(&self, x: &V, y: &mut V);

    /// Whether [`apply_transpose`](LinearOperator::apply_transpose) is available.
    fn has_transpose(&self) -> bool {
        false
    }

    /// `y ← Aᵀ x`, or [`CoreError::Unsupported`] when the operator has no transpose.
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        let _ = (x, y);
        Err(CoreError::Unsupported("transpose of this operator"))
    }
}

impl<V: Space, A: LinearOperator<V> + ?Sized> LinearOperator<V> for &A {
    fn nrows(&self) -> usize {
        (**self).nrows()
    }
    fn ncols(&self) -> usize {
        (**self).ncols()
    }
    fn apply(&self, x: &V, y: &mut V) {
        (**self).apply(x, y)
    }
    fn has_transpose(&self) -> bool {
        (**self).has_transpose()
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        (**self).apply_transpose(x, y)
    }
}

impl<V: Space, A: LinearOperator<V> + ?Sized> LinearOperator<V> for Box<A> {
    fn nrows(&self) -> usize {
        (**self).nrows()
    }
    fn ncols(&self) -> usize {
        (**self).ncols()
    }
    fn apply(&self, x: &V, y: &mut V) {
        (**self).apply(x, y)
    }
    fn has_transpose(&self) -> bool {
        (**self).has_transpose()
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        (**self).apply_transpose(x, y)
    }
}

/// Checks `a` is square, returning its size.
pub fn require_square<V: Space, A: LinearOperator<V> + ?Sized>(
    a: &A,
    context: &'static str,
) -> Result<usize> {
    if a.nrows() != a.ncols() {
        return Err(CoreError::DimensionMismatch {
            context,
            expected: a.nrows(),
            got: a.ncols(),
        });
    }
    Ok(a.nrows())
}
