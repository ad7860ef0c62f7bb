//! Fixed-step SDE solvers. The interpretation of the stochastic integral is part of
//! each solver's type ([`SdeSolver::Calculus`]), and [`solve_sde`] only accepts an
//! SDE of the same calculus: an Itô solver cannot be handed a Stratonovich SDE.
//!
//! | solver | calculus | strong order (general / commutative / additive noise) |
//! |---|---|---|
//! | [`EulerMaruyama`] | Itô | 0.5 / 0.5 / 1 |
//! | [`Milstein`] | Itô | diagonal noise: 1 |
//! | [`EulerHeun`] | Stratonovich | 0.5 / 1 / 1 |
//! | [`ReversibleHeun`] | Stratonovich | 0.5 / 1 / 1, algebraically reversible |

use noether_core::{BrownianPath, Calculus, Ito, NoiseShape, Real, Sde, Space, Stratonovich};

use crate::error::{DiffeqError, Result, invalid};

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
    /// Advances `y` from `t` to `t + h` with Brownian increment `dw`.
    fn step<S: Sde<V, Calculus = Self::Calculus> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        dw: &V,
        y: &mut V,
        state: &mut Self::State,
    );
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
    let mut y = y0.clone();
    let mut dw = y0.zeros_with_len(m);
    let h = (t1 - t0) / n_steps as f64;
    for i in 0..n_steps {
        let t = t0 + h * i as f64;
        let tn = if i + 1 == n_steps {
            t1
        } else {
            t0 + h * (i + 1) as f64
        };
        if h >= 0.0 {
            path.increment(t, tn, &mut dw);
        } else {
            path.increment(tn, t, &mut dw);
            dw.scale(V::Scalar::of_f64(-1.0));
        }
        method.step(sde, t, tn - t, &dw, &mut y, &mut state);
        if !y.all_finite() {
            return Err(DiffeqError::NonFinite { t, h });
        }
        observe(i + 1, tn, &y);
    }
    Ok(y)
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
        dw: &V,
        y: &mut V,
        b: &mut Buffers<V>,
    ) {
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
        dw: &V,
        y: &mut V,
        st: &mut MilsteinState<V>,
    ) {
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
        })
    }
    fn step<S: Sde<V, Calculus = Stratonovich> + ?Sized>(
        &self,
        sde: &S,
        t: f64,
        h: f64,
        dw: &V,
        y: &mut V,
        st: &mut EulerHeunState<V>,
    ) {
        let sc = V::Scalar::of_f64;
        let b = &mut st.bufs;
        sde.drift(t, y, &mut b.a);
        sde.diffusion_times(t, y, dw, &mut b.b);
        st.ytilde.lincomb(&[(sc(1.0), &*y), (sc(1.0), &b.b)]);
        sde.diffusion_times(t, &st.ytilde, dw, &mut b.c);
        y.lincomb_acc(sc(1.0), &[(sc(h), &b.a), (sc(0.5), &b.b), (sc(0.5), &b.c)]);
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
        dw: &V,
        y: &mut V,
        st: &mut ReversibleHeunState<V>,
    ) {
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
    }
}
