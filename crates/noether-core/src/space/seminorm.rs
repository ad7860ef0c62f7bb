//! A product space whose second factor is left out of the error norms: the
//! augmented state of a backsolve adjoint `[(y, a), θ̄]`, where the parameter
//! cotangent θ̄ is a pure quadrature that must not shrink the step (Kidger, Chen &
//! Lyons 2021, "Hey, that's not an ODE": the seminorm).

use super::{Space, TolRef};

/// `(checked, free)`: a vector of `len(checked) + len(free)` entries whose weighted
/// error norms ([`Space::wrms_norm`], [`Space::wmax_norm`]) see only `checked`. Every
/// other operation, [`Space::all_finite`] included, covers both factors, so a
/// non-finite `free` part is still reported. The tolerance's per-component
/// absolute tolerance, when given, is the `checked` factor's (its `free` part is
/// ignored).
///
/// ```
/// use noether_core::{Space, Tolerance};
/// use noether_core::space::Seminorm;
///
/// let y0 = Seminorm { checked: vec![1.0_f64], free: vec![0.0] };
/// let mut err = y0.zeros_like();
/// err.free[0] = 1e9; // a huge error in the free factor ...
/// let tol: Tolerance<Seminorm<Vec<f64>, Vec<f64>>> = Tolerance::new(1e-6, 1e-6);
/// // ... does not count
/// assert_eq!(err.wrms_norm(&y0, &y0, tol.view()), 0.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Seminorm<A, B> {
    /// The factor the error norms measure.
    pub checked: A,
    /// The factor they ignore.
    pub free: B,
}

impl<A, B> Seminorm<A, B> {
    /// `(checked, free)`.
    pub fn new(checked: A, free: B) -> Self {
        Self { checked, free }
    }
}

impl<A, B> Space for Seminorm<A, B>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    type Scalar = A::Scalar;

    fn len(&self) -> usize {
        self.checked.len() + self.free.len()
    }

    fn zeros_like(&self) -> Self {
        Self::new(self.checked.zeros_like(), self.free.zeros_like())
    }

    /// Keeps the factors' shape when `n` is the pair's length; otherwise all `n`
    /// entries go to the checked factor and the free one is empty.
    fn zeros_with_len(&self, n: usize) -> Self {
        if n == self.len() {
            self.zeros_like()
        } else {
            Self::new(self.checked.zeros_with_len(n), self.free.zeros_with_len(0))
        }
    }

    fn copy_from(&mut self, x: &Self) {
        self.checked.copy_from(&x.checked);
        self.free.copy_from(&x.free);
    }

    fn fill(&mut self, value: Self::Scalar) {
        self.checked.fill(value);
        self.free.fill(value);
    }

    fn axpy(&mut self, a: Self::Scalar, x: &Self) {
        self.checked.axpy(a, &x.checked);
        self.free.axpy(a, &x.free);
    }

    fn scale(&mut self, a: Self::Scalar) {
        self.checked.scale(a);
        self.free.scale(a);
    }

    fn lincomb_acc(&mut self, beta: Self::Scalar, terms: &[(Self::Scalar, &Self)]) {
        let ta: Vec<(Self::Scalar, &A)> = terms.iter().map(|(c, x)| (*c, &x.checked)).collect();
        self.checked.lincomb_acc(beta, &ta);
        let tb: Vec<(Self::Scalar, &B)> = terms.iter().map(|(c, x)| (*c, &x.free)).collect();
        self.free.lincomb_acc(beta, &tb);
    }

    fn mul_elementwise(&mut self, d: &Self) {
        self.checked.mul_elementwise(&d.checked);
        self.free.mul_elementwise(&d.free);
    }

    fn dot(&self, x: &Self) -> Self::Scalar {
        self.checked.dot(&x.checked) + self.free.dot(&x.free)
    }

    fn multi_dot(&self, xs: &[&Self], out: &mut [Self::Scalar]) {
        assert_eq!(
            xs.len(),
            out.len(),
            "noether-core: length mismatch in multi_dot"
        );
        for (o, x) in out.iter_mut().zip(xs) {
            *o = self.dot(x);
        }
    }

    /// The checked factor's maximum norm (the free factor is left out here too, as
    /// step-size heuristics use this norm).
    fn norm_inf(&self) -> Self::Scalar {
        self.checked.norm_inf()
    }

    fn wrms_norm(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>) -> Self::Scalar {
        self.checked
            .wrms_norm(&y0.checked, &y1.checked, checked_tol(tol))
    }

    fn wmax_norm(&self, y: &Self, tol: TolRef<'_, Self>) -> Self::Scalar {
        self.checked.wmax_norm(&y.checked, checked_tol(tol))
    }

    fn all_finite(&self) -> bool {
        self.checked.all_finite() && self.free.all_finite()
    }

    fn copy_from_f64(&mut self, values: &[f64]) {
        assert_eq!(
            values.len(),
            self.len(),
            "noether-core: length mismatch in copy_from_f64"
        );
        let (a, b) = values.split_at(self.checked.len());
        self.checked.copy_from_f64(a);
        self.free.copy_from_f64(b);
    }

    fn to_f64_vec(&self) -> Vec<f64> {
        let mut v = self.checked.to_f64_vec();
        v.extend(self.free.to_f64_vec());
        v
    }
}

/// The checked factor's part of a tolerance on the pair.
fn checked_tol<A, B>(tol: TolRef<'_, Seminorm<A, B>>) -> TolRef<'_, A> {
    use super::AtolRef;
    TolRef {
        rtol: tol.rtol,
        atol: match tol.atol {
            AtolRef::Scalar(x) => AtolRef::Scalar(x),
            AtolRef::PerComponent(v) => AtolRef::PerComponent(&v.checked),
        },
    }
}
