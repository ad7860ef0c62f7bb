//! Neural vector fields (burn, Flex, f64): a small MLP with time input on a batch of
//! states, gradients of a trajectory loss through the solve against central finite
//! differences of the loss in every parameter (checkpointed at rtol 1e-10, the
//! backsolve adjoint at rtol 1e-10), and the typed errors of bad input. A neural SDE
//! (drift and diffusion MLPs) through a reversible Heun solve: the reversible
//! adjoint equals the checkpointed one to 1e-10 and both match central differences
//! of the discrete loss (same Brownian path). The host `FusedMlp` gives the burn
//! network's values and VJPs to 1e-12 for every activation.
#![cfg(feature = "burn")]

use crate::common;
use burn::tensor::{DType, Device, Tensor, TensorData};
use noether_core::{ParamField, ParamSde, Space};
use noether_diffeq::adjoint::{Adjoint, SdeAdjoint, SdeTape, Tape};
use noether_diffeq::brownian::VirtualBrownianTree;
use noether_diffeq::neural::mlp::Activation;
use noether_diffeq::neural::mlp::{Mlp, MlpConfig};
use noether_diffeq::neural::{FusedMlp, NeuralField, NeuralSde};
use noether_diffeq::tableau::DOPRI5;
use noether_diffeq::{OdeProblem, SolveOptions};

fn plain(values: Vec<f64>, shape: [usize; 2]) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(values, shape),
        (&Device::flex(), DType::F64),
    )
}

fn field() -> NeuralField<Mlp> {
    let device = Device::flex().autodiff();
    let net = MlpConfig::new(2, &[8])
        .dtype(DType::F64)
        .seed(3)
        .init(&device)
        .expect("valid config");
    NeuralField::new(net).expect("a network with parameters")
}

/// `L = Σᵢ ½‖y(tᵢ) − targetᵢ‖²` over the batch, and its cotangents.
fn loss(ys: &[Tensor<2>], targets: &[Tensor<2>]) -> (f64, Vec<Tensor<2>>) {
    let mut l = 0.0;
    let cot = ys
        .iter()
        .zip(targets)
        .map(|(y, g)| {
            let d = y.clone() - g.clone();
            l += 0.5 * d.dot(&d);
            d
        })
        .collect();
    (l, cot)
}

fn setup() -> (Tensor<2>, Vec<f64>, Vec<Tensor<2>>) {
    let y0 = plain(vec![0.5, -0.3, 1.0, 0.2, -0.7, 0.4, 0.1, 0.9], [4, 2]);
    let times = vec![0.5, 1.0];
    let targets = times
        .iter()
        .map(|t: &f64| plain((0..8).map(|i| (t + i as f64).sin()).collect(), [4, 2]))
        .collect();
    (y0, times, targets)
}

fn loss_at(f: &NeuralField<Mlp>, y0: &Tensor<2>, times: &[f64], targets: &[Tensor<2>]) -> f64 {
    let problem = OdeProblem::new(f, (0.0, 1.0), y0.clone()).tolerances(1e-12, 1e-12);
    let opts = SolveOptions::default().max_steps(1_000_000);
    let tape = Tape::record(&problem, &DOPRI5, &opts, times, Adjoint::Checkpointed).unwrap();
    loss(tape.ys(), targets).0
}

#[test]
fn mlp_gradients_through_the_solve_match_finite_differences() {
    let mut f = field();
    let (y0, times, targets) = setup();
    let theta = f.params().to_f64_vec();
    let mut grads = Vec::new();
    {
        let problem = OdeProblem::new(&f, (0.0, 1.0), y0.clone()).tolerances(1e-10, 1e-10);
        let opts = SolveOptions::default().max_steps(1_000_000);
        for adjoint in common::TIGHT_ADJOINTS {
            let tape = Tape::record(&problem, &DOPRI5, &opts, &times, adjoint).unwrap();
            let (_, cot) = loss(tape.ys(), &targets);
            let g = tape.vjp(&cot).unwrap();
            eprintln!("{adjoint:?}: {:?}, forward {:?}", g.stats, tape.stats());
            grads.push((adjoint, g.params.to_f64_vec()));
        }
    }
    let scale = grads[0].1.iter().map(|g| g.abs()).fold(0.0, f64::max);
    let mut worst = vec![0.0f64; grads.len()];
    for k in 0..theta.len() {
        let h = 1e-5 * (1.0 + theta[k].abs());
        let mut at = |delta: f64| {
            let mut th = theta.clone();
            th[k] += delta;
            let t = Tensor::<1>::from_data(
                TensorData::new(th, [theta.len()]),
                (&Device::flex(), DType::F64),
            );
            f.set_params(&t).unwrap();
            loss_at(&f, &y0, &times, &targets)
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        for (w, (_, g)) in worst.iter_mut().zip(&grads) {
            *w = w.max((fd - g[k]).abs() / scale);
        }
    }
    for (w, (adjoint, _)) in worst.iter().zip(&grads) {
        eprintln!(
            "{adjoint:?}: {} parameters, worst |fd − grad| / max|grad| = {w:.2e}",
            theta.len()
        );
        assert!(*w < 1e-5, "{adjoint:?}: {w:e}");
    }
}

#[test]
fn bad_shapes_and_parameters_are_typed_errors() {
    let mut f = field();
    assert!(f.check_state(&plain(vec![0.0; 6], [2, 3])).is_err());
    assert!(f.check_state(&plain(vec![0.0; 4], [2, 2])).is_ok());
    let n = f.params().len();
    let short = Tensor::<1>::from_data(
        TensorData::new(vec![0.0; n - 1], [n - 1]),
        (&Device::flex(), DType::F64),
    );
    assert!(f.set_params(&short).is_err());
    let mut bad = vec![0.0; n];
    bad[3] = f64::NAN;
    let nan = Tensor::<1>::from_data(TensorData::new(bad, [n]), (&Device::flex(), DType::F64));
    assert!(f.set_params(&nan).is_err());
    let err = MlpConfig::new(2, &[0]).init(&Device::flex()).unwrap_err();
    assert!(err.to_string().contains("hidden"), "{err}");
}

fn neural_sde() -> NeuralSde<Mlp, Mlp> {
    let device = Device::flex().autodiff();
    let net = |seed, act| {
        MlpConfig::new(2, &[8])
            .dtype(DType::F64)
            .activation(act)
            .seed(seed)
            .init(&device)
            .expect("valid config")
    };
    NeuralSde::new(net(5, Activation::Tanh), net(6, Activation::Softplus))
        .expect("networks with parameters")
}

fn sde_gradient(
    sde: &NeuralSde<Mlp, Mlp>,
    path: &VirtualBrownianTree,
    y0: &Tensor<2>,
    times: &[f64],
    targets: &[Tensor<2>],
    adjoint: SdeAdjoint,
) -> noether_diffeq::adjoint::Gradient<Tensor<2>, Tensor<1>> {
    let tape = SdeTape::record(sde, path, (0.0, 1.0), y0.clone(), 50, times, adjoint).unwrap();
    let (_, cot) = loss(tape.ys(), targets);
    tape.vjp(&cot).unwrap()
}

#[test]
fn neural_sde_reversible_gradients_equal_checkpointed_and_finite_differences() {
    let mut sde = neural_sde();
    let (y0, times, targets) = setup();
    let path = VirtualBrownianTree::new(0.0, 1.0, 8, 1e-9, 21).unwrap();
    let theta = sde.params().to_f64_vec();
    let grad = |sde: &NeuralSde<Mlp, Mlp>, adjoint| {
        let g = sde_gradient(sde, &path, &y0, &times, &targets, adjoint);
        (g.params.to_f64_vec(), g.y0.to_f64_vec())
    };
    let (rev, rev_y0) = grad(&sde, SdeAdjoint::Reversible);
    let (chk, chk_y0) = grad(&sde, SdeAdjoint::Checkpointed);
    let scale = chk.iter().map(|g| g.abs()).fold(0.0, f64::max);
    let scale_y0 = chk_y0.iter().map(|g| g.abs()).fold(0.0, f64::max);
    let diff = rev
        .iter()
        .zip(&chk)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
        / scale;
    let diff_y0 = rev_y0
        .iter()
        .zip(&chk_y0)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
        / scale_y0;
    eprintln!(
        "neural SDE, {} parameters: reversible vs checkpointed θ {diff:.2e}, y0 {diff_y0:.2e}",
        theta.len()
    );
    assert!(diff < 1e-10 && diff_y0 < 1e-10, "{diff:e} {diff_y0:e}");
    let mut worst = 0.0f64;
    for k in 0..theta.len() {
        let h = 1e-5 * (1.0 + theta[k].abs());
        let mut at = |delta: f64| {
            let mut th = theta.clone();
            th[k] += delta;
            let t = Tensor::<1>::from_data(
                TensorData::new(th, [theta.len()]),
                (&Device::flex(), DType::F64),
            );
            sde.set_params(&t).unwrap();
            let tape = SdeTape::record(
                &sde,
                &path,
                (0.0, 1.0),
                y0.clone(),
                50,
                &times,
                SdeAdjoint::Reversible,
            )
            .unwrap();
            loss(tape.ys(), &targets).0
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        worst = worst.max((fd - rev[k]).abs() / scale);
    }
    eprintln!("neural SDE: worst |fd − grad| / max|grad| = {worst:.2e}");
    assert!(worst < 1e-6, "{worst:e}");
    let short = NeuralSde::new(
        MlpConfig::new(2, &[4])
            .dtype(DType::F64)
            .init(&Device::flex().autodiff())
            .unwrap(),
        MlpConfig::new(3, &[4])
            .dtype(DType::F64)
            .init(&Device::flex().autodiff())
            .unwrap(),
    );
    assert!(short.is_err());
}

#[test]
fn fused_mlp_matches_the_burn_network() {
    use noether_core::VectorField;
    let device = Device::flex().autodiff();
    let x = plain((0..12).map(|i| (0.7 * i as f64).sin()).collect(), [4, 3]);
    let w = plain((0..12).map(|i| (0.3 * i as f64).cos()).collect(), [4, 3]);
    for act in [
        Activation::Tanh,
        Activation::Softplus,
        Activation::Silu,
        Activation::Relu,
        Activation::Selu,
    ] {
        for (time_input, last) in [(true, None), (false, Some(Activation::Tanh))] {
            let mut cfg = MlpConfig::new(3, &[7, 5])
                .dtype(DType::F64)
                .activation(act)
                .time_input(time_input)
                .seed(9);
            if let Some(last) = last {
                cfg = cfg.final_activation(last);
            }
            let net = cfg.init(&device).unwrap();
            let fused = FusedMlp::new(&net).unwrap();
            let field = NeuralField::new(net).unwrap();
            let (mut out, mut dx, mut dp) =
                (x.zeros_like(), x.zeros_like(), field.params().zeros_like());
            field.eval(0.4, &x, &mut out);
            ParamField::vjp(&field, 0.4, &x, &w, &mut dx, &mut dp);
            let xv = x.to_f64_vec();
            let (mut fo, mut fdx, mut fdp) = (vec![0.0; 12], vec![0.0; 12], vec![0.0; dp.len()]);
            fused.eval(0.4, &xv, &mut fo);
            ParamField::vjp(&fused, 0.4, &xv, &w.to_f64_vec(), &mut fdx, &mut fdp);
            let worst = |a: &[f64], b: Vec<f64>| {
                a.iter()
                    .zip(&b)
                    .map(|(p, q)| (p - q).abs())
                    .fold(0.0, f64::max)
            };
            let (e0, e1, e2) = (
                worst(&fo, out.to_f64_vec()),
                worst(&fdx, dx.to_f64_vec()),
                worst(&fdp, dp.to_f64_vec()),
            );
            assert!(
                e0 < 1e-12 && e1 < 1e-12 && e2 < 1e-12,
                "{act:?} {time_input}: {e0:e} {e1:e} {e2:e}"
            );
            assert!(fused.check_state(&xv).is_ok());
            assert!(fused.check_state(&xv[..11]).is_err());
            let mut bad = fused;
            assert!(bad.set_params(&[0.0; 3]).is_err());
            assert!(bad.set_params(&vec![f64::NAN; fdp.len()]).is_err());
        }
    }
}

#[test]
fn host_mlp_rows_vjp_equals_finite_differences() {
    // Input rows [x₁, x₂, t, label]: a time and a label per row, as flows feed them.
    let net = FusedMlp::host(&[4, 16, 16, 2], Activation::Selu, 3).unwrap();
    let input: Vec<f64> = (0..20).map(|i| (0.37 * i as f64).sin()).collect();
    let cot: Vec<f64> = (0..10).map(|i| (0.11 * i as f64).cos()).collect();
    let loss = |net: &FusedMlp, input: &[f64]| {
        let mut out = Vec::new();
        net.forward_rows(input, &mut out).unwrap();
        out.iter().zip(&cot).map(|(o, c)| o * c).sum::<f64>()
    };
    let mut dp = vec![0.0; net.param_count()];
    let mut din = Vec::new();
    net.vjp_rows(&input, &cot, &mut dp, Some(&mut din)).unwrap();
    let h = 1e-6;
    for k in [0, 5, 13, 19] {
        let (mut p, mut m) = (input.clone(), input.clone());
        p[k] += h;
        m[k] -= h;
        let fd = (loss(&net, &p) - loss(&net, &m)) / (2.0 * h);
        assert!((fd - din[k]).abs() < 1e-7, "input {k}: {fd} vs {}", din[k]);
    }
    let theta = ParamField::<Vec<f64>>::params(&net).clone();
    for k in [0, 40, 77, theta.len() - 1] {
        let mut shifted = FusedMlp::host(&[4, 16, 16, 2], Activation::Selu, 3).unwrap();
        let (mut p, mut m) = (theta.clone(), theta.clone());
        p[k] += h;
        m[k] -= h;
        shifted.set_params(&p).unwrap();
        let lp = loss(&shifted, &input);
        shifted.set_params(&m).unwrap();
        let lm = loss(&shifted, &input);
        let fd = (lp - lm) / (2.0 * h);
        assert!((fd - dp[k]).abs() < 1e-7, "param {k}: {fd} vs {}", dp[k]);
    }
    assert!(net.forward_rows(&input[..19], &mut Vec::new()).is_err());
    assert!(net.vjp_rows(&input, &cot[..9], &mut dp, None).is_err());
    assert!(FusedMlp::host(&[4], Activation::Tanh, 0).is_err());
}
