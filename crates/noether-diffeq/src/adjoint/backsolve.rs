//! The continuous backsolve adjoint on the augmented state `[(y, a), θ̄]` with the
//! seminorm (θ̄ left out of the error norm).

use noether_core::space::Seminorm;
use noether_core::{ParamField, Space, VectorField};

use super::{AdjointStats, Gradient};
use crate::erk::Erk;
use crate::error::Result;
use crate::integrator::Integrator;
use crate::options::SolveOptions;
use crate::problem::OdeProblem;
use crate::tableau::ButcherTableau;

/// The augmented state: `((y, a), θ̄)`, the error norm seeing `(y, a)` only.
type Augmented<V, P> = Seminorm<(V, V), P>;

/// `d/dt [y, a, θ̄] = [f(t, y), −(∂f/∂y)ᵀa, −(∂f/∂θ)ᵀa]`.
struct AugmentedField<'a, F: ?Sized> {
    f: &'a F,
}

impl<V, F> VectorField<Augmented<V, F::Params>> for AugmentedField<'_, F>
where
    V: Space<Scalar = f64>,
    F: ParamField<V> + ?Sized,
    F::Params: Space<Scalar = f64>,
{
    fn eval(&self, t: f64, z: &Augmented<V, F::Params>, out: &mut Augmented<V, F::Params>) {
        let (y, a) = &z.checked;
        self.f.eval(t, y, &mut out.checked.0);
        self.f.vjp(t, y, a, &mut out.checked.1, &mut out.free);
        out.checked.1.scale(-1.0);
        out.free.scale(-1.0);
    }
}

/// Integrates the augmented system from the last save time back to `t0`, adding
/// each save time's cotangent to `a` when the backward solve reaches it.
pub(super) fn vjp<V, F>(
    problem: &OdeProblem<'_, V, F>,
    tableau: &'static ButcherTableau,
    times: &[f64],
    y_end: &V,
    cotangents: &[V],
    (rtol, atol): (f64, f64),
) -> Result<Gradient<V, F::Params>>
where
    V: Space<Scalar = f64>,
    F: ParamField<V> + ?Sized,
    F::Params: Space<Scalar = f64>,
{
    let field = AugmentedField { f: problem.f };
    let mut stats = AdjointStats::default();
    let last = times.len() - 1;
    let mut z = Seminorm::new(
        (y_end.clone(), cotangents[last].clone()),
        problem.f.params().zeros_like(),
    );
    // Backwards over [t_{i-1}, t_i], then the first segment [t0, times[0]].
    let mut ends: Vec<f64> = times[..last].iter().rev().copied().collect();
    ends.push(problem.t0);
    let mut t = times[last];
    for (k, &t_prev) in ends.iter().enumerate() {
        if t_prev != t {
            let back = OdeProblem::new(&field, (t, t_prev), z.clone()).tolerances(rtol, atol);
            let mut it = Integrator::new(
                &back,
                Erk::new(tableau),
                &SolveOptions::default().max_steps(10_000_000),
            )?;
            while it.step()?.is_some() {}
            let s = it.stats();
            stats.field_evals += s.nfev;
            stats.vjps += s.nfev;
            stats.steps += s.accepted;
            let (_, z_end) = it.into_state();
            z = z_end;
        }
        // Reaching an earlier save time, its cotangent jumps a.
        if k < last {
            z.checked.1.axpy(1.0, &cotangents[last - 1 - k]);
        }
        t = t_prev;
    }
    let Seminorm {
        checked: (_, a0),
        free: g,
    } = z;
    Ok(Gradient {
        y0: a0,
        params: g,
        stats,
    })
}
