//! Gradients through a solve (`noether_diffeq::adjoint`) on host fields:
//!
//! - a trajectory loss of a small MLP field (2 → 16 → 16 → 2 with time input) and
//!   of Lotka–Volterra: the checkpointed (discretise-then-optimise) gradient and the
//!   backsolve adjoint at rtol 1e-10 agree with central finite differences of the
//!   loss to 1e-5 relative, for the initial state and every parameter;
//! - the checkpointed gradient is the exact gradient of the discrete solution: on a
//!   linear field it matches the one computed by differentiating the fixed-step
//!   recurrence by hand;
//! - snapshots grow like √n with the number of steps (fitted slope ≤ 0.6), and the
//!   backward pass replays exactly the forward's steps.

use crate::common;
use noether_core::ParamField;
use noether_core::stats::fit_slope;
use noether_diffeq::adjoint::{Adjoint, Tape};
use noether_diffeq::problems::{HostMlp, LotkaVolterra};
use noether_diffeq::tableau::{DOPRI5, TSIT5};
use noether_diffeq::{OdeProblem, SolveOptions};

/// `L = Σᵢ ½‖y(tᵢ) − targetᵢ‖²` and its cotangents.
fn loss(ys: &[Vec<f64>], targets: &[Vec<f64>]) -> (f64, Vec<Vec<f64>>) {
    let mut l = 0.0;
    let cot = ys
        .iter()
        .zip(targets)
        .map(|(y, g)| {
            y.iter()
                .zip(g)
                .map(|(a, b)| {
                    l += 0.5 * (a - b) * (a - b);
                    a - b
                })
                .collect()
        })
        .collect();
    (l, cot)
}

/// The loss of a forward solve at `rtol` of the field `field` from `y0`.
fn loss_of<F: ParamField<Vec<f64>, Params = Vec<f64>>>(
    field: &F,
    y0: &[f64],
    t1: f64,
    times: &[f64],
    targets: &[Vec<f64>],
    rtol: f64,
) -> f64 {
    let problem = OdeProblem::new(field, (0.0, t1), y0.to_vec()).tolerances(rtol, rtol);
    let opts = SolveOptions::default().max_steps(1_000_000);
    let tape = Tape::record(&problem, &DOPRI5, &opts, times, Adjoint::Checkpointed).unwrap();
    loss(tape.ys(), targets).0
}

/// Worst difference, relative to the largest gradient entry, between `grad` and
/// central differences of `l(θ)` over every entry.
fn check_against_fd(name: &str, grad: &[f64], base: &[f64], l: impl Fn(&[f64]) -> f64, tol: f64) {
    let scale = grad.iter().map(|g| g.abs()).fold(0.0, f64::max);
    let mut worst = 0.0f64;
    for k in 0..base.len() {
        let h = 1e-5 * (1.0 + base[k].abs());
        let (mut p, mut m) = (base.to_vec(), base.to_vec());
        p[k] += h;
        m[k] -= h;
        let fd = (l(&p) - l(&m)) / (2.0 * h);
        worst = worst.max((fd - grad[k]).abs() / scale);
    }
    eprintln!(
        "{name}: {} entries, worst difference / max |gradient| = {worst:.2e}",
        base.len()
    );
    assert!(worst < tol, "{name}: {worst:e}");
}

fn gradients_match_finite_differences<F, M>(name: &str, field: F, rebuild: M, y0: Vec<f64>, t1: f64)
where
    F: ParamField<Vec<f64>, Params = Vec<f64>>,
    M: Fn(&[f64]) -> F,
{
    let times = [0.25 * t1, 0.5 * t1, t1];
    let targets: Vec<Vec<f64>> = times.iter().map(|t| vec![t.cos(), t.sin()]).collect();
    let problem = OdeProblem::new(&field, (0.0, t1), y0.clone()).tolerances(1e-10, 1e-10);
    let opts = SolveOptions::default().max_steps(1_000_000);
    let fd_rtol = 1e-12;
    for adjoint in common::TIGHT_ADJOINTS {
        let tape = Tape::record(&problem, &DOPRI5, &opts, &times, adjoint).unwrap();
        let (_, cot) = loss(tape.ys(), &targets);
        let g = tape.vjp(&cot).unwrap();
        eprintln!("{name} {adjoint:?}: {:?}", g.stats);
        let theta = field.params().clone();
        check_against_fd(
            &format!("{name} {adjoint:?} ∂L/∂θ"),
            &g.params,
            &theta,
            |th| loss_of(&rebuild(th), &y0, t1, &times, &targets, fd_rtol),
            1e-5,
        );
        check_against_fd(
            &format!("{name} {adjoint:?} ∂L/∂y0"),
            &g.y0,
            &y0,
            |y| loss_of(&field, y, t1, &times, &targets, fd_rtol),
            1e-5,
        );
    }
}

#[test]
fn mlp_field_gradients_match_finite_differences() {
    let mlp = HostMlp::new(2, &[16, 16], 7);
    let rebuild = |th: &[f64]| {
        let mut m = HostMlp::new(2, &[16, 16], 7);
        m.set_params(th);
        m
    };
    gradients_match_finite_differences("MLP 2-16-16-2", mlp, rebuild, vec![0.6, -0.4], 1.5);
}

#[test]
fn lotka_volterra_gradients_match_finite_differences() {
    let lv = LotkaVolterra::classic();
    let rebuild = |th: &[f64]| LotkaVolterra { theta: th.to_vec() };
    gradients_match_finite_differences("Lotka–Volterra", lv, rebuild, vec![1.0, 0.5], 3.0);
}

/// `y' = A y` with `A = [[θ₀, θ₁], [−θ₁, θ₀]]`: a linear field whose fixed-step RK4
/// recurrence `y_{n+1} = R(hA) y_n` can be differentiated by hand.
struct Linear(Vec<f64>);

impl noether_core::VectorField<Vec<f64>> for Linear {
    fn eval(&self, _t: f64, y: &Vec<f64>, out: &mut Vec<f64>) {
        out[0] = self.0[0] * y[0] + self.0[1] * y[1];
        out[1] = -self.0[1] * y[0] + self.0[0] * y[1];
    }
}

impl ParamField<Vec<f64>> for Linear {
    type Params = Vec<f64>;
    fn params(&self) -> &Vec<f64> {
        &self.0
    }
    fn vjp(&self, _t: f64, y: &Vec<f64>, w: &Vec<f64>, dx: &mut Vec<f64>, dp: &mut Vec<f64>) {
        dx[0] = self.0[0] * w[0] - self.0[1] * w[1];
        dx[1] = self.0[1] * w[0] + self.0[0] * w[1];
        dp[0] = w[0] * y[0] + w[1] * y[1];
        dp[1] = w[0] * y[1] - w[1] * y[0];
    }
}

#[test]
fn checkpointed_gradient_is_the_discrete_gradient() {
    // With A = αI + βJ (J the rotation generator), the RK4 step is the polynomial
    // R(z) = 1 + z + z²/2 + z³/6 + z⁴/24 in z = hA, a complex number α + iβ times h;
    // after n steps y_n = R(z)ⁿ y₀, and for L = Re(conj(w)·y_n) with w = (1, 0):
    // ∂L/∂α = Re(n R^{n−1} R'(z) h y₀) … computed here in complex arithmetic.
    let (alpha, beta) = (-0.3, 1.1);
    let field = Linear(vec![alpha, beta]);
    let (t1, n) = (2.0, 40);
    let h = t1 / n as f64;
    let problem = OdeProblem::new(&field, (0.0, t1), vec![1.0, 0.5]);
    let opts = SolveOptions::default().fixed(h);
    let tape = Tape::record(
        &problem,
        &noether_diffeq::tableau::RK4,
        &opts,
        &[t1],
        Adjoint::Checkpointed,
    )
    .unwrap();
    let g = tape.vjp(&[vec![1.0, 0.0]]).unwrap();
    // complex helpers
    type C = (f64, f64);
    let mul = |a: C, b: C| (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0);
    let add = |a: C, b: C| (a.0 + b.0, a.1 + b.1);
    let sc = |s: f64, a: C| (s * a.0, s * a.1);
    let z: C = (alpha * h, -beta * h); // y = (y0 + i y1) evolves by α − iβ for this A
    let z2 = mul(z, z);
    let z3 = mul(z2, z);
    let z4 = mul(z3, z);
    let r = add(
        add(add((1.0, 0.0), z), add(sc(0.5, z2), sc(1.0 / 6.0, z3))),
        sc(1.0 / 24.0, z4),
    );
    let dr = add(add((1.0, 0.0), z), add(sc(0.5, z2), sc(1.0 / 6.0, z3)));
    let mut rn1: C = (1.0, 0.0);
    for _ in 0..n - 1 {
        rn1 = mul(rn1, r);
    }
    let y0: C = (1.0, 0.5);
    // ∂/∂α: dz/dα = h; ∂/∂β: dz/dβ = −i h
    let d_alpha = mul(sc(n as f64, mul(mul(rn1, dr), (h, 0.0))), y0);
    let d_beta = mul(sc(n as f64, mul(mul(rn1, dr), (0.0, -h))), y0);
    let exact = [d_alpha.0, d_beta.0];
    for (k, (got, want)) in g.params.iter().zip(exact).enumerate() {
        assert!(
            (got - want).abs() < 1e-13 * (1.0 + want.abs()),
            "θ{k}: checkpointed {got} vs hand-differentiated recurrence {want}"
        );
    }
    // ∂L/∂y₀ = Re-part row of R(z)ⁿ: (Re Rⁿ, −Im Rⁿ)
    let rn = mul(rn1, r);
    assert!(
        (g.y0[0] - rn.0).abs() < 1e-13 && (g.y0[1] + rn.1).abs() < 1e-13,
        "{:?} vs {rn:?}",
        g.y0
    );
}

#[test]
fn snapshots_grow_like_the_square_root_of_the_steps() {
    let field = Linear(vec![-0.1, 2.0]);
    let mut pts = Vec::new();
    for n in [100usize, 1000, 10_000] {
        let t1 = 1.0;
        let problem = OdeProblem::new(&field, (0.0, t1), vec![1.0, 0.0]);
        let opts = SolveOptions::default()
            .fixed(t1 / n as f64)
            .max_steps(100_000);
        let tape = Tape::record(&problem, &TSIT5, &opts, &[t1], Adjoint::Checkpointed).unwrap();
        let g = tape.vjp(&[vec![1.0, 1.0]]).unwrap();
        // (fixed steps of t1/n may end with a sliver step from rounding)
        let taken = tape.stats().accepted;
        assert!(taken == n || taken == n + 1, "{taken} steps for {n}");
        assert_eq!(
            g.stats.steps, taken,
            "the backward pass replays every step once"
        );
        eprintln!("{n} steps: {} snapshots at most", g.stats.snapshots);
        pts.push(((n as f64).ln(), (g.stats.snapshots as f64).ln()));
    }
    let (xs, ys): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
    let slope = fit_slope(&xs, &ys);
    eprintln!("fitted slope of log snapshots vs log steps: {slope:.3}");
    assert!((0.4..=0.6).contains(&slope), "slope {slope}");
}

#[test]
fn bad_cotangents_and_times_are_typed_errors() {
    let lv = LotkaVolterra::classic();
    let problem = OdeProblem::new(&lv, (0.0, 1.0), vec![1.0, 1.0]);
    let opts = SolveOptions::default();
    for times in [vec![], vec![0.5, 0.5], vec![0.5, 2.0], vec![f64::NAN]] {
        let err =
            Tape::record(&problem, &DOPRI5, &opts, &times, Adjoint::Checkpointed).unwrap_err();
        assert!(err.to_string().contains("times"), "{times:?}: {err}");
    }
    let tape = Tape::record(&problem, &DOPRI5, &opts, &[0.5, 1.0], Adjoint::Checkpointed).unwrap();
    assert!(
        tape.vjp(&[vec![1.0, 1.0]]).is_err(),
        "one cotangent for two times"
    );
    assert!(tape.vjp(&[vec![1.0], vec![1.0]]).is_err(), "wrong length");
    assert!(
        tape.vjp(&[vec![1.0, f64::NAN], vec![1.0, 1.0]]).is_err(),
        "NaN cotangent"
    );
    let bad = Adjoint::Backsolve {
        rtol: -1.0,
        atol: 1e-6,
    };
    assert!(Tape::record(&problem, &DOPRI5, &opts, &[1.0], bad).is_err());
}
