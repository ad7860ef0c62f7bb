//! Mixed Poisson (RT × DG): exact local mass conservation and optimal rates.
#![allow(clippy::needless_range_loop)]

use crate::common;
use common::fitted_rate;
use noether_fem::mixed::{MixedSolver, solve_mixed_poisson, solve_mixed_poisson_with};
use noether_fem::space::Op;
use noether_mesh::Mesh;
use noether_mesh::generate::{Diagonal, unit_cube, unit_square};
use std::f64::consts::PI;

fn p_exact(x: &[f64]) -> f64 {
    x.iter().map(|v| (PI * v).sin()).product::<f64>() + x[0] * x[0] * x[1]
}
fn sigma_exact(x: &[f64], o: &mut [f64]) {
    let d = x.len();
    for k in 0..d {
        o[k] = -(0..d)
            .map(|j| {
                if j == k {
                    PI * (PI * x[j]).cos()
                } else {
                    (PI * x[j]).sin()
                }
            })
            .product::<f64>();
    }
    o[0] -= 2.0 * x[0] * x[1];
    o[1] -= x[0] * x[0];
}
fn f(x: &[f64]) -> f64 {
    // −Δp
    x.len() as f64 * PI * PI * x.iter().map(|v| (PI * v).sin()).product::<f64>() - 2.0 * x[1]
}

fn mesh(d: usize, n: usize) -> Mesh {
    if d == 2 {
        unit_square(n, n, Diagonal::Alternating).unwrap()
    } else {
        unit_cube(n).unwrap()
    }
}

#[test]
fn mixed_poisson_conserves_mass_per_cell_and_converges() {
    for (d, k, ns) in [
        (2, 1, vec![8, 16, 32]),
        (2, 2, vec![4, 8, 16]),
        (3, 1, vec![4, 8, 12]),
        (3, 2, vec![2, 4, 8]),
    ] {
        let (mut hs, mut es, mut ep) = (vec![], vec![], vec![]);
        for &n in &ns {
            let m = mesh(d, n);
            let t0 = std::time::Instant::now();
            let sol = solve_mixed_poisson(&m, k, &f, &|x, _| p_exact(x)).unwrap();
            let worst = sol
                .cell_residuals
                .iter()
                .fold(0.0f64, |a, r| a.max(r.abs()));
            assert!(
                worst <= 1e-12 * sol.f_norm,
                "{d}-D RT{k} n = {n}: cell residual {worst:e}, ‖f‖ = {}",
                sol.f_norm
            );
            println!("{d}-D RT{k} n = {n}: {:.2} s", t0.elapsed().as_secs_f64());
            hs.push(1.0 / n as f64);
            es.push(sol.flux.error(&sol.sigma, Op::Value, &sigma_exact).unwrap());
            ep.push(
                sol.pressure
                    .error(&sol.p, Op::Value, &|x, o| o[0] = p_exact(x))
                    .unwrap(),
            );
        }
        let (rs, rp) = (fitted_rate(&hs, &es), fitted_rate(&hs, &ep));
        println!(
            "{d}-D RT{k}-DG{}: σ {es:?} rate {rs:.3}; p {ep:?} rate {rp:.3}",
            k - 1
        );
        assert!((rs - k as f64).abs() < 0.1, "flux rate {rs}");
        assert!((rp - k as f64).abs() < 0.1, "pressure rate {rp}");
    }
}

#[test]
fn mixed_poisson_reproduces_linear_pressure() {
    // p = 1 + 2x − y: σ constant, in RT0; p in DG0 only up to O(h), σ exact
    let m = unit_square(6, 6, Diagonal::Right).unwrap();
    let sol = solve_mixed_poisson(&m, 1, &|_| 0.0, &|x, _| 1.0 + 2.0 * x[0] - x[1]).unwrap();
    let e = sol
        .flux
        .error(&sol.sigma, Op::Value, &|_, o| {
            o[0] = -2.0;
            o[1] = 1.0;
        })
        .unwrap();
    assert!(e < 1e-12, "flux error {e}");
}

#[test]
fn minres_with_block_preconditioner_matches_the_direct_solve() {
    let mut iterations = vec![];
    for n in [8usize, 16, 32] {
        let m = unit_square(n, n, Diagonal::Alternating).unwrap();
        let direct = solve_mixed_poisson(&m, 1, &f, &|x, _| p_exact(x)).unwrap();
        let it = solve_mixed_poisson_with(
            &m,
            1,
            &f,
            &|x, _| p_exact(x),
            MixedSolver::Minres { rtol: 1e-12 },
        )
        .unwrap();
        let scale = direct.sigma.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let diff = direct
            .sigma
            .iter()
            .zip(&it.sigma)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            diff < 1e-8 * scale,
            "n = {n}: MINRES flux differs by {diff}"
        );
        let worst = it.cell_residuals.iter().fold(0.0f64, |a, r| a.max(r.abs()));
        assert!(
            worst < 1e-9 * it.f_norm,
            "n = {n}: MINRES conservation residual {worst}"
        );
        iterations.push(it.iterations);
    }
    println!("MINRES iterations {iterations:?}");
    // mesh-independent: the finest needs at most 1.5× the coarsest's iterations
    assert!(
        iterations[2] as f64 <= 1.5 * iterations[0] as f64,
        "{iterations:?}"
    );
}
