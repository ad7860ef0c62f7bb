//! CG, MINRES and GMRES on random well-conditioned SPD, symmetric indefinite and
//! nonsymmetric systems up to n = 2000, checked against faer's dense LU solve; the
//! preconditioners; Lanczos against closed-form eigenvalues; and the typed errors.

use crate::common;

use common::*;
use faer::Mat;
use faer::sparse::{SparseRowMat, Triplet};
use noether_core::CoreError;
use noether_core::krylov::{
    GmresOptions, KrylovOptions, KrylovReport, LanczosOptions, cg, gmres, lanczos_extremes, minres,
};
use noether_core::operator::{Diagonal, FnOperator, Laplacian2d, LinearOperator};
use noether_core::precond::{Ic0, Jacobi};
use proptest::prelude::*;

/// GMRES(50) with the stopping criteria of `opts`, in the signature of CG and MINRES.
fn gmres50<A: LinearOperator<Vec<f64>> + ?Sized>(
    a: &A,
    b: &Vec<f64>,
    x: &mut Vec<f64>,
    precond: Option<&dyn LinearOperator<Vec<f64>>>,
    opts: &KrylovOptions,
) -> noether_core::Result<KrylovReport> {
    gmres(a, b, x, precond, &GmresOptions::from(opts.clone()))
}

type Solver = fn(
    &Mat<f64>,
    &Vec<f64>,
    &mut Vec<f64>,
    Option<&dyn LinearOperator<Vec<f64>>>,
    &KrylovOptions,
) -> noether_core::Result<noether_core::krylov::KrylovReport>;

fn check_against_dense(solver: Solver, a: &Mat<f64>, seed: u64, rtol: f64) {
    let n = a.nrows();
    let mut r = rng(seed ^ 0xB);
    let b = vector(&mut r, n);
    let mut x = vec![0.0; n];
    let opts = KrylovOptions {
        rtol,
        max_iters: 5 * n + 100,
        ..Default::default()
    };
    let rep = solver(a, &b, &mut x, None, &opts).expect("solver converges");
    assert!(
        rep.relative_residual <= rtol * 1.01,
        "residual {} > {rtol}",
        rep.relative_residual
    );
    assert_eq!(rep.residual_history.len(), rep.iterations + 1);
    let exact = dense_solve(a, &b);
    // Well-conditioned (κ ≲ 10): the forward error is within κ·rtol.
    let err = rel_err(&x, &exact);
    assert!(err <= 10.0 * rtol, "n={n}: error vs faer LU {err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn cg_solves_random_spd(n in 1usize..=2000, seed in any::<u64>()) {
        check_against_dense(cg, &spd(&mut rng(seed), n), seed, 1e-10);
    }

    #[test]
    fn minres_solves_random_symmetric_indefinite(n in 1usize..=2000, seed in any::<u64>()) {
        check_against_dense(minres, &indefinite(&mut rng(seed), n), seed, 1e-10);
    }

    #[test]
    fn gmres_solves_random_nonsymmetric(n in 1usize..=2000, seed in any::<u64>(), restart in 5usize..60) {
        let a = nonsymmetric(&mut rng(seed), n);
        let b = vector(&mut rng(seed ^ 0xB), n);
        let mut x = vec![0.0; n];
        let opts = GmresOptions { rtol: 1e-10, restart, max_iters: 5000, ..Default::default() };
        let rep = gmres(&a, &b, &mut x, None, &opts).expect("GMRES converges");
        prop_assert!(rep.relative_residual <= 1.01e-10);
        prop_assert!(rel_err(&x, &dense_solve(&a, &b)) <= 1e-9);
    }
}

#[test]
fn all_solvers_at_n_2000() {
    check_against_dense(cg, &spd(&mut rng(1), 2000), 1, 1e-10);
    check_against_dense(minres, &indefinite(&mut rng(2), 2000), 2, 1e-10);
    check_against_dense(gmres50, &nonsymmetric(&mut rng(3), 2000), 3, 1e-10);
    // MINRES and GMRES also solve SPD systems.
    check_against_dense(minres, &spd(&mut rng(4), 500), 4, 1e-10);
    check_against_dense(gmres50, &spd(&mut rng(5), 500), 5, 1e-10);
}

#[test]
fn cg_converges_at_the_rate_the_condition_number_allows() {
    // Laplacian on a 100×100 grid: iterations grow like sqrt(κ); the classical bound
    // ‖e‖_A ≤ 2((√κ−1)/(√κ+1))^k ‖e₀‖_A gives an upper limit on the count.
    let a = Laplacian2d::new(100, 100).unwrap();
    let (lo, hi) = a.eigenvalue_bounds();
    let kappa = hi / lo;
    let b = vec![1.0; 10_000];
    let mut x = vec![0.0; 10_000];
    let rep = cg(
        &a,
        &b,
        &mut x,
        None,
        &KrylovOptions {
            rtol: 1e-8,
            ..Default::default()
        },
    )
    .unwrap();
    let rate = (kappa.sqrt() - 1.0) / (kappa.sqrt() + 1.0);
    let bound = ((1e-8 / (2.0 * kappa.sqrt())).ln() / rate.ln()).ceil() as usize;
    assert!(
        rep.iterations <= bound,
        "{} iterations > bound {bound}",
        rep.iterations
    );
    assert!(rep.iterations > 50);
}

fn convection_diffusion(n: usize, peclet: f64) -> SparseRowMat<usize, f64> {
    // 1-D upwinded convection–diffusion, nonsymmetric.
    let h = 1.0 / (n as f64 + 1.0);
    let mut t = Vec::new();
    for i in 0..n {
        t.push(Triplet::new(i, i, 2.0 / (h * h) + peclet / h));
        if i > 0 {
            t.push(Triplet::new(i, i - 1, -1.0 / (h * h) - peclet / h));
        }
        if i + 1 < n {
            t.push(Triplet::new(i, i + 1, -1.0 / (h * h)));
        }
    }
    SparseRowMat::try_new_from_triplets(n, n, &t).unwrap()
}

#[test]
fn preconditioners_reduce_iterations_and_keep_accuracy() {
    let lap = Laplacian2d::new(80, 80).unwrap();
    let a = lap.to_csr().unwrap();
    let n = 6400;
    let b = vector(&mut rng(11), n);
    let opts = KrylovOptions {
        rtol: 1e-10,
        ..Default::default()
    };
    let solve = |m: Option<&dyn LinearOperator<Vec<f64>>>| {
        let mut x = vec![0.0; n];
        let rep = cg(&a, &b, &mut x, m, &opts).unwrap();
        assert!(rep.relative_residual <= 1e-10);
        rep.iterations
    };
    let plain = solve(None);
    let ic = Ic0::new(&a).unwrap();
    let with_ic = solve(Some(&ic));
    assert!(with_ic * 2 < plain, "IC(0) {with_ic} vs plain {plain}");
    // Jacobi on a badly scaled SPD matrix D A D.
    let scale: Vec<f64> = (0..n)
        .map(|i| 1.0 + 99.0 * ((i * 37) % 101) as f64 / 100.0)
        .collect();
    let sc = scale.clone();
    let dad = FnOperator::new(n, n, move |x: &Vec<f64>, y: &mut Vec<f64>| {
        let dx: Vec<f64> = x.iter().zip(&sc).map(|(a, b)| a * b).collect();
        lap.apply(&dx, y);
        y.iter_mut().zip(&sc).for_each(|(a, b)| *a *= b);
    });
    let (cx, cy) = lap.inv_h2();
    let diag: Vec<f64> = scale.iter().map(|s| s * s * 2.0 * (cx + cy)).collect();
    let jac = Jacobi::from_diagonal(diag).unwrap();
    let mut x0 = vec![0.0; n];
    let mut x1 = vec![0.0; n];
    let opts = KrylovOptions {
        rtol: 1e-8,
        max_iters: 100_000,
        ..Default::default()
    };
    let p = cg(&dad, &b, &mut x0, None, &opts).unwrap();
    let j = cg(&dad, &b, &mut x1, Some(&jac), &opts).unwrap();
    assert!(
        j.iterations * 3 < p.iterations,
        "Jacobi {} vs plain {}",
        j.iterations,
        p.iterations
    );
    assert!(rel_err(&x0, &x1) < 1e-5);

    // GMRES with right IC-free preconditioning on convection–diffusion: Jacobi helps.
    let cd = convection_diffusion(2000, 50.0);
    let b = vector(&mut rng(12), 2000);
    let jac = Jacobi::<Vec<f64>>::from_csr(&cd).unwrap();
    let opts = GmresOptions {
        rtol: 1e-9,
        restart: 30,
        max_iters: 200_000,
        ..Default::default()
    };
    let mut x = vec![0.0; 2000];
    let rep = gmres(&cd, &b, &mut x, Some(&jac), &opts).unwrap();
    assert!(rep.relative_residual <= 1e-9);
    let dense = Mat::from_fn(2000, 2000, |i, j| {
        let mut v = 0.0;
        let s = cd.symbolic();
        for k in s.row_ptr()[i]..s.row_ptr()[i + 1] {
            if s.col_idx()[k] == j {
                v += cd.val()[k];
            }
        }
        v
    });
    assert!(rel_err(&x, &dense_solve(&dense, &b)) < 1e-6);
}

#[test]
fn minres_solves_a_saddle_point_system_with_block_preconditioner() {
    // [[A, Bᵀ], [B, 0]] with A the 2-D Laplacian and B a random full-rank 40×n block.
    let lap = Laplacian2d::new(30, 30).unwrap();
    let a = lap.to_csr().unwrap();
    let n = 900;
    let m = 40;
    let bmat = gaussian(&mut rng(21), m, n, 1.0);
    let mut t = Vec::new();
    let s = a.symbolic();
    for i in 0..n {
        for k in s.row_ptr()[i]..s.row_ptr()[i + 1] {
            t.push(Triplet::new(i, s.col_idx()[k], a.val()[k]));
        }
    }
    for i in 0..m {
        for j in 0..n {
            t.push(Triplet::new(n + i, j, bmat[(i, j)]));
            t.push(Triplet::new(j, n + i, bmat[(i, j)]));
        }
    }
    let k = SparseRowMat::try_new_from_triplets(n + m, n + m, &t).unwrap();
    let rhs = vector(&mut rng(22), n + m);
    // Block-diagonal SPD preconditioner: diag(A)⁻¹ and the identity on the multipliers.
    let (cx, cy) = lap.inv_h2();
    let mut d = vec![2.0 * (cx + cy); n];
    d.extend(std::iter::repeat_n(n as f64 / (2.0 * (cx + cy)), m));
    let prec = Jacobi::from_diagonal(d).unwrap();
    let opts = KrylovOptions {
        rtol: 1e-10,
        max_iters: 20_000,
        ..Default::default()
    };
    let mut x = vec![0.0; n + m];
    let rep = minres(&k, &rhs, &mut x, Some(&prec), &opts).unwrap();
    assert!(rep.relative_residual < 1e-8, "{}", rep.relative_residual);
    let dense = Mat::from_fn(n + m, n + m, |i, j| {
        let s = k.symbolic();
        let mut v = 0.0;
        for p in s.row_ptr()[i]..s.row_ptr()[i + 1] {
            if s.col_idx()[p] == j {
                v += k.val()[p];
            }
        }
        v
    });
    assert!(rel_err(&x, &dense_solve(&dense, &rhs)) < 1e-6);
    // CG must refuse the indefinite system.
    let mut x = vec![0.0; n + m];
    assert!(matches!(
        cg(&k, &rhs, &mut x, None, &opts),
        Err(CoreError::Breakdown { method: "CG", .. })
    ));
}

#[test]
fn lanczos_finds_closed_form_extremes() {
    let a = Laplacian2d::new(60, 45).unwrap();
    let v0 = vector(&mut rng(5), 60 * 45);
    let rep = lanczos_extremes(
        &a,
        &v0,
        &LanczosOptions {
            max_iters: 400,
            tol: 1e-10,
        },
    )
    .unwrap();
    let (lo, hi) = a.eigenvalue_bounds();
    assert!((rep.min - lo).abs() <= 1e-8 * hi, "{} vs {lo}", rep.min);
    assert!((rep.max - hi).abs() <= 1e-8 * hi, "{} vs {hi}", rep.max);
    // Ritz values are inner bounds.
    assert!(rep.min >= lo - 1e-9 * hi && rep.max <= hi + 1e-9 * hi);
    // Random symmetric matrix against faer's dense eigenvalues.
    let w = wigner(&mut rng(6), 300);
    let ev = w.self_adjoint_eigenvalues(faer::Side::Lower).unwrap();
    let rep = lanczos_extremes(
        &w,
        &vector(&mut rng(7), 300),
        &LanczosOptions {
            max_iters: 300,
            tol: 1e-9,
        },
    )
    .unwrap();
    assert!((rep.min - ev[0]).abs() < 1e-7 && (rep.max - ev[299]).abs() < 1e-7);
}

#[test]
fn typed_errors_instead_of_panics() {
    let a = Diagonal::new(vec![1.0_f64, 2.0, 3.0]);
    let opts = KrylovOptions::default();
    // dimension mismatch
    let mut x = vec![0.0; 3];
    assert!(matches!(
        cg(&a, &vec![1.0; 4], &mut x, None, &opts),
        Err(CoreError::DimensionMismatch { .. })
    ));
    // non-finite right-hand side
    assert!(matches!(
        minres(&a, &vec![1.0, f64::NAN, 0.0], &mut x, None, &opts),
        Err(CoreError::NonFinite { .. })
    ));
    // indefinite operator in CG
    let ind = Diagonal::new(vec![1.0_f64, -2.0, 3.0]);
    let mut x = vec![0.0; 3];
    assert!(matches!(
        cg(&ind, &vec![1.0; 3], &mut x, None, &opts),
        Err(CoreError::Breakdown { .. })
    ));
    // not converged
    let lap = Laplacian2d::new(50, 50).unwrap();
    let mut x = vec![0.0; 2500];
    let few = KrylovOptions {
        max_iters: 5,
        ..Default::default()
    };
    for solver in [cg::<Vec<f64>, Laplacian2d>, minres, gmres50] {
        x.iter_mut().for_each(|v| *v = 0.0);
        match solver(&lap, &vec![1.0; 2500], &mut x, None, &few) {
            Err(CoreError::NotConverged {
                iterations,
                residual,
                ..
            }) => {
                assert_eq!(iterations, 5);
                assert!(residual > 1e-8);
            }
            other => panic!("expected NotConverged, got {other:?}"),
        }
    }
    // invalid options
    let bad = KrylovOptions {
        rtol: -1.0,
        ..Default::default()
    };
    assert!(matches!(
        cg(&a, &vec![1.0; 3], &mut vec![0.0; 3], None, &bad),
        Err(CoreError::InvalidArgument { .. })
    ));
    let bad = GmresOptions {
        restart: 0,
        ..Default::default()
    };
    assert!(matches!(
        gmres(&a, &vec![1.0; 3], &mut vec![0.0; 3], None, &bad),
        Err(CoreError::InvalidArgument { .. })
    ));
    // IC(0) and Jacobi refuse unusable matrices
    let t = [
        Triplet::new(0, 0, 1.0),
        Triplet::new(1, 0, 2.0),
        Triplet::new(0, 1, 2.0),
        Triplet::new(1, 1, 1.0),
    ];
    let not_spd = SparseRowMat::try_new_from_triplets(2, 2, &t).unwrap();
    assert!(matches!(
        Ic0::new(&not_spd),
        Err(CoreError::InvalidMatrix { index: 1, .. })
    ));
    let t = [Triplet::new(0, 0, 1.0), Triplet::new(1, 0, 2.0)];
    let no_diag = SparseRowMat::try_new_from_triplets(2, 2, &t).unwrap();
    assert!(matches!(
        Ic0::new(&no_diag),
        Err(CoreError::InvalidMatrix { .. })
    ));
    assert!(matches!(
        Jacobi::<Vec<f64>>::from_csr(&no_diag),
        Err(CoreError::InvalidMatrix { index: 1, .. })
    ));
    // zero start vector in Lanczos
    assert!(lanczos_extremes(&a, &vec![0.0; 3], &LanczosOptions::default()).is_err());
    // Errors say what was wrong.
    let msg = cg(&ind, &vec![1.0; 3], &mut vec![0.0; 3], None, &opts)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not positive definite"), "{msg}");
}

#[test]
fn zero_rhs_and_exact_initial_guess_take_no_iterations() {
    let a = Laplacian2d::new(10, 10).unwrap();
    let mut x = vec![0.0; 100];
    let rep = cg(
        &a,
        &vec![0.0; 100],
        &mut x,
        None,
        &KrylovOptions {
            atol: 1e-14,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(rep.iterations, 0);
    let b = vec![1.0; 100];
    let mut x = vec![0.0; 100];
    cg(
        &a,
        &b,
        &mut x,
        None,
        &KrylovOptions {
            rtol: 1e-13,
            ..Default::default()
        },
    )
    .unwrap();
    for solver in [cg::<Vec<f64>, Laplacian2d>, minres, gmres50] {
        let mut y = x.clone();
        let rep = solver(
            &a,
            &b,
            &mut y,
            None,
            &KrylovOptions {
                rtol: 1e-10,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(rep.iterations, 0);
    }
}

#[test]
fn cg_reaches_1e8_on_a_million_unknown_laplacian_matrix_free() {
    // −Δu = 1 on the unit square (torsion problem), 1000 × 1000 interior grid.
    let a = Laplacian2d::new(1000, 1000).unwrap();
    let n = 1_000_000;
    let b = vec![1.0; n];
    let mut x = vec![0.0; n];
    let opts = KrylovOptions {
        rtol: 1e-8,
        max_iters: 20_000,
        ..Default::default()
    };
    let rep = cg(&a, &b, &mut x, None, &opts).unwrap();
    assert!(rep.relative_residual <= 1e-8, "{}", rep.relative_residual);
    assert!(
        rep.iterations > 500,
        "a rough right-hand side needs many iterations"
    );
    // The centre value of the torsion function is 0.0736713 (series solution); the
    // centre lies between grid points 499 and 500 in both directions.
    let c: f64 =
        (x[499 * 1000 + 499] + x[499 * 1000 + 500] + x[500 * 1000 + 499] + x[500 * 1000 + 500])
            / 4.0;
    assert!((c - 0.0736713).abs() < 2e-6, "centre value {c}");
}
