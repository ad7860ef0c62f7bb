//! [`Space`] for host containers: `Vec<T>`, nalgebra `DVector<T>`, faer `Col<T>`.

use faer::Col;
use nalgebra::DVector;

use super::{AtolRef, HostSpace, Space, TolRef, kernels};
use crate::real::Real;

/// Implements `Space` for a contiguous host container in terms of its `HostSpace`
/// slice accessors and the shared slice kernels.
macro_rules! space_via_slices {
    () => {
        fn len(&self) -> usize {
            HostSpace::as_slice(self).len()
        }
        fn zeros_like(&self) -> Self {
            self.zeros_with_len(self.len())
        }
        fn copy_from(&mut self, x: &Self) {
            kernels::copy(x.as_slice(), self.as_mut_slice());
        }
        fn fill(&mut self, value: Self::Scalar) {
            kernels::fill(value, self.as_mut_slice());
        }
        fn axpy(&mut self, a: Self::Scalar, x: &Self) {
            kernels::axpy(a, x.as_slice(), self.as_mut_slice());
        }
        fn scale(&mut self, a: Self::Scalar) {
            kernels::scale(a, self.as_mut_slice());
        }
        #[inline(always)]
        fn lincomb_acc(&mut self, beta: Self::Scalar, terms: &[(Self::Scalar, &Self)]) {
            let n = self.as_slice().len();
            match n {
                1 => return lincomb_fixed::<_, 1>(self, beta, terms),
                2 => return lincomb_fixed::<_, 2>(self, beta, terms),
                3 => return lincomb_fixed::<_, 3>(self, beta, terms),
                4 => return lincomb_fixed::<_, 4>(self, beta, terms),
                5 => return lincomb_fixed::<_, 5>(self, beta, terms),
                6 => return lincomb_fixed::<_, 6>(self, beta, terms),
                7 => return lincomb_fixed::<_, 7>(self, beta, terms),
                8 => return lincomb_fixed::<_, 8>(self, beta, terms),
                _ => {}
            }
            if n <= kernels::TINY {
                // A few more components: term by term over fixed-length slices.
                let y = self.as_mut_slice();
                let zero = Self::Scalar::default();
                if beta == zero {
                    y.fill(zero);
                } else if beta != Self::Scalar::of_f64(1.0) {
                    y.iter_mut().for_each(|v| *v *= beta);
                }
                for (a, x) in terms {
                    let x = x.as_slice();
                    kernels::check_len("lincomb", x.len(), n);
                    for (yi, &xi) in y.iter_mut().zip(&x[..n]) {
                        *yi += *a * xi;
                    }
                }
                return;
            }
            lincomb_acc_large(self, beta, terms);
        }
        fn mul_elementwise(&mut self, d: &Self) {
            kernels::mul_elementwise(d.as_slice(), self.as_mut_slice());
        }
        fn dot(&self, x: &Self) -> Self::Scalar {
            kernels::dot(self.as_slice(), x.as_slice())
        }
        fn norm_inf(&self) -> Self::Scalar {
            kernels::norm_inf(self.as_slice())
        }
        fn multi_dot(&self, xs: &[&Self], out: &mut [Self::Scalar]) {
            kernels::check_len("multi_dot", xs.len(), out.len());
            // On the host there is no transfer to save: each product is the same
            // (bitwise) as `dot`.
            for (o, x) in out.iter_mut().zip(xs) {
                *o = kernels::dot(self.as_slice(), x.as_slice());
            }
        }
        fn wrms_norm(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>) -> Self::Scalar {
            kernels::wrms_norm(
                self.as_slice(),
                y0.as_slice(),
                y1.as_slice(),
                atol_slice(tol),
                Self::Scalar::of_f64(tol.rtol),
            )
        }
        fn wmax_norm(&self, y: &Self, tol: TolRef<'_, Self>) -> Self::Scalar {
            kernels::wmax_norm(
                self.as_slice(),
                y.as_slice(),
                atol_slice(tol),
                Self::Scalar::of_f64(tol.rtol),
            )
        }
        fn all_finite(&self) -> bool {
            kernels::all_finite(self.as_slice())
        }
        fn copy_from_f64(&mut self, values: &[f64]) {
            let out = self.as_mut_slice();
            kernels::check_len("copy_from_f64", values.len(), out.len());
            for (o, v) in out.iter_mut().zip(values) {
                *o = Self::Scalar::of_f64(*v);
            }
        }
        fn to_f64_vec(&self) -> Vec<f64> {
            self.as_slice().iter().map(|v| v.as_f64()).collect()
        }
    };
}

/// The kernels' view of a tolerance's absolute part.
fn atol_slice<V: HostSpace>(tol: TolRef<'_, V>) -> kernels::AtolSlice<'_, V::Scalar> {
    match tol.atol {
        AtolRef::Scalar(a) => kernels::AtolSlice::Scalar(V::Scalar::of_f64(a)),
        AtolRef::PerComponent(v) => kernels::AtolSlice::PerComponent(v.as_slice()),
    }
}

/// `y ← β·y + Σᵢ aᵢ·xᵢ` for states of exactly `N` entries (ODE systems of a few
/// components): the partial sums live in registers, so the terms do not chain
/// through memory.
#[inline(always)]
fn lincomb_fixed<V: HostSpace, const N: usize>(
    y: &mut V,
    beta: V::Scalar,
    terms: &[(V::Scalar, &V)],
) {
    let zero = V::Scalar::default();
    let mut acc = [zero; N];
    if beta != zero {
        for (a, &yi) in acc.iter_mut().zip(y.as_slice()) {
            *a = beta * yi;
        }
    }
    for (c, x) in terms {
        let x = x.as_slice();
        kernels::check_len("lincomb", x.len(), N);
        for (a, &xi) in acc.iter_mut().zip(&x[..N]) {
            *a += *c * xi;
        }
    }
    y.as_mut_slice().copy_from_slice(&acc);
}

/// The blocked (and, when large, parallel) path of the host `lincomb_acc`, kept out
/// of line so that the small-state path inlines.
#[inline(never)]
fn lincomb_acc_large<V: HostSpace>(y: &mut V, beta: V::Scalar, terms: &[(V::Scalar, &V)]) {
    let mut small: [(V::Scalar, &[V::Scalar]); super::MAX_FUSED_TERMS] =
        [(V::Scalar::default(), &[]); super::MAX_FUSED_TERMS];
    if terms.len() <= super::MAX_FUSED_TERMS {
        for (dst, (a, x)) in small.iter_mut().zip(terms) {
            *dst = (*a, x.as_slice());
        }
        kernels::lincomb(beta, &small[..terms.len()], y.as_mut_slice());
    } else {
        let slices: Vec<_> = terms.iter().map(|(a, x)| (*a, x.as_slice())).collect();
        kernels::lincomb(beta, &slices, y.as_mut_slice());
    }
}

impl<T: Real> Space for Vec<T> {
    type Scalar = T;
    fn zeros_with_len(&self, n: usize) -> Self {
        vec![T::zero(); n]
    }
    space_via_slices!();
}

impl<T: Real> HostSpace for Vec<T> {
    fn as_slice(&self) -> &[T] {
        self
    }
    fn as_mut_slice(&mut self) -> &mut [T] {
        self
    }
    fn from_slice(values: &[T]) -> Self {
        values.to_vec()
    }
}

impl<T: Real> Space for DVector<T> {
    type Scalar = T;
    fn zeros_with_len(&self, n: usize) -> Self {
        DVector::from_element(n, T::zero())
    }
    space_via_slices!();
}

impl<T: Real> HostSpace for DVector<T> {
    fn as_slice(&self) -> &[T] {
        self.as_slice()
    }
    fn as_mut_slice(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
    fn from_slice(values: &[T]) -> Self {
        DVector::from_column_slice(values)
    }
}

/// The batch's `Space` is the host vector's, through its slices; only a zero
/// vector of another length needs the batch layout (see
/// [`HostBatch`](super::HostBatch)).
impl<T: Real> Space for super::HostBatch<T> {
    type Scalar = T;
    /// Keeps the sample length when `n` is a multiple of it (a batch of another
    /// size), one sample of `n` entries otherwise.
    fn zeros_with_len(&self, n: usize) -> Self {
        let m = self.data.len() / self.batch;
        let batch = if n == self.data.len() {
            self.batch
        } else if m > 0 && n > 0 && n.is_multiple_of(m) {
            n / m
        } else {
            1
        };
        Self {
            data: vec![T::zero(); n],
            batch,
        }
    }
    space_via_slices!();
}

macro_rules! faer_col_space {
    ($t:ty) => {
        impl Space for Col<$t> {
            type Scalar = $t;
            fn zeros_with_len(&self, n: usize) -> Self {
                Col::zeros(n)
            }
            space_via_slices!();
        }

        impl HostSpace for Col<$t> {
            fn as_slice(&self) -> &[$t] {
                // An owned `Col` is always stored contiguously.
                self.try_as_col_major()
                    .expect("owned faer Col is contiguous")
                    .as_slice()
            }
            fn as_mut_slice(&mut self) -> &mut [$t] {
                self.try_as_col_major_mut()
                    .expect("owned faer Col is contiguous")
                    .as_slice_mut()
            }
            fn from_slice(values: &[$t]) -> Self {
                Col::from_fn(values.len(), |i| values[i])
            }
        }
    };
}

faer_col_space!(f32);
faer_col_space!(f64);
