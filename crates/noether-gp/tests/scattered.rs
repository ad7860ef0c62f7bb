//! Scattered-data GP: gradient against finite differences, hyperparameter sanity,
#![allow(clippy::needless_range_loop)]
//! and conditioning on linear functionals (exact constraints, agreement with
//! conditioning on noise-free observations).

use faer::Mat;
use noether_gp::kernel::{Kernel1d, Matern, Nu};
use noether_gp::scattered::{ExactGp, condition_on_linear};

fn points(n: usize, dim: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n * dim)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

#[test]
fn scattered_likelihood_gradient_equals_finite_differences() {
    let x = points(40, 2, 3);
    let y: Vec<f64> = x
        .chunks(2)
        .map(|p| (4.0 * p[0]).sin() + p[1] * p[1])
        .collect();
    let ks = vec![
        Matern::new(Nu::ThreeHalves, 1.2, 0.4).unwrap(),
        Matern::new(Nu::FiveHalves, 0.8, 0.6).unwrap(),
    ];
    let s2 = 0.01;
    let gp = ExactGp::fit(&x, 2, ks.clone(), s2, &y).unwrap();
    let grad = gp.log_marginal_likelihood_gradient().unwrap();
    let lml = |ks: &[Matern], s2: f64| {
        ExactGp::fit(&x, 2, ks.to_vec(), s2, &y)
            .unwrap()
            .log_marginal_likelihood()
    };
    let h = 1e-6;
    let mut idx = 0;
    for d in 0..2 {
        for p in 0..2 {
            let (mut kp, mut km) = (ks.clone(), ks.clone());
            let mut q = ks[d].params();
            q[p] += h;
            kp[d].set_params(&q).unwrap();
            q[p] -= 2.0 * h;
            km[d].set_params(&q).unwrap();
            let fd = (lml(&kp, s2) - lml(&km, s2)) / (2.0 * h);
            assert!(
                (fd - grad[idx]).abs() < 1e-5 * fd.abs().max(1.0),
                "θ{idx}: {} vs {fd}",
                grad[idx]
            );
            idx += 1;
        }
    }
    let fd = (lml(&ks, s2 * h.exp()) - lml(&ks, s2 * (-h).exp())) / (2.0 * h);
    assert!((fd - grad[4]).abs() < 1e-5 * fd.abs().max(1.0));
}

#[test]
fn conditioning_on_an_integral_makes_it_exact() {
    // prior: GP(0, Matérn-5/2) on 50 points of [0, 1]; constraint: the trapezoid
    // integral equals 0.3 and the value at x = 0 equals 1
    let n = 50;
    let x: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
    let k = Matern::new(Nu::FiveHalves, 1.0, 0.3).unwrap();
    let sigma = Mat::from_fn(n, n, |i, j| k.value(x[i] - x[j]));
    let h = 1.0 / (n - 1) as f64;
    let mut g = vec![0.0; 2 * n];
    for i in 0..n {
        g[i] = if i == 0 || i == n - 1 { 0.5 * h } else { h };
    }
    g[n] = 1.0;
    let mu = vec![0.2; n];
    let (m, c) = condition_on_linear(&mu, &sigma, &g, &[0.3, 1.0], 0.0).unwrap();
    let integral: f64 = (0..n).map(|i| g[i] * m[i]).sum();
    assert!((integral - 0.3).abs() < 1e-12, "{integral}");
    assert!((m[0] - 1.0).abs() < 1e-12);
    // the constraints have zero posterior variance: G Σ' Gᵀ ≈ 0
    let gi: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| c[(i, j)] * g[j]).sum())
        .collect();
    let var_int: f64 = (0..n).map(|i| g[i] * gi[i]).sum();
    assert!(var_int.abs() < 1e-10, "{var_int}");
    // equals conditioning a GP on a noise-free observation at x = 0 (point functional)
    let (m1, _) = condition_on_linear(&mu, &sigma, &g[n..], &[1.0], 0.0).unwrap();
    let gp = ExactGp::fit(&[0.0], 1, vec![k.clone()], 0.0, &[1.0 - 0.2]).unwrap();
    let (pm, _) = gp.predict(&x).unwrap();
    for i in 0..n {
        assert!((m1[i] - (0.2 + pm[i])).abs() < 1e-10);
    }
    // dependent constraints are a typed error
    let dep = [g[..n].to_vec(), g[..n].to_vec()].concat();
    assert!(condition_on_linear(&mu, &sigma, &dep, &[0.3, 0.3], 0.0).is_err());
}

#[test]
fn iterative_gp_agrees_with_cholesky() {
    use noether_gp::iterative::{IterativeGp, SlqOptions};
    let x = points(300, 2, 11);
    let y: Vec<f64> = x
        .chunks(2)
        .map(|p| (5.0 * p[0]).sin() * (3.0 * p[1]).cos())
        .collect();
    let ks = vec![
        Matern::new(Nu::FiveHalves, 1.0, 0.3).unwrap(),
        Matern::new(Nu::FiveHalves, 1.0, 0.3).unwrap(),
    ];
    let s2 = 0.05;
    let exact = ExactGp::fit(&x, 2, ks.clone(), s2, &y).unwrap();
    let it = IterativeGp::fit(&x, 2, ks, s2, &y, 1e-10).unwrap();
    // predictions through CG's weights equal the Cholesky ones
    let test = points(50, 2, 12);
    let (m0, _) = exact.predict(&test).unwrap();
    let m1 = it.predict_mean(&test).unwrap();
    let diff = m0
        .iter()
        .zip(&m1)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(diff < 1e-7, "mean differs by {diff}");
    // SLQ log-likelihood within 4 standard errors (and 0.5%) of the exact one
    let lml = exact.log_marginal_likelihood();
    let est = it
        .log_marginal_likelihood(&SlqOptions {
            probes: 30,
            steps: 30,
            seed: 3,
        })
        .unwrap();
    println!(
        "log ML exact {lml:.4}, SLQ {:.4} ± {:.4} ({} CG iterations)",
        est.value, est.std_error, it.cg_iterations
    );
    assert!((est.value - lml).abs() < 4.0 * est.std_error + 1e-9);
    // and the estimator is tight: its standard error is below 1% of N
    assert!(est.std_error < 0.01 * y.len() as f64, "{}", est.std_error);
}

#[test]
fn pivoted_cholesky_preconditioner_cuts_cg_iterations() {
    use noether_gp::iterative::IterativeGp;
    let x = points(400, 2, 21);
    let y: Vec<f64> = x.chunks(2).map(|p| (3.0 * p[0]).cos() + p[1]).collect();
    let ks = vec![
        Matern::new(Nu::FiveHalves, 1.0, 0.4).unwrap(),
        Matern::new(Nu::FiveHalves, 1.0, 0.4).unwrap(),
    ];
    let s2 = 1e-3;
    let plain = IterativeGp::fit(&x, 2, ks.clone(), s2, &y, 1e-10).unwrap();
    let pre = IterativeGp::fit_preconditioned(&x, 2, ks, s2, &y, 1e-10, 60).unwrap();
    println!(
        "CG iterations: plain {}, pivoted Cholesky rank 60 {}",
        plain.cg_iterations, pre.cg_iterations
    );
    assert!(pre.cg_iterations * 2 < plain.cg_iterations);
    let diff = plain
        .alpha()
        .iter()
        .zip(pre.alpha())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let scale = plain.alpha().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(diff < 1e-6 * scale, "{diff} vs {scale}");
}
