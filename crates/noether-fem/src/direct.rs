//! Sparse direct solvers (faer's supernodal Cholesky and LU with partial pivoting,
//! with fill-reducing orderings) and block-matrix assembly for saddle-point systems.
//!
//! ```
//! use faer::sparse::{SparseRowMat, Triplet};
//! use noether_fem::direct::SparseCholesky;
//! let a = SparseRowMat::<usize, f64>::try_new_from_triplets(
//!     2, 2,
//!     &[Triplet::new(0, 0, 4.0), Triplet::new(0, 1, 1.0), Triplet::new(1, 0, 1.0), Triplet::new(1, 1, 3.0)],
//! ).unwrap();
//! let chol = SparseCholesky::new(&a).unwrap();
//! let x = chol.solve(&[1.0, 2.0]).unwrap();
//! assert!((4.0 * x[0] + x[1] - 1.0).abs() < 1e-14);
//! ```

use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::{Llt, Lu};
use faer::sparse::{SparseColMat, SparseRowMat, Triplet};
use faer::{Mat, Side};

use crate::error::{FemError, Result, invalid, sparse};

/// The square, finite matrix `a` in CSC form, for the factorisations.
fn to_csc(a: &SparseRowMat<usize, f64>) -> Result<SparseColMat<usize, f64>> {
    if a.nrows() != a.ncols() {
        return Err(invalid(
            "matrix",
            format!("{}x{}", a.nrows(), a.ncols()),
            "must be square",
        ));
    }
    if a.val().iter().any(|v| !v.is_finite()) {
        return Err(FemError::NonFinite {
            what: "matrix entry",
            at: vec![],
        });
    }
    a.to_col_major().map_err(|e| sparse("CSR to CSC")(e.into()))
}

fn solve_with<S: Solve<f64>>(f: &S, n: usize, b: &[f64], what: &str) -> Result<Vec<f64>> {
    if b.len() != n {
        return Err(invalid("rhs", b.len(), "must match the matrix size"));
    }
    let mut x = Mat::<f64>::from_fn(n, 1, |i, _| b[i]);
    f.solve_in_place(x.as_mut());
    let out: Vec<f64> = (0..n).map(|i| x[(i, 0)]).collect();
    if out.iter().any(|v| !v.is_finite()) {
        return Err(FemError::Solver(format!(
            "{what}: non-finite solution (singular matrix?)"
        )));
    }
    Ok(out)
}

/// A sparse Cholesky factorisation `A = LLᵀ` of a symmetric positive definite
/// matrix, reusable for many right-hand sides.
#[derive(Debug)]
pub struct SparseCholesky {
    llt: Llt<usize, f64>,
    n: usize,
}

impl SparseCholesky {
    /// Factorises `a` (its lower triangle is read). Fails with
    /// [`FemError::Solver`] when `a` is not positive definite.
    pub fn new(a: &SparseRowMat<usize, f64>) -> Result<Self> {
        let csc = to_csc(a)?;
        let llt = csc
            .sp_cholesky(Side::Lower)
            .map_err(|e| FemError::Factorization {
                context: "sparse Cholesky",
                failure: e.into(),
            })?;
        Ok(Self { llt, n: a.nrows() })
    }

    /// Solves `A x = b`.
    pub fn solve(&self, b: &[f64]) -> Result<Vec<f64>> {
        solve_with(&self.llt, self.n, b, "Cholesky")
    }
}

/// A sparse LU factorisation with partial pivoting, for indefinite or non-symmetric
/// systems (saddle points, shifted eigenproblems).
#[derive(Debug)]
pub struct SparseLu {
    lu: Lu<usize, f64>,
    n: usize,
}

impl SparseLu {
    /// Factorises `a`. Fails with [`FemError::Solver`] when it is structurally
    /// singular.
    pub fn new(a: &SparseRowMat<usize, f64>) -> Result<Self> {
        let csc = to_csc(a)?;
        let lu = csc.sp_lu().map_err(|e| FemError::Factorization {
            context: "sparse LU",
            failure: e.into(),
        })?;
        Ok(Self { lu, n: a.nrows() })
    }

    /// Solves `A x = b`; fails when the solution is not finite (numerically singular
    /// `A`).
    pub fn solve(&self, b: &[f64]) -> Result<Vec<f64>> {
        solve_with(&self.lu, self.n, b, "LU")
    }
}

/// Assembles a block matrix from row-major blocks (`None` = zero block). Every block
/// row needs at least one block to fix its height, every block column likewise.
pub fn block(
    blocks: &[Vec<Option<&SparseRowMat<usize, f64>>>],
) -> Result<SparseRowMat<usize, f64>> {
    let nbr = blocks.len();
    let nbc = blocks.first().map_or(0, |r| r.len());
    let mut heights = vec![None; nbr];
    let mut widths = vec![None; nbc];
    for (i, row) in blocks.iter().enumerate() {
        if row.len() != nbc {
            return Err(invalid("blocks", i, "ragged block rows"));
        }
        for (j, b) in row.iter().enumerate() {
            if let Some(b) = b {
                for (slot, v) in [(&mut heights[i], b.nrows()), (&mut widths[j], b.ncols())] {
                    match slot {
                        Some(s) if *s != v => {
                            return Err(invalid("blocks", format!("({i}, {j})"), "sizes disagree"));
                        }
                        _ => *slot = Some(v),
                    }
                }
            }
        }
    }
    let heights: Vec<usize> = heights
        .into_iter()
        .map(|h| h.ok_or_else(|| invalid("blocks", "row", "an empty block row")))
        .collect::<Result<_>>()?;
    let widths: Vec<usize> = widths
        .into_iter()
        .map(|w| w.ok_or_else(|| invalid("blocks", "column", "an empty block column")))
        .collect::<Result<_>>()?;
    let mut trip = Vec::new();
    let mut r0 = 0;
    for (i, row) in blocks.iter().enumerate() {
        let mut c0 = 0;
        for (j, b) in row.iter().enumerate() {
            if let Some(b) = b {
                trip.extend(
                    triplets(b, 1.0)
                        .into_iter()
                        .map(|t| Triplet::new(r0 + t.row, c0 + t.col, t.val)),
                );
            }
            c0 += widths[j];
        }
        r0 += heights[i];
    }
    SparseRowMat::try_new_from_triplets(r0, widths.iter().sum(), &trip)
        .map_err(sparse("block assembly"))
}

/// `A + s·B` for matrices of one shape.
pub fn add_scaled(
    a: &SparseRowMat<usize, f64>,
    b: &SparseRowMat<usize, f64>,
    s: f64,
) -> Result<SparseRowMat<usize, f64>> {
    if a.nrows() != b.nrows() || a.ncols() != b.ncols() {
        return Err(invalid(
            "matrices",
            format!(
                "{}x{} and {}x{}",
                a.nrows(),
                a.ncols(),
                b.nrows(),
                b.ncols()
            ),
            "must have one shape",
        ));
    }
    let mut trip = triplets(a, 1.0);
    trip.extend(triplets(b, s));
    SparseRowMat::try_new_from_triplets(a.nrows(), a.ncols(), &trip).map_err(sparse("sparse sum"))
}

/// The submatrix `A[rows, cols]` (index lists, each ascending or not).
pub fn submatrix(
    a: &SparseRowMat<usize, f64>,
    rows: &[usize],
    cols: &[usize],
) -> Result<SparseRowMat<usize, f64>> {
    let mut col_map = vec![usize::MAX; a.ncols()];
    for (j, &c) in cols.iter().enumerate() {
        *col_map
            .get_mut(c)
            .ok_or_else(|| invalid("col", c, "out of range"))? = j;
    }
    let sym = a.symbolic();
    let mut trip = Vec::new();
    for (i, &r) in rows.iter().enumerate() {
        if r >= a.nrows() {
            return Err(invalid("row", r, "out of range"));
        }
        let range = sym.row_range(r);
        for (&c, &v) in sym.col_idx()[range.clone()].iter().zip(&a.val()[range]) {
            if col_map[c] != usize::MAX {
                trip.push(Triplet::new(i, col_map[c], v));
            }
        }
    }
    SparseRowMat::try_new_from_triplets(rows.len(), cols.len(), &trip).map_err(sparse("submatrix"))
}

/// The transpose as a CSR matrix.
pub fn transpose(a: &SparseRowMat<usize, f64>) -> Result<SparseRowMat<usize, f64>> {
    let sym = a.symbolic();
    let mut trip = Vec::with_capacity(a.val().len());
    for r in 0..a.nrows() {
        let range = sym.row_range(r);
        for (&c, &v) in sym.col_idx()[range.clone()].iter().zip(&a.val()[range]) {
            trip.push(Triplet::new(c, r, v));
        }
    }
    SparseRowMat::try_new_from_triplets(a.ncols(), a.nrows(), &trip).map_err(sparse("transpose"))
}

fn triplets(a: &SparseRowMat<usize, f64>, s: f64) -> Vec<Triplet<usize, usize, f64>> {
    let sym = a.symbolic();
    let mut out = Vec::with_capacity(a.val().len());
    for r in 0..a.nrows() {
        let range = sym.row_range(r);
        for (&c, &v) in sym.col_idx()[range.clone()].iter().zip(&a.val()[range]) {
            out.push(Triplet::new(r, c, s * v));
        }
    }
    out
}
