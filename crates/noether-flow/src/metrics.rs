//! Distances between samples, to judge generated against target samples: W₁ and
//! W₂ by exact OT, the Sinkhorn divergence, MMD and the energy distance. Beside a
//! W₂ between generated and target samples, report the *finite-sample floor*: the
//! same distance between two independent target samples of the same size.

use rayon::prelude::*;

use crate::error::{Result, invalid};
use crate::ot::{Cloud, CostMatrix, EmdOptions, Ground, SinkhornOptions, emd, sinkhorn, uniform};

/// `W_p` for `p = 1` or `2` between the uniform empirical measures of two clouds,
/// by exact OT (the network simplex): `(min Σ Pᵢⱼ ‖xᵢ − yⱼ‖ᵖ)^{1/p}`.
///
/// ```
/// use noether_flow::metrics::wasserstein;
/// use noether_flow::ot::Cloud;
///
/// // Shifting a cloud by (3, 4) costs exactly 5 in W₂.
/// let x = [0.0, 0.0, 1.0, 2.0, -1.0, 0.5];
/// let y: Vec<f64> = x.chunks(2).flat_map(|p| [p[0] + 3.0, p[1] + 4.0]).collect();
/// let w2 = wasserstein(&Cloud::new("x", &x, 2)?, &Cloud::new("y", &y, 2)?, 2)?;
/// assert!((w2 - 5.0).abs() < 1e-12);
/// # Ok::<(), noether_flow::FlowError>(())
/// ```
pub fn wasserstein(x: &Cloud<'_>, y: &Cloud<'_>, p: u32) -> Result<f64> {
    let ground = match p {
        1 => Ground::Euclidean,
        2 => Ground::SqEuclidean,
        _ => return Err(invalid("p", p, "W_p is provided for p = 1 and p = 2")),
    };
    let c = CostMatrix::pairwise(x, y, ground)?;
    let plan = emd(
        &uniform(x.len()),
        &uniform(y.len()),
        &c,
        &EmdOptions::default(),
    )?;
    Ok(if p == 2 {
        plan.cost.max(0.0).sqrt()
    } else {
        plan.cost
    })
}

/// The Sinkhorn divergence `S_ε(x, y) = OT_ε(x, y) − ½OT_ε(x, x) − ½OT_ε(y, y)`
/// on squared distances (Genevay et al. 2018; Feydy et al. 2019), uniform weights:
/// non-negative, zero for equal clouds, between W₂² (ε → 0) and MMD (ε → ∞).
pub fn sinkhorn_divergence(x: &Cloud<'_>, y: &Cloud<'_>, reg: f64) -> Result<f64> {
    let ot = |p: &Cloud<'_>, q: &Cloud<'_>| -> Result<f64> {
        let c = CostMatrix::pairwise(p, q, Ground::SqEuclidean)?;
        let opts = SinkhornOptions::new(reg).tol(1e-9).scaling(0.5);
        Ok(sinkhorn(&uniform(p.len()), &uniform(q.len()), &c, &opts)?.objective)
    };
    Ok(ot(x, y)? - 0.5 * ot(x, x)? - 0.5 * ot(y, y)?)
}

/// Mean of `k(p, q)` over all pairs of two clouds (the diagonal left out when
/// `same`).
fn mean_kernel(x: &Cloud<'_>, y: &Cloud<'_>, same: bool, k: &(dyn Fn(f64) -> f64 + Sync)) -> f64 {
    let total: f64 = (0..x.len())
        .into_par_iter()
        .map(|i| {
            (0..y.len())
                .filter(|&j| !(same && i == j))
                .map(|j| k(Ground::SqEuclidean.cost(x.point(i), y.point(j))))
                .sum::<f64>()
        })
        .sum();
    let pairs = if same {
        x.len() * (x.len() - 1)
    } else {
        x.len() * y.len()
    };
    total / pairs as f64
}

/// The unbiased estimate of MMD² with a Gaussian kernel summed over bandwidths
/// `k(x, y) = Σ_h exp(−‖x − y‖²/(2h²))` (Gretton et al. 2012, eq. 3). Each cloud
/// needs at least two points.
pub fn mmd2(x: &Cloud<'_>, y: &Cloud<'_>, bandwidths: &[f64]) -> Result<f64> {
    if x.len() < 2 || y.len() < 2 {
        return Err(invalid(
            "cloud size",
            x.len().min(y.len()),
            "MMD needs two points per cloud",
        ));
    }
    if x.dim() != y.dim() {
        return Err(crate::FlowError::Mismatch {
            what: "dimension of the second cloud",
            expected: x.dim(),
            found: y.dim(),
        });
    }
    if bandwidths.is_empty() || bandwidths.iter().any(|h| !(*h > 0.0 && h.is_finite())) {
        return Err(invalid(
            "bandwidths",
            format!("{bandwidths:?}"),
            "must be non-empty, finite and > 0",
        ));
    }
    let k = |d2: f64| -> f64 { bandwidths.iter().map(|h| (-d2 / (2.0 * h * h)).exp()).sum() };
    Ok(mean_kernel(x, x, true, &k) + mean_kernel(y, y, true, &k)
        - 2.0 * mean_kernel(x, y, false, &k))
}

/// The energy distance `2E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖` between the empirical
/// measures (the V-statistic, zero for equal clouds; Székely & Rizzo 2013).
pub fn energy_distance(x: &Cloud<'_>, y: &Cloud<'_>) -> Result<f64> {
    if x.dim() != y.dim() {
        return Err(crate::FlowError::Mismatch {
            what: "dimension of the second cloud",
            expected: x.dim(),
            found: y.dim(),
        });
    }
    let k = |d2: f64| d2.sqrt();
    // The diagonal contributes zero, so the V-statistic is the off-diagonal mean
    // scaled by (n − 1)/n.
    let v = |c: &Cloud<'_>| {
        let n = c.len() as f64;
        if c.len() < 2 {
            0.0
        } else {
            mean_kernel(c, c, true, &k) * (n - 1.0) / n
        }
    };
    Ok(2.0 * mean_kernel(x, y, false, &k) - v(x) - v(y))
}
