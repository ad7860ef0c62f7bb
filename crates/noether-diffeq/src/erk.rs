//! Explicit Runge–Kutta steps driven by a [`ButcherTableau`], generic over
//! [`Space`]. Each stage input is one fused [`Space::lincomb`].

use noether_core::{Real, Space, Tolerance, VectorField};

use crate::controller::{ControllerState, first_step, initial_step, judge_step};
use crate::error::{DiffeqError, Result};
use crate::interp::{DOP853_EXTRA_A, DOP853_EXTRA_C, Interpolant, StepData, interpolate};
use crate::options::{SolveStats, clip_step};
use crate::solver::{Attempt, OdeSolver, StepControl};
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
    /// NaN when the proposal or the estimate is not finite (the norm reports it).
    pub fn error_norm(&self, y: &V, tol: &Tolerance<V>) -> f64 {
        let e = self.error.wrms_norm(y, &self.y_new, tol.view()).as_f64();
        match &self.error_low {
            Some(low) if e != 0.0 => {
                let l = low.wrms_norm(y, &self.y_new, tol.view()).as_f64();
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

/// An explicit Runge–Kutta method as an [`OdeSolver`]: fixed steps, or adaptive
/// steps with the PID controller on the embedded estimate, dense output by the
/// tableau's own interpolant (see [`interp`](crate::interp)).
///
/// ```
/// use noether_diffeq::{solve, OdeProblem, SolveOptions};
/// use noether_diffeq::erk::Erk;
/// use noether_diffeq::tableau::TSIT5;
///
/// // Harmonic oscillator over one period returns to its start.
/// let f = |_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| {
///     dy[0] = y[1];
///     dy[1] = -y[0];
/// };
/// let tau = 2.0 * std::f64::consts::PI;
/// let problem = OdeProblem::new(&f, (0.0, tau), vec![1.0, 0.0]).tolerances(1e-10, 1e-10);
/// let sol = solve(&problem, Erk::new(&TSIT5), SolveOptions::default()).unwrap();
/// let y = &sol.ys[0];
/// assert!((y[0] - 1.0).abs() < 1e-8 && y[1].abs() < 1e-8);
/// ```
#[derive(Debug, Clone)]
pub struct Erk<'t, V> {
    tableau: &'t ButcherTableau,
    interp: Interpolant,
    state: Option<ErkState<V>>,
}

#[derive(Debug, Clone)]
struct ErkState<V> {
    ws: ErkWorkspace<V>,
    /// `f(t_new, y_new)` for the Hermite interpolant of non-FSAL tableaux.
    f_new: Option<V>,
    f_new_fresh: bool,
    dense_ready: bool,
    cstate: ControllerState,
    /// Signed step proposal.
    h: f64,
    /// Size of the pending step and the controller's factor for the next one.
    last_step: f64,
    factor: f64,
    /// The next step is below `dtmin` (reported when it is attempted).
    underflow: bool,
}

impl<'t, V: Space> Erk<'t, V> {
    /// The method of `tableau`.
    pub fn new(tableau: &'t ButcherTableau) -> Self {
        Self {
            tableau,
            interp: Interpolant::for_tableau(tableau),
            state: None,
        }
    }

    /// The tableau.
    pub fn tableau(&self) -> &'t ButcherTableau {
        self.tableau
    }

    fn st(&self) -> &ErkState<V> {
        self.state
            .as_ref()
            .expect("Erk used before OdeSolver::init (a driver bug)")
    }
}

impl<V: Space, F: VectorField<V> + ?Sized> OdeSolver<V, F> for Erk<'_, V> {
    fn name(&self) -> &'static str {
        self.tableau.name
    }

    fn has_error_estimate(&self) -> bool {
        self.tableau.b_err.is_some()
    }

    fn init(
        &mut self,
        f: &F,
        t0: f64,
        y0: &V,
        _t1: f64,
        ctl: &StepControl<V>,
        stats: &mut SolveStats,
    ) -> Result<()> {
        let tab = self.tableau;
        let mut ws = ErkWorkspace::new(tab, y0);
        let needs_f_new = !tab.fsal && self.interp == Interpolant::Hermite;
        let k = tab.error_order().unwrap_or(tab.order);
        let h = first_step(ctl, || {
            f.eval(t0, y0, &mut ws.k[0]);
            stats.nfev += 1;
            ws.set_k0_valid(true);
            let (h, n) = initial_step(f, t0, y0, &ws.k[0], k, &ctl.tol, ctl.dir);
            stats.nfev += n;
            h.abs()
        });
        self.state = Some(ErkState {
            ws,
            f_new: needs_f_new.then(|| y0.zeros_like()),
            f_new_fresh: false,
            dense_ready: false,
            cstate: ControllerState::default(),
            h,
            last_step: 0.0,
            factor: 1.0,
            underflow: false,
        });
        Ok(())
    }

    fn attempt(
        &mut self,
        f: &F,
        t: f64,
        y: &V,
        t_stop: f64,
        ctl: &StepControl<V>,
        stats: &mut SolveStats,
    ) -> Result<Attempt> {
        let tab = self.tableau;
        let st = self
            .state
            .as_mut()
            .expect("Erk used before OdeSolver::init (a driver bug)");
        if st.underflow {
            return Err(DiffeqError::StepSizeUnderflow {
                t,
                h: st.h,
                h_min: ctl.controller.dtmin,
            });
        }
        let (step, t_new) = clip_step(t, t_stop, st.h);
        stats.nfev += erk_step(tab, f, t, step, y, &mut st.ws);
        let k = tab.error_order().unwrap_or(tab.order);
        let ws = &st.ws;
        let verdict = judge_step(
            ctl,
            &mut st.cstate,
            || ws.error_norm(y, &ctl.tol),
            &ws.y_new,
            k,
            (t, step),
            &mut st.h,
        )?;
        let Some(factor) = verdict else {
            st.ws.set_k0_valid(true); // k[0] = f(t, y) is untouched by a step
            return Ok(Attempt::Rejected);
        };
        st.last_step = step;
        st.factor = factor;
        st.dense_ready = false;
        st.f_new_fresh = false;
        Ok(Attempt::Accepted { t_new })
    }

    fn proposal(&self) -> &V {
        &self.st().ws.y_new
    }

    fn prepare_dense(&mut self, f: &F, t: f64, y: &V, stats: &mut SolveStats) {
        let tab = self.tableau;
        let st = self
            .state
            .as_mut()
            .expect("Erk used before OdeSolver::init (a driver bug)");
        if st.dense_ready {
            return;
        }
        let step = st.last_step;
        stats.nfev += dense_output_stages(tab, f, t, step, y, &mut st.ws);
        if let Some(buf) = st.f_new.as_mut() {
            f.eval(t + step, &st.ws.y_new, buf);
            stats.nfev += 1;
            st.f_new_fresh = true;
        }
        st.dense_ready = true;
    }

    fn interpolate(&self, t: f64, y: &V, tau: f64, out: &mut V) {
        let st = self.st();
        let step = st.last_step;
        let k = &st.ws.k;
        let f1: &V = st.f_new.as_ref().unwrap_or(&k[self.tableau.stages() - 1]);
        let data = StepData {
            h: step,
            y0: y,
            y1: &st.ws.y_new,
            k,
            f1,
        };
        interpolate(self.interp, &data, (tau - t) / step, out);
    }

    fn accept(&mut self, y: &mut V, ctl: &StepControl<V>) {
        let tab = self.tableau;
        let st = self
            .state
            .as_mut()
            .expect("Erk used before OdeSolver::init (a driver bug)");
        accept(tab, y, &mut st.ws);
        if let Some(buf) = st.f_new.as_mut()
            && st.f_new_fresh
        {
            // f(t_new, y_new) was computed for the output: reuse it as the next k₀.
            std::mem::swap(buf, &mut st.ws.k[0]);
            st.ws.set_k0_valid(true);
        }
        st.f_new_fresh = false;
        st.dense_ready = false;
        if ctl.adaptive {
            st.h = ctl.dir * next_step_size(st.h, st.last_step, st.factor, ctl);
            st.underflow = st.h.abs() < ctl.controller.dtmin;
        }
    }

    fn next_step(&self) -> f64 {
        self.st().h
    }
}

/// The size of the step after an accepted one of size `step` with controller factor
/// `factor`, when `proposed` was the step asked for: a step shortened to land on the
/// stop time does not shrink the next one (the stop time may move on).
pub(crate) fn next_step_size(
    proposed: f64,
    step: f64,
    factor: f64,
    ctl: &StepControl<impl Space>,
) -> f64 {
    let next = step.abs() * factor;
    let next = if step.abs() < proposed.abs() {
        next.max(proposed.abs())
    } else {
        next
    };
    next.min(ctl.controller.dtmax)
}
