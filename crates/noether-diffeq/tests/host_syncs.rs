//! Counting device → host reductions with a `Space` wrapper: an adaptive explicit
//! solve does one host reduction per attempted step (the error norm, which also
//! reports a non-finite proposal), plus the fixed set-up cost (a finiteness check of
//! `y₀` and the three norms of the initial-step heuristic), plus one per event
//! function evaluation.

use std::cell::Cell;

use noether_core::{Space, TolRef};
use noether_diffeq::erk::Erk;
use noether_diffeq::events::Event;
use noether_diffeq::tableau::TSIT5;
use noether_diffeq::{OdeProblem, SolveOptions, solve};

thread_local! {
    static REDUCTIONS: Cell<usize> = const { Cell::new(0) };
}

fn reductions() -> usize {
    REDUCTIONS.with(|c| c.get())
}

fn count() {
    REDUCTIONS.with(|c| c.set(c.get() + 1));
}

/// A host vector that counts every operation returning a value to the host.
#[derive(Clone, Debug, PartialEq)]
struct Counted(Vec<f64>);

impl Space for Counted {
    type Scalar = f64;
    fn len(&self) -> usize {
        self.0.len()
    }
    fn zeros_like(&self) -> Self {
        Counted(self.0.zeros_like())
    }
    fn zeros_with_len(&self, n: usize) -> Self {
        Counted(vec![0.0; n])
    }
    fn fill(&mut self, value: f64) {
        self.0.fill(value);
    }
    fn lincomb_acc(&mut self, beta: f64, terms: &[(f64, &Self)]) {
        let inner: Vec<(f64, &Vec<f64>)> = terms.iter().map(|(a, x)| (*a, &x.0)).collect();
        self.0.lincomb_acc(beta, &inner);
    }
    fn mul_elementwise(&mut self, d: &Self) {
        self.0.mul_elementwise(&d.0);
    }
    fn dot(&self, x: &Self) -> f64 {
        count();
        self.0.dot(&x.0)
    }
    fn multi_dot(&self, xs: &[&Self], out: &mut [f64]) {
        count();
        let inner: Vec<&Vec<f64>> = xs.iter().map(|x| &x.0).collect();
        self.0.multi_dot(&inner, out);
    }
    fn norm_inf(&self) -> f64 {
        count();
        self.0.norm_inf()
    }
    fn wrms_norm(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>) -> f64 {
        count();
        let atol = match tol.atol {
            noether_core::AtolRef::Scalar(a) => noether_core::Tolerance::new(tol.rtol, a),
            noether_core::AtolRef::PerComponent(v) => {
                noether_core::Tolerance::per_component(tol.rtol, v.0.clone())
            }
        };
        self.0.wrms_norm(&y0.0, &y1.0, atol.view())
    }
    fn wmax_norm(&self, y: &Self, tol: TolRef<'_, Self>) -> f64 {
        count();
        let atol = match tol.atol {
            noether_core::AtolRef::Scalar(a) => noether_core::Tolerance::new(tol.rtol, a),
            noether_core::AtolRef::PerComponent(v) => {
                noether_core::Tolerance::per_component(tol.rtol, v.0.clone())
            }
        };
        self.0.wmax_norm(&y.0, atol.view())
    }
    fn all_finite(&self) -> bool {
        count();
        self.0.all_finite()
    }
    fn copy_from_f64(&mut self, values: &[f64]) {
        self.0.copy_from_f64(values);
    }
    fn to_f64_vec(&self) -> Vec<f64> {
        count();
        self.0.clone()
    }
}

fn lorenz(_t: f64, y: &Counted, dy: &mut Counted) {
    let (y, d) = (&y.0, &mut dy.0);
    d[0] = 10.0 * (y[1] - y[0]);
    d[1] = y[0] * (28.0 - y[2]) - y[1];
    d[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
}

#[test]
fn one_host_reduction_per_explicit_step() {
    let f: fn(f64, &Counted, &mut Counted) = lorenz;
    let problem =
        OdeProblem::new(&f, (0.0, 10.0), Counted(vec![1.0, 1.0, 1.0])).tolerances(1e-8, 1e-8);
    let before = reductions();
    let sol = solve(&problem, Erk::new(&TSIT5), SolveOptions::default()).unwrap();
    let used = reductions() - before;
    let s = sol.stats;
    eprintln!(
        "Tsit5 on Lorenz: {used} reductions for {} attempted steps ({} rejected)",
        s.steps, s.rejected
    );
    assert!(s.rejected > 0, "the run should exercise rejections");
    assert_eq!(used, 4 + s.steps);

    // An event function that reads the state costs one transfer per evaluation.
    let evaluations = Cell::new(0usize);
    let g = |_t: f64, y: &Counted| {
        evaluations.set(evaluations.get() + 1);
        y.to_f64_vec()[0]
    };
    let before = reductions();
    let sol = solve(
        &problem,
        Erk::new(&TSIT5),
        SolveOptions::default().event(Event::new(g)),
    )
    .unwrap();
    let used = reductions() - before;
    assert!(!sol.events.is_empty());
    eprintln!(
        "with an event: {used} reductions, {} steps, {} event evaluations",
        sol.stats.steps,
        evaluations.get()
    );
    assert_eq!(used, 4 + sol.stats.steps + evaluations.get());
}
