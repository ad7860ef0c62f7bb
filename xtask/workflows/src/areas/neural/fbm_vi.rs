//! `cargo xtask reproduce fbm-vi`: the Hurst index of fractional Ornstein–Uhlenbeck
//! data learnt by variational inference with the Markov-approximate fBM of Daems,
//! Opper, Crevecoeur & Birdal (ICLR 2024), a latent SDE trained on the ELBO through
//! noether-diffeq's reversible Heun adjoint.
//!
//! Data (per true `H ∈ {0.3, 0.7}`): `P = 32` paths of `dX = −θX dt + σ dB^H` with
//! `θ = 1`, `σ = 1`, `X(0) = 0` on `[0, 2]`, `B^H` exact type II (Riemann–Liouville)
//! fBM sampled by Cholesky of its covariance on 200 points, `X` by the exact
//! exponential integrator of the drift on that grid; observed at 50 equally spaced
//! times with Gaussian noise of standard deviation 0.05.
//!
//! Model: the prior `dX = −θX dt + σ dB̂^H` with `B̂^H = Σ ωₖ(H) Yₖ`, `K = 5` OU
//! processes with rates geometric in `[1/20, 20]` (`MarkovFbm::type2`), written as a
//! Markov SDE in `Z = (X, Y₁ … Y_K)` driven by one Brownian motion `W` per path.
//! Posterior: `dW → u dt + dW` with the control `u = αₚ(t) − e^{b(t)} X`, `αₚ` per
//! path and the feedback gain `b` shared, both piecewise linear in time on the 50
//! observation intervals (the exact posterior control of this linear-Gaussian prior
//! is affine in the whole state `Z`; feedback on `X` alone, kept negative, is the
//! stable part of that family that matters for observations of `X`), and
//! `KL = ½∫u² dt` carried as an extra state. Loss: `−ELBO / P`, Monte Carlo over 4
//! samples per path, fresh Brownian paths every step. Learnt: `log σ`, `H`
//! (through `ωₖ(H)`, with `dω/dH` from [`MarkovFbm::weights_derivative`], central
//! differences) and the control; `θ` is given (on this window a large `θ` with a
//! large `σ` mimics a small `H`). Gradients: [`EulerMaruyamaTape`] (200 steps; the
//! OU rates up to 20 make reversible Heun's parasitic mode grow, see
//! [`SdeTape`](noether_diffeq::adjoint::SdeTape)); Adam through the training
//! workflow's [`Trainer`].

use std::time::Instant;

use burn::tensor::{DType, Device, Tensor, TensorData};
use noether_core::{Ito, NoiseShape, ParamSde, Sde, Space};
use noether_diffeq::adjoint::EulerMaruyamaTape;
use noether_diffeq::brownian::VirtualBrownianTree;
use noether_diffeq::fbm::{MarkovFbm, type2_covariance};
use noether_diffeq::neural::train::{Schedule, SplitMix64, TrainConfig, Trainer};
use xtask::Result;
use xtask::paths::reports_dir;

use crate::progress::bar;
use crate::report::{Report, Row};

const T: f64 = 2.0;
const PATHS: usize = 32;
const SAMPLES: usize = 8;
const OBS: usize = 50;
const STEPS: usize = 200;
const K: usize = 5;
const NOISE: f64 = 0.1;
const THETA: f64 = 1.0;
const SIGMA: f64 = 1.0;

/// Observations `x[p][i]` at `tᵢ = (i + 1)·T/OBS` of `P` fOU paths with Hurst `h`.
fn fou_data(h: f64, seed: u64) -> Result<Vec<Vec<f64>>> {
    let n = 4 * OBS;
    let dt = T / n as f64;
    let times: Vec<f64> = (1..=n).map(|i| i as f64 * dt).collect();
    // Cholesky of the exact type II covariance on the fine grid.
    let cov = faer::Mat::from_fn(n, n, |i, j| type2_covariance(h, times[i], times[j]));
    let llt = cov
        .llt(faer::Side::Lower)
        .map_err(|_| "fBM covariance is not positive definite")?;
    let l = llt.L();
    let mut rng = SplitMix64::new(seed);
    let mut normal = || {
        // Box–Muller from two uniforms.
        let (u1, u2) = (rng.uniform().max(1e-300), rng.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let mut data = Vec::with_capacity(PATHS);
    for _ in 0..PATHS {
        let z: Vec<f64> = (0..n).map(|_| normal()).collect();
        let b: Vec<f64> = (0..n)
            .map(|i| (0..=i).map(|j| l[(i, j)] * z[j]).sum())
            .collect();
        // X(t + dt) = e^{−θdt} X(t) + σ ΔB (the noise entering over the step).
        let decay = (-THETA * dt).exp();
        let (mut x, mut b_prev) = (0.0, 0.0);
        let mut obs = Vec::with_capacity(OBS);
        for (i, bi) in b.iter().enumerate() {
            x = decay * x + SIGMA * (bi - b_prev);
            b_prev = *bi;
            if (i + 1) % 4 == 0 {
                obs.push(x + NOISE * normal());
            }
        }
        data.push(obs);
    }
    Ok(data)
}

/// The posterior SDE of all `P × S` samples at once: per sample the state
/// `(X, Y₁ … Y_K, KL)`, one Brownian motion.
struct Posterior {
    fbm: MarkovFbm,
    dweights: Vec<f64>,
    theta: f64,
    sigma: f64,
    /// `[log θ, log σ, logit H, α (P × (OBS + 1)), b (OBS + 1)]`.
    params: Vec<f64>,
}

const HEAD: usize = 3;
/// Scales of the control's parameters (`α = A·raw`, `b = G·raw`): Adam moves each
/// raw parameter by about the learning rate per step, and the control needs values
/// of order 10 to pin paths to observations 0.05 apart (the gain stays below
/// Euler–Maruyama's stability limit `e^b σ Σω h < 2` more easily when slower).
const A: f64 = 10.0;
const G: f64 = 2.0;
const KNOTS: usize = OBS + 1;
const WIDTH: usize = K + 2;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Posterior {
    fn new(params: Vec<f64>) -> Result<Self> {
        let h = sigmoid(params[2]);
        let fbm = MarkovFbm::type2(h, K, 20.0, T)?;
        let dweights = fbm.weights_derivative()?;
        Ok(Self {
            fbm,
            dweights,
            theta: params[0].exp(),
            sigma: params[1].exp(),
            params,
        })
    }

    fn hurst(&self) -> f64 {
        self.fbm.hurst
    }

    /// The knot interval of `t` and the weight of its right knot.
    fn knot(t: f64) -> (usize, f64) {
        let x = (t / T * OBS as f64).clamp(0.0, OBS as f64);
        let j = (x.floor() as usize).min(OBS - 1);
        (j, x - j as f64)
    }

    fn alpha(&self, p: usize, j: usize) -> usize {
        HEAD + p * KNOTS + j
    }

    fn gain(&self, j: usize) -> usize {
        HEAD + PATHS * KNOTS + j
    }

    /// The feedback gain `e^{b(t)}` in the knot interval `j` at weight `w`.
    fn feedback(&self, j: usize, w: f64) -> f64 {
        let th = &self.params;
        (G * ((1.0 - w) * th[self.gain(j)] + w * th[self.gain(j + 1)])).exp()
    }

    /// The control `u` of sample `s` (path `s / SAMPLES`) at `t`.
    fn control(&self, s: usize, t: f64, z: &[f64]) -> f64 {
        let p = s / SAMPLES;
        let (j, w) = Self::knot(t);
        let th = &self.params;
        A * ((1.0 - w) * th[self.alpha(p, j)] + w * th[self.alpha(p, j + 1)])
            - self.feedback(j, w) * z[0]
    }
}

impl Sde<Vec<f64>> for Posterior {
    // Additive noise: Itô and Stratonovich coincide.
    type Calculus = Ito;
    fn noise_shape(&self) -> NoiseShape {
        NoiseShape::General {
            brownian_dim: PATHS * SAMPLES,
        }
    }
    fn drift(&self, t: f64, x: &Vec<f64>, out: &mut Vec<f64>) {
        let (w, g) = (&self.fbm.weights, &self.fbm.gammas);
        let wsum: f64 = w.iter().sum();
        for (s, (z, o)) in x
            .chunks_exact(WIDTH)
            .zip(out.chunks_exact_mut(WIDTH))
            .enumerate()
        {
            let u = self.control(s, t, z);
            let pull: f64 = (0..K).map(|k| w[k] * g[k] * z[1 + k]).sum();
            o[0] = -self.theta * z[0] - self.sigma * pull + self.sigma * wsum * u;
            for k in 0..K {
                o[1 + k] = -g[k] * z[1 + k] + u;
            }
            o[K + 1] = 0.5 * u * u;
        }
    }
    fn diffusion_times(&self, _t: f64, _x: &Vec<f64>, dw: &Vec<f64>, out: &mut Vec<f64>) {
        let wsum: f64 = self.fbm.weights.iter().sum();
        for (o, d) in out.chunks_exact_mut(WIDTH).zip(dw) {
            o[0] = self.sigma * wsum * d;
            o[1..=K].iter_mut().for_each(|v| *v = *d);
            o[K + 1] = 0.0;
        }
    }
}

impl ParamSde<Vec<f64>> for Posterior {
    type Params = Vec<f64>;
    fn params(&self) -> &Vec<f64> {
        &self.params
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
        let (w, g, dwh) = (&self.fbm.weights, &self.fbm.gammas, &self.dweights);
        let wsum: f64 = w.iter().sum();
        let dwsum: f64 = dwh.iter().sum();
        let (j, lam) = Self::knot(t);
        dp.iter_mut().for_each(|v| *v = 0.0);
        let (mut d_theta, mut d_sigma, mut d_h) = (0.0, 0.0, 0.0);
        for (s, ((((z, wm), ws), d), dz)) in x
            .chunks_exact(WIDTH)
            .zip(w_mu.chunks_exact(WIDTH))
            .zip(w_sigma.chunks_exact(WIDTH))
            .zip(dw)
            .zip(dx.chunks_exact_mut(WIDTH))
            .enumerate()
        {
            let u = self.control(s, t, z);
            let pull: f64 = (0..K).map(|k| w[k] * g[k] * z[1 + k]).sum();
            let dpull: f64 = (0..K).map(|k| dwh[k] * g[k] * z[1 + k]).sum();
            // ∂(drift·w_μ)/∂u.
            let gu = self.sigma * wsum * wm[0] + wm[1..=K].iter().sum::<f64>() + u * wm[K + 1];
            // State: direct terms and through u = α + β·Z.
            dz[0] = -self.theta * wm[0];
            for k in 0..K {
                dz[1 + k] = -self.sigma * w[k] * g[k] * wm[0] - g[k] * wm[1 + k];
            }
            dz[K + 1] = 0.0;
            let gain = self.feedback(j, lam);
            dz[0] -= gu * gain;
            // Control parameters.
            let p = s / SAMPLES;
            dp[self.alpha(p, j)] += A * (1.0 - lam) * gu;
            dp[self.alpha(p, j + 1)] += A * lam * gu;
            dp[self.gain(j)] -= G * (1.0 - lam) * gu * gain * z[0];
            dp[self.gain(j + 1)] -= G * lam * gu * gain * z[0];
            // θ, σ and H (through ω), drift and diffusion.
            d_theta += -z[0] * wm[0];
            d_sigma += (-pull + wsum * u) * wm[0] + wsum * d * ws[0];
            d_h += self.sigma * (-dpull + dwsum * u) * wm[0] + self.sigma * dwsum * d * ws[0];
        }
        let h = self.hurst();
        dp[0] = d_theta * self.theta;
        dp[1] = d_sigma * self.sigma;
        dp[2] = d_h * h * (1.0 - h);
    }
}

/// `−ELBO / P` (Gaussian observation log-likelihood of `X` at the saved times plus
/// the KL state at the end, averaged over the samples) and its cotangents.
fn neg_elbo(ys: &[Vec<f64>], data: &[Vec<f64>]) -> (f64, Vec<Vec<f64>>) {
    let norm = 1.0 / (PATHS * SAMPLES) as f64;
    let mut loss = 0.0;
    let cots = ys
        .iter()
        .enumerate()
        .map(|(i, y)| {
            let mut c = vec![0.0; y.len()];
            for (s, z) in y.chunks_exact(WIDTH).enumerate() {
                let r = z[0] - data[s / SAMPLES][i];
                loss += norm * 0.5 * r * r / (NOISE * NOISE);
                c[s * WIDTH] = norm * r / (NOISE * NOISE);
                if i == OBS - 1 {
                    loss += norm * z[K + 1];
                    c[s * WIDTH + K + 1] = norm;
                }
            }
            c
        })
        .collect();
    (loss, cots)
}

/// One fit: returns the learnt `(H, θ, σ)` and the final loss.
fn fit(data: &[Vec<f64>], steps: usize, label: &str) -> Result<(f64, f64, f64, f64)> {
    let n_params = HEAD + PATHS * KNOTS + KNOTS;
    let mut flat = vec![0.0; n_params];
    // θ is known (over a window of two time units a large θ with a large σ mimics a
    // small H); start from H = ½ and σ = 1.5.
    flat[0] = THETA.ln();
    flat[1] = (1.5f64).ln();
    flat[2] = 0.0;
    let config = TrainConfig::adam(2e-2).seed(5).schedule(Schedule::Cosine {
        steps: steps as u64,
        final_fraction: 0.2,
    });
    let mut trainer = Trainer::new(n_params, config)?;
    let obs_steps: Vec<f64> = (1..=OBS).map(|i| i as f64 * T / OBS as f64).collect();
    let y0 = vec![0.0; PATHS * SAMPLES * WIDTH];
    let pb = bar(steps as u64, label);
    let mut loss = 0.0;
    for step in 0..steps {
        let model = Posterior::new(flat.clone())?;
        let path = VirtualBrownianTree::new(0.0, T, PATHS * SAMPLES, 1e-4, 1000 + step as u64)?;
        let tape =
            EulerMaruyamaTape::record(&model, &path, (0.0, T), y0.clone(), STEPS, &obs_steps)?;
        let cots;
        (loss, cots) = neg_elbo(tape.ys(), data);
        let mut g = tape.vjp(&cots)?;
        g.params[0] = 0.0;
        if step < steps / 3 {
            // The control first: the ELBO only says something about (θ, σ, H)
            // once the posterior follows the data.
            g.params[..HEAD].iter_mut().for_each(|v| *v = 0.0);
        }
        let device = (&Device::flex(), DType::F64);
        let theta = Tensor::<1>::from_data(TensorData::new(flat.clone(), [n_params]), device);
        let gt = Tensor::<1>::from_data(TensorData::new(g.params, [n_params]), device);
        flat = trainer.step(&theta, &gt, loss)?.to_f64_vec();
        pb.inc(1);
        if step % 50 == 0 {
            pb.set_message(format!("-ELBO/P {loss:.1}, H {:.3}", sigmoid(flat[2])));
        }
    }
    pb.finish_and_clear();
    Ok((sigmoid(flat[2]), flat[0].exp(), flat[1].exp(), loss))
}

/// The reproduce target.
pub fn fbm_vi(budget: f64) -> Result<()> {
    // The default budget 20 is 1500 Adam steps per fit.
    let steps = (75.0 * budget).round().max(1.0) as usize;
    println!(
        "fbm-vi: {PATHS} fOU paths per H on [0, {T}], {OBS} noisy observations each (σ_obs = {NOISE}), \
         K = {K}, {SAMPLES} posterior samples per path, {STEPS} Euler–Maruyama steps, {steps} Adam steps"
    );
    let mut report = Report::new("fbm-vi");
    for (i, h_true) in [0.3, 0.7].into_iter().enumerate() {
        let start = Instant::now();
        let data = fou_data(h_true, 77 + i as u64)?;
        let (h, theta, sigma, loss) = fit(&data, steps, &format!("H = {h_true}"))?;
        let elapsed = start.elapsed().as_secs_f64();
        println!(
            "H = {h_true}: learnt H {h:.3}, θ {theta:.3}, σ {sigma:.3} (truth 1, 1), final −ELBO/P {loss:.2}, {elapsed:.0} s"
        );
        let case = format!("fou-hurst-{h_true}");
        report.push(Row {
            case: case.clone(),
            metric: "abs_hurst_error".into(),
            value: (h - h_true).abs(),
            reference: Some(0.1),
            reference_source: Some(
                "issue 18 threshold (the paper's numbers are not available)".into(),
            ),
            elapsed_s: elapsed,
            ..Default::default()
        });
        for (metric, value) in [
            ("learnt_hurst", h),
            ("learnt_theta", theta),
            ("learnt_sigma", sigma),
            ("final_neg_elbo_per_path", loss),
            ("adam_steps", steps as f64),
        ] {
            report.push(Row::compared(&case, metric, value, elapsed, None));
        }
    }
    let dir = reports_dir();
    report.write_json(&dir)?;
    report.write_markdown(
        &dir,
        &format!(
            "Hurst index of fractional OU data by variational inference with the \
             Markov-approximate fBM (Daems et al. 2024): {PATHS} paths per H, {OBS} \
             observations with noise {NOISE}, K = {K}, {steps} Adam steps; \
             `cargo xtask reproduce fbm-vi`."
        ),
    )?;
    report.print();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The posterior's parameter VJP against central differences of the discrete
    /// loss (same Brownian path), for θ, σ, H and a few control parameters.
    #[test]
    fn posterior_gradient_matches_finite_differences() {
        let data = fou_data(0.3, 1).unwrap();
        let n_params = HEAD + PATHS * KNOTS + KNOTS;
        let mut flat: Vec<f64> = (0..n_params)
            .map(|i| 0.01 * ((i as f64) * 0.7).sin())
            .collect();
        flat[1] = 0.2;
        flat[2] = -0.3;
        let obs: Vec<f64> = (1..=OBS).map(|i| i as f64 * T / OBS as f64).collect();
        let path = VirtualBrownianTree::new(0.0, T, PATHS * SAMPLES, 1e-4, 3).unwrap();
        let y0 = vec![0.0; PATHS * SAMPLES * WIDTH];
        let loss_grad = |flat: &[f64], grad: bool| -> (f64, Vec<f64>) {
            let model = Posterior::new(flat.to_vec()).unwrap();
            let tape = EulerMaruyamaTape::record(&model, &path, (0.0, T), y0.clone(), STEPS, &obs)
                .unwrap();
            let (loss, cots) = neg_elbo(tape.ys(), &data);
            let g = if grad {
                tape.vjp(&cots).unwrap().params
            } else {
                Vec::new()
            };
            (loss, g)
        };
        let (_, g) = loss_grad(&flat, true);
        for k in [0, 1, 2, HEAD + 5, HEAD + PATHS * KNOTS + 7] {
            let d = 1e-6;
            let (mut p, mut m) = (flat.clone(), flat.clone());
            p[k] += d;
            m[k] -= d;
            let fd = (loss_grad(&p, false).0 - loss_grad(&m, false).0) / (2.0 * d);
            eprintln!("param {k}: vjp {} fd {fd}", g[k]);
            assert!(
                (g[k] - fd).abs() < 1e-4 * (1.0 + fd.abs()),
                "param {k}: {} vs {fd}",
                g[k]
            );
        }
    }
}
