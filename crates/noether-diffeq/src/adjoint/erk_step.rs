//! One explicit Runge–Kutta step and its exact vector–Jacobian product (the
//! discrete adjoint of the step, stage by stage).

use noether_core::{ParamField, Space};

use crate::tableau::ButcherTableau;

/// Which stages an output `Σ wᵢ kᵢ` depends on: stage `i` is live when `wᵢ ≠ 0` or
/// a later live stage reads it (`a_ji ≠ 0`). A FSAL tableau's last stage (`b_s = 0`,
/// only reused by the next step) is dead for the step's result, so neither the
/// replay nor the adjoint evaluates it; it is live for the error estimate.
fn live_stages(tab: &ButcherTableau, weights: &[f64]) -> Vec<bool> {
    let s = tab.stages();
    let mut live = vec![false; s];
    for i in (0..s).rev() {
        live[i] = weights[i] != 0.0 || (i + 1..s).any(|j| live[j] && tab.a[j - 1][i] != 0.0);
    }
    live
}

/// A tableau, the output weights differentiated and their live stages: the step
/// `y⁺ = y + h Σ bᵢ kᵢ`, or the error estimate `ẽ = h Σ (bᵢ − b̂ᵢ) kᵢ` (no `y`).
pub(crate) struct Method<'t> {
    pub tab: &'t ButcherTableau,
    weights: &'t [f64],
    /// Whether the output includes `y` itself (the step) or not (the error).
    identity: bool,
    live: Vec<bool>,
}

impl<'t> Method<'t> {
    /// The step of `tab` and which of its stages its result depends on.
    pub fn new(tab: &'t ButcherTableau) -> Self {
        Self {
            tab,
            weights: tab.b,
            identity: true,
            live: live_stages(tab, tab.b),
        }
    }

    /// The embedded error estimate of `tab`, if it has one.
    pub fn error(tab: &'t ButcherTableau) -> Option<Self> {
        let weights = tab.b_err?;
        Some(Self {
            tab,
            weights,
            identity: false,
            live: live_stages(tab, weights),
        })
    }
}

/// The stage states `Yᵢ` of one step from `y` (up to the last live stage), where
/// the adjoint evaluates the field's VJPs.
pub(crate) struct Stages<V> {
    pub ys: Vec<V>,
    /// The slopes `kᵢ` at those stages.
    pub ks: Vec<V>,
}

/// Evaluates the stages (and slopes `kᵢ = f(t + cᵢh, Yᵢ)`) of the step `(t, y, h)` of `tab` (as [`Erk`](crate::erk::Erk)
/// computes them), returning them with `y⁺ = y + h Σ bᵢ kᵢ`.
pub(crate) fn stages<V, F>(f: &F, m: &Method<'_>, t: f64, y: &V, h: f64) -> (Stages<V>, V)
where
    V: Space<Scalar = f64>,
    F: ParamField<V> + ?Sized,
    F::Params: Space<Scalar = f64>,
{
    let (tab, live) = (m.tab, &m.live);
    let last = live.iter().rposition(|&l| l).unwrap_or(0);
    let mut ys: Vec<V> = Vec::with_capacity(last + 1);
    let mut ks: Vec<V> = Vec::with_capacity(last + 1);
    for i in 0..=last {
        let mut yi = y.clone();
        if i > 0 {
            let terms: Vec<(f64, &V)> = tab.a[i - 1]
                .iter()
                .zip(&ks)
                .filter(|(a, _)| **a != 0.0)
                .map(|(a, k)| (h * a, k))
                .collect();
            yi.lincomb_acc(1.0, &terms);
        }
        let mut ki = y.zeros_like();
        f.eval(t + tab.c[i] * h, &yi, &mut ki);
        ys.push(yi);
        ks.push(ki);
    }
    let mut y_new = y.clone();
    let terms: Vec<(f64, &V)> = tab
        .b
        .iter()
        .zip(&ks)
        .filter(|(b, _)| **b != 0.0)
        .map(|(b, k)| (h * b, k))
        .collect();
    y_new.lincomb_acc(1.0, &terms);
    (Stages { ys, ks }, y_new)
}

/// The adjoint of the step `(t, y, h)` (or of its error estimate, for
/// [`Method::error`]): given `λ = ∂L/∂y⁺` (or `∂L/∂ẽ`), sets `λ ← ∂L/∂y` and adds
/// the `∂L/∂θ` to `dtheta`. Returns the number of field VJPs.
///
/// With `k̄ᵢ = ∂L/∂kᵢ`, stages in reverse: `k̄ᵢ = h bᵢ λ + h Σ_{j>i} a_ji Ȳ_j`,
/// `(Ȳᵢ, θ̄ᵢ) = VJP of f at (t + cᵢh, Yᵢ) with k̄ᵢ`, and `∂L/∂y = λ + Σᵢ Ȳᵢ`.
pub(crate) fn step_vjp<V, F>(
    f: &F,
    m: &Method<'_>,
    t: f64,
    stages: &Stages<V>,
    h: f64,
    lambda: &mut V,
    dtheta: &mut F::Params,
) -> usize
where
    V: Space<Scalar = f64>,
    F: ParamField<V> + ?Sized,
    F::Params: Space<Scalar = f64>,
{
    let (tab, live) = (m.tab, &m.live);
    let n = stages.ys.len();
    // Ȳ_j of the stages already processed (later stages), for k̄ᵢ.
    let mut ybar: Vec<Option<V>> = (0..n).map(|_| None).collect();
    let mut total = if m.identity {
        lambda.clone()
    } else {
        lambda.zeros_like()
    };
    let mut dp = dtheta.zeros_like();
    let mut vjps = 0;
    for i in (0..n).rev() {
        if !live[i] {
            continue;
        }
        let mut kbar = lambda.zeros_like();
        let mut terms: Vec<(f64, &V)> = Vec::new();
        if m.weights[i] != 0.0 {
            terms.push((h * m.weights[i], lambda));
        }
        for (j, yb) in ybar.iter().enumerate().skip(i + 1) {
            if let Some(yb) = yb {
                let a = tab.a[j - 1][i];
                if a != 0.0 {
                    terms.push((h * a, yb));
                }
            }
        }
        kbar.lincomb_acc(0.0, &terms);
        let mut yb = lambda.zeros_like();
        f.vjp(t + tab.c[i] * h, &stages.ys[i], &kbar, &mut yb, &mut dp);
        dtheta.axpy(1.0, &dp);
        vjps += 1;
        ybar[i] = Some(yb);
    }
    let terms: Vec<(f64, &V)> = ybar.iter().flatten().map(|yb| (1.0, yb)).collect();
    total.lincomb_acc(1.0, &terms);
    *lambda = total;
    vjps
}
