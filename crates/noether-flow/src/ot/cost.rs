//! Point clouds and dense ground-cost matrices.

use rayon::prelude::*;

use crate::error::{FlowError, Result};

/// `n` points in ℝᵈ, stored row-major (`points[i·d + k]` is coordinate `k` of point
/// `i`), checked to be non-empty and finite.
#[derive(Debug, Clone, Copy)]
pub struct Cloud<'a> {
    points: &'a [f64],
    dim: usize,
}

impl<'a> Cloud<'a> {
    /// Wraps `points` as a cloud in dimension `dim`; `which` names it in errors.
    ///
    /// Errors: `dim = 0`, a length that is not a positive multiple of `dim`, or a
    /// non-finite coordinate.
    pub fn new(which: &'static str, points: &'a [f64], dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(crate::error::invalid("dim", dim, "must be at least 1"));
        }
        if points.is_empty() {
            return Err(FlowError::Empty { which });
        }
        if !points.len().is_multiple_of(dim) {
            return Err(FlowError::Mismatch {
                what: "point-cloud length (a multiple of the dimension)",
                expected: points.len().div_ceil(dim) * dim,
                found: points.len(),
            });
        }
        if let Some(index) = points.iter().position(|v| !v.is_finite()) {
            return Err(FlowError::NonFinite { which, index });
        }
        Ok(Self { points, dim })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.points.len() / self.dim
    }

    /// Always `false`: a cloud has at least one point.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Point `i`.
    pub fn point(&self, i: usize) -> &'a [f64] {
        &self.points[i * self.dim..(i + 1) * self.dim]
    }

    /// The coordinates, row-major.
    pub fn as_slice(&self) -> &'a [f64] {
        self.points
    }
}

/// The ground cost between points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ground {
    /// `‖x − y‖²`: the cost of W₂².
    SqEuclidean,
    /// `‖x − y‖`: the cost of W₁.
    Euclidean,
}

impl Ground {
    /// The cost between two points.
    pub fn cost(self, x: &[f64], y: &[f64]) -> f64 {
        let sq: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
        match self {
            Self::SqEuclidean => sq,
            Self::Euclidean => sq.sqrt(),
        }
    }

    /// `∇ₓ c(x, y)` added into `out` scaled by `w`: `2w(x − y)` or `w(x − y)/‖x − y‖`
    /// (zero where `x = y`, the subgradient of least norm).
    pub fn add_gradient(self, x: &[f64], y: &[f64], w: f64, out: &mut [f64]) {
        let scale = match self {
            Self::SqEuclidean => 2.0 * w,
            Self::Euclidean => {
                let r = self.cost(x, y);
                if r > 0.0 { w / r } else { 0.0 }
            }
        };
        for ((o, a), b) in out.iter_mut().zip(x).zip(y) {
            *o += scale * (a - b);
        }
    }
}

/// A dense `rows × cols` cost matrix, row-major, with every entry finite.
#[derive(Debug, Clone, PartialEq)]
pub struct CostMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl CostMatrix {
    /// Wraps row-major `data`. Errors: empty, a length other than `rows·cols`, or a
    /// non-finite entry.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(FlowError::Empty {
                which: "cost matrix",
            });
        }
        if data.len() != rows * cols {
            return Err(FlowError::Mismatch {
                what: "cost-matrix entries (rows × cols)",
                expected: rows * cols,
                found: data.len(),
            });
        }
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(FlowError::NonFinite {
                which: "cost matrix",
                index,
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// The costs `c(xᵢ, yⱼ)` between two clouds of the same dimension, computed in
    /// parallel over rows.
    pub fn pairwise(x: &Cloud<'_>, y: &Cloud<'_>, ground: Ground) -> Result<Self> {
        if x.dim() != y.dim() {
            return Err(FlowError::Mismatch {
                what: "dimension of the second cloud",
                expected: x.dim(),
                found: y.dim(),
            });
        }
        let (rows, cols) = (x.len(), y.len());
        let mut data = vec![0.0; rows * cols];
        data.par_chunks_mut(cols).enumerate().for_each(|(i, row)| {
            let xi = x.point(i);
            for (j, c) in row.iter_mut().enumerate() {
                *c = ground.cost(xi, y.point(j));
            }
        });
        Ok(Self { rows, cols, data })
    }

    /// Number of rows (source points).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (target points).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Entry `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The entries, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The largest absolute entry (the cost scale).
    pub fn max_abs(&self) -> f64 {
        self.data.iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    /// The transpose (a copy), built in parallel over its rows.
    pub fn transpose(&self) -> Self {
        let (rows, cols) = (self.cols, self.rows);
        let mut data = vec![0.0; rows * cols];
        data.par_chunks_mut(cols).enumerate().for_each(|(j, out)| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = self.data[i * self.cols + j];
            }
        });
        Self { rows, cols, data }
    }
}

/// Uniform weights `1/n`.
pub fn uniform(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}

/// Checks that `w` has `n` non-negative finite entries with a positive finite sum,
/// and returns the sum.
pub fn check_weights(which: &'static str, w: &[f64], n: usize) -> Result<f64> {
    if w.is_empty() {
        return Err(FlowError::Empty { which });
    }
    if w.len() != n {
        return Err(FlowError::Mismatch {
            what: which,
            expected: n,
            found: w.len(),
        });
    }
    if let Some(index) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(FlowError::InvalidWeight {
            which,
            index,
            value: w[index],
            reason: "weights must be finite and non-negative",
        });
    }
    let mass: f64 = w.iter().sum();
    if !(mass > 0.0 && mass.is_finite()) {
        return Err(FlowError::InvalidWeight {
            which,
            index: n,
            value: mass,
            reason: "the total mass must be positive and finite",
        });
    }
    Ok(mass)
}
