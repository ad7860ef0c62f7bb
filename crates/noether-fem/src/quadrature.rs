//! Gauss quadrature on the reference simplices of any degree: Gauss–Legendre on the
//! interval and collapsed (conical-product) Gauss–Jacobi rules on the triangle and
//! the tetrahedron (Stroud; Karniadakis & Sherwin, *Spectral/hp Element Methods*,
//! §4.1), exact for polynomials of total degree ≤ `degree`.
//!
//! Reference simplices: `[0, 1]`; the triangle `(0,0), (1,0), (0,1)`; the tetrahedron
//! `(0,0,0), (1,0,0), (0,1,0), (0,0,1)`.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::error::{Result, invalid};

/// A quadrature rule on a reference simplex: points (`dim` coordinates each) and
/// weights summing to the simplex's volume.
#[derive(Debug, Clone, PartialEq)]
pub struct QuadratureRule {
    /// Dimension of the simplex.
    pub dim: usize,
    /// Points, `dim` coordinates each.
    pub points: Vec<f64>,
    /// Weights.
    pub weights: Vec<f64>,
}

impl QuadratureRule {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether the rule has no points.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Point `i`.
    pub fn point(&self, i: usize) -> &[f64] {
        &self.points[i * self.dim..(i + 1) * self.dim]
    }
}

/// `n`-point Gauss–Jacobi rule on `[−1, 1]` for the weight `(1 − t)^α` (β = 0), by
/// the Golub–Welsch eigenvalue method; α a non-negative integer.
pub fn gauss_jacobi(n: usize, alpha: u32) -> (Vec<f64>, Vec<f64>) {
    let a = alpha as f64;
    let mut j = DMatrix::<f64>::zeros(n, n);
    for k in 0..n {
        let kf = k as f64;
        let s = 2.0 * kf + a;
        // diagonal: (β² − α²)/((s)(s + 2)), with the k = 0 limit (β − α)/(α + β + 2)
        j[(k, k)] = if k == 0 {
            -a / (a + 2.0)
        } else {
            -a * a / (s * (s + 2.0))
        };
        if k + 1 < n {
            let m = kf + 1.0;
            let s1 = 2.0 * m + a;
            let num = 4.0 * m * (m + a) * m * (m + a);
            let den = s1 * s1 * (s1 + 1.0) * (s1 - 1.0);
            let b = (num / den).sqrt();
            j[(k, k + 1)] = b;
            j[(k + 1, k)] = b;
        }
    }
    let eig = SymmetricEigen::new(j);
    // μ₀ = ∫(1 − t)^α dt = 2^{α+1}/(α + 1)
    let mu0 = 2f64.powi(alpha as i32 + 1) / (a + 1.0);
    let mut pairs: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let v0 = eig.eigenvectors[(0, i)];
            (eig.eigenvalues[i], mu0 * v0 * v0)
        })
        .collect();
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    pairs.into_iter().unzip()
}

/// A rule on the reference `dim`-simplex (1, 2 or 3) exact for total degree ≤
/// `degree`, with `⌈(degree + 1)/2⌉^dim` points.
pub fn simplex_rule(dim: usize, degree: usize) -> Result<QuadratureRule> {
    if !(1..=3).contains(&dim) {
        return Err(invalid("dim", dim, "must be 1, 2 or 3"));
    }
    if degree > 40 {
        return Err(invalid("degree", degree, "at most 40"));
    }
    let n = degree / 2 + 1;
    // 1-D factors on [0, 1]: Gauss–Jacobi with weight (1 − ξ)^α
    let factor = |alpha: u32| -> (Vec<f64>, Vec<f64>) {
        let (t, w) = gauss_jacobi(n, alpha);
        let scale = 0.5f64.powi(alpha as i32 + 1);
        (
            t.iter().map(|x| 0.5 * (1.0 + x)).collect(),
            w.iter().map(|w| w * scale).collect(),
        )
    };
    let (x0, w0) = factor(0);
    let mut points = Vec::new();
    let mut weights = Vec::new();
    match dim {
        1 => {
            points = x0;
            weights = w0;
        }
        2 => {
            let (x1, w1) = factor(1);
            for (a, wa) in x0.iter().zip(&w0) {
                for (b, wb) in x1.iter().zip(&w1) {
                    points.extend([a * (1.0 - b), *b]);
                    weights.push(wa * wb);
                }
            }
        }
        _ => {
            let (x1, w1) = factor(1);
            let (x2, w2) = factor(2);
            for (a, wa) in x0.iter().zip(&w0) {
                for (b, wb) in x1.iter().zip(&w1) {
                    for (c, wc) in x2.iter().zip(&w2) {
                        points.extend([a * (1.0 - b) * (1.0 - c), b * (1.0 - c), *c]);
                        weights.push(wa * wb * wc);
                    }
                }
            }
        }
    }
    Ok(QuadratureRule {
        dim,
        points,
        weights,
    })
}
