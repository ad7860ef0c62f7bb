//! The product of two spaces is a space: `(A, B)` with operations factor by factor.
//! Hamiltonian states `(q, p)` and augmented adjoint states `(y, a)` use it; nest
//! pairs for more factors (`((y, a), g)`).

use super::{AtolRef, MAX_FUSED_TERMS, Space, TolRef};
use crate::real::Real;
use num_traits::{Float, Zero};

/// Splits a tolerance on `(A, B)` into the tolerances of its factors.
fn split<'a, A, B>(tol: TolRef<'a, (A, B)>) -> (TolRef<'a, A>, TolRef<'a, B>) {
    let (a, b) = match tol.atol {
        AtolRef::Scalar(x) => (AtolRef::Scalar(x), AtolRef::Scalar(x)),
        AtolRef::PerComponent((va, vb)) => (AtolRef::PerComponent(va), AtolRef::PerComponent(vb)),
    };
    (
        TolRef {
            rtol: tol.rtol,
            atol: a,
        },
        TolRef {
            rtol: tol.rtol,
            atol: b,
        },
    )
}

/// NaN-propagating maximum.
fn nan_max<T: Float>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::nan()
    } else {
        a.max(b)
    }
}

/// The pair `(A, B)` as one vector of `len(A) + len(B)` entries (the first factor
/// first). Inner products and norms combine the factors' own reductions, so each
/// factor works on its own device.
///
/// ```
/// use noether_core::Space;
///
/// let x = (vec![1.0_f64, 2.0], vec![3.0_f64]);
/// let y = (vec![1.0_f64, 1.0], vec![1.0_f64]);
/// assert_eq!(x.len(), 3);
/// assert_eq!(x.dot(&y), 6.0);
/// let mut z = x.zeros_like();
/// z.lincomb(&[(2.0, &x), (-1.0, &y)]);
/// assert_eq!(z, (vec![1.0, 3.0], vec![5.0]));
/// ```
impl<A, B> Space for (A, B)
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    type Scalar = A::Scalar;

    fn len(&self) -> usize {
        self.0.len() + self.1.len()
    }

    fn zeros_like(&self) -> Self {
        (self.0.zeros_like(), self.1.zeros_like())
    }

    /// Keeps the factors' shape when `n` is the pair's length; otherwise all `n`
    /// entries go to the first factor and the second is empty.
    fn zeros_with_len(&self, n: usize) -> Self {
        if n == self.len() {
            self.zeros_like()
        } else {
            (self.0.zeros_with_len(n), self.1.zeros_with_len(0))
        }
    }

    fn copy_from(&mut self, x: &Self) {
        self.0.copy_from(&x.0);
        self.1.copy_from(&x.1);
    }

    fn fill(&mut self, value: Self::Scalar) {
        self.0.fill(value);
        self.1.fill(value);
    }

    fn axpy(&mut self, a: Self::Scalar, x: &Self) {
        self.0.axpy(a, &x.0);
        self.1.axpy(a, &x.1);
    }

    fn scale(&mut self, a: Self::Scalar) {
        self.0.scale(a);
        self.1.scale(a);
    }

    fn lincomb_acc(&mut self, beta: Self::Scalar, terms: &[(Self::Scalar, &Self)]) {
        if terms.is_empty() {
            self.0.lincomb_acc(beta, &[]);
            self.1.lincomb_acc(beta, &[]);
        } else if terms.len() <= MAX_FUSED_TERMS {
            // Factor term lists on the stack (entries past `terms.len()` are unused).
            let ta: [(Self::Scalar, &A); MAX_FUSED_TERMS] = std::array::from_fn(|i| {
                let (c, x) = terms[i.min(terms.len() - 1)];
                (c, &x.0)
            });
            self.0.lincomb_acc(beta, &ta[..terms.len()]);
            let tb: [(Self::Scalar, &B); MAX_FUSED_TERMS] = std::array::from_fn(|i| {
                let (c, x) = terms[i.min(terms.len() - 1)];
                (c, &x.1)
            });
            self.1.lincomb_acc(beta, &tb[..terms.len()]);
        } else {
            let ta: Vec<(Self::Scalar, &A)> = terms.iter().map(|(c, x)| (*c, &x.0)).collect();
            self.0.lincomb_acc(beta, &ta);
            let tb: Vec<(Self::Scalar, &B)> = terms.iter().map(|(c, x)| (*c, &x.1)).collect();
            self.1.lincomb_acc(beta, &tb);
        }
    }

    fn mul_elementwise(&mut self, d: &Self) {
        self.0.mul_elementwise(&d.0);
        self.1.mul_elementwise(&d.1);
    }

    fn dot(&self, x: &Self) -> Self::Scalar {
        self.0.dot(&x.0) + self.1.dot(&x.1)
    }

    fn multi_dot(&self, xs: &[&Self], out: &mut [Self::Scalar]) {
        assert_eq!(
            xs.len(),
            out.len(),
            "noether-core: length mismatch in multi_dot"
        );
        // Groups of MAX_FUSED_TERMS on the stack: no host allocation.
        for (xg, og) in xs
            .chunks(MAX_FUSED_TERMS)
            .zip(out.chunks_mut(MAX_FUSED_TERMS))
        {
            let k = xg.len();
            let xa: [&A; MAX_FUSED_TERMS] = std::array::from_fn(|i| &xg[i.min(k - 1)].0);
            let xb: [&B; MAX_FUSED_TERMS] = std::array::from_fn(|i| &xg[i.min(k - 1)].1);
            let mut ob = [Self::Scalar::zero(); MAX_FUSED_TERMS];
            self.0.multi_dot(&xa[..k], og);
            self.1.multi_dot(&xb[..k], &mut ob[..k]);
            for (o, b) in og.iter_mut().zip(ob) {
                *o += b;
            }
        }
    }

    fn norm_inf(&self) -> Self::Scalar {
        nan_max(self.0.norm_inf(), self.1.norm_inf())
    }

    fn wrms_norm(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>) -> Self::Scalar {
        let (ta, tb) = split(tol);
        let (na, nb) = (self.0.len(), self.1.len());
        if na + nb == 0 {
            return Self::Scalar::zero();
        }
        let wa = self.0.wrms_norm(&y0.0, &y1.0, ta);
        let wb = self.1.wrms_norm(&y0.1, &y1.1, tb);
        let of = |n: usize| Self::Scalar::of_f64(n as f64);
        ((of(na) * wa * wa + of(nb) * wb * wb) / of(na + nb)).sqrt()
    }

    fn wmax_norm(&self, y: &Self, tol: TolRef<'_, Self>) -> Self::Scalar {
        let (ta, tb) = split(tol);
        nan_max(self.0.wmax_norm(&y.0, ta), self.1.wmax_norm(&y.1, tb))
    }

    fn all_finite(&self) -> bool {
        self.0.all_finite() && self.1.all_finite()
    }

    fn copy_from_f64(&mut self, values: &[f64]) {
        assert_eq!(
            values.len(),
            self.len(),
            "noether-core: length mismatch in copy_from_f64"
        );
        let (a, b) = values.split_at(self.0.len());
        self.0.copy_from_f64(a);
        self.1.copy_from_f64(b);
    }

    fn to_f64_vec(&self) -> Vec<f64> {
        let mut v = self.0.to_f64_vec();
        v.extend(self.1.to_f64_vec());
        v
    }
}
