//! The Markov approximation of type II fractional Brownian motion: covariance
//! against the exact Riemann–Liouville covariance, convergence in K, H = ½.

use noether_diffeq::fbm::{MarkovFbm, type2_covariance};

fn grid_error(m: &MarkovFbm) -> f64 {
    let n = 20;
    let mut worst = 0.0_f64;
    let mut scale = 0.0_f64;
    for i in 1..=n {
        for j in i..=n {
            let (s, t) = (i as f64 / n as f64, j as f64 / n as f64);
            let exact = type2_covariance(m.hurst, s, t);
            worst = worst.max((m.covariance(s, t) - exact).abs());
            scale = scale.max(exact.abs());
        }
    }
    worst / scale
}

#[test]
fn exact_covariance_reduces_to_brownian_motion_at_h_half() {
    for (s, t) in [(0.2, 0.7), (0.5, 0.5), (0.9, 0.3)] {
        assert!((type2_covariance(0.5, s, t) - f64::min(s, t)).abs() < 1e-12);
    }
    // continuity across the diagonal (closed form vs quadrature)
    for h in [0.2, 0.8] {
        let d = type2_covariance(h, 0.5, 0.5);
        let near = type2_covariance(h, 0.5, 0.5 + 1e-9);
        assert!((d - near).abs() < 1e-3 * d, "H = {h}: {d} vs {near}");
    }
}

#[test]
fn approximation_error_decreases_with_k() {
    for h in [0.2, 0.5, 0.8] {
        let mut prev = f64::INFINITY;
        for k in 1..=6 {
            let m = MarkovFbm::type2_optimal(h, k, 1.0).unwrap();
            let e = m.relative_error();
            assert!(e >= -1e-8, "H = {h}, K = {k}: negative error {e}");
            assert!(
                e < prev * 1.0001 || e.abs() < 1e-8,
                "H = {h}, K = {k}: {e} >= {prev}"
            );
            prev = e;
        }
    }
}

#[test]
fn k5_covariance_matches_the_exact_fbm_covariance() {
    for (h, max_rel_l2, max_cov) in [(0.2, 0.05, 0.2), (0.5, 1e-3, 0.02), (0.8, 1e-3, 0.02)] {
        let m = MarkovFbm::type2_optimal(h, 5, 1.0).unwrap();
        let e = m.relative_error();
        let c = grid_error(&m);
        eprintln!(
            "H = {h}: K = 5, relative L2 error {e:.3e}, max covariance error {c:.3e}, γ ∈ [{:.3e}, {:.3e}]",
            m.gammas[0], m.gammas[4]
        );
        assert!(e < max_rel_l2, "H = {h}: relative error {e:e}");
        assert!(c < max_cov, "H = {h}: covariance error {c:e}");
    }
}

#[test]
fn invalid_parameters_are_errors() {
    assert!(MarkovFbm::type2(1.2, 5, 10.0, 1.0).is_err());
    assert!(MarkovFbm::type2(0.3, 0, 10.0, 1.0).is_err());
    assert!(MarkovFbm::type2(0.3, 5, 0.5, 1.0).is_err());
    assert!(MarkovFbm::type2(0.3, 5, 10.0, -1.0).is_err());
}
