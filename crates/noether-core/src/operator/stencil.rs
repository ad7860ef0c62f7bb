//! Matrix-free finite-difference stencils.

use faer::sparse::{SparseRowMat, Triplet};
use rayon::prelude::*;

use super::LinearOperator;
use crate::error::{CoreError, Result};
use crate::real::Real;
use crate::space::HostSpace;
use crate::space::kernels::PAR_THRESHOLD;

/// The 5-point finite-difference approximation of `−Δ` on the unit square with
/// homogeneous Dirichlet boundary conditions, on an `nx × ny` grid of interior
/// points (`hx = 1/(nx+1)`, `hy = 1/(ny+1)`), applied without storing a matrix.
///
/// Unknown `(i, j)` (0-based, `i` along x) has index `i + nx·j`. The operator is SPD
/// with eigenvalues `(4/hx²) sin²(kπhx/2) + (4/hy²) sin²(lπhy/2)`,
/// `k = 1..nx`, `l = 1..ny`.
///
/// ```
/// use noether_core::operator::{Laplacian2d, LinearOperator};
///
/// let a = Laplacian2d::new(3, 3).unwrap();
/// let mut y = vec![0.0_f64; 9];
/// let mut x = vec![0.0_f64; 9];
/// x[4] = 1.0; // centre point
/// a.apply(&x, &mut y);
/// assert_eq!(y[4], 4.0 * 16.0); // 4/h², h = 1/4
/// assert_eq!(y[1], -16.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Laplacian2d {
    nx: usize,
    ny: usize,
}

impl Laplacian2d {
    /// The operator on an `nx × ny` interior grid; both must be at least 1.
    pub fn new(nx: usize, ny: usize) -> Result<Self> {
        for (name, v) in [("nx", nx), ("ny", ny)] {
            if v == 0 {
                return Err(CoreError::InvalidArgument {
                    name,
                    value: v.to_string(),
                    reason: "grid must have at least one interior point",
                });
            }
        }
        Ok(Self { nx, ny })
    }

    /// Grid size `(nx, ny)`.
    pub fn grid(&self) -> (usize, usize) {
        (self.nx, self.ny)
    }

    /// Number of unknowns `nx·ny`.
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }

    /// `true` for an empty grid (never: construction requires nx, ny ≥ 1).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inverse squared grid spacings `(1/hx², 1/hy²)`.
    pub fn inv_h2(&self) -> (f64, f64) {
        let hx = 1.0 / (self.nx as f64 + 1.0);
        let hy = 1.0 / (self.ny as f64 + 1.0);
        (1.0 / (hx * hx), 1.0 / (hy * hy))
    }

    /// Smallest and largest eigenvalue, in closed form.
    pub fn eigenvalue_bounds(&self) -> (f64, f64) {
        let (cx, cy) = self.inv_h2();
        let s = |k: f64, n: usize| {
            let v = (k * std::f64::consts::PI / (2.0 * (n as f64 + 1.0))).sin();
            v * v
        };
        let min = 4.0 * cx * s(1.0, self.nx) + 4.0 * cy * s(1.0, self.ny);
        let max = 4.0 * cx * s(self.nx as f64, self.nx) + 4.0 * cy * s(self.ny as f64, self.ny);
        (min, max)
    }

    /// The same operator assembled as a faer CSR matrix (five nonzeros per interior
    /// row), for comparisons with sparse-matrix code paths and peers.
    pub fn to_csr(&self) -> Result<SparseRowMat<usize, f64>> {
        let (cx, cy) = self.inv_h2();
        let (nx, ny) = (self.nx, self.ny);
        let mut t = Vec::with_capacity(5 * nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                let k = i + nx * j;
                if j > 0 {
                    t.push(Triplet::new(k, k - nx, -cy));
                }
                if i > 0 {
                    t.push(Triplet::new(k, k - 1, -cx));
                }
                t.push(Triplet::new(k, k, 2.0 * cx + 2.0 * cy));
                if i + 1 < nx {
                    t.push(Triplet::new(k, k + 1, -cx));
                }
                if j + 1 < ny {
                    t.push(Triplet::new(k, k + nx, -cy));
                }
            }
        }
        SparseRowMat::try_new_from_triplets(nx * ny, nx * ny, &t).map_err(|_| {
            CoreError::InvalidMatrix {
                context: "Laplacian2d::to_csr",
                reason: "faer rejected the triplets",
                index: 0,
                value: 0.0,
            }
        })
    }

    /// One grid row `j` of `y = A x`.
    #[inline]
    fn row<T: Real>(&self, j: usize, x: &[T], y: &mut [T], cx: T, cy: T) {
        let nx = self.nx;
        let d = (cx + cx) + (cy + cy);
        let xr = &x[j * nx..(j + 1) * nx];
        let below = (j > 0).then(|| &x[(j - 1) * nx..j * nx]);
        let above = (j + 1 < self.ny).then(|| &x[(j + 1) * nx..(j + 2) * nx]);
        for i in 0..nx {
            let l = if i > 0 { xr[i - 1] } else { T::zero() };
            let r = if i + 1 < nx { xr[i + 1] } else { T::zero() };
            y[i] = d * xr[i] - cx * (l + r);
        }
        if let Some(b) = below {
            for (yi, &bi) in y.iter_mut().zip(b) {
                *yi -= cy * bi;
            }
        }
        if let Some(a) = above {
            for (yi, &ai) in y.iter_mut().zip(a) {
                *yi -= cy * ai;
            }
        }
    }
}

impl<T: Real, V: HostSpace<Scalar = T>> LinearOperator<V> for Laplacian2d {
    fn nrows(&self) -> usize {
        self.len()
    }
    fn ncols(&self) -> usize {
        self.len()
    }
    fn apply(&self, x: &V, y: &mut V) {
        let (cx, cy) = self.inv_h2();
        let (cx, cy) = (T::of_f64(cx), T::of_f64(cy));
        let x = x.as_slice();
        let y = y.as_mut_slice();
        assert_eq!(x.len(), self.len(), "Laplacian2d: input length");
        assert_eq!(y.len(), self.len(), "Laplacian2d: output length");
        if self.len() >= PAR_THRESHOLD {
            // Several grid rows per task keep the scheduling overhead small.
            let rows_per_task = (PAR_THRESHOLD / self.nx).max(1);
            y.par_chunks_mut(self.nx * rows_per_task)
                .enumerate()
                .for_each(|(c, yc)| {
                    for (r, yr) in yc.chunks_mut(self.nx).enumerate() {
                        self.row(c * rows_per_task + r, x, yr, cx, cy);
                    }
                });
        } else {
            for (j, yr) in y.chunks_mut(self.nx).enumerate() {
                self.row(j, x, yr, cx, cy);
            }
        }
    }
    fn has_transpose(&self) -> bool {
        true
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        LinearOperator::<V>::apply(self, x, y);
        Ok(())
    }
}
