//! The linear systems of implicit steps: `(I − c·J) δ = r` with `J = ∂f/∂y`.
//!
//! Every implicit solver here ([`esdirk`](crate::esdirk), [`bdf`](crate::bdf)) runs a
//! simplified Newton iteration whose matrix is `I − c·J` for a shift `c` (`hγ` for an
//! ESDIRK stage, `h/α_k` for BDF). How `J` is obtained and how the system is solved is
//! the [`NewtonLinearSolver`] strategy:
//!
//! - [`DenseNewton`]: `J` as a dense matrix, from a user closure or by forward
//!   differences (`n` evaluations of `f`), factorised by LU with partial pivoting
//!   once per shift (host vectors of `f64`).
//! - [`KrylovNewton`]: matrix-free. `J·v` by a forward-difference directional
//!   derivative (one evaluation per product) or from a user
//!   [`LinearOperator`] Jacobian; the shifted system is
//!   solved by GMRES from noether-core. Works for any [`Space`], including device
//!   tensors.

use std::cell::Cell;

use faer::Mat;
use faer::linalg::solvers::Solve;
use noether_core::krylov::{GmresOptions, GmresWorkspace};
use noether_core::operator::FnOperator;
use noether_core::{HostSpace, LinearOperator, Real, Space, VectorField};

use crate::error::{DiffeqError, Result};

/// Strategy for the Newton systems `(I − c·J) δ = r` of an implicit integrator.
pub trait NewtonLinearSolver<V: Space> {
    /// Evaluates (or prepares matrix-free access to) `J = ∂f/∂y` at `(t, y)`, with
    /// `fy = f(t, y)` already known. Returns the number of `f` evaluations spent.
    fn update_jacobian<F: VectorField<V> + ?Sized>(
        &mut self,
        f: &F,
        t: f64,
        y: &V,
        fy: &V,
    ) -> Result<usize>;

    /// Sets the shift `c` of `I − c·J` (factorising it where that applies).
    fn set_shift(&mut self, c: f64) -> Result<()>;

    /// `out ← (I − c·J)⁻¹ rhs`. Returns the number of `f` evaluations spent.
    fn solve<F: VectorField<V> + ?Sized>(&mut self, f: &F, rhs: &V, out: &mut V) -> Result<usize>;

    /// Jacobian evaluations and factorisations so far.
    fn counts(&self) -> NewtonCounts;

    /// Whether a mass matrix `M` is set (the systems are then `(M − c·J) δ = r`
    /// for `M y' = f(t, y)`).
    fn has_mass(&self) -> bool {
        false
    }

    /// `out ← M x` (a copy without a mass matrix).
    fn apply_mass(&self, x: &V, out: &mut V) {
        out.copy_from(x);
    }

    /// `out ← M⁻¹ rhs` (a copy without a mass matrix); the implicit methods call it
    /// once at the start, for `y'(t₀)`.
    fn solve_mass(&mut self, rhs: &V, out: &mut V) -> Result<()> {
        out.copy_from(rhs);
        Ok(())
    }
}

/// Work done by a [`NewtonLinearSolver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NewtonCounts {
    /// Jacobian evaluations (or matrix-free linearisation points).
    pub jacobians: usize,
    /// Factorisations of `I − c·J` (dense) or GMRES solves (matrix-free).
    pub factorisations: usize,
    /// Linear solves.
    pub solves: usize,
}

/// A user Jacobian for [`DenseNewton`]: `jac(t, y, J)` fills the `n × n` matrix `J`.
pub type DenseJacobianFn = Box<dyn Fn(f64, &[f64], &mut Mat<f64>)>;

/// Below this size the LU factorisation is the small in-house one (no allocation or
/// threading overhead); above it faer's blocked LU.
const SMALL_LU: usize = 48;

/// Dense Jacobian, LU-factorised `I − c·J`, for host vectors of `f64`. Its
/// buffers (Jacobian, shifted matrix, small-LU factors, finite-difference states)
/// are kept across calls: after the first step a solve allocates nothing for
/// `n ≤ 48` (faer's blocked LU of larger systems allocates per factorisation).
pub struct DenseNewton {
    jac: Option<DenseJacobianFn>,
    /// Floor of the forward-difference increment scale: `δⱼ = √ε · max(|yⱼ|, floor)`.
    pub fd_floor: f64,
    j: Mat<f64>,
    /// `I − c·J`, rebuilt in place for each shift.
    m: Mat<f64>,
    c: f64,
    lu: Option<Lu>,
    small: SmallLu,
    /// The perturbed state and its derivative of the finite-difference Jacobian,
    /// of the caller's vector type.
    fd: Option<Box<dyn std::any::Any>>,
    /// The right-hand side of faer's solve.
    col: faer::Col<f64>,
    /// The mass matrix `M` of `M y' = f` (identity when `None`) and its LU.
    mass: Option<Mat<f64>>,
    mass_lu: Option<faer::linalg::solvers::PartialPivLu<f64>>,
    counts: NewtonCounts,
}

enum Lu {
    /// The factors are in `DenseNewton::small`.
    Small,
    Faer(faer::linalg::solvers::PartialPivLu<f64>),
}

impl std::fmt::Debug for DenseNewton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseNewton")
            .field("user_jacobian", &self.jac.is_some())
            .field("n", &self.j.nrows())
            .field("c", &self.c)
            .finish()
    }
}

impl DenseNewton {
    /// Jacobian by forward differences (`n` extra evaluations of `f` per update).
    pub fn finite_difference() -> Self {
        Self {
            jac: None,
            fd_floor: 1.0,
            j: Mat::zeros(0, 0),
            m: Mat::zeros(0, 0),
            c: f64::NAN,
            lu: None,
            small: SmallLu::default(),
            fd: None,
            col: faer::Col::zeros(0),
            mass: None,
            mass_lu: None,
            counts: NewtonCounts::default(),
        }
    }

    /// Jacobian from the closure `jac(t, y, J)`.
    pub fn with_jacobian(jac: impl Fn(f64, &[f64], &mut Mat<f64>) + 'static) -> Self {
        Self {
            jac: Some(Box::new(jac)),
            ..Self::finite_difference()
        }
    }

    /// The last Jacobian evaluated.
    pub fn jacobian(&self) -> &Mat<f64> {
        &self.j
    }

    /// Solves `M y' = f(t, y)` with the non-singular `n × n` mass matrix `mass`:
    /// the Newton matrices become `M − c·J`.
    pub fn with_mass(mut self, mass: Mat<f64>) -> Self {
        self.mass = Some(mass);
        self.mass_lu = None;
        self
    }
}

impl<V: HostSpace<Scalar = f64> + 'static> NewtonLinearSolver<V> for DenseNewton {
    fn update_jacobian<F: VectorField<V> + ?Sized>(
        &mut self,
        f: &F,
        t: f64,
        y: &V,
        fy: &V,
    ) -> Result<usize> {
        let n = y.len();
        if self.j.nrows() != n {
            self.j = Mat::zeros(n, n);
        }
        self.lu = None;
        self.counts.jacobians += 1;
        if let Some(jac) = &self.jac {
            jac(t, y.as_slice(), &mut self.j);
            if self.j.nrows() != n || self.j.ncols() != n {
                return Err(crate::error::invalid(
                    "jacobian",
                    format!("{}x{}", self.j.nrows(), self.j.ncols()),
                    "the user Jacobian must stay n x n",
                ));
            }
            return Ok(0);
        }
        let sqrt_eps = f64::EPSILON.sqrt();
        let reuse = self
            .fd
            .as_ref()
            .and_then(|b| b.downcast_ref::<(V, V)>())
            .is_some_and(|(yp, _)| yp.len() == n);
        if !reuse {
            self.fd = Some(Box::new((y.clone(), y.zeros_like())));
        }
        let (yp, fp) = self
            .fd
            .as_mut()
            .and_then(|b| b.downcast_mut::<(V, V)>())
            .expect("the finite-difference buffers were just set");
        yp.copy_from(y);
        for col in 0..n {
            let yj = y.as_slice()[col];
            let delta = sqrt_eps * yj.abs().max(self.fd_floor);
            // Make the increment exactly representable.
            let shifted = yj + delta;
            let delta = shifted - yj;
            yp.as_mut_slice()[col] = shifted;
            f.eval(t, yp, fp);
            yp.as_mut_slice()[col] = yj;
            let (fp, f0) = (fp.as_slice(), fy.as_slice());
            for row in 0..n {
                self.j[(row, col)] = (fp[row] - f0[row]) / delta;
            }
        }
        Ok(n)
    }

    fn set_shift(&mut self, c: f64) -> Result<()> {
        if self.lu.is_some() && c == self.c {
            return Ok(());
        }
        let n = self.j.nrows();
        if self.m.nrows() != n {
            self.m = Mat::zeros(n, n);
        }
        if let Some(mass) = self
            .mass
            .as_ref()
            .filter(|m: &&Mat<f64>| Mat::nrows(m) == n && Mat::ncols(m) == n)
        {
            for k in 0..n {
                for i in 0..n {
                    self.m[(i, k)] = mass[(i, k)] - c * self.j[(i, k)];
                }
            }
        } else if self.mass.is_some() {
            return Err(crate::error::invalid(
                "mass",
                format!("{}x{}", self.mass.as_ref().map_or(0, Mat::nrows), n),
                "the mass matrix must be n x n",
            ));
        } else {
            for k in 0..n {
                for i in 0..n {
                    let d = if i == k { 1.0 } else { 0.0 };
                    self.m[(i, k)] = d - c * self.j[(i, k)];
                }
            }
        }
        self.c = c;
        self.counts.factorisations += 1;
        self.lu = None;
        self.lu = Some(if n <= SMALL_LU {
            if !self.small.factor(&self.m) {
                return Err(DiffeqError::SingularNewtonMatrix { shift: c });
            }
            Lu::Small
        } else {
            Lu::Faer(self.m.partial_piv_lu())
        });
        Ok(())
    }

    fn solve<F: VectorField<V> + ?Sized>(&mut self, _f: &F, rhs: &V, out: &mut V) -> Result<usize> {
        let lu = self
            .lu
            .as_ref()
            .ok_or(DiffeqError::SingularNewtonMatrix { shift: self.c })?;
        self.counts.solves += 1;
        out.copy_from(rhs);
        let x = out.as_mut_slice();
        match lu {
            Lu::Small => self.small.solve_in_place(x),
            Lu::Faer(lu) => {
                if self.col.nrows() != x.len() {
                    self.col = faer::Col::zeros(x.len());
                }
                for (ci, xi) in self.col.iter_mut().zip(x.iter()) {
                    *ci = *xi;
                }
                lu.solve_in_place(self.col.as_mat_mut());
                for (xi, ci) in x.iter_mut().zip(self.col.iter()) {
                    *xi = *ci;
                }
            }
        }
        if x.iter().all(|v| v.is_finite()) {
            Ok(0)
        } else {
            Err(DiffeqError::SingularNewtonMatrix { shift: self.c })
        }
    }

    fn counts(&self) -> NewtonCounts {
        self.counts
    }

    fn has_mass(&self) -> bool {
        self.mass.is_some()
    }

    fn apply_mass(&self, x: &V, out: &mut V) {
        match &self.mass {
            Some(m) => {
                let (x, o) = (x.as_slice(), out.as_mut_slice());
                for (i, oi) in o.iter_mut().enumerate() {
                    *oi = (0..x.len()).map(|k| m[(i, k)] * x[k]).sum();
                }
            }
            None => out.copy_from(x),
        }
    }

    fn solve_mass(&mut self, rhs: &V, out: &mut V) -> Result<()> {
        let Some(m) = &self.mass else {
            out.copy_from(rhs);
            return Ok(());
        };
        if m.nrows() != rhs.len() || m.ncols() != rhs.len() {
            return Err(crate::error::invalid(
                "mass",
                format!("{}x{}", m.nrows(), m.ncols()),
                "the mass matrix must be n x n",
            ));
        }
        let lu = self.mass_lu.get_or_insert_with(|| m.partial_piv_lu());
        let mut col = faer::Col::from_fn(rhs.len(), |i| rhs.as_slice()[i]);
        lu.solve_in_place(col.as_mat_mut());
        for (o, c) in out.as_mut_slice().iter_mut().zip(col.iter()) {
            *o = *c;
        }
        if out.as_slice().iter().all(|v| v.is_finite()) {
            Ok(())
        } else {
            Err(DiffeqError::SingularNewtonMatrix { shift: 0.0 })
        }
    }
}

/// LU with partial pivoting for small dense matrices, row-major, factorised in
/// place into reused storage.
#[derive(Debug, Clone, Default)]
struct SmallLu {
    n: usize,
    lu: Vec<f64>,
    perm: Vec<usize>,
}

impl SmallLu {
    /// Factorises `m`; `false` when a pivot is exactly zero or not finite.
    fn factor(&mut self, m: &Mat<f64>) -> bool {
        let n = m.nrows();
        self.n = n;
        self.lu.resize(n * n, 0.0);
        self.perm.resize(n, 0);
        let (lu, perm) = (&mut self.lu, &mut self.perm);
        for (idx, v) in lu.iter_mut().enumerate() {
            *v = m[(idx / n, idx % n)];
        }
        for (i, p) in perm.iter_mut().enumerate() {
            *p = i;
        }
        for k in 0..n {
            let (p, pmax) = (k..n)
                .map(|i| (i, lu[i * n + k].abs()))
                .fold((k, -1.0), |a, b| if b.1 > a.1 { b } else { a });
            if !(pmax > 0.0 && pmax.is_finite()) {
                return false;
            }
            if p != k {
                for col in 0..n {
                    lu.swap(k * n + col, p * n + col);
                }
                perm.swap(k, p);
            }
            let pivot = lu[k * n + k];
            for i in k + 1..n {
                let l = lu[i * n + k] / pivot;
                lu[i * n + k] = l;
                if l != 0.0 {
                    for col in k + 1..n {
                        lu[i * n + col] -= l * lu[k * n + col];
                    }
                }
            }
        }
        true
    }

    fn solve_in_place(&self, x: &mut [f64]) {
        let n = self.n;
        let mut b = [0.0; SMALL_LU];
        for (bi, &p) in b.iter_mut().zip(&self.perm) {
            *bi = x[p];
        }
        x.copy_from_slice(&b[..n]);
        for i in 0..n {
            let s: f64 = (0..i).map(|k| self.lu[i * n + k] * x[k]).sum();
            x[i] -= s;
        }
        for i in (0..n).rev() {
            let s: f64 = (i + 1..n).map(|k| self.lu[i * n + k] * x[k]).sum();
            x[i] = (x[i] - s) / self.lu[i * n + i];
        }
    }
}

/// A user Jacobian for [`KrylovNewton`]: `jac(t, y)` returns `J` at `(t, y)` as any
/// linear operator (a sparse matrix, a stencil, a composition, ...).
pub type OperatorJacobianFn<V> = Box<dyn Fn(f64, &V) -> Box<dyn LinearOperator<V>>>;

/// A user Jacobian–vector product for [`KrylovNewton`]: `jvp(t, y, v, out)` sets
/// `out ← (∂f/∂y)(t, y) · v`.
pub type JvpFn<V> = Box<dyn Fn(f64, &V, &V, &mut V)>;

/// Matrix-free Newton systems solved by GMRES: `J·v` from forward differences of
/// `f` or from a user operator.
pub struct KrylovNewton<V: Space> {
    jac: Option<OperatorJacobianFn<V>>,
    /// A user Jacobian–vector product `jvp(t, y, v, out)`: `out ← J(t, y) v`.
    jvp: Option<JvpFn<V>>,
    current: Option<Box<dyn LinearOperator<V>>>,
    /// GMRES options (the relative tolerance is that of the linear solve inside
    /// each Newton iteration).
    pub options: GmresOptions,
    t: f64,
    y: Option<V>,
    fy: Option<V>,
    /// The perturbed state of the finite-difference products.
    yp: Option<V>,
    /// GMRES buffers, reused by every solve.
    ws: Option<GmresWorkspace<V>>,
    /// The mass matrix of `M y' = f` (identity when `None`) and a buffer for `M x`.
    mass: Option<Box<dyn LinearOperator<V>>>,
    mx: Option<V>,
    c: f64,
    counts: NewtonCounts,
}

impl<V: Space> std::fmt::Debug for KrylovNewton<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KrylovNewton")
            .field("user_jacobian", &self.jac.is_some())
            .field("options", &self.options)
            .field("c", &self.c)
            .finish()
    }
}

impl<V: Space> KrylovNewton<V> {
    /// GMRES options suited to inexact Newton: relative residual 1e-6 (the Newton
    /// correction only needs a few digits; finite-difference products are accurate to
    /// about √ε), at most 200 iterations, restart 50.
    pub fn default_options() -> GmresOptions {
        GmresOptions {
            rtol: 1e-6,
            atol: 0.0,
            max_iters: 200,
            restart: 50,
        }
    }

    /// `J·v ≈ (f(t, y + εv) − f(t, y))/ε` with `ε = √(ε_mach (1 + ‖y‖))/‖v‖`
    /// (Knoll & Keyes 2004). When GMRES stops at `options.max_iters` without
    /// reaching its tolerance its iterate is still used (inexact Newton).
    pub fn finite_difference(options: GmresOptions) -> Self {
        Self {
            jac: None,
            jvp: None,
            current: None,
            options,
            t: f64::NAN,
            y: None,
            fy: None,
            yp: None,
            ws: None,
            mass: None,
            mx: None,
            c: 0.0,
            counts: NewtonCounts::default(),
        }
    }

    /// Solves `M y' = f(t, y)` with the non-singular mass matrix `mass` (any
    /// linear operator: a sparse FE mass matrix, a lumped diagonal): the Newton
    /// operator becomes `x ↦ M x − c·J x`.
    pub fn with_mass(mut self, mass: impl LinearOperator<V> + 'static) -> Self {
        self.mass = Some(Box::new(mass));
        self
    }

    /// `J·v` from the user's Jacobian–vector product `jvp(t, y, v, out)` (exact
    /// products, no finite-difference evaluations of `f`): matrix-free
    /// Newton–Krylov with an analytic or automatically differentiated JVP.
    pub fn with_jvp(options: GmresOptions, jvp: impl Fn(f64, &V, &V, &mut V) + 'static) -> Self {
        Self {
            jvp: Some(Box::new(jvp)),
            ..Self::finite_difference(options)
        }
    }

    /// `J` from the closure `jac(t, y)` returning a linear operator.
    pub fn with_operator(
        options: GmresOptions,
        jac: impl Fn(f64, &V) -> Box<dyn LinearOperator<V>> + 'static,
    ) -> Self {
        Self {
            jac: Some(Box::new(jac)),
            ..Self::finite_difference(options)
        }
    }
}

impl<V: Space> NewtonLinearSolver<V> for KrylovNewton<V> {
    fn update_jacobian<F: VectorField<V> + ?Sized>(
        &mut self,
        _f: &F,
        t: f64,
        y: &V,
        fy: &V,
    ) -> Result<usize> {
        self.counts.jacobians += 1;
        self.t = t;
        match &self.jac {
            Some(jac) => {
                let op = jac(t, y);
                if op.nrows() != y.len() || op.ncols() != y.len() {
                    return Err(crate::error::invalid(
                        "jacobian",
                        format!("{}x{}", op.nrows(), op.ncols()),
                        "the Jacobian operator must be n x n",
                    ));
                }
                self.current = Some(op);
            }
            None => {
                // Keep the linearisation point in buffers reused across Jacobians.
                for (slot, v) in [(&mut self.y, y), (&mut self.fy, fy)] {
                    match slot {
                        Some(buf) if buf.len() == v.len() => buf.copy_from(v),
                        _ => *slot = Some(v.clone()),
                    }
                }
            }
        }
        Ok(0)
    }

    fn set_shift(&mut self, c: f64) -> Result<()> {
        self.c = c;
        Ok(())
    }

    fn solve<F: VectorField<V> + ?Sized>(&mut self, f: &F, rhs: &V, out: &mut V) -> Result<usize> {
        let n = rhs.len();
        let c = V::Scalar::of_f64(self.c);
        let one = V::Scalar::of_f64(1.0);
        let nfev = Cell::new(0usize);
        out.fill(V::Scalar::of_f64(0.0));
        let ws = self
            .ws
            .get_or_insert_with(|| GmresWorkspace::new(rhs, self.options.restart));
        let mass = self.mass.as_deref();
        if mass.is_some() && self.mx.as_ref().is_none_or(|v| v.len() != n) {
            self.mx = Some(rhs.zeros_like());
        }
        // `M x` into the shared buffer (x itself without a mass matrix).
        let mx = std::cell::RefCell::new(self.mx.take());
        let with_mass = |x: &V, ax: &mut V, minus: V::Scalar| match (mass, mx.borrow_mut().as_mut())
        {
            (Some(m), Some(buf)) => {
                m.apply(x, buf);
                ax.lincomb_acc(minus, &[(one, buf)]);
            }
            _ => ax.lincomb_acc(minus, &[(one, x)]),
        };
        let report = match (&self.current, &self.y, &self.fy) {
            (None, Some(y), _) if self.jvp.is_some() => {
                let jvp = self.jvp.as_ref().expect("checked above");
                let t = self.t;
                let op = FnOperator::new(n, n, |x: &V, ax: &mut V| {
                    jvp(t, y, x, ax);
                    with_mass(x, ax, -c);
                });
                ws.solve(&op, rhs, out, None, &self.options)
            }
            (Some(jac), _, _) => {
                let op = FnOperator::new(n, n, |x: &V, ax: &mut V| {
                    jac.apply(x, ax);
                    with_mass(x, ax, -c);
                });
                ws.solve(&op, rhs, out, None, &self.options)
            }
            (None, Some(y), Some(fy)) => {
                let ynorm = y.norm2().as_f64();
                let t = self.t;
                // The perturbed state, reused by every product of every solve.
                let yp = std::cell::RefCell::new(
                    self.yp
                        .take()
                        .filter(|v| v.len() == n)
                        .unwrap_or_else(|| y.zeros_like()),
                );
                let shift = self.c;
                let op = FnOperator::new(n, n, |x: &V, ax: &mut V| {
                    let xnorm = x.norm2().as_f64();
                    if xnorm == 0.0 {
                        ax.fill(V::Scalar::of_f64(0.0));
                        return;
                    }
                    let eps = (f64::EPSILON * (1.0 + ynorm)).sqrt() / xnorm;
                    let mut yp = yp.borrow_mut();
                    yp.lincomb(&[(one, y), (V::Scalar::of_f64(eps), x)]);
                    f.eval(t, &yp, ax);
                    nfev.set(nfev.get() + 1);
                    // ax ← M x − c (f(y + εx) − f(y))/ε
                    let s = V::Scalar::of_f64(shift / eps);
                    ax.lincomb_acc(-s, &[(s, fy)]);
                    with_mass(x, ax, one);
                });
                let r = ws.solve(&op, rhs, out, None, &self.options);
                self.yp = Some(yp.into_inner());
                r
            }
            _ => {
                return Err(crate::error::invalid(
                    "newton",
                    "no Jacobian",
                    "update_jacobian must be called before solve",
                ));
            }
        };
        self.mx = mx.into_inner();
        self.counts.solves += 1;
        self.counts.factorisations += 1;
        match report {
            // Inexact Newton: GMRES leaves its best iterate in `out` after the last
            // cycle, and the Newton iteration's own contraction test judges it.
            Ok(_) | Err(noether_core::CoreError::NotConverged { .. }) => Ok(nfev.get()),
            Err(e) => Err(e.into()),
        }
    }

    fn counts(&self) -> NewtonCounts {
        self.counts
    }

    fn has_mass(&self) -> bool {
        self.mass.is_some()
    }

    fn apply_mass(&self, x: &V, out: &mut V) {
        match &self.mass {
            Some(m) => m.apply(x, out),
            None => out.copy_from(x),
        }
    }

    fn solve_mass(&mut self, rhs: &V, out: &mut V) -> Result<()> {
        let Some(m) = &self.mass else {
            out.copy_from(rhs);
            return Ok(());
        };
        let ws = self
            .ws
            .get_or_insert_with(|| GmresWorkspace::new(rhs, self.options.restart));
        out.fill(V::Scalar::of_f64(0.0));
        // M is well conditioned (a mass matrix): solve to near round-off.
        let opts = GmresOptions {
            rtol: 1e-12,
            max_iters: 10 * self.options.max_iters.max(100),
            ..self.options.clone()
        };
        ws.solve(m.as_ref(), rhs, out, None, &opts)?;
        Ok(())
    }
}

/// A borrowed strategy works as the strategy itself, so that a caller can keep it
/// and read its counters after a solve.
impl<V: Space, N: NewtonLinearSolver<V> + ?Sized> NewtonLinearSolver<V> for &mut N {
    fn update_jacobian<F: VectorField<V> + ?Sized>(
        &mut self,
        f: &F,
        t: f64,
        y: &V,
        fy: &V,
    ) -> Result<usize> {
        (**self).update_jacobian(f, t, y, fy)
    }

    fn set_shift(&mut self, c: f64) -> Result<()> {
        (**self).set_shift(c)
    }

    fn solve<F: VectorField<V> + ?Sized>(&mut self, f: &F, rhs: &V, out: &mut V) -> Result<usize> {
        (**self).solve(f, rhs, out)
    }

    fn counts(&self) -> NewtonCounts {
        (**self).counts()
    }

    fn has_mass(&self) -> bool {
        (**self).has_mass()
    }

    fn apply_mass(&self, x: &V, out: &mut V) {
        (**self).apply_mass(x, out);
    }

    fn solve_mass(&mut self, rhs: &V, out: &mut V) -> Result<()> {
        (**self).solve_mass(rhs, out)
    }
}

/// `y' = M⁻¹ f(t, y)` as a vector field, through a Newton strategy's mass solve:
/// what the initial-step heuristic measures when a mass matrix is set.
pub(crate) struct MassInverted<'a, F: ?Sized, N, V> {
    f: &'a F,
    newton: std::cell::RefCell<&'a mut N>,
    tmp: std::cell::RefCell<V>,
}

impl<'a, F: ?Sized, N, V: Space> MassInverted<'a, F, N, V> {
    /// `M⁻¹ f` with `newton`'s mass matrix; `template` shapes the scratch.
    pub(crate) fn new(f: &'a F, newton: &'a mut N, template: &V) -> Self {
        Self {
            f,
            newton: std::cell::RefCell::new(newton),
            tmp: std::cell::RefCell::new(template.zeros_like()),
        }
    }
}

impl<F, N, V> VectorField<V> for MassInverted<'_, F, N, V>
where
    V: Space,
    F: VectorField<V> + ?Sized,
    N: NewtonLinearSolver<V>,
{
    fn eval(&self, t: f64, y: &V, out: &mut V) {
        let mut tmp = self.tmp.borrow_mut();
        self.f.eval(t, y, &mut tmp);
        if self.newton.borrow_mut().solve_mass(&tmp, out).is_err() {
            // A failed mass solve makes the heuristic fall back to its default.
            out.fill(V::Scalar::of_f64(f64::NAN));
        }
    }
}
