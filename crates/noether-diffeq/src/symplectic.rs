//! Geometric integrators: Störmer–Verlet and Yoshida's fourth-order composition for
//! separable Hamiltonians, and the implicit midpoint rule, which is symplectic for
//! any Hamiltonian and conserves every quadratic invariant of any ODE.

use noether_core::{Hamiltonian, Real, Space, VectorField};

use crate::error::{DiffeqError, Result, invalid};

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

/// Integrates a separable Hamiltonian system for `n_steps` steps of size `dt`,
/// calling `observe(step, &q, &p)` after each step, and returns the final `(q, p)`.
///
/// ```
/// use noether_core::Hamiltonian;
/// use noether_diffeq::symplectic::{integrate_separable, SymplecticMethod};
///
/// struct Oscillator;
/// impl Hamiltonian<Vec<f64>> for Oscillator {
///     fn dh_dq(&self, q: &Vec<f64>, _p: &Vec<f64>, out: &mut Vec<f64>) { out[0] = q[0]; }
///     fn dh_dp(&self, _q: &Vec<f64>, p: &Vec<f64>, out: &mut Vec<f64>) { out[0] = p[0]; }
///     fn is_separable(&self) -> bool { true }
/// }
/// let (q, p) = integrate_separable(SymplecticMethod::Yoshida4, &Oscillator, &vec![1.0], &vec![0.0],
///     2.0 * std::f64::consts::PI / 1000.0, 1000, |_, _, _| {}).unwrap();
/// assert!((q[0] - 1.0).abs() < 1e-8 && p[0].abs() < 1e-8);
/// ```
pub fn integrate_separable<V, H>(
    method: SymplecticMethod,
    ham: &H,
    q0: &V,
    p0: &V,
    dt: f64,
    n_steps: usize,
    mut observe: impl FnMut(usize, &V, &V),
) -> Result<(V, V)>
where
    V: Space,
    H: Hamiltonian<V> + ?Sized,
{
    if !ham.is_separable() {
        return Err(invalid(
            "hamiltonian",
            "non-separable",
            "explicit symplectic schemes need H = T(p) + U(q); use implicit_midpoint",
        ));
    }
    if !(dt.is_finite() && dt != 0.0) {
        return Err(invalid("dt", dt, "must be finite and nonzero"));
    }
    let (mut q, mut p) = (q0.clone(), p0.clone());
    let mut b = Buffers { g: q0.zeros_like() };
    let cbrt2 = 2.0_f64.cbrt();
    let w1 = 1.0 / (2.0 - cbrt2);
    let w0 = -cbrt2 / (2.0 - cbrt2);
    for step in 0..n_steps {
        match method {
            SymplecticMethod::Verlet => verlet(ham, dt, &mut q, &mut p, &mut b),
            SymplecticMethod::Yoshida4 => {
                verlet(ham, w1 * dt, &mut q, &mut p, &mut b);
                verlet(ham, w0 * dt, &mut q, &mut p, &mut b);
                verlet(ham, w1 * dt, &mut q, &mut p, &mut b);
            }
        }
        if !(q.all_finite() && p.all_finite()) {
            return Err(DiffeqError::NonFinite {
                t: dt * (step + 1) as f64,
                h: dt,
            });
        }
        observe(step + 1, &q, &p);
    }
    Ok((q, p))
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

/// The implicit midpoint rule `y⁺ = y + h f(t + h/2, (y + y⁺)/2)` with fixed steps,
/// solved by fixed-point iteration (converges for `h·Lip(f) < 2`). Symplectic for
/// Hamiltonian `f`, and it conserves every quadratic invariant `yᵀCy` of any `f`.
/// Calls `observe(step, t, &y)` after each step and returns the final state.
///
/// Errors: [`DiffeqError::ImplicitSolve`] when an iteration does not converge.
pub fn implicit_midpoint<V, F>(
    f: &F,
    t0: f64,
    y0: &V,
    dt: f64,
    n_steps: usize,
    opts: &ImplicitOptions,
    mut observe: impl FnMut(usize, f64, &V),
) -> Result<V>
where
    V: Space,
    F: VectorField<V> + ?Sized,
{
    if !(dt.is_finite() && dt != 0.0) {
        return Err(invalid("dt", dt, "must be finite and nonzero"));
    }
    let sc = V::Scalar::of_f64;
    let mut y = y0.clone();
    let mut mid = y0.zeros_like();
    let mut k = y0.zeros_like();
    let mut y_new = y0.clone();
    let mut prev = y0.zeros_like();
    let mut t = t0;
    for step in 0..n_steps {
        // initial guess: explicit Euler
        f.eval(t, &y, &mut k);
        y_new.lincomb(&[(sc(1.0), &y), (sc(dt), &k)]);
        let mut converged = false;
        let mut iters = 0;
        while iters < opts.max_iters {
            iters += 1;
            mid.lincomb(&[(sc(0.5), &y), (sc(0.5), &y_new)]);
            f.eval(t + 0.5 * dt, &mid, &mut k);
            prev.copy_from(&y_new);
            y_new.lincomb(&[(sc(1.0), &y), (sc(dt), &k)]);
            prev.axpy(sc(-1.0), &y_new);
            let delta = prev.norm_inf().as_f64();
            if !delta.is_finite() {
                break;
            }
            if delta <= opts.tol * (1.0 + y_new.norm_inf().as_f64()) {
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
        std::mem::swap(&mut y, &mut y_new);
        t = t0 + dt * (step + 1) as f64;
        observe(step + 1, t, &y);
    }
    Ok(y)
}
