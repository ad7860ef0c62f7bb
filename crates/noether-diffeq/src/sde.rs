//! SDE solvers, fixed-step ([`solve_sde`]) and adaptive ([`solve_sde_adaptive`]).
//! The interpretation of the stochastic integral is part of
//! each solver's type ([`SdeSolver::Calculus`]), and [`solve_sde`] only accepts an
//! SDE of the same calculus: an Itô solver cannot be handed a Stratonovich SDE.
//!
//! | solver | calculus | strong order (general / commutative / additive noise) |
//! |---|---|---|
//! | [`EulerMaruyama`] | Itô | 0.5 / 0.5 / 1 |
//! | [`Milstein`] | Itô | diagonal noise: 1 |
//! | [`EulerHeun`] | Stratonovich | 0.5 / 1 / 1 |
//! | [`ReversibleHeun`] | Stratonovich | 0.5 / 1 / 1, algebraically reversible |
//! | [`Sra1`] | Itô = Stratonovich (additive noise) | — / — / 1.5, weak order 2 |
//!
//! Adaptive stepping needs a solver with an error estimate (Euler–Heun, reversible
//! Heun, SRA1) and a Brownian path that answers queries at any time, such as the
//! [`VirtualBrownianTree`](crate::brownian::VirtualBrownianTree): a rejected step is
//! retried on the same path.

use noether_core::{
    BrownianPath, Calculus, Ito, NoiseShape, Real, Sde, Space, Stratonovich, Tolerance,
};

use crate::controller::{ControllerState, PidController};
use crate::error::{DiffeqError, Result, invalid};

/// The driving noise over one step: the Brownian increment and, for schemes that
/// need it, the space-time Lévy area.
#[derive(Debug, Clone, Copy)]
pub struct Increment<'a, V> {
    /// `ΔW = W(t + h) − W(t)`.
    pub dw: &'a V,
    /// The space-time Lévy area `H` over the step (when the solver asked for it).
    pub levy_area: Option<&'a V>,
}

/// A one-step SDE method.
pub trait SdeSolver<V: Space> {
    /// Itô or Stratonovich.
    type Calculus: Calculus;
    /// Solver state carried between steps (buffers, and for reversible Heun the
    /// auxiliary state).
    type State;
    /// Initial state for `y0`.
    fn init<S: Sde<V, Calculus = Self::Calculus> + ?Sized>(
        &self,
        sde: &S,
        t0: f64,
        y0: &V,
        dw_len: usize,
    ) -> Result<Self::State>;
    /// Advances `y` from `t` to `t + h` driven by `inc`.
    fn step<S: Sde<V, Calculus = Self::Calculus> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        inc: &Increment<'_, V>,
        y: &mut V,
        state: &mut Self::State,
    );

    /// Whether [`step`](SdeSolver::step) needs the space-time Lévy area.
    fn needs_levy_area(&self) -> bool {
        false
    }

    /// The local error estimate of the last step, for adaptive stepping.
    fn error_estimate<'s>(&self, state: &'s Self::State) -> Option<&'s V> {
        let _ = state;
        None
    }

    /// The order `k` the step-size controller uses for this error estimate
    /// (factor `∝ e^{−1/k}`).
    fn error_order(&self) -> u32 {
        1
    }
}

/// Length of a Brownian increment for a noise shape on a state of length `n`.
pub fn brownian_len(shape: NoiseShape, n: usize) -> usize {
    match shape {
        NoiseShape::Scalar => 1,
        NoiseShape::Diagonal | NoiseShape::Additive => n,
        NoiseShape::General { brownian_dim } => brownian_dim,
    }
}

/// Integrates `sde` from `(t0, y0)` to `t1` in `n_steps` equal steps, driven by
/// `path`; calls `observe(step, t, &y)` after each step and returns the final state.
///
/// Errors: the path does not cover `[t0, t1]`, `n_steps = 0`, or the state becomes
/// non-finite ([`DiffeqError::NonFinite`] with the time and step).
#[allow(clippy::too_many_arguments)]
pub fn solve_sde<V, S, P, M>(
    method: &M,
    sde: &S,
    path: &P,
    t0: f64,
    t1: f64,
    y0: &V,
    n_steps: usize,
    mut observe: impl FnMut(usize, f64, &V),
) -> Result<V>
where
    V: Space,
    S: Sde<V> + ?Sized,
    P: BrownianPath<V> + ?Sized,
    M: SdeSolver<V, Calculus = S::Calculus>,
{
    if n_steps == 0 {
        return Err(invalid("n_steps", 0, "at least one step"));
    }
    let (p0, p1) = path.interval();
    let (lo, hi) = (t0.min(t1), t0.max(t1));
    if lo < p0 - 1e-12 * p0.abs().max(1.0) || hi > p1 + 1e-12 * p1.abs().max(1.0) {
        return Err(invalid(
            "path",
            format!("[{p0}, {p1}]"),
            "Brownian path does not cover [t0, t1]",
        ));
    }
    if !y0.all_finite() {
        return Err(DiffeqError::NonFinite { t: t0, h: 0.0 });
    }
    let m = brownian_len(sde.noise_shape(), y0.len());
    let mut state = method.init(sde, t0, y0, m)?;
    let mut noise = NoiseBuffers::new(method, path, y0, m, t0)?;
    let mut y = y0.clone();
    let h = (t1 - t0) / n_steps as f64;
    for i in 0..n_steps {
        let t = t0 + h * i as f64;
        let tn = if i + 1 == n_steps {
            t1
        } else {
            t0 + h * (i + 1) as f64
        };
        noise.query(path, t, tn);
        method.step(sde, t, tn - t, &noise.increment(), &mut y, &mut state);
        if !y.all_finite() {
            return Err(DiffeqError::NonFinite { t, h });
        }
        observe(i + 1, tn, &y);
    }
    Ok(y)
}

/// Increment and Lévy-area buffers, filled from a path for a step `[t, tn]`
/// (either direction).
struct NoiseBuffers<V> {
    dw: V,
    levy: Option<V>,
}

impl<V: Space> NoiseBuffers<V> {
    fn new<M: SdeSolver<V>, P: BrownianPath<V> + ?Sized>(
        method: &M,
        path: &P,
        y0: &V,
        m: usize,
        t0: f64,
    ) -> Result<Self> {
        let dw = y0.zeros_with_len(m);
        let levy = if method.needs_levy_area() {
            let mut probe = y0.zeros_with_len(m);
            let (p0, p1) = path.interval();
            let probe_t = if t0 < p1 { p1 } else { p0 };
            if path
                .space_time_levy_area(t0.min(probe_t), t0.max(probe_t), &mut probe)
                .is_none()
            {
                return Err(invalid(
                    "path",
                    "no Lévy area",
                    "this solver needs a Brownian path with space-time Lévy areas (VirtualBrownianTree::with_levy_area)",
                ));
            }
            Some(probe)
        } else {
            None
        };
        Ok(Self { dw, levy })
    }

    fn query<P: BrownianPath<V> + ?Sized>(&mut self, path: &P, t: f64, tn: f64) {
        let sc = V::Scalar::of_f64;
        let (s, e) = if tn >= t { (t, tn) } else { (tn, t) };
        path.increment(s, e, &mut self.dw);
        if let Some(l) = self.levy.as_mut() {
            let _ = path.space_time_levy_area(s, e, l);
        }
        if tn < t {
            // Reversed time: ΔW changes sign; the bridge, hence H, is unchanged.
            self.dw.scale(sc(-1.0));
        }
    }

    fn increment(&self) -> Increment<'_, V> {
        Increment {
            dw: &self.dw,
            levy_area: self.levy.as_ref(),
        }
    }
}

/// Options of [`solve_sde_adaptive`].
#[derive(Debug, Clone, PartialEq)]
pub struct SdeAdaptiveOptions {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// First step (absolute value).
    pub h0: f64,
    /// The controller; for SDEs a PI controller with small gains, e.g.
    /// `PidController::pi(0.1, 0.3)` (diffrax's suggestion), is the default.
    pub controller: PidController,
    /// Largest number of attempted steps.
    pub max_steps: usize,
}

impl SdeAdaptiveOptions {
    /// Tolerances with the default controller, `h0` and step budget.
    pub fn tolerances(rtol: f64, atol: f64, h0: f64) -> Self {
        Self {
            rtol,
            atol,
            h0,
            controller: PidController::pi(0.1, 0.3),
            max_steps: 1_000_000,
        }
    }
}

/// Counters of an adaptive SDE solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SdeStats {
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps.
    pub rejected: usize,
}

/// Integrates `sde` from `(t0, y0)` to `t1` (forwards) with error-controlled steps:
/// each step's error estimate ([`SdeSolver::error_estimate`]) is measured in the
/// weighted RMS norm and fed to the PID controller; a rejected step is retried
/// from the saved state on the same Brownian path, which must answer queries at
/// arbitrary times (a virtual Brownian tree). Calls `observe(t, &y)` after each
/// accepted step; returns the final state and the counters.
///
/// Errors: the solver has no error estimate, the path does not cover the interval,
/// [`DiffeqError::MaxSteps`], [`DiffeqError::StepSizeUnderflow`],
/// [`DiffeqError::NonFinite`].
#[allow(clippy::too_many_arguments)]
pub fn solve_sde_adaptive<V, S, P, M>(
    method: &M,
    sde: &S,
    path: &P,
    t0: f64,
    t1: f64,
    y0: &V,
    opts: &SdeAdaptiveOptions,
    mut observe: impl FnMut(f64, &V),
) -> Result<(V, SdeStats)>
where
    V: Space,
    S: Sde<V> + ?Sized,
    P: BrownianPath<V> + ?Sized,
    M: SdeSolver<V, Calculus = S::Calculus>,
    M::State: Clone,
{
    let (p0, p1) = path.interval();
    if t1.partial_cmp(&t0) != Some(std::cmp::Ordering::Greater) || t0 < p0 || t1 > p1 {
        return Err(invalid(
            "t0/t1",
            format!("{t0}/{t1} on path [{p0}, {p1}]"),
            "need t0 < t1 inside the path's interval",
        ));
    }
    if !(opts.h0.is_finite() && opts.h0 > 0.0) {
        return Err(invalid("h0", opts.h0, "must be positive"));
    }
    opts.controller.validate()?;
    if !y0.all_finite() {
        return Err(DiffeqError::NonFinite { t: t0, h: 0.0 });
    }
    let tol = Tolerance::new(opts.rtol, opts.atol);
    tol.validate(y0.len())?;
    let m = brownian_len(sde.noise_shape(), y0.len());
    let mut state = method.init(sde, t0, y0, m)?;
    if method.error_estimate(&state).is_none() {
        return Err(invalid(
            "method",
            "no error estimate",
            "adaptive stepping needs Euler-Heun, reversible Heun or SRA1",
        ));
    }
    let mut noise = NoiseBuffers::new(method, path, y0, m, t0)?;
    let mut y = y0.clone();
    let mut y_try = y0.clone();
    let mut stats = SdeStats::default();
    let mut cstate = ControllerState::default();
    let k = method.error_order();
    let mut t = t0;
    let mut h = opts.h0.min(opts.controller.dtmax);
    while t < t1 {
        if stats.accepted + stats.rejected >= opts.max_steps {
            return Err(DiffeqError::MaxSteps {
                max_steps: opts.max_steps,
                t,
                h,
            });
        }
        let last = t1 - t <= h * (1.0 + 1e-10);
        let tn = if last { t1 } else { t + h };
        let saved = state.clone();
        y_try.copy_from(&y);
        noise.query(path, t, tn);
        method.step(sde, t, tn - t, &noise.increment(), &mut y_try, &mut state);
        let err = if y_try.all_finite() {
            method
                .error_estimate(&state)
                .map_or(f64::NAN, |e| e.wrms_norm(&y, &y_try, &tol).as_f64())
        } else {
            f64::NAN
        };
        let (ok, factor) = opts.controller.decide(&mut cstate, err, k);
        if !ok {
            stats.rejected += 1;
            state = saved;
            h = (tn - t) * factor;
            let h_min = opts
                .controller
                .dtmin
                .max(16.0 * f64::EPSILON * t.abs().max(1.0));
            if h < h_min {
                return Err(if err.is_finite() {
                    DiffeqError::StepSizeUnderflow { t, h, h_min }
                } else {
                    DiffeqError::NonFinite { t, h }
                });
            }
            continue;
        }
        stats.accepted += 1;
        std::mem::swap(&mut y, &mut y_try);
        let step = tn - t;
        t = tn;
        observe(t, &y);
        h = (step * factor).min(opts.controller.dtmax);
    }
    Ok((y, stats))
}

/// Buffers shared by the explicit schemes.
#[derive(Debug, Clone)]
pub struct Buffers<V> {
    a: V,
    b: V,
    c: V,
}

impl<V: Space> Buffers<V> {
    fn new(y0: &V) -> Self {
        Self {
            a: y0.zeros_like(),
            b: y0.zeros_like(),
            c: y0.zeros_like(),
        }
    }
}

/// Euler–Maruyama: `X⁺ = X + μh + σΔW` (Itô).
#[derive(Debug, Clone, Copy, Default)]
pub struct EulerMaruyama;

impl<V: Space> SdeSolver<V> for EulerMaruyama {
    type Calculus = Ito;
    type State = Buffers<V>;
    fn init<S: Sde<V, Calculus = Ito> + ?Sized>(
        &self,
        _sde: &S,
        _t0: f64,
        y0: &V,
        _m: usize,
    ) -> Result<Buffers<V>> {
        Ok(Buffers::new(y0))
    }
    fn step<S: Sde<V, Calculus = Ito> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        inc: &Increment<'_, V>,
        y: &mut V,
        b: &mut Buffers<V>,
    ) {
        let dw = inc.dw;
        let sc = V::Scalar::of_f64;
        sde.drift(t, y, &mut b.a);
        sde.diffusion_times(t, y, dw, &mut b.b);
        y.lincomb_acc(sc(1.0), &[(sc(h), &b.a), (sc(1.0), &b.b)]);
    }
}

/// Derivative-free Milstein (Kloeden & Platen, §11.1) for diagonal noise (Itô):
/// `X⁺ = X + μh + σΔW + (σ(X̄) − σ(X))(ΔW² − h)/(2√h)`, `X̄ = X + μh + σ√h`,
/// strong order 1. Needs [`Sde::diffusion_diagonal`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Milstein;

/// Buffers of [`Milstein`].
#[derive(Debug, Clone)]
pub struct MilsteinState<V> {
    bufs: Buffers<V>,
    ybar: V,
    dw2: V,
}

impl<V: Space> SdeSolver<V> for Milstein {
    type Calculus = Ito;
    type State = MilsteinState<V>;
    fn init<S: Sde<V, Calculus = Ito> + ?Sized>(
        &self,
        sde: &S,
        t0: f64,
        y0: &V,
        m: usize,
    ) -> Result<MilsteinState<V>> {
        if !matches!(
            sde.noise_shape(),
            NoiseShape::Diagonal | NoiseShape::Additive
        ) || m != y0.len()
        {
            return Err(invalid(
                "noise",
                format!("{:?}", sde.noise_shape()),
                "Milstein here needs diagonal noise",
            ));
        }
        let mut probe = y0.zeros_like();
        if sde.diffusion_diagonal(t0, y0, &mut probe).is_none() {
            return Err(invalid(
                "sde",
                "diffusion_diagonal",
                "Milstein needs the diagonal of σ",
            ));
        }
        Ok(MilsteinState {
            bufs: Buffers::new(y0),
            ybar: y0.zeros_like(),
            dw2: y0.zeros_like(),
        })
    }
    fn step<S: Sde<V, Calculus = Ito> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        inc: &Increment<'_, V>,
        y: &mut V,
        st: &mut MilsteinState<V>,
    ) {
        let dw = inc.dw;
        let sc = V::Scalar::of_f64;
        let b = &mut st.bufs;
        let sq = h.abs().sqrt();
        sde.drift(t, y, &mut b.a); // μ
        let _ = sde.diffusion_diagonal(t, y, &mut b.b); // σ(X)
        st.ybar
            .lincomb(&[(sc(1.0), &*y), (sc(h), &b.a), (sc(sq), &b.b)]);
        let _ = sde.diffusion_diagonal(t, &st.ybar, &mut b.c); // σ(X̄)
        b.c.axpy(sc(-1.0), &b.b); // σ(X̄) − σ(X)
        // dw2 = (ΔW² − h)/(2√h)
        st.dw2.copy_from(dw);
        st.dw2.mul_elementwise(dw);
        st.ybar.fill(sc(1.0));
        st.dw2
            .lincomb_acc(sc(1.0 / (2.0 * sq)), &[(sc(-h / (2.0 * sq)), &st.ybar)]);
        b.c.mul_elementwise(&st.dw2);
        b.b.mul_elementwise(dw);
        y.lincomb_acc(sc(1.0), &[(sc(h), &b.a), (sc(1.0), &b.b), (sc(1.0), &b.c)]);
    }
}

/// Euler–Heun (Stratonovich): `X̃ = X + σ(X)ΔW`, `X⁺ = X + μh + ½(σ(X) + σ(X̃))ΔW`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EulerHeun;

/// Buffers of [`EulerHeun`].
#[derive(Debug, Clone)]
pub struct EulerHeunState<V> {
    bufs: Buffers<V>,
    ytilde: V,
    err: V,
}

impl<V: Space> SdeSolver<V> for EulerHeun {
    type Calculus = Stratonovich;
    type State = EulerHeunState<V>;
    fn init<S: Sde<V, Calculus = Stratonovich> + ?Sized>(
        &self,
        _sde: &S,
        _t0: f64,
        y0: &V,
        _m: usize,
    ) -> Result<EulerHeunState<V>> {
        Ok(EulerHeunState {
            bufs: Buffers::new(y0),
            ytilde: y0.zeros_like(),
            err: y0.zeros_like(),
        })
    }
    fn step<S: Sde<V, Calculus = Stratonovich> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        inc: &Increment<'_, V>,
        y: &mut V,
        st: &mut EulerHeunState<V>,
    ) {
        let dw = inc.dw;
        let sc = V::Scalar::of_f64;
        let b = &mut st.bufs;
        sde.drift(t, y, &mut b.a);
        sde.diffusion_times(t, y, dw, &mut b.b);
        st.ytilde.lincomb(&[(sc(1.0), &*y), (sc(1.0), &b.b)]);
        sde.diffusion_times(t, &st.ytilde, dw, &mut b.c);
        y.lincomb_acc(sc(1.0), &[(sc(h), &b.a), (sc(0.5), &b.b), (sc(0.5), &b.c)]);
        // Against Euler: ½(σ(X̃) − σ(X))ΔW.
        st.err.lincomb(&[(sc(0.5), &b.c), (sc(-0.5), &b.b)]);
    }

    fn error_estimate<'s>(&self, st: &'s EulerHeunState<V>) -> Option<&'s V> {
        Some(&st.err)
    }
}

/// Reversible Heun (Kidger et al. 2021, arXiv 2105.13493), Stratonovich. Carries an
/// auxiliary state `ŷ`; with `F(t, z) = μ(t, z)h + σ(t, z)ΔW`:
/// `ŷ⁺ = 2y − ŷ + F(t, ŷ)`, `y⁺ = y + ½(F(t, ŷ) + F(t⁺, ŷ⁺))`.
/// [`ReversibleHeun::step_back`] inverts a step algebraically.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReversibleHeun;

/// State of [`ReversibleHeun`]: the auxiliary `ŷ` and buffers.
#[derive(Debug, Clone)]
pub struct ReversibleHeunState<V> {
    /// The auxiliary state `ŷ`.
    pub yhat: V,
    bufs: Buffers<V>,
    f0: V,
}

impl ReversibleHeun {
    /// `out ← μ(t, z)h + σ(t, z)ΔW`.
    fn control<V: Space, S: Sde<V> + ?Sized>(
        sde: &S,
        t: f64,
        h: f64,
        z: &V,
        dw: &V,
        drift: &mut V,
        out: &mut V,
    ) {
        let sc = V::Scalar::of_f64;
        sde.drift(t, z, drift);
        sde.diffusion_times(t, z, dw, out);
        out.axpy(sc(h), drift);
    }

    /// Undoes a step of size `h` that ended at `(t + h, y, ŷ)` with increment `dw`,
    /// restoring `(y, ŷ)` at `t`.
    pub fn step_back<V: Space, S: Sde<V, Calculus = Stratonovich> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        dw: &V,
        y: &mut V,
        st: &mut ReversibleHeunState<V>,
    ) {
        let sc = V::Scalar::of_f64;
        let b = &mut st.bufs;
        // F(t⁺, ŷ⁺)
        Self::control(sde, t + h, h, &st.yhat, dw, &mut b.a, &mut b.b);
        // ŷ = 2y⁺ − ŷ⁺ − F(t⁺, ŷ⁺)
        st.yhat
            .lincomb_acc(sc(-1.0), &[(sc(2.0), &*y), (sc(-1.0), &b.b)]);
        // F(t, ŷ)
        Self::control(sde, t, h, &st.yhat, dw, &mut b.a, &mut b.c);
        // y = y⁺ − ½(F(t, ŷ) + F(t⁺, ŷ⁺))
        y.lincomb_acc(sc(1.0), &[(sc(-0.5), &b.c), (sc(-0.5), &b.b)]);
    }
}

impl<V: Space> SdeSolver<V> for ReversibleHeun {
    type Calculus = Stratonovich;
    type State = ReversibleHeunState<V>;
    fn init<S: Sde<V, Calculus = Stratonovich> + ?Sized>(
        &self,
        _sde: &S,
        _t0: f64,
        y0: &V,
        _m: usize,
    ) -> Result<ReversibleHeunState<V>> {
        Ok(ReversibleHeunState {
            yhat: y0.clone(),
            bufs: Buffers::new(y0),
            f0: y0.zeros_like(),
        })
    }
    fn step<S: Sde<V, Calculus = Stratonovich> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        inc: &Increment<'_, V>,
        y: &mut V,
        st: &mut ReversibleHeunState<V>,
    ) {
        let dw = inc.dw;
        let sc = V::Scalar::of_f64;
        let b = &mut st.bufs;
        // F(t, ŷ)
        Self::control(sde, t, h, &st.yhat, dw, &mut b.a, &mut st.f0);
        // ŷ⁺ = 2y − ŷ + F(t, ŷ)
        st.yhat
            .lincomb_acc(sc(-1.0), &[(sc(2.0), &*y), (sc(1.0), &st.f0)]);
        // F(t⁺, ŷ⁺)
        Self::control(sde, t + h, h, &st.yhat, dw, &mut b.a, &mut b.b);
        // y⁺ = y + ½(F(t, ŷ) + F(t⁺, ŷ⁺))
        y.lincomb_acc(sc(1.0), &[(sc(0.5), &st.f0), (sc(0.5), &b.b)]);
        // Error estimate ½(F(t⁺, ŷ⁺) − F(t, ŷ)).
        b.c.lincomb(&[(sc(0.5), &b.b), (sc(-0.5), &st.f0)]);
    }

    fn error_estimate<'s>(&self, st: &'s ReversibleHeunState<V>) -> Option<&'s V> {
        Some(&st.bufs.c)
    }
}

/// SRA1 (Rößler, SIAM J. Numer. Anal. 48 (2010) 922–952, Table 5.2) for additive
/// noise `dX = μ(t, X) dt + σ(t) dW`: strong order 1.5, weak order 2, two drift
/// evaluations per step. With `I = ΔW/2 + H` (`H` the space-time Lévy area):
/// `X̃ = X + ¾hμ(t, X) + σ(t⁺)(¾ΔW + 3/2·H)`,
/// `X⁺ = X + h(⅓μ(t, X) + ⅔μ(t + ¾h, X̃)) + σ(t)(ΔW/2 + H) + σ(t⁺)(ΔW/2 − H)`.
/// For additive noise Itô and Stratonovich coincide; the solver is typed Itô, and
/// [`Sra1Stratonovich`] is the same scheme for SDEs typed Stratonovich. The embedded
/// Euler drift gives the error estimate `⅔h(μ(t + ¾h, X̃) − μ(t, X))`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sra1;

/// [`Sra1`] for additive-noise SDEs written in Stratonovich form.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sra1Stratonovich;

/// Buffers of [`Sra1`].
#[derive(Debug, Clone)]
pub struct Sra1State<V> {
    a1: V,
    a2: V,
    p: V,
    q: V,
    r: V,
    noise: V,
    stage: V,
    err: V,
}

fn sra1_init<V: Space, S: Sde<V> + ?Sized>(sde: &S, y0: &V, m: usize) -> Result<Sra1State<V>> {
    if sde.noise_shape() != NoiseShape::Additive {
        return Err(invalid(
            "noise",
            format!("{:?}", sde.noise_shape()),
            "SRA1 needs additive noise (sigma independent of the state)",
        ));
    }
    Ok(Sra1State {
        a1: y0.zeros_like(),
        a2: y0.zeros_like(),
        p: y0.zeros_like(),
        q: y0.zeros_like(),
        r: y0.zeros_like(),
        noise: y0.zeros_with_len(m),
        stage: y0.zeros_like(),
        err: y0.zeros_like(),
    })
}

fn sra1_step<V: Space, S: Sde<V> + ?Sized>(
    sde: &S,
    t: f64,
    h: f64,
    inc: &Increment<'_, V>,
    y: &mut V,
    st: &mut Sra1State<V>,
) {
    let sc = V::Scalar::of_f64;
    let one = sc(1.0);
    let dw = inc.dw;
    // `needs_levy_area` makes the drivers always provide H.
    let Some(hh) = inc.levy_area else {
        return;
    };
    let tn = t + h;
    sde.drift(t, y, &mut st.a1);
    sde.diffusion_times(tn, y, dw, &mut st.p); // σ(t⁺)ΔW
    sde.diffusion_times(tn, y, hh, &mut st.q); // σ(t⁺)H
    st.noise.lincomb(&[(sc(0.5), dw), (one, hh)]);
    sde.diffusion_times(t, y, &st.noise, &mut st.r); // σ(t)(ΔW/2 + H)
    st.stage.lincomb(&[
        (one, &*y),
        (sc(0.75 * h), &st.a1),
        (sc(0.75), &st.p),
        (sc(1.5), &st.q),
    ]);
    sde.drift(t + 0.75 * h, &st.stage, &mut st.a2);
    y.lincomb_acc(
        one,
        &[
            (sc(h / 3.0), &st.a1),
            (sc(2.0 * h / 3.0), &st.a2),
            (one, &st.r),
            (sc(0.5), &st.p),
            (sc(-1.0), &st.q),
        ],
    );
    st.err
        .lincomb(&[(sc(2.0 * h / 3.0), &st.a2), (sc(-2.0 * h / 3.0), &st.a1)]);
}

macro_rules! sra1_solver {
    ($solver:ty, $calculus:ty) => {
        impl<V: Space> SdeSolver<V> for $solver {
            type Calculus = $calculus;
            type State = Sra1State<V>;
            fn init<S: Sde<V, Calculus = $calculus> + ?Sized>(
                &self,
                sde: &S,
                _t0: f64,
                y0: &V,
                m: usize,
            ) -> Result<Sra1State<V>> {
                sra1_init(sde, y0, m)
            }
            fn step<S: Sde<V, Calculus = $calculus> + ?Sized>(
                &self,
                sde: &S,
                t: f64,
                h: f64,
                inc: &Increment<'_, V>,
                y: &mut V,
                st: &mut Sra1State<V>,
            ) {
                sra1_step(sde, t, h, inc, y, st)
            }
            fn needs_levy_area(&self) -> bool {
                true
            }
            fn error_estimate<'s>(&self, st: &'s Sra1State<V>) -> Option<&'s V> {
                Some(&st.err)
            }
            fn error_order(&self) -> u32 {
                2
            }
        }
    };
}

sra1_solver!(Sra1, Ito);
sra1_solver!(Sra1Stratonovich, Stratonovich);
