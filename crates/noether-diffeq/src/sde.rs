//! SDE methods ([`SdeSolver`]), run by the one step loop of [`solve`](crate::solve())
//! and [`Integrator`](crate::Integrator) through [`Scheme`], with fixed or adaptive
//! steps, on an [`SdeSystem`] (the SDE and its driving path). The interpretation of
//! the stochastic integral is part of each method's type
//! ([`SdeSolver::Calculus`]), and a [`Scheme`] only accepts an SDE of the same
//! calculus: an Itô method cannot be handed a Stratonovich SDE.
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

use noether_core::{BrownianPath, Calculus, Ito, NoiseShape, Real, Sde, Space, Stratonovich};

use crate::controller::{ControllerState, judge_step};
use crate::error::{Result, invalid};
use crate::options::{SolveStats, clip_step};
use crate::solver::{Attempt, OdeSolver, StepControl};

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

/// A borrowed method is the method.
impl<V: Space, M: SdeSolver<V>> SdeSolver<V> for &M {
    type Calculus = M::Calculus;
    type State = M::State;
    fn init<S: Sde<V, Calculus = Self::Calculus> + ?Sized>(
        &self,
        sde: &S,
        t0: f64,
        y0: &V,
        dw_len: usize,
    ) -> Result<Self::State> {
        (**self).init(sde, t0, y0, dw_len)
    }
    fn step<S: Sde<V, Calculus = Self::Calculus> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        inc: &Increment<'_, V>,
        y: &mut V,
        state: &mut Self::State,
    ) {
        (**self).step(sde, t, h, inc, y, state);
    }
    fn needs_levy_area(&self) -> bool {
        (**self).needs_levy_area()
    }
    fn error_estimate<'s>(&self, state: &'s Self::State) -> Option<&'s V> {
        (**self).error_estimate(state)
    }
    fn error_order(&self) -> u32 {
        (**self).error_order()
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

/// An SDE and the Brownian path that drives it: the system an SDE [`Scheme`]
/// integrates (the `f` of an [`OdeProblem`](crate::OdeProblem)).
pub struct SdeSystem<'a, S: ?Sized, P: ?Sized> {
    /// The SDE.
    pub sde: &'a S,
    /// The driving path; adaptive steps need one that answers queries at any
    /// time (a [`VirtualBrownianTree`](crate::brownian::VirtualBrownianTree)).
    pub path: &'a P,
}

impl<'a, S: ?Sized, P: ?Sized> SdeSystem<'a, S, P> {
    /// `sde` driven by `path`.
    pub fn new(sde: &'a S, path: &'a P) -> Self {
        Self { sde, path }
    }
}

impl<S: ?Sized, P: ?Sized> std::fmt::Debug for SdeSystem<'_, S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdeSystem").finish_non_exhaustive()
    }
}

/// An SDE method `M` as an [`OdeSolver`] of the one step loop
/// ([`solve`](crate::solve()), [`Integrator`](crate::Integrator)): fixed steps, or
/// error-controlled steps for methods with an error estimate (Euler–Heun,
/// reversible Heun, SRA1), where a rejected step is retried from the saved state on
/// the same Brownian path. Dense output between steps is linear (as diffrax's for
/// SDEs). Adaptive steps need a first step `h0` (there is no initial-step heuristic
/// for SDEs).
///
/// Errors: the path does not cover the interval or lacks the Lévy area the method
/// needs, an adaptive solve without `h0` or with a method without an error
/// estimate ([`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)); [`DiffeqError::NonFinite`](crate::DiffeqError::NonFinite),
/// [`DiffeqError::StepSizeUnderflow`](crate::DiffeqError::StepSizeUnderflow), [`DiffeqError::MaxSteps`](crate::DiffeqError::MaxSteps).
///
/// ```
/// use noether_core::{Ito, NoiseShape, Sde};
/// use noether_diffeq::brownian::VirtualBrownianTree;
/// use noether_diffeq::sde::{EulerMaruyama, Scheme, SdeSystem};
/// use noether_diffeq::{solve, OdeProblem, SolveOptions};
///
/// // Geometric Brownian motion dX = μX dt + σX dW; X(1) = exp((μ − σ²/2) + σW(1)).
/// struct Gbm;
/// impl Sde<Vec<f64>> for Gbm {
///     type Calculus = Ito;
///     fn noise_shape(&self) -> NoiseShape { NoiseShape::Diagonal }
///     fn drift(&self, _t: f64, x: &Vec<f64>, out: &mut Vec<f64>) { out[0] = 0.5 * x[0]; }
///     fn diffusion_times(&self, _t: f64, x: &Vec<f64>, dw: &Vec<f64>, out: &mut Vec<f64>) {
///         out[0] = 0.3 * x[0] * dw[0];
///     }
/// }
/// let path = VirtualBrownianTree::new(0.0, 1.0, 1, 1e-8, 7).unwrap();
/// let system = SdeSystem::new(&Gbm, &path);
/// let problem = OdeProblem::new(&system, (0.0, 1.0), vec![1.0]);
/// let sol = solve(&problem, Scheme::new(EulerMaruyama), SolveOptions::default().fixed(1e-4)).unwrap();
/// let mut w = vec![0.0_f64];
/// noether_core::BrownianPath::increment(&path, 0.0, 1.0, &mut w);
/// let exact = (0.5 - 0.045 + 0.3 * w[0]).exp();
/// assert!((sol.ys[0][0] - exact).abs() < 1e-2);
/// ```
pub struct Scheme<M, V, St> {
    method: M,
    state: Option<SchemeState<V, St>>,
}

struct SchemeState<V, St> {
    inner: St,
    saved: Option<St>,
    noise: NoiseBuffers<V>,
    y_new: V,
    cstate: ControllerState,
    h: f64,
    last_step: f64,
    factor: f64,
}

impl<M, V: Space, St> Scheme<M, V, St> {
    /// The method `method` (e.g. [`EulerMaruyama`], [`ReversibleHeun`]).
    pub fn new(method: M) -> Self {
        Self {
            method,
            state: None,
        }
    }

    fn st(&self) -> &SchemeState<V, St> {
        self.state
            .as_ref()
            .expect("Scheme used before OdeSolver::init (a driver bug)")
    }
}

impl<M, V, S, P> OdeSolver<V, SdeSystem<'_, S, P>> for Scheme<M, V, M::State>
where
    V: Space,
    S: Sde<V> + ?Sized,
    P: BrownianPath<V> + ?Sized,
    M: SdeSolver<V, Calculus = S::Calculus>,
    M::State: Clone,
{
    fn name(&self) -> &'static str {
        std::any::type_name::<M>()
            .rsplit("::")
            .next()
            .unwrap_or("SDE scheme")
    }

    fn init(
        &mut self,
        sys: &SdeSystem<'_, S, P>,
        t0: f64,
        y0: &V,
        t1: f64,
        ctl: &StepControl<V>,
        _stats: &mut SolveStats,
    ) -> Result<()> {
        let (p0, p1) = sys.path.interval();
        let (lo, hi) = (t0.min(t1), t0.max(t1));
        if lo < p0 - 1e-12 * p0.abs().max(1.0) || hi > p1 + 1e-12 * p1.abs().max(1.0) {
            return Err(invalid(
                "path",
                format!("[{p0}, {p1}]"),
                "Brownian path does not cover [t0, t1]",
            ));
        }
        let m = brownian_len(sys.sde.noise_shape(), y0.len());
        let inner = self.method.init(sys.sde, t0, y0, m)?;
        if ctl.adaptive && self.method.error_estimate(&inner).is_none() {
            return Err(invalid(
                "step",
                "Adaptive",
                "adaptive stepping needs a method with an error estimate (Euler-Heun, reversible Heun or SRA1)",
            ));
        }
        let Some(h) = ctl.h0 else {
            return Err(invalid(
                "h0",
                "None",
                "adaptive SDE solves need a first step (SolveOptions::h0)",
            ));
        };
        let h = if ctl.adaptive {
            h.min(ctl.controller.dtmax)
        } else {
            h
        };
        let noise = NoiseBuffers::new(&self.method, sys.path, y0, m, t0)?;
        self.state = Some(SchemeState {
            inner,
            saved: None,
            noise,
            y_new: y0.clone(),
            cstate: ControllerState::default(),
            h: ctl.dir * h,
            last_step: 0.0,
            factor: 1.0,
        });
        Ok(())
    }

    fn attempt(
        &mut self,
        sys: &SdeSystem<'_, S, P>,
        t: f64,
        y: &V,
        t_stop: f64,
        ctl: &StepControl<V>,
        _stats: &mut SolveStats,
    ) -> Result<Attempt> {
        let method = &self.method;
        let st = self
            .state
            .as_mut()
            .expect("Scheme used before OdeSolver::init (a driver bug)");
        let (step, t_new) = clip_step(t, t_stop, st.h);
        if ctl.adaptive {
            match st.saved.as_mut() {
                Some(saved) => saved.clone_from(&st.inner),
                None => st.saved = Some(st.inner.clone()),
            }
        }
        st.y_new.copy_from(y);
        st.noise.query(sys.path, t, t_new);
        method.step(
            sys.sde,
            t,
            step,
            &st.noise.increment(),
            &mut st.y_new,
            &mut st.inner,
        );
        let (inner, y_new) = (&st.inner, &st.y_new);
        let err = || {
            method
                .error_estimate(inner)
                .map_or(f64::NAN, |e| e.wrms_norm(y, y_new, ctl.tol.view()).as_f64())
        };
        let verdict = judge_step(
            ctl,
            &mut st.cstate,
            err,
            y_new,
            method.error_order(),
            (t, step),
            &mut st.h,
        )?;
        let Some(factor) = verdict else {
            if let Some(saved) = st.saved.as_ref() {
                st.inner.clone_from(saved);
            }
            return Ok(Attempt::Rejected);
        };
        st.last_step = step;
        st.factor = factor;
        Ok(Attempt::Accepted { t_new })
    }

    fn proposal(&self) -> &V {
        &self.st().y_new
    }

    fn prepare_dense(
        &mut self,
        _sys: &SdeSystem<'_, S, P>,
        _t: f64,
        _y: &V,
        _stats: &mut SolveStats,
    ) {
    }

    fn interpolate(&self, t: f64, y: &V, tau: f64, out: &mut V) {
        let st = self.st();
        let theta = V::Scalar::of_f64((tau - t) / st.last_step);
        let one = V::Scalar::of_f64(1.0);
        out.lincomb(&[(one - theta, y), (theta, &st.y_new)]);
    }

    fn accept(&mut self, y: &mut V, ctl: &StepControl<V>) {
        let st = self
            .state
            .as_mut()
            .expect("Scheme used before OdeSolver::init (a driver bug)");
        std::mem::swap(y, &mut st.y_new);
        if ctl.adaptive {
            st.h = ctl.dir * crate::erk::next_step_size(st.h, st.last_step, st.factor, ctl);
        }
    }

    fn next_step(&self) -> f64 {
        self.state.as_ref().map_or(0.0, |s| s.h)
    }
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
