//! Operator algebra: identity, diagonal, closures, sums, products, scalings and
//! transposes.

use std::marker::PhantomData;
use std::sync::Mutex;

use super::LinearOperator;
use crate::error::{CoreError, Result};
use crate::space::Space;
use num_traits::One;

/// A reusable temporary vector for compositions that need one; falls back to a
/// fresh allocation when used concurrently.
#[derive(Debug, Default)]
struct Scratch<V>(Mutex<Option<V>>);

impl<V: Space> Scratch<V> {
    fn with<R>(&self, proto: &V, n: usize, f: impl FnOnce(&mut V) -> R) -> R {
        let mut guard = self.0.try_lock().ok();
        let cached = guard.as_mut().and_then(|g| g.take());
        let mut tmp = match cached {
            Some(t) if t.len() == n => t,
            _ => proto.zeros_with_len(n),
        };
        let out = f(&mut tmp);
        if let Some(g) = guard.as_mut() {
            **g = Some(tmp);
        }
        out
    }
}

impl<V> Clone for Scratch<V> {
    fn clone(&self) -> Self {
        Scratch(Mutex::new(None))
    }
}

fn mismatch(context: &'static str, expected: usize, got: usize) -> CoreError {
    CoreError::DimensionMismatch {
        context,
        expected,
        got,
    }
}

/// The identity operator on vectors of length `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    n: usize,
}

impl Identity {
    /// The `n × n` identity.
    pub fn new(n: usize) -> Self {
        Self { n }
    }
}

impl<V: Space> LinearOperator<V> for Identity {
    fn nrows(&self) -> usize {
        self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn apply(&self, x: &V, y: &mut V) {
        y.copy_from(x);
    }
    fn has_transpose(&self) -> bool {
        true
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        y.copy_from(x);
        Ok(())
    }
}

/// A diagonal operator `diag(d)`, stored as a vector of the space itself (so it lives
/// on the same device as the vectors it scales).
#[derive(Debug, Clone, PartialEq)]
pub struct Diagonal<V> {
    d: V,
}

impl<V: Space> Diagonal<V> {
    /// `diag(d)`.
    pub fn new(d: V) -> Self {
        Self { d }
    }

    /// The diagonal entries.
    pub fn diagonal(&self) -> &V {
        &self.d
    }
}

impl<V: Space> LinearOperator<V> for Diagonal<V> {
    fn nrows(&self) -> usize {
        self.d.len()
    }
    fn ncols(&self) -> usize {
        self.d.len()
    }
    fn apply(&self, x: &V, y: &mut V) {
        y.copy_from(x);
        y.mul_elementwise(&self.d);
    }
    fn has_transpose(&self) -> bool {
        true
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        self.apply(x, y);
        Ok(())
    }
}

/// A matrix-free operator given by a closure `f(x, y)` computing `y ← A x`, with an
/// optional closure for the transpose.
///
/// ```
/// use noether_core::operator::{FnOperator, LinearOperator};
///
/// // 1-D second difference, matrix-free
/// let n = 5;
/// let a = FnOperator::new(n, n, |x: &Vec<f64>, y: &mut Vec<f64>| {
///     for i in 0..x.len() {
///         let l = if i > 0 { x[i - 1] } else { 0.0 };
///         let r = if i + 1 < x.len() { x[i + 1] } else { 0.0 };
///         y[i] = 2.0 * x[i] - l - r;
///     }
/// });
/// let mut y = vec![0.0; n];
/// a.apply(&vec![1.0; n], &mut y);
/// assert_eq!(y, vec![1.0, 0.0, 0.0, 0.0, 1.0]);
/// ```
pub struct FnOperator<V, F, G = fn(&V, &mut V)> {
    nrows: usize,
    ncols: usize,
    f: F,
    ft: Option<G>,
    _space: PhantomData<fn(&V)>,
}

impl<V, F> FnOperator<V, F> {
    /// An `nrows × ncols` operator applying `f(x, y)`: `y ← A x`.
    pub fn new(nrows: usize, ncols: usize, f: F) -> Self {
        Self {
            nrows,
            ncols,
            f,
            ft: None,
            _space: PhantomData,
        }
    }
}

impl<V, F, G> FnOperator<V, F, G> {
    /// An operator with both `f(x, y)`: `y ← A x` and `ft(x, y)`: `y ← Aᵀ x`.
    pub fn with_transpose(nrows: usize, ncols: usize, f: F, ft: G) -> Self {
        Self {
            nrows,
            ncols,
            f,
            ft: Some(ft),
            _space: PhantomData,
        }
    }
}

impl<V, F, G> LinearOperator<V> for FnOperator<V, F, G>
where
    V: Space,
    F: Fn(&V, &mut V),
    G: Fn(&V, &mut V),
{
    fn nrows(&self) -> usize {
        self.nrows
    }
    fn ncols(&self) -> usize {
        self.ncols
    }
    fn apply(&self, x: &V, y: &mut V) {
        (self.f)(x, y)
    }
    fn has_transpose(&self) -> bool {
        self.ft.is_some()
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        match &self.ft {
            Some(ft) => {
                ft(x, y);
                Ok(())
            }
            None => Err(CoreError::Unsupported("transpose of this FnOperator")),
        }
    }
}

/// The sum `A + B` of two operators of equal shape.
#[derive(Clone)]
pub struct Sum<A, B, V> {
    a: A,
    b: B,
    tmp: Scratch<V>,
}

impl<A, B, V: Space> Sum<A, B, V>
where
    A: LinearOperator<V>,
    B: LinearOperator<V>,
{
    /// `A + B`, or a dimension error when the shapes differ.
    pub fn new(a: A, b: B) -> Result<Self> {
        if a.nrows() != b.nrows() {
            return Err(mismatch("Sum rows", a.nrows(), b.nrows()));
        }
        if a.ncols() != b.ncols() {
            return Err(mismatch("Sum columns", a.ncols(), b.ncols()));
        }
        Ok(Self {
            a,
            b,
            tmp: Scratch(Mutex::new(None)),
        })
    }
}

impl<A, B, V: Space> LinearOperator<V> for Sum<A, B, V>
where
    A: LinearOperator<V>,
    B: LinearOperator<V>,
{
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn apply(&self, x: &V, y: &mut V) {
        self.a.apply(x, y);
        self.tmp.with(x, self.b.nrows(), |t| {
            self.b.apply(x, t);
            y.axpy(V::Scalar::one(), t);
        });
    }
    fn has_transpose(&self) -> bool {
        self.a.has_transpose() && self.b.has_transpose()
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        self.a.apply_transpose(x, y)?;
        self.tmp.with(x, self.b.ncols(), |t| {
            self.b.apply_transpose(x, t)?;
            y.axpy(V::Scalar::one(), t);
            Ok(())
        })
    }
}

/// The product `A·B` (apply `B`, then `A`).
#[derive(Clone)]
pub struct Product<A, B, V> {
    a: A,
    b: B,
    tmp: Scratch<V>,
}

impl<A, B, V: Space> Product<A, B, V>
where
    A: LinearOperator<V>,
    B: LinearOperator<V>,
{
    /// `A·B`, or a dimension error when `A.ncols() != B.nrows()`.
    pub fn new(a: A, b: B) -> Result<Self> {
        if a.ncols() != b.nrows() {
            return Err(mismatch("Product inner dimension", a.ncols(), b.nrows()));
        }
        Ok(Self {
            a,
            b,
            tmp: Scratch(Mutex::new(None)),
        })
    }
}

impl<A, B, V: Space> LinearOperator<V> for Product<A, B, V>
where
    A: LinearOperator<V>,
    B: LinearOperator<V>,
{
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.b.ncols()
    }
    fn apply(&self, x: &V, y: &mut V) {
        self.tmp.with(x, self.b.nrows(), |t| {
            self.b.apply(x, t);
            self.a.apply(t, y);
        });
    }
    fn has_transpose(&self) -> bool {
        self.a.has_transpose() && self.b.has_transpose()
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        // (AB)ᵀ x = Bᵀ (Aᵀ x)
        self.tmp.with(x, self.a.ncols(), |t| {
            self.a.apply_transpose(x, t)?;
            self.b.apply_transpose(t, y)
        })
    }
}

/// The scaled operator `α·A`.
#[derive(Debug, Clone)]
pub struct Scaled<A, S> {
    alpha: S,
    a: A,
}

impl<A, S> Scaled<A, S> {
    /// `α·A`.
    pub fn new(alpha: S, a: A) -> Self {
        Self { alpha, a }
    }
}

impl<A, V> LinearOperator<V> for Scaled<A, V::Scalar>
where
    V: Space,
    A: LinearOperator<V>,
{
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn apply(&self, x: &V, y: &mut V) {
        self.a.apply(x, y);
        y.scale(self.alpha);
    }
    fn has_transpose(&self) -> bool {
        self.a.has_transpose()
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        self.a.apply_transpose(x, y)?;
        y.scale(self.alpha);
        Ok(())
    }
}

/// The transpose `Aᵀ` of an operator that provides one.
#[derive(Debug, Clone)]
pub struct Transposed<A> {
    a: A,
}

impl<A> Transposed<A> {
    /// `Aᵀ`, or [`CoreError::Unsupported`] when `A` has no transpose.
    pub fn new<V: Space>(a: A) -> Result<Self>
    where
        A: LinearOperator<V>,
    {
        if !a.has_transpose() {
            return Err(CoreError::Unsupported(
                "Transposed of an operator without transpose",
            ));
        }
        Ok(Self { a })
    }
}

impl<A, V> LinearOperator<V> for Transposed<A>
where
    V: Space,
    A: LinearOperator<V>,
{
    fn nrows(&self) -> usize {
        self.a.ncols()
    }
    fn ncols(&self) -> usize {
        self.a.nrows()
    }
    fn apply(&self, x: &V, y: &mut V) {
        self.a
            .apply_transpose(x, y)
            .expect("Transposed::new checked that the transpose exists");
    }
    fn has_transpose(&self) -> bool {
        true
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        self.a.apply(x, y);
        Ok(())
    }
}
