//! Step-size control: the PID controller of diffrax (Söderlind's digital filters) and
//! Hairer's initial step-size heuristic.

use noether_core::{Real, Space, Tolerance, VectorField};

use crate::error::{DiffeqError, Result, invalid};
use crate::solver::StepControl;

/// A PID step-size controller on the weighted RMS error
/// `e = RMS(err / (atol + rtol·max(|y₀|, |y₁|)))`: a step is accepted when `e ≤ 1`,
/// and the next step is `h·clip(safety·e_n^{−β₁} e_{n−1}^{−β₂} e_{n−2}^{−β₃}, fmin, fmax)`
/// with `β₁ = (p + i + d)/k`, `β₂ = −(p + 2d)/k`, `β₃ = d/k` and `k` the order of
/// the error estimate. The defaults (`p = d = 0`, `i = 1`) are the classical
/// I-controller `h·safety·e^{−1/k}`. After a rejection the factor is capped at
/// `safety`.
#[derive(Debug, Clone, PartialEq)]
pub struct PidController {
    /// Proportional coefficient `p`.
    pub pcoeff: f64,
    /// Integral coefficient `i`.
    pub icoeff: f64,
    /// Derivative coefficient `d`.
    pub dcoeff: f64,
    /// Safety factor (default 0.9).
    pub safety: f64,
    /// Smallest step-size factor (default 0.2).
    pub factormin: f64,
    /// Largest step-size factor (default 10).
    pub factormax: f64,
    /// Largest step size (default ∞).
    pub dtmax: f64,
    /// Smallest step size; below it the solve fails with `StepSizeUnderflow`
    /// (default 0: only the resolution of `t` limits it).
    pub dtmin: f64,
}

impl Default for PidController {
    fn default() -> Self {
        Self {
            pcoeff: 0.0,
            icoeff: 1.0,
            dcoeff: 0.0,
            safety: 0.9,
            factormin: 0.2,
            factormax: 10.0,
            dtmax: f64::INFINITY,
            dtmin: 0.0,
        }
    }
}

impl PidController {
    /// The PI controller with `(p, i)`, e.g. `(0.4, 0.3)` as suggested by Söderlind.
    pub fn pi(pcoeff: f64, icoeff: f64) -> Self {
        Self {
            pcoeff,
            icoeff,
            ..Default::default()
        }
    }

    /// Checks the coefficients.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.safety) || self.safety == 0.0 {
            return Err(invalid("safety", self.safety, "must lie in (0, 1]"));
        }
        if !(0.0..1.0).contains(&self.factormin) || self.factormin == 0.0 {
            return Err(invalid("factormin", self.factormin, "must lie in (0, 1)"));
        }
        if self.factormax.is_nan() || self.factormax <= 1.0 {
            return Err(invalid("factormax", self.factormax, "must exceed 1"));
        }
        if self.dtmax.is_nan() || self.dtmax <= 0.0 {
            return Err(invalid("dtmax", self.dtmax, "must be positive"));
        }
        if !(0.0..self.dtmax).contains(&self.dtmin) {
            return Err(invalid("dtmin", self.dtmin, "must be >= 0 and below dtmax"));
        }
        for (name, v) in [
            ("pcoeff", self.pcoeff),
            ("icoeff", self.icoeff),
            ("dcoeff", self.dcoeff),
        ] {
            if !v.is_finite() {
                return Err(invalid(name, v, "must be finite"));
            }
        }
        Ok(())
    }
}

/// The controller's memory of past errors.
#[derive(Debug, Clone, PartialEq)]
pub struct ControllerState {
    prev: f64,
    prev_prev: f64,
    last_rejected: bool,
}

impl Default for ControllerState {
    fn default() -> Self {
        Self {
            prev: 1.0,
            prev_prev: 1.0,
            last_rejected: false,
        }
    }
}

impl PidController {
    /// Decides on a step with scaled error `err` (NaN counts as a rejection) for an
    /// error estimate of order `k`; returns `(accept, factor)` for the next step size.
    pub fn decide(&self, state: &mut ControllerState, err: f64, k: u32) -> (bool, f64) {
        let k = k.max(1) as f64;
        let accept = err <= 1.0;
        if !err.is_finite() {
            state.last_rejected = true;
            return (false, self.factormin);
        }
        let b1 = (self.pcoeff + self.icoeff + self.dcoeff) / k;
        let b2 = -(self.pcoeff + 2.0 * self.dcoeff) / k;
        let b3 = self.dcoeff / k;
        let e = err.max(1e-10);
        // (The I-controller has β₂ = β₃ = 0: skip those powers.)
        let pow = |x: f64, p: f64| if p == 0.0 { 1.0 } else { x.powf(p) };
        let mut factor =
            self.safety * pow(e, -b1) * pow(state.prev, -b2) * pow(state.prev_prev, -b3);
        let fmax = if state.last_rejected || !accept {
            self.safety.min(self.factormax)
        } else {
            self.factormax
        };
        if !accept {
            factor = factor.min(self.safety);
        }
        factor = factor.clamp(self.factormin, fmax.max(self.factormin));
        if accept {
            state.prev_prev = state.prev;
            state.prev = e;
        }
        state.last_rejected = !accept;
        (accept, factor)
    }
}

/// Hairer's initial step size (Hairer, Nørsett & Wanner I, §II.4): from
/// `d₀ = ‖y₀‖`, `d₁ = ‖f₀‖`, `d₂ = ‖f(t₀ + h₀, y₀ + h₀f₀) − f₀‖/h₀` in the scaled
/// norm, `h = min(100h₀, (0.01/max(d₁, d₂))^{1/k})`. Returns `(h, nfev)` with the
/// sign of `direction`.
pub fn initial_step<V, F>(
    f: &F,
    t0: f64,
    y0: &V,
    f0: &V,
    k: u32,
    tol: &Tolerance<V>,
    direction: f64,
) -> (f64, usize)
where
    V: Space,
    F: VectorField<V> + ?Sized,
{
    let sc = V::Scalar::of_f64;
    let d0 = y0.wrms_norm(y0, y0, tol.view()).as_f64();
    let d1 = f0.wrms_norm(y0, y0, tol.view()).as_f64();
    let h0 = if d0 < 1e-5 || d1 < 1e-5 {
        1e-6
    } else {
        0.01 * d0 / d1
    };
    let mut y1 = y0.clone();
    y1.axpy(sc(direction * h0), f0);
    let mut f1 = y0.zeros_like();
    f.eval(t0 + direction * h0, &y1, &mut f1);
    f1.axpy(sc(-1.0), f0);
    let d2 = f1.wrms_norm(y0, y0, tol.view()).as_f64() / h0;
    let dmax = d1.max(d2);
    let h1 = if dmax <= 1e-15 {
        (h0 * 1e-3).max(1e-6)
    } else {
        (0.01 / dmax).powf(1.0 / k.max(1) as f64)
    };
    let h = (100.0 * h0).min(h1);
    let h = if h.is_finite() && h > 0.0 { h } else { 1e-6 };
    (direction * h, 1)
}

/// Fails when `|h|` drops below the controller's `dtmin` or the resolution of `t`:
/// with [`DiffeqError::StepSizeUnderflow`], or [`DiffeqError::NonFinite`] when the
/// rejected proposals were not finite.
pub(crate) fn check_underflow(
    t: f64,
    h: f64,
    controller: &PidController,
    finite: bool,
) -> Result<()> {
    let h_min = controller
        .dtmin
        .max(16.0 * f64::EPSILON * t.abs().max(1e-300));
    if h.abs() < h_min {
        return Err(if finite {
            DiffeqError::StepSizeUnderflow { t, h, h_min }
        } else {
            DiffeqError::NonFinite { t, h }
        });
    }
    Ok(())
}

/// The signed first step of a solve: the given `h0` (the fixed step for fixed
/// steps) or `heuristic()` (an absolute value), capped at `dtmax` when adaptive.
pub(crate) fn first_step<V>(ctl: &StepControl<V>, heuristic: impl FnOnce() -> f64) -> f64 {
    let h = ctl.h0.map_or_else(heuristic, f64::abs);
    let h = if ctl.adaptive {
        h.min(ctl.controller.dtmax)
    } else {
        h
    };
    ctl.dir * h
}

/// The verdict on an attempted step of size `step` from `t` (`at = (t, step)`):
/// with adaptive steps the controller decides on the scaled error `err()` (one
/// reduction; NaN for a non-finite proposal), with fixed steps the step is accepted
/// unless `y_new` is not finite. Returns `Some(factor)` for an accepted step and
/// `None` for a rejected one, after setting `h` to the step to retry with.
///
/// Errors: [`DiffeqError::NonFinite`] at a fixed step,
/// [`DiffeqError::StepSizeUnderflow`] when the retry step is too small.
pub(crate) fn judge_step<V: Space>(
    ctl: &StepControl<V>,
    cstate: &mut ControllerState,
    err: impl FnOnce() -> f64,
    y_new: &V,
    k: u32,
    (t, step): (f64, f64),
    h: &mut f64,
) -> Result<Option<f64>> {
    if !ctl.adaptive {
        return if y_new.all_finite() {
            Ok(Some(1.0))
        } else {
            Err(DiffeqError::NonFinite { t, h: step })
        };
    }
    let e = err();
    let (ok, factor) = ctl.controller.decide(cstate, e, k);
    if ok {
        return Ok(Some(factor));
    }
    *h = step * factor;
    check_underflow(t, *h, &ctl.controller, e.is_finite())?;
    Ok(None)
}
