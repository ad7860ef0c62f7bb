//! Error tolerances of step-size control and Newton tests: a relative tolerance and
//! an absolute one, scalar or per component.

use super::Space;
use crate::error::{CoreError, Result};
use crate::real::Real;

/// The absolute part of a [`Tolerance`].
#[derive(Debug, Clone, PartialEq)]
pub enum Atol<V> {
    /// The same absolute tolerance for every component.
    Scalar(f64),
    /// One absolute tolerance per component, stored where the state lives (a
    /// vector of the state's length, on its device).
    PerComponent(V),
}

/// Weights `atolᵢ + rtol·|yᵢ|` of the weighted norms
/// ([`Space::wrms_norm`], [`Space::wmax_norm`]).
///
/// ```
/// use noether_core::{Space, Tolerance};
///
/// // Robertson's kinetics: the middle species lives at 1e-5, the others near 1.
/// let tol = Tolerance::per_component(1e-6, vec![1e-8, 1e-14, 1e-6]);
/// tol.validate(3).unwrap();
/// let e = vec![1e-9, 1e-14, 0.0];
/// let y = vec![1.0, 0.0, 0.0];
/// // weights 1e-8 + 1e-6, 1e-14, 1e-6 → ratios ≈ 9.9e-4, 1, 0
/// let n = e.wrms_norm(&y, &y, tol.view());
/// assert!((n - (((9.9e-4f64).powi(2) + 1.0) / 3.0).sqrt()).abs() < 1e-6);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tolerance<V> {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: Atol<V>,
}

/// A borrowed view of a [`Tolerance`], as the weighted norms of [`Space`] take
/// it (`Copy`, so that a product space can split it into its factors' views).
#[derive(Debug)]
pub struct TolRef<'a, V> {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: AtolRef<'a, V>,
}

impl<V> Clone for TolRef<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for TolRef<'_, V> {}

/// The absolute part of a [`TolRef`].
#[derive(Debug)]
pub enum AtolRef<'a, V> {
    /// The same absolute tolerance for every component.
    Scalar(f64),
    /// One absolute tolerance per component.
    PerComponent(&'a V),
}

impl<V> Clone for AtolRef<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for AtolRef<'_, V> {}

impl<V> Tolerance<V> {
    /// The borrowed view the norms take.
    pub fn view(&self) -> TolRef<'_, V> {
        TolRef {
            rtol: self.rtol,
            atol: match &self.atol {
                Atol::Scalar(a) => AtolRef::Scalar(*a),
                Atol::PerComponent(v) => AtolRef::PerComponent(v),
            },
        }
    }

    /// Scalar relative and absolute tolerances.
    pub fn new(rtol: f64, atol: f64) -> Self {
        Self {
            rtol,
            atol: Atol::Scalar(atol),
        }
    }

    /// A scalar relative tolerance and one absolute tolerance per component.
    pub fn per_component(rtol: f64, atol: V) -> Self {
        Self {
            rtol,
            atol: Atol::PerComponent(atol),
        }
    }

    /// The scalar absolute tolerance, or `None` when it is per component.
    pub fn scalar_atol(&self) -> Option<f64> {
        match self.atol {
            Atol::Scalar(a) => Some(a),
            Atol::PerComponent(_) => None,
        }
    }
}

impl<V: Space> Tolerance<V> {
    /// Checks the tolerances for states of length `n`: `rtol ≥ 0` and finite, every
    /// absolute tolerance `≥ 0` and finite, a per-component `atol` of length `n`,
    /// and not both zero (a zero `rtol` needs every `atolᵢ > 0`).
    ///
    /// Copies a per-component `atol` to the host once.
    pub fn validate(&self, n: usize) -> Result<()> {
        if !(self.rtol.is_finite() && self.rtol >= 0.0) {
            return Err(invalid("rtol", self.rtol, "must be finite and >= 0"));
        }
        let min_atol = match &self.atol {
            Atol::Scalar(a) => {
                if !(a.is_finite() && *a >= 0.0) {
                    return Err(invalid("atol", a, "must be finite and >= 0"));
                }
                *a
            }
            Atol::PerComponent(v) => {
                if v.len() != n {
                    return Err(CoreError::DimensionMismatch {
                        context: "per-component atol",
                        expected: n,
                        got: v.len(),
                    });
                }
                let host = v.to_f64_vec();
                if let Some((i, a)) = host
                    .iter()
                    .enumerate()
                    .find(|(_, a)| !(a.is_finite() && **a >= 0.0))
                {
                    return Err(invalid(
                        "atol",
                        format!("[{i}] = {a}"),
                        "must be finite and >= 0",
                    ));
                }
                host.iter().copied().fold(f64::INFINITY, f64::min)
            }
        };
        if self.rtol == 0.0 && min_atol <= 0.0 {
            return Err(invalid(
                "rtol/atol",
                format!("0/{min_atol}"),
                "with rtol = 0 every atol must be > 0",
            ));
        }
        Ok(())
    }

    /// `out ← self` with the absolute tolerance multiplied by `s` (the relative one
    /// unchanged): the weights of a quantity that is `1/s` times the state, such as
    /// a stage derivative `(Z − ψ)/s`. Reuses `out`'s storage.
    pub fn scaled_atol_into(&self, s: f64, out: &mut Self) {
        out.rtol = self.rtol;
        match (&self.atol, &mut out.atol) {
            (Atol::Scalar(a), o) => *o = Atol::Scalar(s * a),
            (Atol::PerComponent(v), Atol::PerComponent(o)) if o.len() == v.len() => {
                o.lincomb(&[(V::Scalar::of_f64(s), v)]);
            }
            (Atol::PerComponent(v), o) => {
                let mut w = v.clone();
                w.scale(V::Scalar::of_f64(s));
                *o = Atol::PerComponent(w);
            }
        }
    }
}

fn invalid(name: &'static str, value: impl std::fmt::Display, reason: &'static str) -> CoreError {
    CoreError::InvalidArgument {
        name,
        value: value.to_string(),
        reason,
    }
}
