//! Grid GP regression against the dense computation: log marginal likelihood, its
//! gradient (also against finite differences), predictive mean and variance; and
//! hyperparameter learning on data drawn from a known GP.

use faer::Mat;
use noether_gp::grid::{GridGp, learn_hyperparameters};
use noether_gp::kernel::{Kernel1d, Matern, Nu, SquaredExponential};
use noether_gp::kron::{JitteredCholesky, Kronecker};

fn axis(n: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|i| scale * i as f64 / (n - 1) as f64).collect()
}

fn dense_gram<K: Kernel1d>(ks: &[K], a: &[Vec<f64>], b: &[Vec<f64>]) -> Mat<f64> {
    let f: Vec<Mat<f64>> = ks
        .iter()
        .zip(a.iter().zip(b))
        .map(|(k, (x, y))| Mat::from_fn(x.len(), y.len(), |i, j| k.value(x[i] - y[j])))
        .collect();
    Kronecker::new(f).unwrap().to_dense()
}

fn data(grid: &[Vec<f64>]) -> Vec<f64> {
    grid[0]
        .iter()
        .flat_map(|a| {
            grid[1]
                .iter()
                .map(move |b| (2.0 * a).sin() * (1.0 + b) + 0.1 * (7.0 * a * b).cos())
        })
        .collect()
}

#[test]
fn likelihood_gradient_and_prediction_equal_dense() {
    let grid = vec![axis(7, 2.0), axis(6, 1.5)];
    let y = data(&grid);
    let ks = vec![
        Matern::new(Nu::FiveHalves, 1.3, 0.6).unwrap(),
        Matern::new(Nu::FiveHalves, 0.9, 0.4).unwrap(),
    ];
    let sigma2 = 0.05;
    let gp = GridGp::fit(grid.clone(), ks.clone(), sigma2, &y).unwrap();
    // dense
    let mut k = dense_gram(&ks, &grid, &grid);
    let n = y.len();
    for i in 0..n {
        k[(i, i)] += sigma2;
    }
    let chol = JitteredCholesky::new(&k, 0.0).unwrap();
    assert_eq!(chol.jitter, 0.0);
    let alpha = chol.solve(&y);
    let lml = -0.5 * y.iter().zip(&alpha).map(|(a, b)| a * b).sum::<f64>()
        - 0.5 * chol.log_det()
        - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
    assert!(
        (gp.log_marginal_likelihood() - lml).abs() < 1e-10 * lml.abs(),
        "{} vs {lml}",
        gp.log_marginal_likelihood()
    );
    // gradient against central differences of the dense likelihood
    let grad = gp.log_marginal_likelihood_gradient().unwrap();
    let h = 1e-5;
    let lml_at = |ks: &[Matern], s2: f64| {
        GridGp::fit(grid.clone(), ks.to_vec(), s2, &y)
            .unwrap()
            .log_marginal_likelihood()
    };
    let mut idx = 0;
    for d in 0..2 {
        for p in 0..2 {
            let (mut kp, mut km) = (ks.clone(), ks.clone());
            let mut pp = ks[d].params();
            pp[p] += h;
            kp[d].set_params(&pp).unwrap();
            pp[p] -= 2.0 * h;
            km[d].set_params(&pp).unwrap();
            let fd = (lml_at(&kp, sigma2) - lml_at(&km, sigma2)) / (2.0 * h);
            assert!(
                (fd - grad[idx]).abs() < 1e-5 * fd.abs().max(1.0),
                "θ{idx}: {} vs fd {fd}",
                grad[idx]
            );
            idx += 1;
        }
    }
    let fd = (lml_at(&ks, sigma2 * h.exp()) - lml_at(&ks, sigma2 * (-h).exp())) / (2.0 * h);
    assert!(
        (fd - grad[4]).abs() < 1e-5 * fd.abs().max(1.0),
        "log σ²: {} vs {fd}",
        grad[4]
    );
    // prediction on another grid against dense formulas
    let test = vec![axis(5, 2.3), axis(4, 1.2)];
    let (mean, var) = gp.predict(&test).unwrap();
    let ks_cross = dense_gram(&ks, &test, &grid);
    for t in 0..mean.len() {
        let row: Vec<f64> = (0..n).map(|j| ks_cross[(t, j)]).collect();
        let m: f64 = row.iter().zip(&alpha).map(|(a, b)| a * b).sum();
        let kinv_row = chol.solve(&row);
        let prior = ks[0].value(0.0) * ks[1].value(0.0);
        let v = prior - row.iter().zip(&kinv_row).map(|(a, b)| a * b).sum::<f64>();
        assert!((mean[t] - m).abs() < 1e-10 * (1.0 + m.abs()), "mean {t}");
        assert!((var[t] - v).abs() < 1e-10, "var {t}: {} vs {v}", var[t]);
    }
}

#[test]
fn learning_recovers_the_length_scale_of_a_sampled_field() {
    // draw f ~ GP(0, SE(ℓ = 0.2) ⊗ SE(ℓ = 0.2)) on a 32 × 32 grid, plus noise 1e-2
    let grid = vec![axis(32, 1.0), axis(32, 1.0)];
    let truth = SquaredExponential::new(1.0, 0.2).unwrap();
    let l: Vec<Mat<f64>> = grid
        .iter()
        .map(|g| {
            let k = Mat::from_fn(g.len(), g.len(), |i, j| truth.value(g[i] - g[j]));
            JitteredCholesky::new(&k, 1e-4).unwrap().l().to_owned()
        })
        .collect();
    let mut s = 12345u64;
    let mut normal = || {
        // Box–Muller from a seeded LCG
        let mut u = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (a, b) = (u(), u());
        (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
    };
    let z: Vec<f64> = (0..1024).map(|_| normal()).collect();
    let f = Kronecker::new(l).unwrap().apply_vec(&z).unwrap();
    let y: Vec<f64> = f.iter().map(|v| v + 0.1 * normal()).collect();
    let start = vec![
        SquaredExponential::new(1.0, 0.6).unwrap(),
        SquaredExponential::new(1.0, 0.6).unwrap(),
    ];
    let before = GridGp::fit(grid.clone(), start.clone(), 0.1, &y)
        .unwrap()
        .log_marginal_likelihood();
    let gp = learn_hyperparameters(grid, start, 0.1, &y, 0.05, 150).unwrap();
    let after = gp.log_marginal_likelihood();
    let ls: Vec<f64> = gp.kernels().iter().map(|k| k.params()[1].exp()).collect();
    println!(
        "log ML {before:.2} → {after:.2}; length scales {ls:?}; noise {:.4}",
        gp.sigma2()
    );
    assert!(after > before + 10.0);
    for l in ls {
        assert!((l - 0.2).abs() < 0.05, "length scale {l}");
    }
    assert!((gp.sigma2() - 0.01).abs() < 0.005, "noise {}", gp.sigma2());
}
