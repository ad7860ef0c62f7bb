//! Minibatch couplings for flow matching: which source sample is paired with which
//! target sample in a batch (Tong et al. 2024; Pooladian et al. 2023).
//!
//! - [`Coupling::Independent`]: position `k` with position `k` (I-CFM).
//! - [`Coupling::Exact`]: the exact OT plan between the two uniform batches (a
//!   vertex of the transport polytope, hence a permutation over `B`, by the network
//!   simplex: at `B = 256` it is faster than the Hungarian
//!   [`assignment`](super::assignment())), then `B` pairs drawn from it with
//!   replacement, as torchcfm's `OTPlanSampler` does (OT-CFM).
//! - [`Coupling::Entropic`]: the Sinkhorn plan at `reg` (SB-CFM / \[SF\]²M use
//!   `reg = 2σ²`), pairs drawn from it with replacement.
//!
//! With labels ([`pair_conditional`]), the plan is solved within each label only
//! (C2OT for discrete conditions, Cheng et al. 2025): no pair ever joins two
//! different labels.

use noether_core::rng::SplitMix64;

use crate::error::{FlowError, Result, invalid};
use crate::ot::cost::{Cloud, CostMatrix, Ground, uniform};
use crate::ot::simplex::{EmdOptions, emd};
use crate::ot::sinkhorn::{SinkhornOptions, sinkhorn};

/// How a minibatch is paired.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coupling {
    /// Position with position.
    Independent,
    /// The exact OT plan on squared distances.
    Exact,
    /// The entropic OT plan on squared distances at this ε.
    Entropic {
        /// The regularisation ε.
        reg: f64,
    },
}

/// `B` pairs `(i, j)` (source `i`, target `j`) for two batches of equal size `B`.
/// `reg` of [`Coupling::Entropic`] is in the units of `‖x − y‖²` (no
/// normalisation of the costs).
pub fn pair(
    x0: &Cloud<'_>,
    x1: &Cloud<'_>,
    coupling: Coupling,
    rng: &mut SplitMix64,
) -> Result<Vec<(usize, usize)>> {
    let b = x0.len();
    if x1.len() != b {
        return Err(FlowError::Mismatch {
            what: "minibatch size of the targets",
            expected: b,
            found: x1.len(),
        });
    }
    match coupling {
        Coupling::Independent => Ok((0..b).map(|k| (k, k)).collect()),
        Coupling::Exact => {
            let c = CostMatrix::pairwise(x0, x1, Ground::SqEuclidean)?;
            let w = uniform(b);
            let plan = emd(&w, &w, &c, &EmdOptions::default())?;
            draw_entries(&plan.entries, b, rng)
        }
        Coupling::Entropic { reg } => {
            let c = CostMatrix::pairwise(x0, x1, Ground::SqEuclidean)?;
            let w = uniform(b);
            let sol = sinkhorn(
                &w,
                &w,
                &c,
                &SinkhornOptions::new(reg).tol(1e-6).scaling(0.5),
            )?;
            let plan = sol.plan(&c);
            draw(&plan, b, b, rng)
        }
    }
}

/// [`pair`] within labels: the plan is solved separately for each label, so a
/// source labelled `l` is only paired with targets labelled `l`. Each label must
/// occur as often among the sources as among the targets (in C2OT the sources take
/// the labels of the targets they are drawn for).
pub fn pair_conditional(
    x0: &Cloud<'_>,
    labels0: &[usize],
    x1: &Cloud<'_>,
    labels1: &[usize],
    coupling: Coupling,
    rng: &mut SplitMix64,
) -> Result<Vec<(usize, usize)>> {
    if labels0.len() != x0.len() || labels1.len() != x1.len() {
        return Err(FlowError::Mismatch {
            what: "one label per point",
            expected: x0.len(),
            found: labels0.len(),
        });
    }
    let n_labels = labels0.iter().chain(labels1).max().map_or(0, |m| m + 1);
    let mut pairs = Vec::with_capacity(x0.len());
    let d = x0.dim();
    for l in 0..n_labels {
        let i0: Vec<usize> = (0..x0.len()).filter(|&k| labels0[k] == l).collect();
        let i1: Vec<usize> = (0..x1.len()).filter(|&k| labels1[k] == l).collect();
        if i0.len() != i1.len() {
            return Err(invalid(
                "label counts",
                format!("label {l}: {} sources, {} targets", i0.len(), i1.len()),
                "each label must occur equally often on both sides",
            ));
        }
        if i0.is_empty() {
            continue;
        }
        let g0: Vec<f64> = i0
            .iter()
            .flat_map(|&k| x0.point(k).iter().copied())
            .collect();
        let g1: Vec<f64> = i1
            .iter()
            .flat_map(|&k| x1.point(k).iter().copied())
            .collect();
        let c0 = Cloud::new("x0", &g0, d)?;
        let c1 = Cloud::new("x1", &g1, d)?;
        for (a, b) in pair(&c0, &c1, coupling, rng)? {
            pairs.push((i0[a], i1[b]));
        }
    }
    Ok(pairs)
}

/// `k` index pairs drawn with replacement from a dense `rows × cols` plan.
pub fn draw(
    plan: &[f64],
    cols: usize,
    k: usize,
    rng: &mut SplitMix64,
) -> Result<Vec<(usize, usize)>> {
    let mut cdf = Vec::with_capacity(plan.len());
    let mut acc = 0.0;
    for &p in plan {
        if !(p >= 0.0 && p.is_finite()) {
            return Err(FlowError::InvalidWeight {
                which: "plan",
                index: cdf.len(),
                value: p,
                reason: "plan entries must be finite and non-negative",
            });
        }
        acc += p;
        cdf.push(acc);
    }
    if acc.is_nan() || acc <= 0.0 {
        return Err(FlowError::InvalidWeight {
            which: "plan",
            index: plan.len(),
            value: acc,
            reason: "the plan has no mass",
        });
    }
    Ok((0..k)
        .map(|_| {
            let u = rng.uniform() * acc;
            let idx = cdf.partition_point(|&c| c <= u).min(plan.len() - 1);
            (idx / cols, idx % cols)
        })
        .collect())
}

/// `k` index pairs drawn with replacement from a sparse plan's entries `(i, j, w)`.
fn draw_entries(
    entries: &[(usize, usize, f64)],
    k: usize,
    rng: &mut SplitMix64,
) -> Result<Vec<(usize, usize)>> {
    let weights: Vec<f64> = entries.iter().map(|e| e.2).collect();
    Ok(draw(&weights, 1, k, rng)?
        .into_iter()
        .map(|(e, _)| (entries[e].0, entries[e].1))
        .collect())
}
