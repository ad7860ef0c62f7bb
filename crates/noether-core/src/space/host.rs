//! [`Space`] for host containers: `Vec<T>`, nalgebra `DVector<T>`, faer `Col<T>`.

use faer::Col;
use nalgebra::DVector;

use super::{HostSpace, Space, kernels};
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
        fn lincomb_acc(&mut self, beta: Self::Scalar, terms: &[(Self::Scalar, &Self)]) {
            if self.as_slice().len() <= kernels::TINY {
                // ODE states of a few components: one pass per entry, no slice
                // conversion.
                let n = self.as_slice().len();
                for (_, x) in terms {
                    kernels::check_len("lincomb", x.as_slice().len(), n);
                }
                let zero = Self::Scalar::default();
                let y = self.as_mut_slice();
                for i in 0..n {
                    let mut acc = if beta == zero { zero } else { beta * y[i] };
                    for (a, x) in terms {
                        acc += *a * x.as_slice()[i];
                    }
                    y[i] = acc;
                }
                return;
            }
            let mut small: [(Self::Scalar, &[Self::Scalar]); super::MAX_FUSED_TERMS] =
                [(Self::Scalar::default(), &[]); super::MAX_FUSED_TERMS];
            if terms.len() <= super::MAX_FUSED_TERMS {
                for (dst, (a, x)) in small.iter_mut().zip(terms) {
                    *dst = (*a, x.as_slice());
                }
                kernels::lincomb(beta, &small[..terms.len()], self.as_mut_slice());
            } else {
                let slices: Vec<_> = terms.iter().map(|(a, x)| (*a, x.as_slice())).collect();
                kernels::lincomb(beta, &slices, self.as_mut_slice());
            }
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
        fn wrms_norm(
            &self,
            y0: &Self,
            y1: &Self,
            atol: Self::Scalar,
            rtol: Self::Scalar,
        ) -> Self::Scalar {
            kernels::wrms_norm(self.as_slice(), y0.as_slice(), y1.as_slice(), atol, rtol)
        }
        fn all_finite(&self) -> bool {
            kernels::all_finite(self.as_slice())
        }
        fn to_f64_vec(&self) -> Vec<f64> {
            self.as_slice().iter().map(|v| v.as_f64()).collect()
        }
    };
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
