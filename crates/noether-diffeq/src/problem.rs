//! An ODE problem built once (field, interval, initial state, tolerances) and
//! handed to [`solve`](crate::solve()) or an [`Integrator`](crate::Integrator)
//! with any solver.

use noether_core::{Space, Tolerance};

/// `y' = f(t, y)`, `y(t0) = y0`, on `[t0, t1]` (or `[t1, t0]` backwards), with the
/// error tolerances of adaptive solvers.
///
/// ```
/// use noether_diffeq::OdeProblem;
///
/// let f = |_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| dy[0] = -y[0];
/// let p = OdeProblem::new(&f, (0.0, 1.0), vec![1.0])
///     .tolerances(1e-8, 1e-10);
/// assert_eq!(p.tol.rtol, 1e-8);
/// ```
#[derive(Debug)]
pub struct OdeProblem<'f, V, F: ?Sized> {
    /// The vector field.
    pub f: &'f F,
    /// Start time.
    pub t0: f64,
    /// End time.
    pub t1: f64,
    /// Initial state.
    pub y0: V,
    /// Error tolerances (default `rtol = atol = 1e-6`).
    pub tol: Tolerance<V>,
}

impl<V: Clone, F: ?Sized> Clone for OdeProblem<'_, V, F> {
    fn clone(&self) -> Self {
        Self {
            f: self.f,
            t0: self.t0,
            t1: self.t1,
            y0: self.y0.clone(),
            tol: self.tol.clone(),
        }
    }
}

impl<'f, V: Space, F: ?Sized> OdeProblem<'f, V, F> {
    /// The problem `y' = f(t, y)`, `y(span.0) = y0`, integrated to `span.1`.
    pub fn new(f: &'f F, span: (f64, f64), y0: V) -> Self {
        Self {
            f,
            t0: span.0,
            t1: span.1,
            y0,
            tol: Tolerance::new(1e-6, 1e-6),
        }
    }

    /// Scalar relative and absolute tolerances.
    pub fn tolerances(mut self, rtol: f64, atol: f64) -> Self {
        self.tol = Tolerance::new(rtol, atol);
        self
    }

    /// A relative tolerance and one absolute tolerance per component (a vector
    /// shaped like the state, on its device).
    pub fn atol_per_component(mut self, rtol: f64, atol: V) -> Self {
        self.tol = Tolerance::per_component(rtol, atol);
        self
    }

    /// The same problem on another interval.
    pub fn span(mut self, span: (f64, f64)) -> Self {
        self.t0 = span.0;
        self.t1 = span.1;
        self
    }

    /// The same problem from another initial state.
    pub fn y0(mut self, y0: V) -> Self {
        self.y0 = y0;
        self
    }
}
