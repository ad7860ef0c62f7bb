//! Brownian paths (distribution, additivity, query-order independence) and the strong
//! orders of the SDE solvers on geometric Brownian motion (Itô and Stratonovich) and
//! the Ornstein–Uhlenbeck process.

mod common;

use common::fit_slope;
use noether_core::{BrownianPath, Ito, NoiseShape, Sde, Stratonovich};
use noether_diffeq::brownian::VirtualBrownianTree;
use noether_diffeq::sde::{
    EulerHeun, EulerMaruyama, Milstein, ReversibleHeun, SdeSolver, solve_sde,
};
use proptest::prelude::*;

/// Standard normal CDF via erf (Abramowitz–Stegun 7.1.26 is too coarse; use a
/// series/continued-fraction free form from libm-quality erfc).
fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

fn ks_statistic(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = normal_cdf(x);
            (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max)
}

#[test]
fn increments_are_normal_with_variance_dt() {
    // Increments over intervals much longer than the tree resolution, one per seed.
    let n = 3000;
    let mut z = Vec::with_capacity(n);
    let mut products = 0.0;
    for seed in 0..n as u64 {
        let w = VirtualBrownianTree::new(0.0, 2.0, 1, 1e-6, seed).unwrap();
        let s = 0.1 + 1.3 * ((seed * 7919) % 1000) as f64 / 1000.0;
        let dt = 0.05 + 0.5 * ((seed * 104_729) % 997) as f64 / 997.0;
        let mut out = [0.0];
        w.increment_into(s, s + dt, &mut out);
        z.push(out[0] / dt.sqrt());
        // increments over disjoint intervals are independent
        let (mut a, mut b) = ([0.0], [0.0]);
        w.increment_into(0.0, 1.0, &mut a);
        w.increment_into(1.0, 2.0, &mut b);
        products += a[0] * b[0];
    }
    let d = ks_statistic(z.clone());
    // Kolmogorov–Smirnov critical value at α = 0.01: 1.628/√n.
    assert!(d < 1.628 / (n as f64).sqrt(), "KS statistic {d}");
    let var = z.iter().map(|x| x * x).sum::<f64>() / n as f64;
    assert!((var - 1.0).abs() < 0.08, "variance {var}");
    let corr = products / n as f64;
    assert!(
        corr.abs() < 0.08,
        "correlation of disjoint increments {corr}"
    );
}

#[test]
fn path_is_query_order_independent_and_additive() {
    let w = VirtualBrownianTree::new(-1.0, 3.0, 3, 1e-5, 2024).unwrap();
    let times: Vec<f64> = (0..200)
        .map(|i| -1.0 + 4.0 * ((i * 7919) % 200) as f64 / 200.0 + 1e-3 * (i % 7) as f64)
        .collect();
    let query = |ts: &[f64]| -> Vec<[u64; 3]> {
        ts.iter()
            .map(|&t| {
                let mut out = vec![0.0; 3];
                BrownianPath::<Vec<f64>>::increment(&w, -1.0, t, &mut out);
                [out[0].to_bits(), out[1].to_bits(), out[2].to_bits()]
            })
            .collect()
    };
    let forward = query(&times);
    let mut reversed: Vec<f64> = times.clone();
    reversed.reverse();
    let mut back = query(&reversed);
    back.reverse();
    assert_eq!(forward, back, "bitwise identical whatever the query order");
    let fresh = VirtualBrownianTree::new(-1.0, 3.0, 3, 1e-5, 2024).unwrap();
    let mut a = vec![0.0; 3];
    BrownianPath::<Vec<f64>>::increment(&fresh, -1.0, times[17], &mut a);
    assert_eq!(a[1].to_bits(), forward[17][1], "same seed, same path");
    // additivity: W(s,u) = W(s,t) + W(t,u)
    for (s, t, u) in [(-0.7, 0.2, 2.9), (0.0, 0.001, 0.002), (1.1, 1.5, 1.5)] {
        let (mut x, mut y, mut z) = (vec![0.0; 3], vec![0.0; 3], vec![0.0; 3]);
        BrownianPath::<Vec<f64>>::increment(&w, s, t, &mut x);
        BrownianPath::<Vec<f64>>::increment(&w, t, u, &mut y);
        BrownianPath::<Vec<f64>>::increment(&w, s, u, &mut z);
        for c in 0..3 {
            assert!((x[c] + y[c] - z[c]).abs() < 1e-13);
        }
    }
    // components are different paths
    assert_ne!(forward[50][0], forward[50][1]);
}

/// Geometric Brownian motion dX = aX dt + bX dW in calculus C (diagonal noise).
struct Gbm<C> {
    a: f64,
    b: f64,
    _c: std::marker::PhantomData<C>,
}

impl<C: noether_core::Calculus> Sde<Vec<f64>> for Gbm<C> {
    type Calculus = C;
    fn noise_shape(&self) -> NoiseShape {
        NoiseShape::Diagonal
    }
    fn drift(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) {
        out[0] = self.a * x[0];
    }
    fn diffusion_times(&self, _t: f64, x: &Vec<f64>, dw: &Vec<f64>, out: &mut Vec<f64>) {
        out[0] = self.b * x[0] * dw[0];
    }
    fn diffusion_diagonal(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) -> Option<()> {
        out[0] = self.b * x[0];
        Some(())
    }
}

/// Fitted strong order: mean |X_N − X(T)| over `paths` seeded paths for N = 2^k.
fn strong_order<S, M>(
    sde: &S,
    method: &M,
    reference: impl Fn(&VirtualBrownianTree) -> f64,
    paths: PathSet,
    levels: &[usize],
) -> f64
where
    S: Sde<Vec<f64>>,
    M: SdeSolver<Vec<f64>, Calculus = S::Calculus>,
{
    let mut errs = vec![0.0; levels.len()];
    for seed in 0..paths.count {
        let w = VirtualBrownianTree::new(0.0, 1.0, 1, paths.tol, paths.first_seed + seed).unwrap();
        let x_ref = reference(&w);
        for (e, &n) in errs.iter_mut().zip(levels) {
            let x = solve_sde(method, sde, &w, 0.0, 1.0, &vec![1.0], n, |_, _, _| {}).unwrap();
            *e += (x[0] - x_ref).abs() / paths.count as f64;
        }
    }
    let lh: Vec<f64> = levels.iter().map(|&n| (1.0 / n as f64).ln()).collect();
    let le: Vec<f64> = errs.iter().map(|e| e.ln()).collect();
    fit_slope(&lh, &le)
}

/// Which seeded Brownian paths a strong-order fit averages over.
#[derive(Clone, Copy)]
struct PathSet {
    count: u64,
    first_seed: u64,
    tol: f64,
}

/// `W(1)` of a path on `[0, 1]`.
fn w_end(w: &VirtualBrownianTree) -> f64 {
    let mut wt = [0.0];
    w.increment_into(0.0, 1.0, &mut wt);
    wt[0]
}

#[test]
fn strong_orders_on_geometric_brownian_motion() {
    let (a, b) = (0.5, 0.8);
    let levels = [16usize, 32, 64, 128, 256];
    let ito = Gbm::<Ito> {
        a,
        b,
        _c: Default::default(),
    };
    let ito_exact = |w: &VirtualBrownianTree| ((a - 0.5 * b * b) + b * w_end(w)).exp();
    let strat = Gbm::<Stratonovich> {
        a,
        b,
        _c: Default::default(),
    };
    let strat_exact = |w: &VirtualBrownianTree| (a + b * w_end(w)).exp();
    let gbm_paths = PathSet {
        count: 1000,
        first_seed: 1000,
        tol: 1.0 / 1024.0,
    };
    let cases: [(&str, f64, f64); 4] = [
        (
            "Euler–Maruyama",
            strong_order(&ito, &EulerMaruyama, ito_exact, gbm_paths, &levels),
            0.5,
        ),
        (
            "Milstein",
            strong_order(&ito, &Milstein, ito_exact, gbm_paths, &levels),
            1.0,
        ),
        (
            "Euler–Heun",
            strong_order(&strat, &EulerHeun, strat_exact, gbm_paths, &levels),
            1.0,
        ),
        (
            "reversible Heun",
            strong_order(&strat, &ReversibleHeun, strat_exact, gbm_paths, &levels),
            1.0,
        ),
    ];
    for (name, slope, nominal) in cases {
        eprintln!("{name}: fitted strong order {slope:.3} (nominal {nominal})");
        assert!(
            (slope - nominal).abs() <= 0.15,
            "{name}: strong order {slope:.3}, nominal {nominal}"
        );
    }
}

/// Ornstein–Uhlenbeck dX = −θX dt + σ dW (additive noise: Itô = Stratonovich).
struct Ou;

impl Sde<Vec<f64>> for Ou {
    type Calculus = Ito;
    fn noise_shape(&self) -> NoiseShape {
        NoiseShape::Additive
    }
    fn drift(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) {
        out[0] = -2.0 * x[0];
    }
    fn diffusion_times(&self, _t: f64, _x: &Vec<f64>, dw: &Vec<f64>, out: &mut Vec<f64>) {
        out[0] = 0.7 * dw[0];
    }
}

#[test]
fn euler_maruyama_has_strong_order_one_for_additive_noise() {
    // Reference: the exact OU transition is not a function of the grid increments,
    // so compare against Euler–Maruyama on a 64× finer grid of the same path.
    let levels = [8usize, 16, 32, 64];
    let fine = |w: &VirtualBrownianTree| {
        solve_sde(
            &EulerMaruyama,
            &Ou,
            w,
            0.0,
            1.0,
            &vec![1.0],
            4096,
            |_, _, _| {},
        )
        .unwrap()[0]
    };
    let paths = PathSet {
        count: 400,
        first_seed: 7,
        tol: 1.0 / 4096.0,
    };
    let slope = strong_order(&Ou, &EulerMaruyama, fine, paths, &levels);
    eprintln!("Euler–Maruyama on OU: fitted strong order {slope:.3}");
    assert!(
        (slope - 1.0).abs() <= 0.15,
        "Euler–Maruyama on OU: strong order {slope:.3}"
    );
}

#[test]
fn milstein_refuses_sdes_without_a_diagonal_diffusion() {
    let w = VirtualBrownianTree::new(0.0, 1.0, 1, 1e-3, 1).unwrap();
    // Ou has additive noise but no diffusion_diagonal.
    let r = solve_sde(&Milstein, &Ou, &w, 0.0, 1.0, &vec![1.0], 10, |_, _, _| {});
    assert!(matches!(
        r,
        Err(noether_diffeq::DiffeqError::InvalidOption { .. })
    ));
    // A path that does not cover the interval is an error, not a panic.
    let r = solve_sde(
        &EulerMaruyama,
        &Ou,
        &w,
        0.0,
        2.0,
        &vec![1.0],
        10,
        |_, _, _| {},
    );
    assert!(r.is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn reversible_heun_steps_back_to_the_start(seed in any::<u64>(), x0 in 0.1..3.0_f64, n in 1usize..200) {
        let sde = Gbm::<Stratonovich> { a: -0.3, b: 0.6, _c: Default::default() };
        let w = VirtualBrownianTree::new(0.0, 1.0, 1, 1e-4, seed).unwrap();
        let rh = ReversibleHeun;
        let y0 = vec![x0];
        let mut state = rh.init(&sde, 0.0, &y0, 1).unwrap();
        let mut y = y0.clone();
        let h = 1.0 / n as f64;
        let mut dws = Vec::new();
        for i in 0..n {
            let mut dw = vec![0.0];
            BrownianPath::<Vec<f64>>::increment(&w, i as f64 * h, (i + 1) as f64 * h, &mut dw);
            rh.step(&sde, i as f64 * h, h, &dw, &mut y, &mut state);
            dws.push(dw);
        }
        for i in (0..n).rev() {
            rh.step_back(&sde, i as f64 * h, h, &dws[i], &mut y, &mut state);
        }
        prop_assert!((y[0] - x0).abs() <= 1e-12 * x0.max(1.0), "returned to {} from {}", y[0], x0);
        prop_assert!((state.yhat[0] - x0).abs() <= 1e-12 * x0.max(1.0));
    }
}
