//! A batch view of a state holding `B` independent samples of equal length: the
//! per-sample norms and per-sample linear combinations that ensemble integration
//! with one step size per sample is built on.

use super::{AtolRef, HostSpace, Space, TolRef, kernels};
use crate::real::Real;

/// A [`Space`] whose entries are `B` samples of `len / B` entries each (row `b`
/// holds sample `b`), with reductions and updates per sample. Both methods are one
/// pass (and, on a device, one transfer of `B` scalars).
pub trait BatchSpace: Space {
    /// Number of samples `B`.
    fn batch_size(&self) -> usize;

    /// `out[b] ←` the weighted RMS norm of sample `b` (as
    /// [`Space::wrms_norm`] on that sample alone, NaN when it is not finite).
    ///
    /// Panics when `out.len() != self.batch_size()`.
    fn wrms_norm_per_sample(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>, out: &mut [f64]);

    /// Sample by sample, `self_b ← β_b·self_b + Σᵢ cᵢ[b]·xᵢ_b`: a linear
    /// combination whose coefficients differ per sample (a step of a different
    /// size for each). `beta` and every `cᵢ` have `B` entries.
    fn lincomb_per_sample(&mut self, beta: &[f64], terms: &[(&[f64], &Self)]);
}

/// `B` samples of equal length in one contiguous host vector, sample after sample.
///
/// ```
/// use noether_core::{BatchSpace, HostBatch, Space, Tolerance};
///
/// // Two samples of two entries; the second sample's step is twice the first's.
/// let y = HostBatch::new(vec![1.0, 1.0, 2.0, 2.0], 2);
/// let k = HostBatch::new(vec![1.0, 0.0, 1.0, 0.0], 2);
/// let mut y_new = y.zeros_like();
/// y_new.lincomb_per_sample(&[0.0, 0.0], &[(&[1.0, 1.0], &y), (&[0.1, 0.2], &k)]);
/// assert_eq!(y_new.data(), &[1.1, 1.0, 2.2, 2.0]);
/// let mut norms = [0.0; 2];
/// k.wrms_norm_per_sample(&y, &y, Tolerance::new(0.0, 1.0).view(), &mut norms);
/// assert_eq!(norms, [0.5f64.sqrt(), 0.5f64.sqrt()]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HostBatch<T> {
    pub(super) data: Vec<T>,
    pub(super) batch: usize,
}

impl<T: Real> HostBatch<T> {
    /// `batch` samples stored one after the other in `data`.
    ///
    /// Panics when `batch` is zero or does not divide `data.len()`.
    pub fn new(data: Vec<T>, batch: usize) -> Self {
        assert!(
            batch > 0 && data.len().is_multiple_of(batch),
            "HostBatch: {} entries do not split into {batch} samples",
            data.len()
        );
        Self { data, batch }
    }

    /// All entries, sample after sample.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// Sample `b`.
    pub fn sample(&self, b: usize) -> &[T] {
        let m = self.data.len() / self.batch;
        &self.data[b * m..(b + 1) * m]
    }
}

impl<T: Real> HostSpace for HostBatch<T> {
    fn as_slice(&self) -> &[T] {
        &self.data
    }
    fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }
    /// One sample holding `values`.
    fn from_slice(values: &[T]) -> Self {
        Self {
            data: values.to_vec(),
            batch: 1,
        }
    }
}

impl<T: Real> BatchSpace for HostBatch<T> {
    fn batch_size(&self) -> usize {
        self.batch
    }

    fn wrms_norm_per_sample(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>, out: &mut [f64]) {
        assert_eq!(out.len(), self.batch, "noether-core: one norm per sample");
        let m = self.data.len() / self.batch;
        let rtol = T::of_f64(tol.rtol);
        for (b, o) in out.iter_mut().enumerate() {
            let r = b * m..(b + 1) * m;
            let atol = match tol.atol {
                AtolRef::Scalar(a) => kernels::AtolSlice::Scalar(T::of_f64(a)),
                AtolRef::PerComponent(v) => kernels::AtolSlice::PerComponent(&v.data[r.clone()]),
            };
            *o = kernels::wrms_norm(
                &self.data[r.clone()],
                &y0.data[r.clone()],
                &y1.data[r],
                atol,
                rtol,
            )
            .as_f64();
        }
    }

    fn lincomb_per_sample(&mut self, beta: &[f64], terms: &[(&[f64], &Self)]) {
        let b_count = self.batch;
        assert_eq!(beta.len(), b_count, "noether-core: one beta per sample");
        let m = self.data.len() / b_count;
        for (b, &bb) in beta.iter().enumerate() {
            let r = b * m..(b + 1) * m;
            let term = |i: usize| {
                let (c, x): (&[f64], &Self) = (terms[i].0, terms[i].1);
                assert_eq!(c.len(), b_count, "noether-core: one coefficient per sample");
                (T::of_f64(c[b]), &x.data[r.clone()])
            };
            let out = &mut self.data[r.clone()];
            if m <= SMALL_SAMPLE {
                // Small samples (ODE systems of a few components) accumulate term
                // by term, exactly as the host `lincomb` of a vector that small
                // does, so that a batched solve rounds as the solves of its samples.
                let beta = T::of_f64(bb);
                let mut acc = [T::zero(); SMALL_SAMPLE];
                if beta != T::zero() {
                    for (a, &yi) in acc.iter_mut().zip(out.iter()) {
                        *a = beta * yi;
                    }
                }
                for i in 0..terms.len() {
                    let (c, x) = term(i);
                    for (a, &xi) in acc.iter_mut().zip(x) {
                        *a += c * xi;
                    }
                }
                out.copy_from_slice(&acc[..m]);
            } else {
                with_slices(terms.len(), term, |s| {
                    kernels::lincomb(T::of_f64(bb), s, out)
                });
            }
        }
    }
}

/// Samples up to this length take the term-by-term path of
/// [`HostBatch::lincomb_per_sample`] (the host `lincomb`'s small-state path).
const SMALL_SAMPLE: usize = 8;

/// Calls `run` with the `count` terms `term(i)` as a slice: on the stack up to
/// [`MAX_FUSED_TERMS`](super::MAX_FUSED_TERMS) terms (no allocation), in a vector
/// beyond.
fn with_slices<'a, T: Real>(
    count: usize,
    term: impl Fn(usize) -> (T, &'a [T]),
    run: impl FnOnce(&[(T, &'a [T])]),
) {
    const N: usize = super::MAX_FUSED_TERMS;
    if count <= N {
        let mut buf: [(T, &[T]); N] = [(T::zero(), &[]); N];
        for (i, b) in buf.iter_mut().enumerate().take(count) {
            *b = term(i);
        }
        run(&buf[..count]);
    } else {
        let v: Vec<(T, &[T])> = (0..count).map(term).collect();
        run(&v);
    }
}
