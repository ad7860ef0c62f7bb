//! [`LinearOperator`] for faer dense (`Mat`) and sparse (`SparseRowMat`,
//! `SparseColMat`) matrices, acting on any [`HostSpace`] of the same scalar.

use faer::sparse::{SparseColMat, SparseRowMat};
use faer::{Accum, ColMut, ColRef, Mat, Par};
use rayon::prelude::*;

use super::LinearOperator;
use crate::error::Result;
use crate::space::HostSpace;
use crate::space::kernels::PAR_THRESHOLD;

/// Rows per parallel work item in sparse products.
const ROW_CHUNK: usize = 2048;

/// Column range of row `i` of a compressed matrix (handles non-compact storage).
#[inline]
fn range(ptr: &[usize], nnz: Option<&[usize]>, i: usize) -> std::ops::Range<usize> {
    match nnz {
        Some(nnz) => ptr[i]..ptr[i] + nnz[i],
        None => ptr[i]..ptr[i + 1],
    }
}

/// `y ← A x` for compressed rows: a gather, parallel over rows.
fn gather<T: crate::Real>(
    ptr: &[usize],
    nnz: Option<&[usize]>,
    idx: &[usize],
    val: &[T],
    x: &[T],
    y: &mut [T],
) {
    let row = |i: usize| {
        let mut s = T::zero();
        for k in range(ptr, nnz, i) {
            s += val[k] * x[idx[k]];
        }
        s
    };
    if y.len() >= PAR_THRESHOLD {
        y.par_chunks_mut(ROW_CHUNK).enumerate().for_each(|(c, yc)| {
            for (j, yi) in yc.iter_mut().enumerate() {
                *yi = row(c * ROW_CHUNK + j);
            }
        });
    } else {
        for (i, yi) in y.iter_mut().enumerate() {
            *yi = row(i);
        }
    }
}

/// `y ← Aᵀ x` for compressed rows of `A` (equivalently `A x` for compressed
/// columns): a scatter.
fn scatter<T: crate::Real>(
    ptr: &[usize],
    nnz: Option<&[usize]>,
    idx: &[usize],
    val: &[T],
    x: &[T],
    y: &mut [T],
) {
    y.fill(T::zero());
    for (i, &xi) in x.iter().enumerate() {
        for k in range(ptr, nnz, i) {
            y[idx[k]] += val[k] * xi;
        }
    }
}

macro_rules! faer_operators {
    ($t:ty) => {
        impl<V: HostSpace<Scalar = $t>> LinearOperator<V> for Mat<$t> {
            fn nrows(&self) -> usize {
                Mat::nrows(self)
            }
            fn ncols(&self) -> usize {
                Mat::ncols(self)
            }
            fn apply(&self, x: &V, y: &mut V) {
                let xr = ColRef::from_slice(x.as_slice());
                let yr = ColMut::from_slice_mut(y.as_mut_slice());
                faer::linalg::matmul::matmul(
                    yr.as_mat_mut(),
                    Accum::Replace,
                    self.as_ref(),
                    xr.as_mat(),
                    1.0,
                    Par::rayon(0),
                );
            }
            fn has_transpose(&self) -> bool {
                true
            }
            fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
                let xr = ColRef::from_slice(x.as_slice());
                let yr = ColMut::from_slice_mut(y.as_mut_slice());
                faer::linalg::matmul::matmul(
                    yr.as_mat_mut(),
                    Accum::Replace,
                    self.as_ref().transpose(),
                    xr.as_mat(),
                    1.0,
                    Par::rayon(0),
                );
                Ok(())
            }
        }

        impl<V: HostSpace<Scalar = $t>> LinearOperator<V> for SparseRowMat<usize, $t> {
            fn nrows(&self) -> usize {
                self.symbolic().nrows()
            }
            fn ncols(&self) -> usize {
                self.symbolic().ncols()
            }
            fn apply(&self, x: &V, y: &mut V) {
                let s = self.symbolic();
                gather(
                    s.row_ptr(),
                    s.row_nnz(),
                    s.col_idx(),
                    self.val(),
                    x.as_slice(),
                    y.as_mut_slice(),
                );
            }
            fn has_transpose(&self) -> bool {
                true
            }
            fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
                let s = self.symbolic();
                scatter(
                    s.row_ptr(),
                    s.row_nnz(),
                    s.col_idx(),
                    self.val(),
                    x.as_slice(),
                    y.as_mut_slice(),
                );
                Ok(())
            }
        }

        impl<V: HostSpace<Scalar = $t>> LinearOperator<V> for SparseColMat<usize, $t> {
            fn nrows(&self) -> usize {
                self.symbolic().nrows()
            }
            fn ncols(&self) -> usize {
                self.symbolic().ncols()
            }
            fn apply(&self, x: &V, y: &mut V) {
                let s = self.symbolic();
                scatter(
                    s.col_ptr(),
                    s.col_nnz(),
                    s.row_idx(),
                    self.val(),
                    x.as_slice(),
                    y.as_mut_slice(),
                );
            }
            fn has_transpose(&self) -> bool {
                true
            }
            fn apply_transpose(&self, x: &V, y: &mut V) -> Result<()> {
                let s = self.symbolic();
                gather(
                    s.col_ptr(),
                    s.col_nnz(),
                    s.row_idx(),
                    self.val(),
                    x.as_slice(),
                    y.as_mut_slice(),
                );
                Ok(())
            }
        }
    };
}

faer_operators!(f32);
faer_operators!(f64);
