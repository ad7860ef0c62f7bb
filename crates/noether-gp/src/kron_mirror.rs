//! The eigenbasis of `⊗_d K_d` when every factor is centrosymmetric of even size
//! (`J K J = K`: a stationary kernel on a uniform grid), used by
//! [`crate::kron::KroneckerEigen`].
//!
//! Each factor's eigenvectors are then symmetric or skew (Cantoni & Butler 1976):
//! `K = Pᵀ diag(K₊, K₋) P` with the orthogonal butterfly `P = [[I, J], [I, −J]]/√2`
//! and half-size blocks `K± = A ± BJ` (see [`crate::centro`]), so
//! `Q = Pᵀ diag(Q₊, Q₋)` with `K± = Q± Λ± Q±ᵀ`. On the tensor, `⊗_d P_d` is a
//! Walsh–Hadamard transform over the `2^D` mirror images of each point; after it
//! the data fall into `2^D` independent half-size tensors ("orthants"), on which
//! `⊗_d K_d` acts as `⊗_d K_{d,±}`. A solve is then one pass of butterflies, `2^D`
//! half-size spectral solves (each on `2^D` times fewer points, with half-size mode
//! products; run side by side, one thread each) and one pass back: together half
//! the flops of the dense eigenbasis for every `D`, on pieces that fit in cache.

use faer::{Mat, MatRef, Par, Side};
use rayon::prelude::*;

use crate::error::{GpError, Result};
use crate::kron_spectral::spectral_in_place;
use crate::workspace::with_buffer;

/// One centrosymmetric factor through its half-size eigendecompositions.
#[derive(Debug, Clone)]
pub(crate) struct MirrorFactor {
    /// Eigenvectors of `K₊` (symmetric eigenvectors of `K`), columns.
    q_plus: Mat<f64>,
    /// Eigenvectors of `K₋` (skew eigenvectors of `K`), columns.
    q_minus: Mat<f64>,
    lambda_plus: Vec<f64>,
    lambda_minus: Vec<f64>,
}

impl MirrorFactor {
    /// The half-size eigendecompositions of `k`, or `None` when `k` is not square,
    /// of even size, and centrosymmetric to within `√n·ε·‖K‖_F` entrywise: at most
    /// `n·ε·‖K‖₂`, the backward error of a dense symmetric eigensolver, so solving
    /// with the average `(K + JKJ)/2` instead (what this basis diagonalises) is as
    /// exact as the dense eigenbasis. Uniform grids in floating point stay within it
    /// unless their spacing is tiny against their offset.
    pub(crate) fn new(k: &Mat<f64>) -> Result<Option<Self>> {
        let n = k.nrows();
        if k.ncols() != n || n == 0 || !n.is_multiple_of(2) {
            return Ok(None);
        }
        let mut frobenius2 = 0.0_f64;
        let mut asym = 0.0_f64;
        for j in 0..n {
            for i in 0..n {
                frobenius2 += k[(i, j)] * k[(i, j)];
                asym = asym.max((k[(i, j)] - k[(n - 1 - i, n - 1 - j)]).abs());
            }
        }
        // (entries are finite: checked by the caller)
        if asym > (n as f64).sqrt() * f64::EPSILON * frobenius2.sqrt() {
            return Ok(None);
        }
        let h = n / 2;
        let r = |i: usize| n - 1 - i;
        // K± = Ã ± B̃J of the symmetrised (K + JKJ)/2
        let half = |sign: f64| {
            Mat::from_fn(h, h, |i, j| {
                0.5 * (k[(i, j)] + k[(r(i), r(j))]) + sign * 0.5 * (k[(i, r(j))] + k[(r(i), j)])
            })
        };
        let (q_plus, lambda_plus) = eigh(half(1.0))?;
        let (q_minus, lambda_minus) = eigh(half(-1.0))?;
        Ok(Some(Self {
            q_plus,
            q_minus,
            lambda_plus,
            lambda_minus,
        }))
    }

    /// The eigenvalues: those of `K₊`, then those of `K₋`.
    pub(crate) fn eigenvalues(&self) -> Vec<f64> {
        let mut l = self.lambda_plus.clone();
        l.extend_from_slice(&self.lambda_minus);
        l
    }

    /// The full orthonormal eigenvectors `Pᵀ diag(Q₊, Q₋)` as columns, in the order
    /// of [`Self::eigenvalues`].
    pub(crate) fn eigenvectors(&self) -> Mat<f64> {
        let h = self.q_plus.nrows();
        let n = 2 * h;
        let c = std::f64::consts::FRAC_1_SQRT_2;
        Mat::from_fn(n, n, |i, j| {
            let (row, mirrored) = if i < h { (i, false) } else { (n - 1 - i, true) };
            match (j < h, mirrored) {
                (true, _) => c * self.q_plus[(row, j)],
                (false, false) => c * self.q_minus[(row, j - h)],
                (false, true) => -c * self.q_minus[(row, j - h)],
            }
        })
    }

    fn lambda(&self, minus: bool) -> &[f64] {
        if minus {
            &self.lambda_minus
        } else {
            &self.lambda_plus
        }
    }

    fn q(&self, minus: bool) -> MatRef<'_, f64> {
        if minus {
            self.q_minus.as_ref()
        } else {
            self.q_plus.as_ref()
        }
    }
}

fn eigh(m: Mat<f64>) -> Result<(Mat<f64>, Vec<f64>)> {
    let eig = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| GpError::LinearAlgebra(format!("eigendecomposition: {e:?}")))?;
    let s = eig.S();
    Ok((eig.U().to_owned(), (0..m.nrows()).map(|i| s[i]).collect()))
}

/// `⊗_d K_d` over centrosymmetric factors of even sizes, in the mirror basis.
#[derive(Debug, Clone)]
pub(crate) struct MirrorBasis {
    factors: Vec<MirrorFactor>,
    dims: Vec<usize>,
}

impl MirrorBasis {
    /// The basis over `factors` (tensor dimensions in order, first slowest).
    pub(crate) fn new(factors: Vec<MirrorFactor>) -> Self {
        let dims = factors.iter().map(|f| 2 * f.q_plus.nrows()).collect();
        Self { factors, dims }
    }

    /// `Q op(Λ + σ²) Qᵀ x` for the full tensor `x` (row-major, first factor
    /// slowest), `op(a, s)` applied to each coefficient `a` with its eigenvalue
    /// `s = Πλ + σ²`.
    pub(crate) fn spectral(
        &self,
        x: &[f64],
        sigma2: f64,
        op: &(impl Fn(&mut f64, f64) + Sync),
    ) -> Vec<f64> {
        let block = x.len() >> self.dims.len();
        let mut out = vec![0.0; x.len()];
        with_buffer(x.len(), |orthants| {
            fold(x, &self.dims, orthants);
            // each orthant borrows its stretch of `out` as work space
            orthants
                .par_chunks_mut(block)
                .zip(out.par_chunks_mut(block))
                .enumerate()
                .for_each(|(s, (data, tmp))| self.orthant_spectral(s, data, tmp, sigma2, op));
            unfold(orthants, &self.dims, &mut out);
        });
        out
    }

    /// The spectral operation on orthant `s` (bit `D−1−d` of `s` set when the
    /// orthant is skew in dimension `d`), in place, with `tmp` of the same size, on
    /// this thread.
    fn orthant_spectral(
        &self,
        s: usize,
        data: &mut [f64],
        tmp: &mut [f64],
        sigma2: f64,
        op: &(impl Fn(&mut f64, f64) + Sync),
    ) {
        let big_d = self.dims.len();
        let minus = |d: usize| (s >> (big_d - 1 - d)) & 1 == 1;
        let q: Vec<MatRef<'_, f64>> = (0..big_d).map(|d| self.factors[d].q(minus(d))).collect();
        let lambda: Vec<&[f64]> = (0..big_d)
            .map(|d| self.factors[d].lambda(minus(d)))
            .collect();
        spectral_in_place(&q, &lambda, sigma2, op, data, tmp, Par::Seq);
    }
}

/// Rows (in half-size index space) of each orthant handled by one parallel task.
fn task_rows(dims: &[usize]) -> usize {
    let half_row = dims[dims.len() - 1] / 2;
    (4096 / half_row.max(1)).max(1)
}

/// The half-size row index → for each mirror image over the leading dimensions
/// (`2^{D−1}` of them, bit `D−2−d` set when dimension `d` is mirrored) the start
/// of that full-size row.
fn mirror_row_offsets(dims: &[usize], half_row: usize, offsets: &mut [usize]) {
    let lead = dims.len() - 1;
    offsets.fill(0);
    let mut rest = half_row;
    let mut stride = dims[lead];
    for d in (0..lead).rev() {
        let h = dims[d] / 2;
        let i = rest % h;
        rest /= h;
        let bit = 1 << (lead - 1 - d);
        for (m, off) in offsets.iter_mut().enumerate() {
            let idx = if m & bit == 0 { i } else { dims[d] - 1 - i };
            *off += idx * stride;
        }
        stride *= dims[d];
    }
}

/// In place on `2^D` rows of `w` (each `len` long): the unnormalised
/// Walsh–Hadamard transform over bits `1..D` of the row index.
#[inline(always)]
fn hadamard_leading(w: &mut [f64], len: usize, rows: usize) {
    let mut bit = 2;
    while bit < rows {
        for u in (0..rows).filter(|u| u & bit == 0) {
            let (lo, hi) = w.split_at_mut((u | bit) * len);
            let (a, b) = (&mut lo[u * len..(u + 1) * len], &mut hi[..len]);
            a.iter_mut().zip(b.iter_mut()).for_each(|(a, b)| {
                let (x, y) = (*a, *b);
                *a = x + y;
                *b = x - y;
            });
        }
        bit <<= 1;
    }
}

/// The unnormalised butterfly `H = 2^{D/2} ⊗P_d`: `x` (full tensor) → `out`, the
/// `2^D` orthants one after another, orthant `s` holding at half-index `i`
/// `Σ_m (−1)^{|s∧m|} x[mirror_m(i)]`.
fn fold(x: &[f64], dims: &[usize], out: &mut [f64]) {
    let big_d = dims.len();
    let h_last = dims[big_d - 1] / 2;
    let rows = 1 << big_d;
    let block = out.len() / rows;
    let half_rows = block / h_last;
    let chunk = task_rows(dims) * h_last;
    // per task, its piece of every orthant
    let mut pieces: Vec<Vec<&mut [f64]>> = (0..block.div_ceil(chunk)).map(|_| Vec::new()).collect();
    for orthant in out.chunks_mut(block) {
        for (t, piece) in orthant.chunks_mut(chunk).enumerate() {
            pieces[t].push(piece);
        }
    }
    pieces.into_par_iter().enumerate().for_each_init(
        || (vec![0.0; rows * h_last], vec![0; rows / 2]),
        |(w, offsets), (t, mut pieces)| {
            let first = t * chunk / h_last;
            pulp::Arch::new().dispatch(FoldRows {
                x,
                dims,
                w,
                offsets,
                pieces: &mut pieces,
                half_rows: first..(first + chunk / h_last).min(half_rows),
            });
        },
    );
}

/// One task of [`fold`]: half rows `half_rows`, written to `pieces` (this task's
/// stretch of every orthant). A [`pulp::WithSimd`] so that its butterflies run
/// four wide on AVX2.
struct FoldRows<'a, 'b> {
    x: &'a [f64],
    dims: &'a [usize],
    w: &'a mut [f64],
    offsets: &'a mut [usize],
    pieces: &'a mut [&'b mut [f64]],
    half_rows: std::ops::Range<usize>,
}

impl pulp::WithSimd for FoldRows<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let Self {
            x,
            dims,
            w,
            offsets,
            pieces,
            half_rows,
        } = self;
        let n_last = dims[dims.len() - 1];
        let h_last = n_last / 2;
        let first = half_rows.start;
        for r in half_rows {
            mirror_row_offsets(dims, r, offsets);
            for (pair, &off) in w.chunks_mut(2 * h_last).zip(offsets.iter()) {
                let (top, bottom) = x[off..off + n_last].split_at(h_last);
                let (wp, wm) = pair.split_at_mut(h_last);
                for (((p, q), a), b) in wp.iter_mut().zip(wm).zip(top).zip(bottom.iter().rev()) {
                    *p = a + b;
                    *q = a - b;
                }
            }
            hadamard_leading(w, h_last, pieces.len());
            let at = (r - first) * h_last;
            for (s, dst) in pieces.iter_mut().enumerate() {
                dst[at..at + h_last].copy_from_slice(&w[s * h_last..(s + 1) * h_last]);
            }
        }
    }
}

/// Half row `r` of the orthants → `w`: the `2^{D−1}` pairs (plus, minus) of its
/// mirror images' full rows, unscaled.
#[inline(always)]
fn gather(orthants: &[f64], w: &mut [f64], r: usize, h_last: usize, rows: usize) {
    let block = orthants.len() / rows;
    for (s, dst) in w.chunks_mut(h_last).enumerate() {
        dst.copy_from_slice(&orthants[s * block + r * h_last..][..h_last]);
    }
    hadamard_leading(w, h_last, rows);
}

/// A full row `dst` from its pair `(wp, wm)`: the last butterfly, scaled.
#[inline(always)]
fn fill(dst: &mut [f64], wp: &[f64], wm: &[f64], scale: f64) {
    let (top, bottom) = dst.split_at_mut(wp.len());
    for (((t, b), p), q) in top.iter_mut().zip(bottom.iter_mut().rev()).zip(wp).zip(wm) {
        *t = scale * (p + q);
        *b = scale * (p - q);
    }
}

/// The inverse of [`fold`] (`H⁻¹ = 2^{−D} H`): orthants → full tensor. Tasks own
/// a pair of mirrored slabs of the first dimension (every half row with leading
/// index `p` writes only into slabs `p` and `n₀ − 1 − p`).
fn unfold(orthants: &[f64], dims: &[usize], out: &mut [f64]) {
    let big_d = dims.len();
    let h_last = dims[big_d - 1] / 2;
    let rows = 1 << big_d;
    let scale = 1.0 / rows as f64;
    if big_d == 1 {
        let mut w = vec![0.0; rows * h_last];
        gather(orthants, &mut w, 0, h_last, rows);
        let (wp, wm) = w.split_at(h_last);
        fill(out, wp, wm, scale);
        return;
    }
    let (n0, h0) = (dims[0], dims[0] / 2);
    let slab = out.len() / n0;
    let (lo, hi) = out.split_at_mut(h0 * slab);
    lo.par_chunks_mut(slab)
        .zip(hi.par_chunks_mut(slab).rev())
        .enumerate()
        .for_each_init(
            || (vec![0.0; rows * h_last], vec![0; rows / 2]),
            |(w, offsets), (p, (slab_lo, slab_hi))| {
                pulp::Arch::new().dispatch(UnfoldSlabs {
                    orthants,
                    dims,
                    w,
                    offsets,
                    p,
                    slab_lo,
                    slab_hi,
                });
            },
        );
}

/// One task of [`unfold`]: the half rows with leading index `p`, written into the
/// slabs `p` (`slab_lo`) and `n₀ − 1 − p` (`slab_hi`). A [`pulp::WithSimd`] so that
/// its butterflies run four wide on AVX2.
struct UnfoldSlabs<'a> {
    orthants: &'a [f64],
    dims: &'a [usize],
    w: &'a mut [f64],
    offsets: &'a mut [usize],
    p: usize,
    slab_lo: &'a mut [f64],
    slab_hi: &'a mut [f64],
}

impl pulp::WithSimd for UnfoldSlabs<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let Self {
            orthants,
            dims,
            w,
            offsets,
            p,
            slab_lo,
            slab_hi,
        } = self;
        let big_d = dims.len();
        let (n_last, h_last) = (dims[big_d - 1], dims[big_d - 1] / 2);
        let rows = 1 << big_d;
        let scale = 1.0 / rows as f64;
        let slab = slab_lo.len();
        let (base_lo, base_hi) = (p * slab, (dims[0] - 1 - p) * slab);
        let per_slab = orthants.len() / rows / h_last / (dims[0] / 2);
        let lead_bit = 1 << (big_d - 2);
        for r in p * per_slab..(p + 1) * per_slab {
            mirror_row_offsets(dims, r, offsets);
            gather(orthants, w, r, h_last, rows);
            for (m, pair) in w.chunks(2 * h_last).enumerate() {
                let dst = if m & lead_bit == 0 {
                    &mut slab_lo[offsets[m] - base_lo..][..n_last]
                } else {
                    &mut slab_hi[offsets[m] - base_hi..][..n_last]
                };
                let (wp, wm) = pair.split_at(h_last);
                fill(dst, wp, wm, scale);
            }
        }
    }
}
