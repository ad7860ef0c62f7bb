//! Log-likelihoods of continuous flows by the instantaneous change of variables
//! (Chen et al. 2018; Grathwohl et al. 2019, FFJORD): along `ẋ = v(t, x)`,
//! `d log p_t(x_t)/dt = −∇·v(t, x_t)`. The density is carried in the same solve as
//! the samples, on the augmented rows `[x, ℓ]` with `ℓ̇ = −∇·v`:
//!
//! - [`sample_with_log_density`] pushes samples of the source forward and returns
//!   them with their log-density under the model;
//! - [`log_density`] integrates given points backwards to `t = 0` and evaluates
//!   `log p₁(x₁) = log p₀(x₀) − ∫₀¹ ∇·v dt`.
//!
//! The divergence is exact ([`Divergence::Exact`]: one vector–Jacobian product per
//! dimension, for low dimension) or Hutchinson's estimate `εᵀ(∂v/∂x)ε` with seeded
//! Rademacher probes held fixed through the solve ([`Divergence::Hutchinson`]),
//! unbiased for every `t`.

use std::cell::RefCell;

use noether_core::VectorField;
use noether_core::rng::SplitMix64;

use crate::cfm::{FlowModel, Sampler, integrate};
use crate::error::{FlowError, Result};
use crate::ot::Cloud;

/// A velocity field on row-major batches with its divergence.
pub trait DivergenceField {
    /// The dimension of a row.
    fn dim(&self) -> usize;
    /// `v(t, x)` for the rows of `x` into `out`.
    fn velocity(&self, t: f64, x: &[f64], out: &mut [f64]);
    /// `∇·v(t, x)` for each row, exactly.
    fn divergence(&self, t: f64, x: &[f64], out: &mut [f64]);
    /// `εᵀ (∂v/∂x) ε` for each row and its probe row `ε`.
    fn probe(&self, t: f64, x: &[f64], eps: &[f64], out: &mut [f64]);
}

/// How the divergence is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Divergence {
    /// Exactly: `dim` vector–Jacobian products.
    Exact,
    /// Hutchinson's estimator with Rademacher probes drawn from this seed (one per
    /// row, fixed through the solve).
    Hutchinson {
        /// The probes' seed.
        seed: u64,
    },
}

/// The augmented field on rows `[x, ℓ]`: `ẋ = v`, `ℓ̇ = −∇·v`.
struct Augmented<'f, F> {
    field: &'f F,
    probes: Option<Vec<f64>>,
    scratch: RefCell<(Vec<f64>, Vec<f64>, Vec<f64>)>,
}

impl<F: DivergenceField> VectorField<Vec<f64>> for Augmented<'_, F> {
    fn eval(&self, t: f64, y: &Vec<f64>, out: &mut Vec<f64>) {
        let d = self.field.dim();
        let mut guard = self.scratch.borrow_mut();
        let (x, v, div) = &mut *guard;
        x.clear();
        for row in y.chunks_exact(d + 1) {
            x.extend_from_slice(&row[..d]);
        }
        let rows = x.len() / d;
        v.resize(x.len(), 0.0);
        div.resize(rows, 0.0);
        self.field.velocity(t, x, v);
        match &self.probes {
            None => self.field.divergence(t, x, div),
            Some(eps) => self.field.probe(t, x, eps, div),
        }
        for ((o, vr), dv) in out
            .chunks_exact_mut(d + 1)
            .zip(v.chunks_exact(d))
            .zip(div.iter())
        {
            o[..d].copy_from_slice(vr);
            o[d] = -dv;
        }
    }
}

fn augmented<'f, F: DivergenceField>(
    field: &'f F,
    rows: usize,
    div: Divergence,
) -> Augmented<'f, F> {
    let probes = match div {
        Divergence::Exact => None,
        Divergence::Hutchinson { seed } => {
            let mut rng = SplitMix64::new(seed);
            Some(
                (0..rows * field.dim())
                    .map(|_| if rng.next_u64() >> 63 == 0 { 1.0 } else { -1.0 })
                    .collect(),
            )
        }
    };
    Augmented {
        field,
        probes,
        scratch: RefCell::new(Default::default()),
    }
}

/// Pushes the source samples `x0` (with their log-densities `log_p0`) from `t = 0`
/// to `t = 1` and returns the samples and their log-densities under the flow, from
/// one solve.
///
/// Errors: `x0` not whole rows, one log-density per row missing, or a failed
/// solve.
pub fn sample_with_log_density<F: DivergenceField>(
    field: &F,
    x0: &[f64],
    log_p0: &[f64],
    sampler: Sampler,
    div: Divergence,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let d = field.dim();
    let rows = Cloud::new("x0", x0, d)?.len();
    if log_p0.len() != rows {
        return Err(FlowError::Mismatch {
            what: "one source log-density per row",
            expected: rows,
            found: log_p0.len(),
        });
    }
    let y0: Vec<f64> = x0
        .chunks_exact(d)
        .zip(log_p0)
        .flat_map(|(r, l)| r.iter().copied().chain(std::iter::once(*l)))
        .collect();
    let y1 = integrate(&augmented(field, rows, div), y0, (0.0, 1.0), sampler)?;
    Ok(split(&y1, d))
}

/// `log p₁(x)` of the flow at the rows of `x1`: integrates them back to `t = 0`
/// and adds the source log-density `log_p0` there.
///
/// Errors: as [`sample_with_log_density`].
pub fn log_density<F: DivergenceField>(
    field: &F,
    x1: &[f64],
    log_p0: impl Fn(&[f64]) -> f64,
    sampler: Sampler,
    div: Divergence,
) -> Result<Vec<f64>> {
    let d = field.dim();
    let rows = Cloud::new("x1", x1, d)?.len();
    let y1: Vec<f64> = x1
        .chunks_exact(d)
        .flat_map(|r| r.iter().copied().chain(std::iter::once(0.0)))
        .collect();
    let y0 = integrate(&augmented(field, rows, div), y1, (1.0, 0.0), sampler)?;
    let (x0, ell) = split(&y0, d);
    // ℓ(0) = ∫₁⁰ −∇·v dt = ∫₀¹ ∇·v dt.
    Ok(x0
        .chunks_exact(d)
        .zip(&ell)
        .map(|(x, l)| log_p0(x) - l)
        .collect())
}

fn split(y: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = Vec::with_capacity(y.len());
    let mut l = Vec::with_capacity(y.len() / (d + 1));
    for row in y.chunks_exact(d + 1) {
        x.extend_from_slice(&row[..d]);
        l.push(row[d]);
    }
    (x, l)
}

/// The affine field `v(x) = A x + b` (row-major `A`): a flow with closed-form
/// densities (its divergence is `tr A`), for checking likelihood machinery.
#[derive(Debug, Clone, PartialEq)]
pub struct Affine {
    /// `A`, row-major `dim × dim`.
    pub a: Vec<f64>,
    /// `b`.
    pub b: Vec<f64>,
}

impl DivergenceField for Affine {
    fn dim(&self) -> usize {
        self.b.len()
    }
    fn velocity(&self, _t: f64, x: &[f64], out: &mut [f64]) {
        let d = self.dim();
        for (xr, o) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            for (i, oi) in o.iter_mut().enumerate() {
                *oi = self.b[i] + (0..d).map(|j| self.a[i * d + j] * xr[j]).sum::<f64>();
            }
        }
    }
    fn divergence(&self, _t: f64, _x: &[f64], out: &mut [f64]) {
        let d = self.dim();
        out.fill((0..d).map(|i| self.a[i * d + i]).sum());
    }
    fn probe(&self, _t: f64, _x: &[f64], eps: &[f64], out: &mut [f64]) {
        let d = self.dim();
        for (e, o) in eps.chunks_exact(d).zip(out.iter_mut()) {
            *o = (0..d)
                .map(|i| e[i] * (0..d).map(|j| self.a[i * d + j] * e[j]).sum::<f64>())
                .sum();
        }
    }
}

impl DivergenceField for FlowModel {
    fn dim(&self) -> usize {
        FlowModel::dim(self)
    }
    fn velocity(&self, t: f64, x: &[f64], out: &mut [f64]) {
        let mut v = x.to_vec();
        VectorField::eval(&self.velocity(), t, &x.to_vec(), &mut v);
        out.copy_from_slice(&v);
    }
    fn divergence(&self, t: f64, x: &[f64], out: &mut [f64]) {
        let d = FlowModel::dim(self);
        out.fill(0.0);
        let mut e = vec![0.0; x.len()];
        for k in 0..d {
            e.iter_mut()
                .enumerate()
                .for_each(|(i, v)| *v = if i % d == k { 1.0 } else { 0.0 });
            let g = self.input_vjp(t, x, &e);
            for (o, row) in out.iter_mut().zip(g.chunks_exact(d)) {
                *o += row[k];
            }
        }
    }
    fn probe(&self, t: f64, x: &[f64], eps: &[f64], out: &mut [f64]) {
        let d = FlowModel::dim(self);
        let g = self.input_vjp(t, x, eps);
        for ((o, gr), er) in out
            .iter_mut()
            .zip(g.chunks_exact(d))
            .zip(eps.chunks_exact(d))
        {
            *o = gr.iter().zip(er).map(|(a, b)| a * b).sum();
        }
    }
}
