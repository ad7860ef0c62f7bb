//! Gradients through a reversible Heun solve (`noether_diffeq::adjoint::SdeTape`)
//! of a parameterised SDE on the host (`problems::StochasticRing`, 4 components,
//! multiplicative noise, 400 steps):
//!
//! - the forward pass is the reversible Heun discretisation of the one step loop
//!   (`Scheme<ReversibleHeun>`), to 1e-9 (the two compute the grid times differently);
//! - the reversible adjoint (states rebuilt by `step_back`) equals the checkpointed
//!   one (states from snapshots) to 1e-10 relative;
//! - both agree with central finite differences of the discrete loss (same Brownian
//!   path) in every parameter and every initial component, to 1e-6 relative;
//! - bad input is a typed error;
//! - the Euler–Maruyama tape (the same ring typed Itô) matches central differences
//!   of its discrete loss to 1e-6 relative, and reversible Heun's parasitic mode
//!   blows up on a damped mode where Euler–Maruyama stays bounded.

use crate::common;
use noether_core::{Ito, NoiseShape, ParamSde, Sde};
use noether_diffeq::DiffeqError;
use noether_diffeq::adjoint::{EulerMaruyamaTape, SdeAdjoint, SdeTape};
use noether_diffeq::brownian::VirtualBrownianTree;
use noether_diffeq::problems::StochasticRing;
use noether_diffeq::sde::ReversibleHeun;

const THETA: [f64; 5] = [0.7, 0.9, 0.2, 0.3, 0.25];
const STEPS: usize = 400;
const TIMES: [f64; 3] = [0.5, 1.5, 2.0];

fn y0() -> Vec<f64> {
    vec![0.3, -0.5, 1.1, 0.4]
}

fn path() -> VirtualBrownianTree {
    VirtualBrownianTree::new(0.0, 2.0, 4, 1e-10, 11).unwrap()
}

fn targets() -> Vec<Vec<f64>> {
    TIMES
        .iter()
        .map(|t| (0..4).map(|i| (t + i as f64).sin()).collect())
        .collect()
}

/// `L = Σᵢ ½‖y(tᵢ) − targetᵢ‖²` and its cotangents.
fn loss(ys: &[Vec<f64>]) -> (f64, Vec<Vec<f64>>) {
    let mut l = 0.0;
    let cot = ys
        .iter()
        .zip(targets())
        .map(|(y, g)| {
            y.iter()
                .zip(&g)
                .map(|(a, b)| {
                    l += 0.5 * (a - b) * (a - b);
                    a - b
                })
                .collect()
        })
        .collect();
    (l, cot)
}

fn loss_at(theta: &[f64], y0: &[f64], path: &VirtualBrownianTree) -> f64 {
    let sde = StochasticRing {
        theta: theta.to_vec(),
    };
    let tape = SdeTape::record(
        &sde,
        path,
        (0.0, 2.0),
        y0.to_vec(),
        STEPS,
        &TIMES,
        SdeAdjoint::Reversible,
    )
    .unwrap();
    loss(tape.ys()).0
}

fn worst_relative(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().map(|v| v.abs()).fold(0.0, f64::max);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / scale)
        .fold(0.0, f64::max)
}

fn fd_gradient(base: &[f64], l: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    (0..base.len())
        .map(|k| {
            let h = 1e-5 * (1.0 + base[k].abs());
            let (mut p, mut m) = (base.to_vec(), base.to_vec());
            p[k] += h;
            m[k] -= h;
            (l(&p) - l(&m)) / (2.0 * h)
        })
        .collect()
}

#[test]
fn forward_pass_is_the_reversible_heun_scheme() {
    let sde = StochasticRing::new(THETA);
    let path = path();
    let tape = SdeTape::record(
        &sde,
        &path,
        (0.0, 2.0),
        y0(),
        STEPS,
        &[2.0],
        SdeAdjoint::Reversible,
    )
    .unwrap();
    let scheme = common::sde_fixed(ReversibleHeun, &sde, &path, (0.0, 2.0), &y0(), STEPS).unwrap();
    // Same scheme; the step loop accumulates `t + h` while the tape computes
    // `t₀ + k·(t₁ − t₀)/n`, and the tree's path at resolution 1e-10 turns those
    // last-bit time differences into ~1e-11 differences in the increments.
    let diff = worst_relative(&tape.ys()[0], &scheme);
    eprintln!("tape vs Scheme<ReversibleHeun>: {diff:.2e}");
    assert!(diff < 1e-9, "{diff:e}");
}

#[test]
fn reversible_and_checkpointed_gradients_agree_and_match_finite_differences() {
    let sde = StochasticRing::new(THETA);
    let path = path();
    let mut grads = Vec::new();
    for adjoint in [SdeAdjoint::Reversible, SdeAdjoint::Checkpointed] {
        let tape = SdeTape::record(&sde, &path, (0.0, 2.0), y0(), STEPS, &TIMES, adjoint).unwrap();
        let (_, cot) = loss(tape.ys());
        let g = tape.vjp(&cot).unwrap();
        eprintln!("{adjoint:?}: {:?}", g.stats);
        assert_eq!(g.stats.vjps, 2 * STEPS);
        grads.push(g);
    }
    let (rev, chk) = (&grads[0], &grads[1]);
    let dp = worst_relative(&rev.params, &chk.params);
    let dy = worst_relative(&rev.y0, &chk.y0);
    eprintln!("reversible vs checkpointed: θ {dp:.2e}, y0 {dy:.2e}");
    assert!(dp < 1e-10 && dy < 1e-10, "{dp:e} {dy:e}");
    assert!(chk.stats.snapshots <= 2 * (2.0 * STEPS as f64).sqrt() as usize + 2);

    let fd_theta = fd_gradient(&THETA, |th| loss_at(th, &y0(), &path));
    let fd_y0 = fd_gradient(&y0(), |y| loss_at(&THETA, y, &path));
    let (et, ey) = (
        worst_relative(&rev.params, &fd_theta),
        worst_relative(&rev.y0, &fd_y0),
    );
    eprintln!("reversible vs central differences: θ {et:.2e}, y0 {ey:.2e}");
    assert!(et < 1e-6 && ey < 1e-6, "{et:e} {ey:e}");
}

#[test]
fn bad_sde_tape_input_is_a_typed_error() {
    let sde = StochasticRing::new(THETA);
    let path = path();
    let record = |span, steps, times: &[f64]| {
        SdeTape::record(
            &sde,
            &path,
            span,
            y0(),
            steps,
            times,
            SdeAdjoint::Reversible,
        )
    };
    invalid(record((0.0, 2.0), 0, &[2.0]).map(|_| ()), "steps");
    invalid(record((2.0, 0.0), 10, &[2.0]).map(|_| ()), "span");
    invalid(record((0.0, 3.0), 10, &[3.0]).map(|_| ()), "path");
    invalid(record((0.0, 2.0), 10, &[0.33]).map(|_| ()), "times");
    invalid(record((0.0, 2.0), 10, &[1.0, 1.0]).map(|_| ()), "times");
    let tape = record((0.0, 2.0), 10, &[1.0, 2.0]).unwrap();
    invalid(tape.vjp(&[vec![1.0; 4]]).map(|_| ()), "cotangents");
    invalid(
        tape.vjp(&[vec![1.0; 4], vec![f64::NAN; 4]]).map(|_| ()),
        "cotangents",
    );
    // A diffusion that blows the state up: NonFinite with the time and step.
    let wild = StochasticRing::new([-1e80, 0.0, 0.0, 0.0, 0.0]);
    match SdeTape::record(
        &wild,
        &path,
        (0.0, 2.0),
        y0(),
        10,
        &[2.0],
        SdeAdjoint::Reversible,
    ) {
        Err(DiffeqError::NonFinite { t, h }) => assert!(t == 2.0 && (h - 0.2).abs() < 1e-12),
        other => panic!("expected NonFinite, got {other:?}"),
    }
}

fn invalid(r: Result<(), DiffeqError>, what: &str) {
    match r {
        Err(DiffeqError::InvalidArgument { name, .. }) => assert_eq!(name, what),
        other => panic!("{what}: expected InvalidArgument, got {other:?}"),
    }
}

/// The ring typed Itô (what Euler–Maruyama discretises).
struct ItoRing(StochasticRing);

impl Sde<Vec<f64>> for ItoRing {
    type Calculus = Ito;
    fn noise_shape(&self) -> NoiseShape {
        self.0.noise_shape()
    }
    fn drift(&self, t: f64, x: &Vec<f64>, out: &mut Vec<f64>) {
        self.0.drift(t, x, out)
    }
    fn diffusion_times(&self, t: f64, x: &Vec<f64>, dw: &Vec<f64>, out: &mut Vec<f64>) {
        self.0.diffusion_times(t, x, dw, out)
    }
}

impl ParamSde<Vec<f64>> for ItoRing {
    type Params = Vec<f64>;
    fn params(&self) -> &Vec<f64> {
        self.0.params()
    }
    fn vjp(
        &self,
        t: f64,
        x: &Vec<f64>,
        dw: &Vec<f64>,
        w_mu: &Vec<f64>,
        w_sigma: &Vec<f64>,
        dx: &mut Vec<f64>,
        dp: &mut Vec<f64>,
    ) {
        self.0.vjp(t, x, dw, w_mu, w_sigma, dx, dp)
    }
}

fn em_loss(theta: &[f64], y0: &[f64], path: &VirtualBrownianTree) -> f64 {
    let sde = ItoRing(StochasticRing {
        theta: theta.to_vec(),
    });
    let tape =
        EulerMaruyamaTape::record(&sde, path, (0.0, 2.0), y0.to_vec(), STEPS, &TIMES).unwrap();
    loss(tape.ys()).0
}

#[test]
fn euler_maruyama_gradients_match_finite_differences() {
    let sde = ItoRing(StochasticRing::new(THETA));
    let path = path();
    let tape = EulerMaruyamaTape::record(&sde, &path, (0.0, 2.0), y0(), STEPS, &TIMES).unwrap();
    let (_, cot) = loss(tape.ys());
    let g = tape.vjp(&cot).unwrap();
    let fd_theta = fd_gradient(&THETA, |th| em_loss(th, &y0(), &path));
    let fd_y0 = fd_gradient(&y0(), |y| em_loss(&THETA, y, &path));
    let (et, ey) = (
        worst_relative(&g.params, &fd_theta),
        worst_relative(&g.y0, &fd_y0),
    );
    eprintln!("Euler–Maruyama tape vs central differences: θ {et:.2e}, y0 {ey:.2e}");
    assert!(et < 1e-6 && ey < 1e-6, "{et:e} {ey:e}");
    invalid(tape.vjp(&[vec![1.0; 4]]).map(|_| ()), "cotangents");
}

/// dX = −20 X dt + 0.1 dW over 400 steps of h = 0.005 (hλ = −0.1): reversible Heun's
/// parasitic mode grows like 1.1ⁿ, Euler–Maruyama stays at the noise level.
#[test]
fn reversible_heun_is_unstable_on_a_damped_mode() {
    let damped = StochasticRing::new([20.0, 0.0, 0.0, 0.1, 0.0]);
    let path = path();
    let rh = SdeTape::record(
        &damped,
        &path,
        (0.0, 2.0),
        y0(),
        STEPS,
        &[2.0],
        SdeAdjoint::Reversible,
    );
    let ito = ItoRing(damped.clone());
    let em = EulerMaruyamaTape::record(&ito, &path, (0.0, 2.0), y0(), STEPS, &[2.0]).unwrap();
    let em_max = em.ys()[0].iter().map(|v| v.abs()).fold(0.0, f64::max);
    let rh_max = rh.map_or(f64::INFINITY, |t| {
        t.ys()[0].iter().map(|v| v.abs()).fold(0.0, f64::max)
    });
    eprintln!(
        "damped mode after 400 steps: Euler–Maruyama {em_max:.2e}, reversible Heun {rh_max:.2e}"
    );
    assert!(em_max < 1.0 && rh_max > 1e6, "{em_max:e} {rh_max:e}");
}
