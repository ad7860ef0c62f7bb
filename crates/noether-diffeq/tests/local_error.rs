//! The local regulariser (`noether_diffeq::adjoint::local_error`): `R = h·‖ẽ‖` of
//! one Tsit5 / Dopri5 step of a small MLP field (`problems::HostMlp`, 2 → 8 → 2):
//!
//! - with `rtol = 0` its gradients with respect to every parameter and to the state
//!   match central finite differences of `R` to 1e-6 relative;
//! - `R` grows like `h⁶` (the embedded fourth-order estimate is `O(h⁵)`): fitted
//!   slope of log R against log h within 0.3 of 6;
//! - a tableau without an embedded pair and bad tolerances are typed errors;
//! - the integrated regulariser over every step of a solve
//!   (`Tape::vjp_with_error_penalty`) matches central differences to 1e-6.

use noether_core::ParamField;
use noether_core::stats::fit_slope;
use noether_diffeq::DiffeqError;
use noether_diffeq::adjoint::local_error;
use noether_diffeq::problems::HostMlp;
use noether_diffeq::tableau::{DOPRI5, RK4, TSIT5};

fn field() -> HostMlp {
    HostMlp::new(2, &[8], 4)
}

#[test]
fn local_error_gradients_match_finite_differences() {
    let y = vec![0.7, -0.4];
    // A long step, so that ẽ is well above the round-off of its stage sum.
    let (h, atol) = (1.0, 1e-4);
    for tab in [&TSIT5, &DOPRI5] {
        let f = field();
        let r = local_error(&f, tab, 0.2, &y, h, 0.0, atol).unwrap();
        let theta = f.params().clone();
        let value = |th: &[f64], yy: &[f64]| {
            let mut g = field();
            g.set_params(th);
            local_error(&g, tab, 0.2, &yy.to_vec(), h, 0.0, atol)
                .unwrap()
                .value
        };
        let fd = |base: &[f64], l: &dyn Fn(&[f64]) -> f64| -> Vec<f64> {
            (0..base.len())
                .map(|k| {
                    let d = 1e-4 * (1.0 + base[k].abs());
                    let (mut p, mut m) = (base.to_vec(), base.to_vec());
                    p[k] += d;
                    m[k] -= d;
                    (l(&p) - l(&m)) / (2.0 * d)
                })
                .collect()
        };
        let worst = |a: &[f64], b: &[f64]| {
            let scale = b.iter().map(|v| v.abs()).fold(0.0, f64::max);
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs() / scale)
                .fold(0.0, f64::max)
        };
        let et = worst(&r.params, &fd(&theta, &|th| value(th, &y)));
        let ey = worst(&r.y, &fd(&y, &|yy| value(&theta, yy)));
        eprintln!(
            "{}: R = {:.3e}, {:?}; vs central differences θ {et:.2e}, y {ey:.2e}",
            tab.name, r.value, r.stats
        );
        assert!(r.value > 0.0);
        assert!(et < 1e-6 && ey < 1e-6, "{}: {et:e} {ey:e}", tab.name);
    }
}

#[test]
fn local_error_grows_like_h_to_the_sixth() {
    let f = field();
    let y = vec![0.7, -0.4];
    let hs = [0.4, 0.2, 0.1, 0.05];
    let (xs, ys): (Vec<f64>, Vec<f64>) = hs
        .iter()
        .map(|&h| {
            let r = local_error(&f, &TSIT5, 0.0, &y, h, 1e-3, 1e-6).unwrap();
            (h.ln(), r.value.ln())
        })
        .unzip();
    let slope = fit_slope(&xs, &ys);
    eprintln!("Tsit5 local error: fitted slope of log R vs log h {slope:.3} (expected 6)");
    assert!((slope - 6.0).abs() < 0.3, "{slope}");
}

#[test]
fn local_error_refuses_bad_input() {
    let f = field();
    let y = vec![0.7, -0.4];
    for (tab, h, rtol, atol, what) in [
        (&RK4, 0.1, 0.0, 1e-6, "tableau"),
        (&TSIT5, 0.0, 0.0, 1e-6, "h"),
        (&TSIT5, f64::NAN, 0.0, 1e-6, "h"),
        (&TSIT5, 0.1, -1.0, 1e-6, "tolerances"),
        (&TSIT5, 0.1, 1e-3, 0.0, "tolerances"),
    ] {
        match local_error(&f, tab, 0.0, &y, h, rtol, atol) {
            Err(DiffeqError::InvalidArgument { name, .. }) => assert_eq!(name, what),
            other => panic!("{what}: expected InvalidArgument, got {other:?}"),
        }
    }
}

/// The global (integrated) regulariser `Σₖ Rₖ` over the accepted steps of a
/// fixed-step Tsit5 solve: its gradient (`Tape::vjp_with_error_penalty` with zero
/// trajectory cotangents) against fourth-order central differences of the total, at
/// `rtol = 0`.
#[test]
fn integrated_error_penalty_gradient_matches_finite_differences() {
    use noether_diffeq::adjoint::{Adjoint, Tape};
    use noether_diffeq::{OdeProblem, SolveOptions};
    let y0 = vec![0.7, -0.4];
    let atol = 1e-4;
    let total = |th: &[f64]| -> (f64, Vec<f64>) {
        let mut f = field();
        f.set_params(th);
        let problem = OdeProblem::new(&f, (0.0, 2.0), y0.clone());
        // Long steps, so that each ẽ is well above its round-off.
        let opts = SolveOptions::default().fixed(0.5);
        let tape =
            Tape::record(&problem, &TSIT5, &opts, &[1.0, 2.0], Adjoint::Checkpointed).unwrap();
        let zero = vec![vec![0.0; 2]; 2];
        let (g, r) = tape.vjp_with_error_penalty(&zero, 1.0, 0.0, atol).unwrap();
        (r, g.params)
    };
    let theta = field().params().clone();
    let (r, grad) = total(&theta);
    let scale = grad.iter().map(|v| v.abs()).fold(0.0, f64::max);
    let mut worst = 0.0f64;
    for k in 0..theta.len() {
        // Fourth-order central differences at a step large enough that the
        // round-off of ẽ (≈ 4e-8 here) stays below the differences.
        let d = 1e-3 * (1.0 + theta[k].abs());
        let at = |j: f64| {
            let mut p = theta.clone();
            p[k] += j * d;
            total(&p).0
        };
        let fd = (-at(2.0) + 8.0 * at(1.0) - 8.0 * at(-1.0) + at(-2.0)) / (12.0 * d);
        worst = worst.max((fd - grad[k]).abs() / scale);
    }
    eprintln!(
        "integrated error Σ R = {r:.3e} over 4 steps; gradient vs central differences {worst:.2e}"
    );
    assert!(r > 0.0 && worst < 1e-6, "{worst:e}");
    // A backsolve tape has no steps to penalise.
    let f = field();
    let problem = OdeProblem::new(&f, (0.0, 2.0), y0.clone());
    let back = Adjoint::Backsolve {
        rtol: 1e-6,
        atol: 1e-6,
    };
    let tape = Tape::record(&problem, &TSIT5, &SolveOptions::default(), &[2.0], back).unwrap();
    match tape.vjp_with_error_penalty(&[vec![0.0; 2]], 1.0, 0.0, atol) {
        Err(DiffeqError::InvalidArgument { name, .. }) => assert_eq!(name, "adjoint"),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}
