//! Named test problems, set up once for the tests, benchmarks, the demo and the
//! examples: each bundles its field, span, initial state, the tolerances it is
//! usually solved at and a stored reference end state (scipy's `solve_ivp`: DOP853
//! at 1e-13 for the non-stiff problems, Radau at 1e-13 for the stiff ones, from
//! `tests/data/make_reference.py` into `data/reference.csv`).
//!
//! ```
//! use noether_diffeq::erk::Erk;
//! use noether_diffeq::problems::{named, relative_l2_error};
//! use noether_diffeq::tableau::TSIT5;
//! use noether_diffeq::{SolveOptions, solve};
//!
//! let lorenz = named::lorenz().tolerances(1e-10, 1e-10);
//! let sol = solve(&lorenz.ode(), Erk::new(&TSIT5), SolveOptions::default())?;
//! let reference = lorenz.reference.as_ref().expect("stored");
//! assert!(relative_l2_error(&sol.ys[0], reference) < 1e-8);
//! # Ok::<(), noether_diffeq::DiffeqError>(())
//! ```

use super::{ARENSTORF_PERIOD, ARENSTORF_Y0, HIRES_T1, HIRES_Y0};
use crate::OdeProblem;

/// A vector field on host vectors, as the named problems store it.
pub type HostField = fn(f64, &Vec<f64>, &mut Vec<f64>);

/// A named test problem with its usual tolerances and a stored reference.
#[derive(Debug, Clone)]
pub struct TestProblem {
    /// Its name (`lorenz`, `robertson`, ...).
    pub name: &'static str,
    /// The vector field.
    pub field: HostField,
    /// `(t0, t1)`.
    pub span: (f64, f64),
    /// `y(t0)`.
    pub y0: Vec<f64>,
    /// Relative tolerance it is usually solved at.
    pub rtol: f64,
    /// Absolute tolerance it is usually solved at.
    pub atol: f64,
    /// `y(t1)` from the stored reference solve; `None` once [`until`](Self::until)
    /// moved the end of the span.
    pub reference: Option<Vec<f64>>,
}

impl TestProblem {
    /// The problem to hand to [`solve`](crate::solve) or an
    /// [`Integrator`](crate::Integrator).
    pub fn ode(&self) -> OdeProblem<'_, Vec<f64>, HostField> {
        OdeProblem::new(&self.field, self.span, self.y0.clone()).tolerances(self.rtol, self.atol)
    }

    /// The problem with `field` in place of the stored one: pass the function item
    /// itself (`&problems::lorenz`) where the call must inline, as in benchmarks
    /// (the stored field is a function pointer). `field` must be the same field.
    pub fn ode_with<'a, F>(&self, field: &'a F) -> OdeProblem<'a, Vec<f64>, F> {
        OdeProblem::new(field, self.span, self.y0.clone()).tolerances(self.rtol, self.atol)
    }

    /// The same problem at other tolerances.
    pub fn tolerances(mut self, rtol: f64, atol: f64) -> Self {
        self.rtol = rtol;
        self.atol = atol;
        self
    }

    /// The same problem ending at `t1` (the stored reference is dropped unless `t1`
    /// is its end).
    pub fn until(mut self, t1: f64) -> Self {
        if t1 != self.span.1 {
            self.reference = None;
        }
        self.span.1 = t1;
        self
    }
}

/// The stored `(t1, y0, y1)` of `name` in `data/reference.csv`.
fn stored(name: &str) -> Option<(f64, Vec<f64>, Vec<f64>)> {
    let text = include_str!("../../data/reference.csv");
    let line = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.split(',').next() == Some(name))?;
    let mut parts = line.split(',').skip(1);
    let t1: f64 = parts.next()?.parse().ok()?;
    let n: usize = parts.next()?.parse().ok()?;
    let vals: Vec<f64> = parts.map(|v| v.parse().ok()).collect::<Option<_>>()?;
    (vals.len() == 2 * n).then(|| (t1, vals[..n].to_vec(), vals[n..].to_vec()))
}

fn named(
    name: &'static str,
    field: HostField,
    span: (f64, f64),
    y0: Vec<f64>,
    tol: (f64, f64),
) -> TestProblem {
    // The stored end time and initial state are the reference's own, to the last
    // digit; without a stored record the given ones stand, without a reference.
    let (span, y0, reference) = match stored(name) {
        Some((t1, y0_stored, y1)) if y0_stored.len() == y0.len() => {
            ((span.0, t1), y0_stored, Some(y1))
        }
        _ => (span, y0, None),
    };
    TestProblem {
        name,
        field,
        span,
        y0,
        rtol: tol.0,
        atol: tol.1,
        reference,
    }
}

/// [`lorenz`](super::lorenz) from `(1, 1, 1)` over `[0, 1]` (chaotic: a reference
/// further out means little), at 1e-9.
pub fn lorenz() -> TestProblem {
    named(
        "lorenz",
        super::lorenz,
        (0.0, 1.0),
        vec![1.0; 3],
        (1e-9, 1e-9),
    )
}

/// The periodic Arenstorf orbit over one period, at 1e-9.
pub fn arenstorf() -> TestProblem {
    named(
        "arenstorf",
        super::arenstorf,
        (0.0, ARENSTORF_PERIOD),
        ARENSTORF_Y0.to_vec(),
        (1e-9, 1e-9),
    )
}

/// Van der Pol with μ = 1000 from `(2, 0)` over `[0, 3000]`, at 1e-6.
pub fn van_der_pol() -> TestProblem {
    named(
        "van_der_pol",
        super::van_der_pol,
        (0.0, 3000.0),
        vec![2.0, 0.0],
        (1e-6, 1e-6),
    )
}

/// Robertson from `(1, 0, 0)` over `[0, 10⁵]`, at rtol 1e-6 and atol 1e-10 (y₂ is
/// of order 10⁻⁵).
pub fn robertson() -> TestProblem {
    named(
        "robertson",
        super::robertson,
        (0.0, 1e5),
        vec![1.0, 0.0, 0.0],
        (1e-6, 1e-10),
    )
}

/// HIRES over `[0, 321.8122]`, at rtol 1e-6 and atol 1e-9.
pub fn hires() -> TestProblem {
    named(
        "hires",
        super::hires,
        (0.0, HIRES_T1),
        HIRES_Y0.to_vec(),
        (1e-6, 1e-9),
    )
}

/// Every named problem.
pub fn all() -> Vec<TestProblem> {
    vec![lorenz(), arenstorf(), van_der_pol(), robertson(), hires()]
}

/// The named problem called `name`.
pub fn by_name(name: &str) -> Option<TestProblem> {
    all().into_iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_its_stored_reference() {
        for p in all() {
            let y1 = p.reference.as_ref().unwrap_or_else(|| panic!("{}", p.name));
            assert_eq!(y1.len(), p.y0.len(), "{}", p.name);
        }
    }

    #[test]
    fn until_drops_the_reference_only_when_the_end_moves() {
        assert!(lorenz().until(1.0).reference.is_some());
        let moved = lorenz().until(100.0);
        assert!(moved.reference.is_none());
        assert_eq!(moved.span, (0.0, 100.0));
    }
}
