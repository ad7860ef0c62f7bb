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
//! `⊗_d K_d` acts as `⊗_d K_{d,±}`: half-size mode products on `2^D` times fewer
//! points, half the flops of the dense eigenbasis for every `D`.
//!
//! The butterflies are fused with the mode products of the last two dimensions,
//! slab by slab, so the data make three trips through memory (see
//! [`MirrorBasis::spectral`]): a slab of the full tensor is split into its
//! orthants' half-size slabs and transformed while in cache; the leading
//! dimensions' products and the division run per orthant (one thread each); the
//! way back mirrors the first trip.

use faer::{Mat, MatRef, Par, Side};
use rayon::prelude::*;

use crate::error::Result;
use crate::kron_spectral::{leading_pass, scale, slab_transform};
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
        .map_err(crate::error::eigen_failed("eigendecomposition"))?;
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
    ///
    /// Three passes over the data: (1) per slab of the last two modes, the
    /// butterflies that split it into the `2^D` orthants' half-size slabs and,
    /// while those are in cache, the orthants' last two mode products; (2) per
    /// orthant, the leading modes' products, the division, and back; (3) per slab,
    /// the last two modes back and the butterflies that reassemble it.
    pub(crate) fn spectral(
        &self,
        x: &[f64],
        sigma2: f64,
        op: &(impl Fn(&mut f64, f64) + Sync),
    ) -> Vec<f64> {
        let big_d = self.dims.len();
        if big_d == 1 {
            return self.spectral_1d(x, sigma2, op);
        }
        let block = x.len() >> big_d;
        let mut out = vec![0.0; x.len()];
        with_buffer(x.len(), |orthants| {
            self.split_slabs(x, orthants);
            // each orthant borrows its stretch of `out` as work space
            orthants
                .par_chunks_mut(block)
                .zip(out.par_chunks_mut(block))
                .enumerate()
                .for_each(|(s, (data, tmp))| self.orthant_leading(s, data, tmp, sigma2, op));
            self.join_slabs(orthants, &mut out);
        });
        out
    }

    /// The half sizes of the dimensions (an orthant's shape).
    fn half_dims(&self) -> Vec<usize> {
        self.dims.iter().map(|n| n / 2).collect()
    }

    /// Orthant `s`'s factors: per dimension `d`, `Q₋` when bit `D−1−d` of `s` is set
    /// (the orthant is skew in `d`), else `Q₊`; and their eigenvalues.
    fn orthant_factors(&self, s: usize) -> (Vec<MatRef<'_, f64>>, Vec<&[f64]>) {
        let big_d = self.dims.len();
        let minus = |d: usize| (s >> (big_d - 1 - d)) & 1 == 1;
        (
            (0..big_d).map(|d| self.factors[d].q(minus(d))).collect(),
            (0..big_d)
                .map(|d| self.factors[d].lambda(minus(d)))
                .collect(),
        )
    }

    /// Pass (2) on orthant `s`, in place (`tmp` of the same size): the leading
    /// modes' `Qᵀ`, `op`, the leading modes' `Q`, on this thread.
    fn orthant_leading(
        &self,
        s: usize,
        data: &mut [f64],
        tmp: &mut [f64],
        sigma2: f64,
        op: &(impl Fn(&mut f64, f64) + Sync),
    ) {
        let (q, lambda) = self.orthant_factors(s);
        let half = self.half_dims();
        let leading = half.len() - 2;
        // 2·leading passes: the result ends in `data`
        let (mut cur, mut other) = (data, tmp);
        for d in (0..leading).rev() {
            leading_pass(q[d].transpose(), &half, d, cur, other, Par::Seq);
            std::mem::swap(&mut cur, &mut other);
        }
        scale(cur, &lambda, sigma2, op, Par::Seq);
        for (d, &f) in q.iter().enumerate().take(leading) {
            leading_pass(f, &half, d, cur, other, Par::Seq);
            std::mem::swap(&mut cur, &mut other);
        }
    }

    /// The slab geometry: full slab `(rows, cols)` of the last two modes, the
    /// pseudo-dimensions whose mirror offsets locate a slab (the leading
    /// dimensions, then the full slab size), and the number of half-size slabs per
    /// orthant.
    fn slab_geometry(&self) -> SlabGeometry {
        let big_d = self.dims.len();
        let (rows, cols) = (self.dims[big_d - 2], self.dims[big_d - 1]);
        let lead_dims: Vec<usize> = self.dims[..big_d - 2]
            .iter()
            .copied()
            .chain([rows * cols])
            .collect();
        let half_slabs = self.dims[..big_d - 2].iter().map(|n| n / 2).product();
        SlabGeometry {
            rows,
            cols,
            lead_dims,
            mirrors: 1 << (big_d - 2),
            half_slabs,
        }
    }

    /// Pass (1): `x` → the `2^D` orthants (one after another, each row-major of
    /// the half sizes) after the unnormalised butterflies `2^{D/2} ⊗P_d` and the
    /// last two modes' `Q±ᵀ` products.
    fn split_slabs(&self, x: &[f64], orthants: &mut [f64]) {
        let g = self.slab_geometry();
        let big_d = self.dims.len();
        let (full, half) = (g.rows * g.cols, g.rows * g.cols / 4);
        let block = orthants.len() >> big_d;
        // per half slab r, its slab in every orthant
        let mut pieces: Vec<Vec<&mut [f64]>> = (0..g.half_slabs).map(|_| Vec::new()).collect();
        for orthant in orthants.chunks_mut(block) {
            for (r, piece) in orthant.chunks_mut(half).enumerate() {
                pieces[r].push(piece);
            }
        }
        let (right, left) = (&self.factors[big_d - 1], &self.factors[big_d - 2]);
        let few = g.half_slabs < 2 * rayon::current_num_threads();
        pieces.into_par_iter().enumerate().for_each_init(
            || {
                let w = vec![0.0; g.mirrors * full];
                (w.clone(), w, vec![0; g.mirrors], vec![0.0; half])
            },
            |(w, quarters, offsets, t), (r, mut dst)| {
                mirror_row_offsets(&g.lead_dims, r, offsets);
                let combined: &[f64] = if g.mirrors == 1 {
                    &x[offsets[0]..][..full]
                } else {
                    gather_hadamard(x, offsets, w, full);
                    w
                };
                // the quarters of every combination, in orthant order
                for (c, slab) in combined.chunks(full).enumerate() {
                    quarter_fold(
                        slab,
                        g.rows,
                        g.cols,
                        &mut quarters[c * full..(c + 1) * full],
                    );
                }
                let transform = |s: usize, src: &[f64], dst: &mut [f64], t: &mut [f64]| {
                    let (m1, m2) = (s & 2 == 2, s & 1 == 1);
                    slab_transform(
                        Some(left.q(m1).transpose()),
                        right.q(m2),
                        src,
                        dst,
                        t,
                        Par::Seq,
                    );
                };
                if few {
                    quarters
                        .par_chunks(half)
                        .zip(dst.par_iter_mut())
                        .enumerate()
                        .for_each_init(
                            || vec![0.0; half],
                            |t, (s, (src, d))| transform(s, src, d, t),
                        );
                } else {
                    for (s, (src, d)) in quarters.chunks(half).zip(dst.iter_mut()).enumerate() {
                        transform(s, src, d, t);
                    }
                }
            },
        );
    }

    /// Pass (3), the inverse of [`Self::split_slabs`] (`Q±` products, then the
    /// butterflies scaled by `2^{−D}`): orthants → full tensor `out`. Tasks own a
    /// pair of mirrored slices of the first dimension (every half slab with leading
    /// index `p` writes only into slices `p` and `n₀ − 1 − p`).
    fn join_slabs(&self, orthants: &[f64], out: &mut [f64]) {
        let g = self.slab_geometry();
        let big_d = self.dims.len();
        let (full, half) = (g.rows * g.cols, g.rows * g.cols / 4);
        let block = orthants.len() >> big_d;
        let scale = 1.0 / (1usize << big_d) as f64;
        let (right, left) = (&self.factors[big_d - 1], &self.factors[big_d - 2]);
        let few = g.half_slabs < 2 * rayon::current_num_threads();
        // half slab r → its mirror images' full slabs, written through `write`
        let one = |r: usize,
                   w: &mut [f64],
                   quarters: &mut [f64],
                   offsets: &mut [usize],
                   t: &mut [f64],
                   write: &mut dyn FnMut(usize, &[f64])| {
            let transform = |s: usize, dst: &mut [f64], t: &mut [f64]| {
                let (m1, m2) = (s & 2 == 2, s & 1 == 1);
                let src = &orthants[s * block + r * half..][..half];
                slab_transform(
                    Some(left.q(m1)),
                    right.q(m2).transpose(),
                    src,
                    dst,
                    t,
                    Par::Seq,
                );
            };
            if few {
                quarters
                    .par_chunks_mut(half)
                    .enumerate()
                    .for_each_init(|| vec![0.0; half], |t, (s, d)| transform(s, d, t));
            } else {
                for (s, d) in quarters.chunks_mut(half).enumerate() {
                    transform(s, d, t);
                }
            }
            for (c, slab) in w.chunks_mut(full).enumerate() {
                quarter_unfold(&quarters[c * full..(c + 1) * full], g.rows, g.cols, slab);
            }
            hadamard(w, full, g.mirrors, g.mirrors);
            mirror_row_offsets(&g.lead_dims, r, offsets);
            for (m, &off) in offsets.iter().enumerate() {
                write(off, &w[m * full..(m + 1) * full]);
            }
        };
        let init = || {
            (
                vec![0.0; g.mirrors * full],
                vec![0.0; g.mirrors * full],
                vec![0; g.mirrors],
                vec![0.0; half],
            )
        };
        if big_d == 2 {
            let (mut w, mut quarters, mut offsets, mut t) = init();
            one(
                0,
                &mut w,
                &mut quarters,
                &mut offsets,
                &mut t,
                &mut |off, v| scaled_copy(v, scale, &mut out[off..off + full]),
            );
            return;
        }
        let (n0, h0) = (self.dims[0], self.dims[0] / 2);
        let slice = out.len() / n0;
        let per_slice = g.half_slabs / h0;
        let lead_bit = 1 << (big_d - 3);
        let (lo, hi) = out.split_at_mut(h0 * slice);
        lo.par_chunks_mut(slice)
            .zip(hi.par_chunks_mut(slice).rev())
            .enumerate()
            .for_each_init(init, |(w, quarters, offsets, t), (p, (lo, hi))| {
                let (base_lo, base_hi) = (p * slice, (n0 - 1 - p) * slice);
                for r in p * per_slice..(p + 1) * per_slice {
                    let mut m = 0;
                    one(r, w, quarters, offsets, t, &mut |off, v| {
                        let dst = if m & lead_bit == 0 {
                            &mut lo[off - base_lo..]
                        } else {
                            &mut hi[off - base_hi..]
                        };
                        scaled_copy(v, scale, &mut dst[..full]);
                        m += 1;
                    });
                }
            });
    }

    /// One dimension: fold into the symmetric and skew halves, a half-size spectral
    /// operation on each, unfold.
    fn spectral_1d(
        &self,
        x: &[f64],
        sigma2: f64,
        op: &(impl Fn(&mut f64, f64) + Sync),
    ) -> Vec<f64> {
        let n = x.len();
        let h = n / 2;
        let mut halves = vec![0.0; n];
        let (plus, minus) = halves.split_at_mut(h);
        for i in 0..h {
            (plus[i], minus[i]) = (x[i] + x[n - 1 - i], x[i] - x[n - 1 - i]);
        }
        let mut t = vec![0.0; h];
        for (skew, v) in [(false, plus), (true, minus)] {
            let f = &self.factors[0];
            slab_transform(None, f.q(skew), v, &mut t, &mut [], Par::Seq);
            scale(&mut t, &[f.lambda(skew)], sigma2, op, Par::Seq);
            slab_transform(None, f.q(skew).transpose(), &t, v, &mut [], Par::Seq);
        }
        let (plus, minus) = halves.split_at(h);
        let mut out = vec![0.0; n];
        for i in 0..h {
            out[i] = 0.5 * (plus[i] + minus[i]);
            out[n - 1 - i] = 0.5 * (plus[i] - minus[i]);
        }
        out
    }
}

/// Where the slabs of the last two modes sit; see [`MirrorBasis::slab_geometry`].
struct SlabGeometry {
    rows: usize,
    cols: usize,
    lead_dims: Vec<usize>,
    mirrors: usize,
    half_slabs: usize,
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

/// `dst = scale · src`.
fn scaled_copy(src: &[f64], scale: f64, dst: &mut [f64]) {
    dst.iter_mut().zip(src).for_each(|(d, s)| *d = scale * s);
}

/// The blocks of `w` (each `len` long) ← the unnormalised Walsh–Hadamard
/// transform of the slabs of `x` starting at `offsets` (a power of two of them,
/// at least two), its first stage read straight from `x`.
fn gather_hadamard(x: &[f64], offsets: &[usize], w: &mut [f64], len: usize) {
    let top = offsets.len() / 2;
    for u in 0..top {
        let (a, b) = (&x[offsets[u]..][..len], &x[offsets[u + top]..][..len]);
        let (lo, hi) = w.split_at_mut((u + top) * len);
        let pairs = lo[u * len..][..len].iter_mut().zip(&mut hi[..len]);
        for ((p, q), (a, b)) in pairs.zip(a.iter().zip(b)) {
            (*p, *q) = (a + b, a - b);
        }
    }
    hadamard(w, len, offsets.len(), top);
}

/// In place on `count` (a power of two) blocks of `w`, each `len` long: the
/// stages of the unnormalised Walsh–Hadamard transform over the block index for
/// the index bits below `until` (all of them when `until = count`).
fn hadamard(w: &mut [f64], len: usize, count: usize, until: usize) {
    let mut bit = 1;
    while bit < until {
        for u in (0..count).filter(|u| u & bit == 0) {
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

/// A full slab `f` (`rows × cols`, row-major, both even) → its four half-size
/// quarters in `q` (one after another, index `2σ₁ + σ₂`, `σ₁` the sign of the
/// row mirror and `σ₂` of the column mirror): `f[i,j] ± f[i,c−1−j] ±
/// (f[r−1−i,j] ± f[r−1−i,c−1−j])`, unnormalised.
fn quarter_fold(f: &[f64], rows: usize, cols: usize, q: &mut [f64]) {
    let (hr, hc) = (rows / 2, cols / 2);
    let half = hr * hc;
    let (q0, rest) = q.split_at_mut(half);
    let (q1, rest) = rest.split_at_mut(half);
    let (q2, q3) = rest.split_at_mut(half);
    for i in 0..hr {
        let (top, bottom) = (&f[i * cols..][..cols], &f[(rows - 1 - i) * cols..][..cols]);
        let (tl, tr) = top.split_at(hc);
        let (bl, br) = bottom.split_at(hc);
        let at = i * hc..(i + 1) * hc;
        let dst = q0[at.clone()]
            .iter_mut()
            .zip(q1[at.clone()].iter_mut())
            .zip(q2[at.clone()].iter_mut().zip(q3[at].iter_mut()));
        for ((((p0, p1), (p2, p3)), (a, b)), (c, d)) in dst
            .zip(tl.iter().zip(tr.iter().rev()))
            .zip(bl.iter().zip(br.iter().rev()))
        {
            let (s_top, d_top, s_bot, d_bot) = (a + b, a - b, c + d, c - d);
            (*p0, *p1, *p2, *p3) = (s_top + s_bot, d_top + d_bot, s_top - s_bot, d_top - d_bot);
        }
    }
}

/// The inverse butterflies of [`quarter_fold`] (unnormalised): the four quarters
/// `q` → the full slab `f`.
fn quarter_unfold(q: &[f64], rows: usize, cols: usize, f: &mut [f64]) {
    let (hr, hc) = (rows / 2, cols / 2);
    let half = hr * hc;
    let (q0, rest) = q.split_at(half);
    let (q1, rest) = rest.split_at(half);
    let (q2, q3) = rest.split_at(half);
    let (upper, lower) = f.split_at_mut(hr * cols);
    for i in 0..hr {
        let top = &mut upper[i * cols..][..cols];
        let bottom = &mut lower[(hr - 1 - i) * cols..][..cols];
        let (tl, tr) = top.split_at_mut(hc);
        let (bl, br) = bottom.split_at_mut(hc);
        let at = i * hc..(i + 1) * hc;
        let src = q0[at.clone()]
            .iter()
            .zip(&q1[at.clone()])
            .zip(q2[at.clone()].iter().zip(&q3[at]));
        for ((((p0, p1), (p2, p3)), (a, b)), (c, d)) in src
            .zip(tl.iter_mut().zip(tr.iter_mut().rev()))
            .zip(bl.iter_mut().zip(br.iter_mut().rev()))
        {
            let (s01, d01, s23, d23) = (p0 + p1, p0 - p1, p2 + p3, p2 - p3);
            (*a, *b, *c, *d) = (s01 + s23, d01 + d23, s01 - s23, d01 - d23);
        }
    }
}
