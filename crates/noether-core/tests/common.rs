//! Shared random-matrix generators for the integration tests (seeded).
#![allow(dead_code)]

use faer::Mat;
use faer::linalg::solvers::Solve;
use faer::sparse::{SparseColMat, SparseRowMat, Triplet};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn gaussian(r: &mut StdRng, n: usize, m: usize, sd: f64) -> Mat<f64> {
    Mat::from_fn(n, m, |_, _| {
        let z: f64 = StandardNormal.sample(r);
        sd * z
    })
}

pub fn vector(r: &mut StdRng, n: usize) -> Vec<f64> {
    (0..n).map(|_| StandardNormal.sample(r)).collect()
}

/// Symmetric Wigner matrix with entries N(0, 1/n): spectrum ≈ [−2, 2].
pub fn wigner(r: &mut StdRng, n: usize) -> Mat<f64> {
    let g = gaussian(r, n, n, (0.5 / n as f64).sqrt());
    Mat::from_fn(n, n, |i, j| g[(i, j)] + g[(j, i)])
}

/// SPD with spectrum ≈ [1, 5].
pub fn spd(r: &mut StdRng, n: usize) -> Mat<f64> {
    let mut a = wigner(r, n);
    for i in 0..n {
        a[(i, i)] += 3.0;
    }
    a
}

/// Symmetric indefinite with eigenvalues bounded away from zero (|λ| ≳ 1).
pub fn indefinite(r: &mut StdRng, n: usize) -> Mat<f64> {
    let g = wigner(r, n);
    let mut a = Mat::from_fn(n, n, |i, j| 0.5 * g[(i, j)]);
    for i in 0..n {
        let sign = if r.random::<bool>() { 1.0 } else { -1.0 };
        a[(i, i)] += sign * (2.0 + r.random::<f64>());
    }
    a
}

/// Nonsymmetric with eigenvalues in the disk |λ − 3| ≲ 1.
pub fn nonsymmetric(r: &mut StdRng, n: usize) -> Mat<f64> {
    let mut a = gaussian(r, n, n, (1.0 / n as f64).sqrt());
    for i in 0..n {
        a[(i, i)] += 3.0;
    }
    a
}

pub fn dense_solve(a: &Mat<f64>, b: &[f64]) -> Vec<f64> {
    let rhs = Mat::from_fn(b.len(), 1, |i, _| b[i]);
    let x = a.partial_piv_lu().solve(&rhs);
    (0..b.len()).map(|i| x[(i, 0)]).collect()
}

pub fn rel_err(x: &[f64], y: &[f64]) -> f64 {
    let num: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    let den: f64 = y.iter().map(|b| b * b).sum::<f64>().sqrt();
    num / den.max(f64::MIN_POSITIVE)
}

/// Random sparse matrix with about `per_row` entries per row, as CSR and CSC.
pub fn sparse(
    r: &mut StdRng,
    n: usize,
    m: usize,
    per_row: usize,
) -> (SparseRowMat<usize, f64>, SparseColMat<usize, f64>, Mat<f64>) {
    let mut t = Vec::new();
    let mut dense = Mat::<f64>::zeros(n, m);
    for i in 0..n {
        for _ in 0..per_row {
            let j = r.random_range(0..m);
            let v: f64 = StandardNormal.sample(r);
            t.push(Triplet::new(i, j, v));
            dense[(i, j)] += v;
        }
    }
    let csr = SparseRowMat::try_new_from_triplets(n, m, &t).expect("valid triplets");
    let csc = SparseColMat::try_new_from_triplets(n, m, &t).expect("valid triplets");
    (csr, csc, dense)
}
