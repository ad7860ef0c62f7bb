//! Explicit Runge–Kutta steps driven by a [`ButcherTableau`], generic over
//! [`Space`]. Each stage input is one fused [`Space::lincomb`].

use noether_core::{Real, Space, VectorField};

use crate::tableau::ButcherTableau;

/// Largest number of stages of the tableaux here (fixed-size term buffers).
const MAX_STAGES: usize = 16;

/// Buffers of one explicit RK integration: the stages, the new state and the error
/// estimate. Allocated once per solve.
#[derive(Debug, Clone)]
pub struct ErkWorkspace<V> {
    /// Stage derivatives `k₀ … k_{s−1}` of the last step.
    pub k: Vec<V>,
    /// The proposed new state `y⁺`.
    pub y_new: V,
    /// The error estimate `h Σ (bᵢ − b̂ᵢ) kᵢ` (zero without an embedded method).
    pub error: V,
    ytmp: V,
    /// `k[0] = f(t, y)` is already known for the next step.
    k0_valid: bool,
}

impl<V: Space> ErkWorkspace<V> {
    /// Buffers for `tableau` shaped like `y0`.
    pub fn new(tableau: &ButcherTableau, y0: &V) -> Self {
        Self {
            k: (0..tableau.stages()).map(|_| y0.zeros_like()).collect(),
            y_new: y0.zeros_like(),
            error: y0.zeros_like(),
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
    let sc = V::Scalar::of_f64;
    let one = sc(1.0);
    let mut nfev = 0;
    if !ws.k0_valid {
        f.eval(t, y, &mut ws.k[0]);
        nfev += 1;
    }
    for i in 1..s {
        let (done, rest) = ws.k.split_at_mut(i);
        let row = tab.a[i - 1];
        let last_fsal = tab.fsal && i == s - 1;
        let mut terms: [(V::Scalar, &V); MAX_STAGES + 1] = [(one, y); MAX_STAGES + 1];
        let mut m = 1;
        for (j, &aij) in row.iter().enumerate() {
            if aij != 0.0 {
                terms[m] = (sc(h * aij), &done[j]);
                m += 1;
            }
        }
        let target = if last_fsal {
            &mut ws.y_new
        } else {
            &mut ws.ytmp
        };
        target.lincomb(&terms[..m]);
        let target: &V = if last_fsal { &ws.y_new } else { &ws.ytmp };
        f.eval(t + tab.c[i] * h, target, &mut rest[0]);
        nfev += 1;
    }
    if !tab.fsal {
        let mut terms: [(V::Scalar, &V); MAX_STAGES + 1] = [(one, y); MAX_STAGES + 1];
        let mut m = 1;
        for (j, &bj) in tab.b.iter().enumerate() {
            if bj != 0.0 {
                terms[m] = (sc(h * bj), &ws.k[j]);
                m += 1;
            }
        }
        ws.y_new.lincomb(&terms[..m]);
    }
    if let Some(e) = tab.b_err {
        let mut terms: [(V::Scalar, &V); MAX_STAGES] = [(one, y); MAX_STAGES];
        let mut m = 0;
        for (j, &ej) in e.iter().enumerate() {
            if ej != 0.0 {
                terms[m] = (sc(h * ej), &ws.k[j]);
                m += 1;
            }
        }
        ws.error.lincomb(&terms[..m]);
    }
    ws.k0_valid = false;
    nfev
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
