//! Log-likelihoods through the instantaneous change of variables: a closed-form
//! affine flow, the exact divergence of the network against finite differences,
//! and Hutchinson's estimator against the exact one.

use noether_core::rng::SplitMix64;
use noether_flow::cfm::{FlowConfig, FlowModel, Sampler};
use noether_flow::data::Toy;
use noether_flow::likelihood::{
    Affine, Divergence, DivergenceField, log_density, sample_with_log_density,
};

fn log_normal(x: &[f64]) -> f64 {
    -0.5 * x.iter().map(|v| v * v).sum::<f64>()
        - 0.5 * x.len() as f64 * (2.0 * std::f64::consts::PI).ln()
}

/// `e^A` of a 2×2 matrix by its Taylor series (‖A‖ < 1 here).
fn expm(a: &[f64; 4]) -> [f64; 4] {
    let mul = |p: &[f64; 4], q: &[f64; 4]| {
        [
            p[0] * q[0] + p[1] * q[2],
            p[0] * q[1] + p[1] * q[3],
            p[2] * q[0] + p[3] * q[2],
            p[2] * q[1] + p[3] * q[3],
        ]
    };
    let (mut sum, mut term) = ([1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]);
    for k in 1..40 {
        term = mul(&term, a).map(|v| v / k as f64);
        for i in 0..4 {
            sum[i] += term[i];
        }
    }
    sum
}

#[test]
fn affine_flow_log_density_equals_the_closed_form() {
    let a = [0.3, -0.5, 0.2, -0.1];
    let b = [0.4, -0.2];
    let field = Affine {
        a: a.to_vec(),
        b: b.to_vec(),
    };
    // x(1) = e^A x₀ + c with c = ∫₀¹ e^{A(1−s)} b ds = A⁻¹(e^A − I) b.
    let e = expm(&a);
    let det = a[0] * a[3] - a[1] * a[2];
    let inv = [a[3] / det, -a[1] / det, -a[2] / det, a[0] / det];
    let m = [e[0] - 1.0, e[1], e[2], e[3] - 1.0];
    let mb = [m[0] * b[0] + m[1] * b[1], m[2] * b[0] + m[3] * b[1]];
    let c = [
        inv[0] * mb[0] + inv[1] * mb[1],
        inv[2] * mb[0] + inv[3] * mb[1],
    ];
    let trace = a[0] + a[3];
    let x0 = Toy::Gaussian.sample(200, &mut SplitMix64::new(1));
    let lp0: Vec<f64> = x0.chunks(2).map(log_normal).collect();
    let sampler = Sampler::Adaptive {
        rtol: 1e-10,
        atol: 1e-10,
    };
    let (x1, lp1) = sample_with_log_density(&field, &x0, &lp0, sampler, Divergence::Exact).unwrap();
    for ((p0, p1), (l0, l1)) in x0.chunks(2).zip(x1.chunks(2)).zip(lp0.iter().zip(&lp1)) {
        let want = [
            e[0] * p0[0] + e[1] * p0[1] + c[0],
            e[2] * p0[0] + e[3] * p0[1] + c[1],
        ];
        assert!((p1[0] - want[0]).abs() < 1e-6 && (p1[1] - want[1]).abs() < 1e-6);
        assert!((l1 - (l0 - trace)).abs() < 1e-4, "{l1} vs {}", l0 - trace);
    }
    // Backwards from the analytic images: log p₁ = log p₀(x₀) − tr A.
    let lp = log_density(&field, &x1, log_normal, sampler, Divergence::Exact).unwrap();
    for (l, l0) in lp.iter().zip(&lp0) {
        assert!((l - (l0 - trace)).abs() < 1e-4);
    }
}

fn small_model() -> FlowModel {
    FlowModel::new(2, FlowConfig::i_cfm(0.1).hidden(&[16, 16]).seed(3)).unwrap()
}

#[test]
fn network_divergence_equals_the_finite_difference_trace() {
    let model = small_model();
    let x = Toy::Moons.sample(20, &mut SplitMix64::new(2));
    let mut div = vec![0.0; 20];
    model.divergence(0.37, &x, &mut div);
    let h = 1e-6;
    let v = |x: &[f64]| {
        let mut out = vec![0.0; x.len()];
        DivergenceField::velocity(&model, 0.37, x, &mut out);
        out
    };
    for (r, d) in div.iter().enumerate() {
        let mut fd = 0.0;
        for k in 0..2 {
            let (mut p, mut m) = (x.clone(), x.clone());
            p[2 * r + k] += h;
            m[2 * r + k] -= h;
            fd += (v(&p)[2 * r + k] - v(&m)[2 * r + k]) / (2.0 * h);
        }
        assert!((fd - d).abs() < 1e-7, "row {r}: {fd} vs {d}");
    }
}

#[test]
fn hutchinson_is_unbiased_within_three_standard_errors() {
    let model = small_model();
    // One point, 4000 Rademacher probes: the mean of εᵀJε against tr J.
    let x = vec![0.3, -0.8];
    let mut exact = [0.0];
    model.divergence(0.6, &x, &mut exact);
    let mut rng = SplitMix64::new(9);
    let n = 4000;
    let xs: Vec<f64> = (0..n).flat_map(|_| x.clone()).collect();
    let eps: Vec<f64> = (0..2 * n)
        .map(|_| if rng.uniform() < 0.5 { 1.0 } else { -1.0 })
        .collect();
    let mut est = vec![0.0; n];
    model.probe(0.6, &xs, &eps, &mut est);
    let mean = est.iter().sum::<f64>() / n as f64;
    let sd = (est.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    assert!(sd > 0.0);
    assert!(
        (mean - exact[0]).abs() < 3.0 * sd / (n as f64).sqrt(),
        "{mean} vs {}",
        exact[0]
    );
    // Through whole solves: log-likelihoods with independent probe seeds average to
    // the exact one.
    let x1 = Toy::Moons.sample(1, &mut SplitMix64::new(4));
    let sampler = Sampler::Rk4 { steps: 20 };
    let want = log_density(&model, &x1, log_normal, sampler, Divergence::Exact).unwrap()[0];
    let runs: Vec<f64> = (0..200)
        .map(|s| {
            log_density(
                &model,
                &x1,
                log_normal,
                sampler,
                Divergence::Hutchinson { seed: s },
            )
            .unwrap()[0]
        })
        .collect();
    let mean = runs.iter().sum::<f64>() / 200.0;
    let sd = (runs.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / 199.0).sqrt();
    assert!(
        (mean - want).abs() < 3.0 * sd / 200f64.sqrt() + 1e-12,
        "{mean} vs {want} (sd {sd})"
    );
}
