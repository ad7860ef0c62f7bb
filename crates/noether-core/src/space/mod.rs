//! Vector spaces the algorithms run on.
//!
//! [`Space`] is the one abstraction every integrator and Krylov solver in noether is
//! written against. Implementations exist for `Vec<f32>`, `Vec<f64>`, nalgebra
//! `DVector`, faer `Col`, the batch [`HostBatch`], pairs `(A, B)` of spaces, and
//! (feature `burn`) burn's `Tensor<D>`; a GPU buffer of noether-kernels is planned.
//! [`BatchSpace`] adds per-sample norms and updates. Host-memory implementations also implement [`HostSpace`], which gives
//! slice access to operators that work on contiguous storage (sparse matrices,
//! stencils, preconditioners).

mod batch;
#[cfg(feature = "burn")]
mod burn_tensor;
mod host;
pub mod kernels;
mod product;
mod seminorm;
mod tolerance;

pub use batch::{BatchSpace, HostBatch};
pub use seminorm::Seminorm;
pub use tolerance::{Atol, AtolRef, TolRef, Tolerance};

use crate::real::Real;
use num_traits::{Float, One, Zero};

/// Largest number of terms a single fused [`Space::lincomb`] is guaranteed to handle in
/// one pass on every implementation (GPU kernels are specialised up to this count;
/// host implementations accept any number).
pub const MAX_FUSED_TERMS: usize = 16;

/// A finite-dimensional real vector space with the operations numerical algorithms
/// need.
///
/// All binary operations require operands of equal [`len`](Space::len); a mismatch
/// is a programming error and panics (solvers check dimensions up front and return
/// [`CoreError::DimensionMismatch`](crate::CoreError::DimensionMismatch)).
///
/// ```
/// use noether_core::Space;
///
/// let x = vec![1.0_f64, 2.0, 3.0];
/// let y = vec![4.0_f64, 5.0, 6.0];
/// let mut z = x.zeros_like();
/// // z = 2x - y, in one pass
/// z.lincomb(&[(2.0, &x), (-1.0, &y)]);
/// assert_eq!(z, vec![-2.0, -1.0, 0.0]);
/// assert_eq!(x.dot(&y), 32.0);
/// ```
pub trait Space: Clone {
    /// The scalar field (host-side coefficients, inner products and norms).
    type Scalar: Real;

    /// Number of degrees of freedom.
    fn len(&self) -> usize;

    /// `true` when [`len`](Space::len) is zero.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A zero vector of the same length (and device, layout, dtype) as `self`.
    fn zeros_like(&self) -> Self;

    /// A zero vector of length `n` living where `self` lives (same device, dtype).
    /// Needed by operators whose output length differs from their input length.
    fn zeros_with_len(&self, n: usize) -> Self;

    /// `self ← x` (a special case of [`lincomb`](Space::lincomb); implementations
    /// may override it with a plain copy).
    fn copy_from(&mut self, x: &Self) {
        self.lincomb(&[(Self::Scalar::one(), x)]);
    }

    /// `self ← value` in every entry.
    fn fill(&mut self, value: Self::Scalar);

    /// `self ← self + a·x` (a special case of [`lincomb_acc`](Space::lincomb_acc)).
    fn axpy(&mut self, a: Self::Scalar, x: &Self) {
        self.lincomb_acc(Self::Scalar::one(), &[(a, x)]);
    }

    /// `self ← a·self` (a special case of [`lincomb_acc`](Space::lincomb_acc)).
    fn scale(&mut self, a: Self::Scalar) {
        self.lincomb_acc(a, &[]);
    }

    /// `self ← Σᵢ aᵢ·xᵢ`, fused into one pass over memory. An empty `terms` gives zero.
    #[inline]
    fn lincomb(&mut self, terms: &[(Self::Scalar, &Self)]) {
        self.lincomb_acc(Self::Scalar::zero(), terms);
    }

    /// `self ← β·self + Σᵢ aᵢ·xᵢ`, fused into one pass. With `β = 0` the old contents
    /// are not read (a NaN in `self` does not propagate).
    fn lincomb_acc(&mut self, beta: Self::Scalar, terms: &[(Self::Scalar, &Self)]);

    /// `self ← self ⊙ d` (entrywise product; diagonal scaling).
    fn mul_elementwise(&mut self, d: &Self);

    /// Euclidean inner product.
    fn dot(&self, x: &Self) -> Self::Scalar;

    /// Several inner products with `self` as one reduction (one device → host
    /// transfer): `out[i] ← ⟨self, xs[i]⟩`. Gram–Schmidt in GMRES uses it.
    ///
    /// Panics when `out.len() != xs.len()`.
    fn multi_dot(&self, xs: &[&Self], out: &mut [Self::Scalar]);

    /// Euclidean norm `‖self‖₂`.
    fn norm2(&self) -> Self::Scalar {
        self.dot(self).sqrt()
    }

    /// Maximum norm `‖self‖_∞` (zero for an empty vector).
    fn norm_inf(&self) -> Self::Scalar;

    /// The weighted RMS norm used by step-size control, with `self` the error
    /// estimate: `sqrt(mean((eᵢ / (atolᵢ + rtol·max(|y0ᵢ|, |y1ᵢ|)))²))` (zero for an
    /// empty vector).
    ///
    /// The norm reports non-finite values itself: it is NaN when `self`, `y0` or `y1`
    /// holds a NaN or ±∞ (one reduction, so a step controller needs one host sync
    /// per step, not a finiteness check and a norm).
    fn wrms_norm(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>) -> Self::Scalar;

    /// The weighted maximum norm `maxᵢ |eᵢ| / (atolᵢ + rtol·|yᵢ|)`, with `self` = `e`
    /// (zero for an empty vector; NaN when `e` or `y` holds a NaN or ±∞). Used by
    /// Newton-type convergence tests that follow diffrax/optimistix.
    fn wmax_norm(&self, y: &Self, tol: TolRef<'_, Self>) -> Self::Scalar;

    /// `true` when no entry is NaN or ±∞.
    fn all_finite(&self) -> bool;

    /// `self ← values`, converted to the scalar type and copied to where `self` lives
    /// (one host → device transfer). Panics when `values.len() != self.len()`.
    fn copy_from_f64(&mut self, values: &[f64]);

    /// The entries, converted to `f64` and copied to the host (for tests, reports and
    /// diagnostics; not for hot loops).
    fn to_f64_vec(&self) -> Vec<f64>;
}

/// A [`Space`] stored contiguously in host memory, with slice access.
pub trait HostSpace: Space {
    /// The entries as a slice.
    fn as_slice(&self) -> &[Self::Scalar];
    /// The entries as a mutable slice.
    fn as_mut_slice(&mut self) -> &mut [Self::Scalar];
    /// A vector holding a copy of `values`.
    fn from_slice(values: &[Self::Scalar]) -> Self;
}
