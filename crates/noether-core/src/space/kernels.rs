//! Slice kernels behind every host [`Space`](super::Space) implementation.
//!
//! Large vectors are processed in parallel with rayon in fixed chunks of
//! [`CHUNK`] entries. Reductions sum the per-chunk partial results in chunk order, so
//! results are bitwise reproducible whatever the number of threads and whether the
//! parallel path is taken at all.

use rayon::prelude::*;

use crate::real::Real;

/// Entries per parallel work item and per reduction partial sum.
pub const CHUNK: usize = 8192;

/// Vectors at least this long use the rayon thread pool.
pub const PAR_THRESHOLD: usize = 4 * CHUNK;

/// Entries per cache block in the fused linear combination.
const BLOCK: usize = 512;

#[inline]
pub(crate) fn check_len(what: &'static str, a: usize, b: usize) {
    assert_eq!(a, b, "noether-core: length mismatch in {what}");
}

/// Applies `f` to matching chunks of `y` (mutable) in parallel when large.
#[inline]
fn for_each_chunk<T: Real>(y: &mut [T], f: impl Fn(usize, &mut [T]) + Sync + Send) {
    if y.len() >= PAR_THRESHOLD {
        y.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, yc)| f(c * CHUNK, yc));
    } else {
        for (c, yc) in y.chunks_mut(CHUNK).enumerate() {
            f(c * CHUNK, yc);
        }
    }
}

/// Sums `f(start, end)` over chunks in chunk order (deterministic).
#[inline]
fn reduce_chunks<T: Real>(n: usize, f: impl Fn(usize, usize) -> T + Sync + Send) -> T {
    let nchunks = n.div_ceil(CHUNK);
    let part = |c: usize| f(c * CHUNK, ((c + 1) * CHUNK).min(n));
    if n >= PAR_THRESHOLD {
        let parts: Vec<T> = (0..nchunks).into_par_iter().map(part).collect();
        parts.into_iter().fold(T::zero(), |a, b| a + b)
    } else {
        (0..nchunks).map(part).fold(T::zero(), |a, b| a + b)
    }
}

/// `y ← y + a·x`.
pub fn axpy<T: Real>(a: T, x: &[T], y: &mut [T]) {
    check_len("axpy", x.len(), y.len());
    for_each_chunk(y, |s, yc| {
        let xc = &x[s..s + yc.len()];
        for (yi, &xi) in yc.iter_mut().zip(xc) {
            *yi += a * xi;
        }
    });
}

/// `y ← a·y`.
pub fn scale<T: Real>(a: T, y: &mut [T]) {
    for_each_chunk(y, |_, yc| {
        for yi in yc.iter_mut() {
            *yi *= a;
        }
    });
}

/// `y ← value`.
pub fn fill<T: Real>(value: T, y: &mut [T]) {
    for_each_chunk(y, |_, yc| yc.fill(value));
}

/// `y ← x`.
pub fn copy<T: Real>(x: &[T], y: &mut [T]) {
    check_len("copy", x.len(), y.len());
    for_each_chunk(y, |s, yc| {
        let n = yc.len();
        yc.copy_from_slice(&x[s..s + n]);
    });
}

/// `y ← y ⊙ d`.
pub fn mul_elementwise<T: Real>(d: &[T], y: &mut [T]) {
    check_len("mul_elementwise", d.len(), y.len());
    for_each_chunk(y, |s, yc| {
        let dc = &d[s..s + yc.len()];
        for (yi, &di) in yc.iter_mut().zip(dc) {
            *yi *= di;
        }
    });
}

/// Length up to which host vectors use a one-pass-per-entry linear combination.
pub const TINY: usize = 16;

/// `y ← β·y + Σᵢ aᵢ·xᵢ` in one pass over memory, blocked so that the partial sums
/// stay in cache. With `β = 0` the old `y` is not read.
pub fn lincomb<T: Real>(beta: T, terms: &[(T, &[T])], y: &mut [T]) {
    for (_, x) in terms {
        check_len("lincomb", x.len(), y.len());
    }
    if y.len() <= BLOCK {
        // Small states (ODE systems of a few components): no chunking machinery.
        lincomb_block(beta, terms, y, 0);
        return;
    }
    for_each_chunk(y, |s, yc| {
        for (b, yb) in yc.chunks_mut(BLOCK).enumerate() {
            lincomb_block(beta, terms, yb, s + b * BLOCK);
        }
    });
}

/// One cache block of [`lincomb`]: `yb` is `y[o .. o + yb.len()]`.
#[inline]
fn lincomb_block<T: Real>(beta: T, terms: &[(T, &[T])], yb: &mut [T], o: usize) {
    let n = yb.len();
    let mut rest = terms;
    if beta == T::zero() {
        match terms.split_first() {
            Some(((a0, x0), tail)) => {
                for (yi, &xi) in yb.iter_mut().zip(&x0[o..o + n]) {
                    *yi = *a0 * xi;
                }
                rest = tail;
            }
            None => yb.fill(T::zero()),
        }
    } else if beta != T::one() {
        for yi in yb.iter_mut() {
            *yi *= beta;
        }
    }
    // Two terms per sweep halves the number of passes over the block.
    let mut pairs = rest.chunks_exact(2);
    for pair in &mut pairs {
        let (a1, x1) = pair[0];
        let (a2, x2) = pair[1];
        for ((yi, &u), &v) in yb.iter_mut().zip(&x1[o..o + n]).zip(&x2[o..o + n]) {
            *yi += a1 * u + a2 * v;
        }
    }
    if let [(a, x)] = pairs.remainder() {
        for (yi, &u) in yb.iter_mut().zip(&x[o..o + n]) {
            *yi += *a * u;
        }
    }
}

/// Inner product with four independent accumulators per chunk.
pub fn dot<T: Real>(x: &[T], y: &[T]) -> T {
    check_len("dot", x.len(), y.len());
    reduce_chunks(x.len(), |s, e| dot_serial(&x[s..e], &y[s..e]))
}

#[inline]
fn dot_serial<T: Real>(x: &[T], y: &[T]) -> T {
    let mut acc = [T::zero(); 4];
    let xs = x.chunks_exact(4);
    let ys = y.chunks_exact(4);
    let (xr, yr) = (xs.remainder(), ys.remainder());
    for (a, b) in xs.zip(ys) {
        acc[0] += a[0] * b[0];
        acc[1] += a[1] * b[1];
        acc[2] += a[2] * b[2];
        acc[3] += a[3] * b[3];
    }
    let mut tail = T::zero();
    for (&a, &b) in xr.iter().zip(yr) {
        tail += a * b;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `max |xᵢ|` (zero for an empty slice; NaN if any entry is NaN).
pub fn norm_inf<T: Real>(x: &[T]) -> T {
    let n = x.len();
    let nchunks = n.div_ceil(CHUNK);
    let part = |c: usize| {
        x[c * CHUNK..((c + 1) * CHUNK).min(n)]
            .iter()
            .fold(T::zero(), |m, &v| nan_max(m, v.abs()))
    };
    let fold = |m: T, v: T| nan_max(m, v);
    if n >= PAR_THRESHOLD {
        let parts: Vec<T> = (0..nchunks).into_par_iter().map(part).collect();
        parts.into_iter().fold(T::zero(), fold)
    } else {
        (0..nchunks).map(part).fold(T::zero(), fold)
    }
}

#[inline]
fn nan_max<T: Real>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::nan()
    } else if b > a {
        b
    } else {
        a
    }
}

/// The absolute tolerance of the weighted norms as the kernels see it.
#[derive(Debug, Clone, Copy)]
pub enum AtolSlice<'a, T> {
    /// One value for every component.
    Scalar(T),
    /// One value per component.
    PerComponent(&'a [T]),
}

/// Weighted RMS norm of the error `e` for step-size control:
/// `sqrt(mean((eᵢ / (atolᵢ + rtol·max(|y0ᵢ|, |y1ᵢ|)))²))` (a zero `eᵢ` counts zero);
/// NaN when `e`, `y0` or `y1` holds a non-finite entry (the probe
/// `Σ (eᵢ·0 + |y0ᵢ|·0 + |y1ᵢ|·0)` is `+0` exactly otherwise, so finite results are
/// unchanged bit for bit).
pub fn wrms_norm<T: Real>(e: &[T], y0: &[T], y1: &[T], atol: AtolSlice<'_, T>, rtol: T) -> T {
    check_len("wrms_norm", e.len(), y0.len());
    check_len("wrms_norm", e.len(), y1.len());
    let n = e.len();
    if n == 0 {
        return T::zero();
    }
    let sum = match atol {
        AtolSlice::Scalar(a) => wrms_sum(e, y0, y1, |_| a, rtol),
        AtolSlice::PerComponent(av) => {
            check_len("wrms_norm atol", e.len(), av.len());
            wrms_sum(e, y0, y1, |i| av[i], rtol)
        }
    };
    (sum / T::of_f64(n as f64)).sqrt()
}

#[inline(always)]
fn wrms_sum<T: Real>(
    e: &[T],
    y0: &[T],
    y1: &[T],
    atol: impl Fn(usize) -> T + Sync + Send,
    rtol: T,
) -> T {
    let n = e.len();
    let part = |s: usize, t: usize| {
        let mut acc = T::zero();
        let mut probe = T::zero();
        for (i, ((&ei, &a), &b)) in e[s..t].iter().zip(&y0[s..t]).zip(&y1[s..t]).enumerate() {
            let (a, b) = (a.abs(), b.abs());
            // A zero error is zero whatever the weight (atolᵢ = 0 at a zero state).
            let r = if ei == T::zero() {
                T::zero()
            } else {
                ei / (atol(s + i) + rtol * a.max(b))
            };
            acc += r * r;
            // x·0 is +0 for finite x and NaN for NaN/±∞ (no overflow for large x).
            probe += ei * T::zero() + a * T::zero() + b * T::zero();
        }
        acc + probe
    };
    if n <= TINY {
        part(0, n)
    } else {
        reduce_chunks(n, part)
    }
}

/// Weighted maximum norm `maxᵢ |eᵢ| / (atolᵢ + rtol·|yᵢ|)`: NaN if any ratio is NaN
/// or any `yᵢ` is not finite.
pub fn wmax_norm<T: Real>(e: &[T], y: &[T], atol: AtolSlice<'_, T>, rtol: T) -> T {
    check_len("wmax_norm", e.len(), y.len());
    let at = |i: usize| match atol {
        AtolSlice::Scalar(a) => a,
        AtolSlice::PerComponent(av) => av[i],
    };
    if let AtolSlice::PerComponent(av) = atol {
        check_len("wmax_norm atol", e.len(), av.len());
    }
    let mut m = T::zero();
    for (i, (&ei, &yi)) in e.iter().zip(y).enumerate() {
        let r = ei.abs() / (at(i) + rtol * yi.abs());
        if r.is_nan() || !yi.is_finite() {
            return T::nan();
        }
        if r > m {
            m = r;
        }
    }
    m
}

/// `true` when every entry is finite.
pub fn all_finite<T: Real>(x: &[T]) -> bool {
    if x.len() >= PAR_THRESHOLD {
        x.par_chunks(CHUNK).all(|c| c.iter().all(|v| v.is_finite()))
    } else {
        x.iter().all(|v| v.is_finite())
    }
}
