//! Geometric integrators: Störmer–Verlet and Yoshida's fourth-order composition for
//! separable Hamiltonians, and the implicit midpoint rule, which is symplectic for
//! any Hamiltonian and conserves every quadratic invariant of any ODE.

use noether_core::{Hamiltonian, Real, Space, VectorField};

use crate::error::{DiffeqError, Result, invalid};
use crate::options::{SolveStats, clip_step};
use crate::solver::{Attempt, OdeSolver, StepControl};

/// Explicit symplectic schemes for separable `H(q, p) = T(p) + U(q)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymplecticMethod {
    /// Störmer–Verlet (velocity Verlet, leapfrog), order 2.
    Verlet,
    /// Yoshida's triple-jump composition of Verlet, order 4.
    Yoshida4,
}

impl SymplecticMethod {
    /// Order of accuracy.
    pub fn order(&self) -> u32 {
        match self {
            Self::Verlet => 2,
            Self::Yoshida4 => 4,
        }
    }
}

/// Buffers for the explicit schemes.
#[derive(Debug, Clone)]
struct Buffers<V> {
    g: V,
}

fn verlet<V: Space, H: Hamiltonian<V> + ?Sized>(
    h: &H,
    dt: f64,
    q: &mut V,
    p: &mut V,
    b: &mut Buffers<V>,
) {
    let sc = V::Scalar::of_f64;
    h.dh_dq(q, p, &mut b.g);
    p.axpy(sc(-0.5 * dt), &b.g);
    h.dh_dp(q, p, &mut b.g);
    q.axpy(sc(dt), &b.g);
    h.dh_dq(q, p, &mut b.g);
    p.axpy(sc(-0.5 * dt), &b.g);
}

/// An explicit symplectic scheme for a separable Hamiltonian `H` as an
/// [`OdeSolver`] on the state `(q, p)` (a product [`Space`]): fixed steps only, the
/// problem's `f` is the Hamiltonian. Dense output between steps is linear.
///
/// Errors: a non-separable Hamiltonian or adaptive steps
/// ([`DiffeqError::InvalidArgument`]); [`DiffeqError::NonFinite`].
///
/// ```
/// use noether_core::Hamiltonian;
/// use noether_diffeq::symplectic::{Symplectic, SymplecticMethod};
/// use noether_diffeq::{solve, OdeProblem, SolveOptions};
///
/// struct Oscillator;
/// impl Hamiltonian<Vec<f64>> for Oscillator {
///     fn dh_dq(&self, q: &Vec<f64>, _p: &Vec<f64>, out: &mut Vec<f64>) { out[0] = q[0]; }
///     fn dh_dp(&self, _q: &Vec<f64>, p: &Vec<f64>, out: &mut Vec<f64>) { out[0] = p[0]; }
///     fn is_separable(&self) -> bool { true }
/// }
/// let period = 2.0 * std::f64::consts::PI;
/// let problem = OdeProblem::new(&Oscillator, (0.0, period), (vec![1.0], vec![0.0]));
/// let sol = solve(&problem, Symplectic::new(SymplecticMethod::Yoshida4),
///                 SolveOptions::default().fixed(period / 1000.0)).unwrap();
/// let (q, p) = &sol.ys[0];
/// assert!((q[0] - 1.0).abs() < 1e-8 && p[0].abs() < 1e-8);
/// ```
#[derive(Debug, Clone)]
pub struct Symplectic<V> {
    method: SymplecticMethod,
    state: Option<SymplecticState<V>>,
}

#[derive(Debug, Clone)]
struct SymplecticState<V> {
    b: Buffers<V>,
    y_new: (V, V),
    h: f64,
    last_step: f64,
}

impl<V: Space> Symplectic<V> {
    /// The scheme `method`.
    pub fn new(method: SymplecticMethod) -> Self {
        Self {
            method,
            state: None,
        }
    }
}

impl<V, H> OdeSolver<(V, V), H> for Symplectic<V>
where
    V: Space,
    H: Hamiltonian<V> + ?Sized,
{
    fn name(&self) -> &'static str {
        match self.method {
            SymplecticMethod::Verlet => "Verlet",
            SymplecticMethod::Yoshida4 => "Yoshida4",
        }
    }

    fn has_error_estimate(&self) -> bool {
        false
    }

    fn init(
        &mut self,
        ham: &H,
        _t0: f64,
        y0: &(V, V),
        _t1: f64,
        ctl: &StepControl<(V, V)>,
        _stats: &mut SolveStats,
    ) -> Result<()> {
        if !ham.is_separable() {
            return Err(invalid(
                "hamiltonian",
                "non-separable",
                "explicit symplectic schemes need H = T(p) + U(q); use ImplicitMidpoint",
            ));
        }
        self.state = Some(SymplecticState {
            b: Buffers {
                g: y0.0.zeros_like(),
            },
            y_new: y0.clone(),
            h: ctl.dir * ctl.h0.unwrap_or(0.0),
            last_step: 0.0,
        });
        Ok(())
    }

    fn attempt(
        &mut self,
        ham: &H,
        t: f64,
        y: &(V, V),
        t_stop: f64,
        _ctl: &StepControl<(V, V)>,
        stats: &mut SolveStats,
    ) -> Result<Attempt> {
        let st = self
            .state
            .as_mut()
            .expect("Symplectic used before OdeSolver::init (a driver bug)");
        let (step, t_new) = clip_step(t, t_stop, st.h);
        st.y_new.copy_from(y);
        let (q, p, b) = (&mut st.y_new.0, &mut st.y_new.1, &mut st.b);
        match self.method {
            SymplecticMethod::Verlet => {
                verlet(ham, step, q, p, b);
                stats.nfev += 3;
            }
            SymplecticMethod::Yoshida4 => {
                let cbrt2 = 2.0_f64.cbrt();
                let w1 = 1.0 / (2.0 - cbrt2);
                let w0 = -cbrt2 / (2.0 - cbrt2);
                verlet(ham, w1 * step, q, p, b);
                verlet(ham, w0 * step, q, p, b);
                verlet(ham, w1 * step, q, p, b);
                stats.nfev += 9;
            }
        }
        if !st.y_new.all_finite() {
            return Err(DiffeqError::NonFinite { t, h: step });
        }
        st.last_step = step;
        Ok(Attempt::Accepted { t_new })
    }

    fn proposal(&self) -> &(V, V) {
        &self
            .state
            .as_ref()
            .expect("Symplectic used before OdeSolver::init (a driver bug)")
            .y_new
    }

    fn prepare_dense(&mut self, _ham: &H, _t: f64, _y: &(V, V), _stats: &mut SolveStats) {}

    fn interpolate(&self, t: f64, y: &(V, V), tau: f64, out: &mut (V, V)) {
        let st = self
            .state
            .as_ref()
            .expect("Symplectic used before OdeSolver::init (a driver bug)");
        linear(t, st.last_step, y, &st.y_new, tau, out);
    }

    fn accept(&mut self, y: &mut (V, V), _ctl: &StepControl<(V, V)>) {
        if let Some(st) = self.state.as_mut() {
            std::mem::swap(y, &mut st.y_new);
        }
    }

    fn next_step(&self) -> f64 {
        self.state.as_ref().map_or(0.0, |s| s.h)
    }
}

/// `out ← y + (τ − t)/h · (y_new − y)`.
fn linear<V: Space>(t: f64, h: f64, y: &V, y_new: &V, tau: f64, out: &mut V) {
    let theta = V::Scalar::of_f64((tau - t) / h);
    let one = V::Scalar::of_f64(1.0);
    out.lincomb(&[(one - theta, y), (theta, y_new)]);
}

/// Options of the implicit midpoint rule's fixed-point iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImplicitOptions {
    /// Stop when the update's max-norm is below `tol·(1 + ‖y‖_∞)`.
    pub tol: f64,
    /// Largest number of iterations per step.
    pub max_iters: usize,
}

impl Default for ImplicitOptions {
    fn default() -> Self {
        Self {
            tol: 1e-15,
            max_iters: 100,
        }
    }
}

/// The implicit midpoint rule `y⁺ = y + h f(t + h/2, (y + y⁺)/2)` as an
/// [`OdeSolver`] with fixed steps, solved by fixed-point iteration (converges for
/// `h·Lip(f) < 2`). Symplectic for Hamiltonian `f`, and it conserves every
/// quadratic invariant `yᵀCy` of any `f`. Dense output between steps is linear.
///
/// Errors: [`DiffeqError::ImplicitSolve`] when an iteration does not converge;
/// adaptive steps ([`DiffeqError::InvalidArgument`]).
#[derive(Debug, Clone)]
pub struct ImplicitMidpoint<V> {
    opts: ImplicitOptions,
    state: Option<MidpointState<V>>,
}

#[derive(Debug, Clone)]
struct MidpointState<V> {
    mid: V,
    k: V,
    y_new: V,
    prev: V,
    h: f64,
    last_step: f64,
}

impl<V: Space> ImplicitMidpoint<V> {
    /// The rule with the fixed-point iteration's `opts`.
    pub fn new(opts: ImplicitOptions) -> Self {
        Self { opts, state: None }
    }
}

impl<V, F> OdeSolver<V, F> for ImplicitMidpoint<V>
where
    V: Space,
    F: VectorField<V> + ?Sized,
{
    fn name(&self) -> &'static str {
        "ImplicitMidpoint"
    }

    fn has_error_estimate(&self) -> bool {
        false
    }

    fn init(
        &mut self,
        _f: &F,
        _t0: f64,
        y0: &V,
        _t1: f64,
        ctl: &StepControl<V>,
        _stats: &mut SolveStats,
    ) -> Result<()> {
        self.state = Some(MidpointState {
            mid: y0.zeros_like(),
            k: y0.zeros_like(),
            y_new: y0.clone(),
            prev: y0.zeros_like(),
            h: ctl.dir * ctl.h0.unwrap_or(0.0),
            last_step: 0.0,
        });
        Ok(())
    }

    fn attempt(
        &mut self,
        f: &F,
        t: f64,
        y: &V,
        t_stop: f64,
        _ctl: &StepControl<V>,
        stats: &mut SolveStats,
    ) -> Result<Attempt> {
        let opts = self.opts;
        let st = self
            .state
            .as_mut()
            .expect("ImplicitMidpoint used before OdeSolver::init (a driver bug)");
        let sc = V::Scalar::of_f64;
        let (dt, t_new) = clip_step(t, t_stop, st.h);
        // initial guess: explicit Euler
        f.eval(t, y, &mut st.k);
        stats.nfev += 1;
        st.y_new.lincomb(&[(sc(1.0), y), (sc(dt), &st.k)]);
        let mut converged = false;
        let mut iters = 0;
        while iters < opts.max_iters {
            iters += 1;
            st.mid.lincomb(&[(sc(0.5), y), (sc(0.5), &st.y_new)]);
            f.eval(t + 0.5 * dt, &st.mid, &mut st.k);
            stats.nfev += 1;
            stats.newton_iterations += 1;
            st.prev.copy_from(&st.y_new);
            st.y_new.lincomb(&[(sc(1.0), y), (sc(dt), &st.k)]);
            st.prev.axpy(sc(-1.0), &st.y_new);
            let delta = st.prev.norm_inf().as_f64();
            if !delta.is_finite() {
                break;
            }
            if delta <= opts.tol * (1.0 + st.y_new.norm_inf().as_f64()) {
                converged = true;
                break;
            }
        }
        if !converged {
            return Err(DiffeqError::ImplicitSolve {
                t,
                h: dt,
                iterations: iters,
            });
        }
        st.last_step = dt;
        Ok(Attempt::Accepted { t_new })
    }

    fn proposal(&self) -> &V {
        &self
            .state
            .as_ref()
            .expect("ImplicitMidpoint used before OdeSolver::init (a driver bug)")
            .y_new
    }

    fn prepare_dense(&mut self, _f: &F, _t: f64, _y: &V, _stats: &mut SolveStats) {}

    fn interpolate(&self, t: f64, y: &V, tau: f64, out: &mut V) {
        let st = self
            .state
            .as_ref()
            .expect("ImplicitMidpoint used before OdeSolver::init (a driver bug)");
        linear(t, st.last_step, y, &st.y_new, tau, out);
    }

    fn accept(&mut self, y: &mut V, _ctl: &StepControl<V>) {
        if let Some(st) = self.state.as_mut() {
            std::mem::swap(y, &mut st.y_new);
        }
    }

    fn next_step(&self) -> f64 {
        self.state.as_ref().map_or(0.0, |s| s.h)
    }
}
