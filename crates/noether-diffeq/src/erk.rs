//! Explicit Runge–Kutta steps driven by a [`ButcherTableau`], generic over
//! [`Space`]. Each stage input is one fused [`Space::lincomb`].

use noether_core::{Real, Space, VectorField};

use crate::interp::{DOP853_EXTRA_A, DOP853_EXTRA_C, Interpolant};
use crate::tableau::ButcherTableau;

/// Largest number of stages of the tableaux here (fixed-size term buffers).
const MAX_STAGES: usize = 16;

/// Buffers of one explicit RK integration: the stages, the new state and the error
/// estimate. Allocated once per solve.
#[derive(Debug, Clone)]
pub struct ErkWorkspace<V> {
    /// Stage derivatives `k₀ … k_{s−1}` of the last step, followed by the extra
    /// stages of the method's dense output (DOP853's three) once
    /// [`dense_output_stages`] has run.
    pub k: Vec<V>,
    /// The proposed new state `y⁺`.
    pub y_new: V,
    /// The error estimate `h Σ (bᵢ − b̂ᵢ) kᵢ` (zero without an embedded method).
    pub error: V,
    /// The second, lower-order error estimate `h Σ e_low,ᵢ kᵢ` of tableaux with
    /// [`ButcherTableau::b_err_low`] (DOP853's third-order one).
    pub error_low: Option<V>,
    ytmp: V,
    /// `k[0] = f(t, y)` is already known for the next step.
    k0_valid: bool,
}

impl<V: Space> ErkWorkspace<V> {
    /// Buffers for `tableau` shaped like `y0`.
    pub fn new(tableau: &ButcherTableau, y0: &V) -> Self {
        Self {
            k: (0..tableau.stages() + Interpolant::for_tableau(tableau).extra_stages())
                .map(|_| y0.zeros_like())
                .collect(),
            y_new: y0.zeros_like(),
            error: y0.zeros_like(),
            error_low: tableau.b_err_low.map(|_| y0.zeros_like()),
            ytmp: y0.zeros_like(),
            k0_valid: false,
        }
    }

    /// Declares that `k[0]` holds `f(t, y)` for the next step's `(t, y)`.
    pub fn set_k0_valid(&mut self, valid: bool) {
        self.k0_valid = valid;
    }

    /// Whether `k[0]` holds the derivative at the current state.
    pub fn k0_valid(&self) -> bool {
        self.k0_valid
    }

    /// The scaled error of the last step from `y`: the weighted RMS norm (see
    /// [`Space::wrms_norm`]) of [`Self::error`], or, for tableaux with a second
    /// estimate, Hairer's DOP853 combination `‖e‖² / √(‖e‖² + 0.01‖e_low‖²)`.
    /// A step is acceptable when this is at most 1.
    pub fn error_norm(&self, y: &V, atol: f64, rtol: f64) -> f64 {
        let (atol, rtol) = (V::Scalar::of_f64(atol), V::Scalar::of_f64(rtol));
        let e = self.error.wrms_norm(y, &self.y_new, atol, rtol).as_f64();
        match &self.error_low {
            Some(low) if e != 0.0 => {
                let l = low.wrms_norm(y, &self.y_new, atol, rtol).as_f64();
                e * e / (e * e + 0.01 * l * l).sqrt()
            }
            _ => e,
        }
    }
}

/// One explicit Runge–Kutta step of size `h` from `(t, y)`.
///
/// Writes `ws.y_new`, `ws.error` (when the tableau has an embedded method) and the
/// stages `ws.k`, and returns the number of vector-field evaluations made. When
/// `ws.k0_valid()` the first stage is reused. For FSAL tableaux the last stage is
/// `f(t + h, y⁺)`; call [`accept`] after accepting the step to carry it over.
///
/// ```
/// use noether_diffeq::erk::{erk_step, ErkWorkspace};
/// use noether_diffeq::tableau::RK4;
///
/// let f = |_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| dy[0] = y[0];
/// let y = vec![1.0];
/// let mut ws = ErkWorkspace::new(&RK4, &y);
/// let nfev = erk_step(&RK4, &f, 0.0, 0.1, &y, &mut ws);
/// assert_eq!(nfev, 4);
/// assert!((ws.y_new[0] - 0.1_f64.exp()).abs() < 1e-7);
/// ```
pub fn erk_step<V, F>(
    tab: &ButcherTableau,
    f: &F,
    t: f64,
    h: f64,
    y: &V,
    ws: &mut ErkWorkspace<V>,
) -> usize
where
    V: Space,
    F: VectorField<V> + ?Sized,
{
    let s = tab.stages();
    debug_assert!(s <= MAX_STAGES);
    let mut nfev = 0;
    if !ws.k0_valid {
        f.eval(t, y, &mut ws.k[0]);
        nfev += 1;
    }
    for i in 1..s {
        let (done, rest) = ws.k.split_at_mut(i);
        let last_fsal = tab.fsal && i == s - 1;
        let target = if last_fsal {
            &mut ws.y_new
        } else {
            &mut ws.ytmp
        };
        weighted_sum(target, Some(y), h, tab.a[i - 1], done);
        let target: &V = if last_fsal { &ws.y_new } else { &ws.ytmp };
        f.eval(t + tab.c[i] * h, target, &mut rest[0]);
        nfev += 1;
    }
    if !tab.fsal {
        weighted_sum(&mut ws.y_new, Some(y), h, tab.b, &ws.k);
    }
    if let Some(e) = tab.b_err {
        weighted_sum(&mut ws.error, None, h, e, &ws.k);
    }
    if let (Some(e), Some(low)) = (tab.b_err_low, ws.error_low.as_mut()) {
        weighted_sum(low, None, h, e, &ws.k);
    }
    ws.k0_valid = false;
    nfev
}

/// Evaluates the extra stages that the method's dense output needs inside the step
/// `(t, y) → (t + h, ws.y_new)` just taken (DOP853: three; the other tableaux:
/// none) into `ws.k[s..]`, and returns the number of vector-field evaluations.
/// Call it after [`erk_step`] and before [`accept`].
pub fn dense_output_stages<V, F>(
    tab: &ButcherTableau,
    f: &F,
    t: f64,
    h: f64,
    y: &V,
    ws: &mut ErkWorkspace<V>,
) -> usize
where
    V: Space,
    F: VectorField<V> + ?Sized,
{
    if Interpolant::for_tableau(tab) != Interpolant::Dop853 {
        return 0;
    }
    let s = tab.stages();
    for (r, (row, &c)) in DOP853_EXTRA_A.iter().zip(&DOP853_EXTRA_C).enumerate() {
        let i = s + r;
        let (done, rest) = ws.k.split_at_mut(i);
        weighted_sum(&mut ws.ytmp, Some(y), h, &row[..i], done);
        f.eval(t + c * h, &ws.ytmp, &mut rest[0]);
    }
    DOP853_EXTRA_C.len()
}

/// `target ← base + h Σⱼ wⱼ kⱼ` (without `base`: `h Σⱼ wⱼ kⱼ`), skipping zero
/// weights, as one fused linear combination.
fn weighted_sum<V: Space>(target: &mut V, base: Option<&V>, h: f64, w: &[f64], k: &[V]) {
    let sc = V::Scalar::of_f64;
    let first = base.unwrap_or(&k[0]);
    let mut terms: [(V::Scalar, &V); MAX_STAGES + 1] = [(sc(1.0), first); MAX_STAGES + 1];
    let mut m = usize::from(base.is_some());
    for (wj, kj) in w.iter().zip(k) {
        if *wj != 0.0 {
            terms[m] = (sc(h * wj), kj);
            m += 1;
        }
    }
    target.lincomb(&terms[..m]);
}

/// Makes the accepted step's data the start of the next step: for FSAL tableaux
/// `k[0] ← k[s−1] = f(t + h, y⁺)`; swaps `y` and `y⁺`.
pub fn accept<V: Space>(tab: &ButcherTableau, y: &mut V, ws: &mut ErkWorkspace<V>) {
    std::mem::swap(y, &mut ws.y_new);
    if tab.fsal {
        let s = tab.stages();
        ws.k.swap(0, s - 1);
        ws.k0_valid = true;
    } else {
        ws.k0_valid = false;
    }
}
