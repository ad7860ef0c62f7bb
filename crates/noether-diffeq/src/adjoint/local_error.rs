//! The local regulariser of Pal, Edelman & Rackauckas (ICML 2023, "Locally
//! regularized neural differential equations"): the error estimate of one explicit
//! Runge–Kutta step and its gradient with respect to the state and the parameters.
//!
//! At `(t, y)` with step `h`, the embedded pair gives `ẽ = h Σ (bᵢ − b̂ᵢ) kᵢ`, and
//! `R = h · √(mean((ẽ / s)²))` with `s = atol + rtol · max(|y|, |y⁺|)`, the
//! controller's error norm times the step. Added to a training loss with a decaying
//! weight at a random time of the trajectory, it pushes the network towards fields
//! the adaptive solver integrates in fewer steps. The gradient runs the adjoint of
//! the stages with the error weights (one VJP per live stage); the scale `s` is held
//! fixed in it (a stop-gradient, as the controller's weights), so with `rtol = 0` it
//! is the exact gradient of `R`.

use noether_core::{ParamField, Space};

use super::AdjointStats;
use super::erk_step::{Method, stages, step_vjp};
use crate::error::{Result, invalid};
use crate::tableau::ButcherTableau;

/// The local error estimate `R` of one step and its gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalError<V, P> {
    /// `R = h · ‖ẽ‖` (weighted RMS norm of the step's error estimate, times `h`).
    pub value: f64,
    /// `∂R/∂y` at the step's start.
    pub y: V,
    /// `∂R/∂θ`.
    pub params: P,
    /// Field evaluations (the stages) and VJPs spent.
    pub stats: AdjointStats,
}

/// The local error `R` of the step `(t, y, h)` of `tableau` for the field `f`, with
/// the error scale `atol + rtol · max(|y|, |y⁺|)`, and its gradients.
///
/// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
/// for a tableau without an embedded pair, a non-finite or non-positive `h`, a
/// negative `rtol` or a non-positive `atol`, or a non-finite state or estimate.
///
/// ```
/// use noether_diffeq::adjoint::local_error;
/// use noether_diffeq::problems::LotkaVolterra;
/// use noether_diffeq::tableau::TSIT5;
///
/// let lv = LotkaVolterra::classic();
/// let small = local_error(&lv, &TSIT5, 0.0, &vec![1.0, 1.0], 0.05, 0.0, 1e-6)?;
/// let large = local_error(&lv, &TSIT5, 0.0, &vec![1.0, 1.0], 0.1, 0.0, 1e-6)?;
/// // Tsit5's estimate is O(h⁵), so R = h·‖ẽ‖ grows like h⁶.
/// let order = (large.value / small.value).log2();
/// assert!((order - 6.0).abs() < 0.3, "{order}");
/// # Ok::<(), noether_diffeq::DiffeqError>(())
/// ```
pub fn local_error<V, F>(
    f: &F,
    tableau: &ButcherTableau,
    t: f64,
    y: &V,
    h: f64,
    rtol: f64,
    atol: f64,
) -> Result<LocalError<V, F::Params>>
where
    V: Space<Scalar = f64>,
    F: ParamField<V> + ?Sized,
    F::Params: Space<Scalar = f64>,
{
    let Some(method) = Method::error(tableau) else {
        return Err(invalid(
            "tableau",
            tableau.name,
            "needs an embedded error estimate",
        ));
    };
    if !(h.is_finite() && h > 0.0) {
        return Err(invalid("h", h, "must be finite and positive"));
    }
    if !(rtol.is_finite() && rtol >= 0.0 && atol.is_finite() && atol > 0.0) {
        return Err(invalid(
            "tolerances",
            format!("rtol {rtol}, atol {atol}"),
            "need rtol >= 0 and atol > 0, finite",
        ));
    }
    let (st, y_new) = stages(f, &method, t, y, h);
    let mut err = y.zeros_like();
    let terms: Vec<(f64, &V)> = tableau
        .b_err
        .unwrap_or(tableau.b)
        .iter()
        .zip(&st.ks)
        .filter(|(w, _)| **w != 0.0)
        .map(|(w, k)| (h * w, k))
        .collect();
    err.lincomb_acc(0.0, &terms);
    let (yv, ynv, ev) = (y.to_f64_vec(), y_new.to_f64_vec(), err.to_f64_vec());
    if !ev.iter().chain(&ynv).all(|v| v.is_finite()) {
        return Err(invalid(
            "y",
            "non-finite stage",
            "the step's stages must be finite",
        ));
    }
    let n = ev.len().max(1) as f64;
    let scale: Vec<f64> = yv
        .iter()
        .zip(&ynv)
        .map(|(a, b)| atol + rtol * a.abs().max(b.abs()))
        .collect();
    let mean_sq = ev
        .iter()
        .zip(&scale)
        .map(|(e, s)| (e / s) * (e / s))
        .sum::<f64>()
        / n;
    let rms = mean_sq.sqrt();
    let value = h * rms;
    // ∂R/∂ẽᵢ = h ẽᵢ / (n sᵢ² ‖ẽ‖).
    let cot: Vec<f64> = if rms > 0.0 {
        ev.iter()
            .zip(&scale)
            .map(|(e, s)| h * e / (n * s * s * rms))
            .collect()
    } else {
        vec![0.0; ev.len()]
    };
    let mut lambda = y.zeros_like();
    lambda.copy_from_f64(&cot);
    let mut params = f.params().zeros_like();
    let vjps = step_vjp(f, &method, t, &st, h, &mut lambda, &mut params);
    Ok(LocalError {
        value,
        y: lambda,
        params,
        stats: AdjointStats {
            field_evals: st.ks.len(),
            vjps,
            steps: 1,
            snapshots: 0,
        },
    })
}
