//! Preconditioners: operators applying `M⁻¹` for use with the [`krylov`](crate::krylov)
//! solvers.
//!
//! - [`Jacobi`]: `M = diag(A)`, on any [`Space`].
//! - [`Ic0`]: zero fill-in incomplete Cholesky `M = L Lᵀ` of a sparse SPD matrix.

use faer::sparse::SparseRowMat;

use crate::error::{CoreError, Result};
use crate::operator::LinearOperator;
use crate::real::Real;
use crate::space::{HostSpace, Space};
use num_traits::{Float, Zero};

/// Jacobi (diagonal) preconditioner `M⁻¹ = diag(A)⁻¹`.
///
/// ```
/// use noether_core::operator::LinearOperator;
/// use noether_core::precond::Jacobi;
///
/// let m = Jacobi::from_diagonal(vec![2.0_f64, 4.0]).unwrap();
/// let mut z = vec![0.0; 2];
/// m.apply(&vec![1.0, 1.0], &mut z);
/// assert_eq!(z, vec![0.5, 0.25]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Jacobi<V> {
    inv_diag: V,
}

impl<V: HostSpace> Jacobi<V> {
    /// From the diagonal of `A`; every entry must be finite and nonzero.
    pub fn from_diagonal(diag: V) -> Result<Self> {
        let mut inv = diag;
        for (i, d) in inv.as_mut_slice().iter_mut().enumerate() {
            if !d.is_finite() || *d == V::Scalar::zero() {
                return Err(CoreError::InvalidMatrix {
                    context: "Jacobi",
                    reason: "zero or non-finite diagonal entry",
                    index: i,
                    value: d.as_f64(),
                });
            }
            *d = d.recip();
        }
        Ok(Self { inv_diag: inv })
    }

    /// From the diagonal of a CSR matrix (missing diagonal entries are an error).
    pub fn from_csr(a: &SparseRowMat<usize, V::Scalar>) -> Result<Self> {
        let n = a.symbolic().nrows();
        let mut d = vec![V::Scalar::zero(); n];
        for (i, di) in d.iter_mut().enumerate() {
            for (j, v) in row(a, i) {
                if j == i {
                    *di += v;
                }
            }
        }
        Self::from_diagonal(V::from_slice(&d))
    }

    /// The inverse diagonal.
    pub fn inverse_diagonal(&self) -> &V {
        &self.inv_diag
    }
}

impl<V: Space> LinearOperator<V> for Jacobi<V> {
    fn nrows(&self) -> usize {
        self.inv_diag.len()
    }
    fn ncols(&self) -> usize {
        self.inv_diag.len()
    }
    fn apply(&self, x: &V, y: &mut V) {
        y.copy_from(x);
        y.mul_elementwise(&self.inv_diag);
    }
    fn has_transpose(&self) -> bool {
        true
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        self.apply(x, y);
        Ok(())
    }
}

/// Entries `(column, value)` of row `i` of a CSR matrix.
fn row<T: Copy>(a: &SparseRowMat<usize, T>, i: usize) -> impl Iterator<Item = (usize, T)> + '_ {
    let s = a.symbolic();
    let start = s.row_ptr()[i];
    let end = match s.row_nnz() {
        Some(nnz) => start + nnz[i],
        None => s.row_ptr()[i + 1],
    };
    let cols = &s.col_idx()[start..end];
    let vals = &a.val()[start..end];
    cols.iter().copied().zip(vals.iter().copied())
}

/// Zero fill-in incomplete Cholesky factorisation `A ≈ L Lᵀ`, applied as
/// `M⁻¹ = L⁻ᵀ L⁻¹` by two sparse triangular solves.
///
/// `L` has the sparsity pattern of the lower triangle of `A`. Only the lower
/// triangle (and diagonal) of `A` is read; `A` is assumed symmetric.
///
/// Errors: [`CoreError::InvalidMatrix`] for a non-square matrix, a missing or
/// non-positive pivot (`A` not SPD, or IC(0) breaking down on it), or non-finite entries.
///
/// ```
/// use noether_core::krylov::{cg, KrylovOptions};
/// use noether_core::operator::Laplacian2d;
/// use noether_core::precond::Ic0;
///
/// let lap = Laplacian2d::new(40, 40).unwrap();
/// let a = lap.to_csr().unwrap();
/// let m = Ic0::new(&a).unwrap();
/// let b = vec![1.0_f64; 1600];
/// let (mut x0, mut x1) = (vec![0.0; 1600], vec![0.0; 1600]);
/// let plain = cg(&a, &b, &mut x0, None, &KrylovOptions::default()).unwrap();
/// let pre = cg(&a, &b, &mut x1, Some(&m), &KrylovOptions::default()).unwrap();
/// assert!(pre.iterations * 2 < plain.iterations);
/// ```
#[derive(Debug, Clone)]
pub struct Ic0<T> {
    n: usize,
    /// CSR of L, columns sorted, diagonal last in each row.
    ptr: Vec<usize>,
    col: Vec<usize>,
    val: Vec<T>,
}

impl<T: Real> Ic0<T> {
    /// Factorises the lower triangle of `a`.
    pub fn new(a: &SparseRowMat<usize, T>) -> Result<Self> {
        let n = a.symbolic().nrows();
        if a.symbolic().ncols() != n {
            return Err(CoreError::InvalidMatrix {
                context: "IC(0)",
                reason: "matrix is not square",
                index: a.symbolic().ncols(),
                value: 0.0,
            });
        }
        // Lower triangle with sorted columns, duplicates summed.
        let mut ptr = Vec::with_capacity(n + 1);
        let mut col = Vec::new();
        let mut val: Vec<T> = Vec::new();
        ptr.push(0);
        let mut entries: Vec<(usize, T)> = Vec::new();
        for i in 0..n {
            entries.clear();
            entries.extend(row(a, i).filter(|&(j, _)| j <= i));
            entries.sort_by_key(|&(j, _)| j);
            for &(j, v) in &entries {
                if !v.is_finite() {
                    return Err(CoreError::InvalidMatrix {
                        context: "IC(0)",
                        reason: "non-finite entry",
                        index: i,
                        value: v.as_f64(),
                    });
                }
                if col.len() > ptr[i] && col[col.len() - 1] == j {
                    let last = val.len() - 1;
                    val[last] += v;
                } else {
                    col.push(j);
                    val.push(v);
                }
            }
            if col.len() == ptr[i] || col[col.len() - 1] != i {
                return Err(CoreError::InvalidMatrix {
                    context: "IC(0)",
                    reason: "missing diagonal entry",
                    index: i,
                    value: 0.0,
                });
            }
            ptr.push(col.len());
        }
        // Row-oriented IC(0): for k < i in the pattern of row i,
        // L_ik = (A_ik − Σ_{j<k} L_ij L_kj) / L_kk;  L_ii = sqrt(A_ii − Σ_{j<i} L_ij²).
        for i in 0..n {
            let (s, e) = (ptr[i], ptr[i + 1]);
            for p in s..e {
                let k = col[p];
                // sparse dot of row i (entries before p) with row k (entries before its diagonal)
                let (ks, ke) = (ptr[k], ptr[k + 1] - 1);
                let mut acc = T::zero();
                let (mut a_i, mut a_k) = (s, ks);
                while a_i < p && a_k < ke {
                    match col[a_i].cmp(&col[a_k]) {
                        std::cmp::Ordering::Less => a_i += 1,
                        std::cmp::Ordering::Greater => a_k += 1,
                        std::cmp::Ordering::Equal => {
                            acc += val[a_i] * val[a_k];
                            a_i += 1;
                            a_k += 1;
                        }
                    }
                }
                if k < i {
                    val[p] = (val[p] - acc) / val[ke];
                } else {
                    let d = val[p] - acc;
                    if d.partial_cmp(&T::zero()) != Some(std::cmp::Ordering::Greater)
                        || !d.is_finite()
                    {
                        return Err(CoreError::InvalidMatrix {
                            context: "IC(0)",
                            reason: "non-positive pivot: matrix not SPD (or IC(0) breakdown)",
                            index: i,
                            value: d.as_f64(),
                        });
                    }
                    val[p] = d.sqrt();
                }
            }
        }
        Ok(Self { n, ptr, col, val })
    }

    /// Number of nonzeros in `L`.
    pub fn nnz(&self) -> usize {
        self.val.len()
    }

    /// `z ← L⁻ᵀ L⁻¹ r` on slices.
    fn solve(&self, r: &[T], z: &mut [T]) {
        // forward: L y = r (y stored in z)
        for i in 0..self.n {
            let (s, e) = (self.ptr[i], self.ptr[i + 1] - 1);
            let mut acc = r[i];
            for p in s..e {
                acc -= self.val[p] * z[self.col[p]];
            }
            z[i] = acc / self.val[e];
        }
        // backward: Lᵀ z = y, column-oriented over the rows of L
        for i in (0..self.n).rev() {
            let (s, e) = (self.ptr[i], self.ptr[i + 1] - 1);
            let zi = z[i] / self.val[e];
            z[i] = zi;
            for p in s..e {
                z[self.col[p]] -= self.val[p] * zi;
            }
        }
    }
}

impl<T: Real, V: HostSpace<Scalar = T>> LinearOperator<V> for Ic0<T> {
    fn nrows(&self) -> usize {
        self.n
    }
    fn ncols(&self) -> usize {
        self.n
    }
    fn apply(&self, x: &V, y: &mut V) {
        self.solve(x.as_slice(), y.as_mut_slice());
    }
    fn has_transpose(&self) -> bool {
        true
    }
    fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
        self.solve(x.as_slice(), y.as_mut_slice());
        Ok(())
    }
}
