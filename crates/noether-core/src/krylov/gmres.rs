//! Restarted GMRES(m) with right preconditioning, with a reusable workspace.

use super::{
    KrylovOptions, KrylovReport, check_system, final_report, non_finite, residual, target,
};
use crate::error::{CoreError, Result};
use crate::operator::LinearOperator;
use crate::real::Real;
use crate::space::{MAX_FUSED_TERMS, Space};
use num_traits::{One, Zero};

/// Options of [`gmres`]: the stopping criteria and the restart length `m`.
#[derive(Debug, Clone, PartialEq)]
pub struct GmresOptions {
    /// Relative tolerance on the residual norm (relative to `‖b‖`).
    pub rtol: f64,
    /// Absolute tolerance on the residual norm.
    pub atol: f64,
    /// Maximum number of inner iterations, counted across restarts.
    pub max_iters: usize,
    /// Restart length `m` (at least 1).
    pub restart: usize,
}

impl Default for GmresOptions {
    fn default() -> Self {
        Self::from(KrylovOptions::default())
    }
}

impl From<KrylovOptions> for GmresOptions {
    /// The stopping criteria of `k` with restart length 50.
    fn from(k: KrylovOptions) -> Self {
        Self {
            rtol: k.rtol,
            atol: k.atol,
            max_iters: k.max_iters,
            restart: 50,
        }
    }
}

impl GmresOptions {
    fn stopping(&self) -> KrylovOptions {
        KrylovOptions {
            rtol: self.rtol,
            atol: self.atol,
            max_iters: self.max_iters,
        }
    }
}

/// Buffers of GMRES(m) for one problem size and restart length, reusable across
/// solves: after the first solve, [`GmresWorkspace::solve`] allocates nothing on the
/// host (a Newton iteration that calls it every step does not allocate).
#[derive(Debug, Clone)]
pub struct GmresWorkspace<V> {
    r: V,
    w: V,
    zbuf: V,
    /// Krylov basis `v₀ … v_m`, allocated once (as scipy's and PETSc's GMRES do).
    basis: Vec<V>,
    /// Basis vectors of the last cycle.
    used: usize,
    /// Hessenberg matrix, column-major, `(m + 1) × m`, after the Givens rotations.
    h: Vec<f64>,
    cs: Vec<f64>,
    sn: Vec<f64>,
    g: Vec<f64>,
    y: Vec<f64>,
    dots: Vec<f64>,
    history: Vec<f64>,
}

impl<V: Space> GmresWorkspace<V> {
    /// Buffers shaped like `template` for restart length `restart`: `restart + 4`
    /// vectors.
    pub fn new(template: &V, restart: usize) -> Self {
        let m = restart.max(1);
        Self {
            r: template.zeros_like(),
            w: template.zeros_like(),
            zbuf: template.zeros_like(),
            basis: (0..=m).map(|_| template.zeros_like()).collect(),
            h: vec![0.0; (m + 1) * m],
            cs: vec![0.0; m],
            sn: vec![0.0; m],
            g: vec![0.0; m + 1],
            y: vec![0.0; m],
            dots: vec![0.0; m + 1],
            history: Vec::new(),
            used: 0,
        }
    }

    /// Whether the buffers fit a system like `b` with restart `m`.
    fn fits(&self, b: &V, m: usize) -> bool {
        self.r.len() == b.len() && self.cs.len() >= m
    }

    /// The orthonormal Krylov basis of the last cycle of the last solve (for
    /// diagnostics and tests).
    pub fn basis(&self) -> &[V] {
        &self.basis[..self.used]
    }

    /// Solves `A x = b` as [`gmres`] does, reusing these buffers (they are rebuilt
    /// if the size or restart length changed). Returns the iteration count and the
    /// final relative residual; the residual history of the solve is in
    /// [`history`](GmresWorkspace::history).
    pub fn solve<A: LinearOperator<V> + ?Sized>(
        &mut self,
        a: &A,
        b: &V,
        x: &mut V,
        precond: Option<&dyn LinearOperator<V>>,
        opts: &GmresOptions,
    ) -> Result<(usize, f64)> {
        const METHOD: &str = "GMRES";
        if opts.restart == 0 {
            return Err(CoreError::InvalidArgument {
                name: "restart",
                value: "0".into(),
                reason: "GMRES restart length must be >= 1",
            });
        }
        let stopping = opts.stopping();
        check_system(METHOD, a, b, x, precond, &stopping)?;
        let m = opts.restart.min(opts.max_iters.max(1)).max(1);
        if !self.fits(b, m) {
            *self = Self::new(b, m);
        }
        let sc = V::Scalar::of_f64;
        let bnorm = b.norm2().as_f64();
        let tol = target(&stopping, bnorm);
        let ld = m + 1;

        residual(a, b, x, &mut self.r);
        let mut rnorm = self.r.norm2().as_f64();
        if !rnorm.is_finite() {
            return Err(non_finite("initial residual"));
        }
        self.history.clear();
        // Room for every iteration up front (bounded), so that a repeated solve
        // does not grow it.
        self.history
            .reserve(opts.max_iters.saturating_add(1).min(1 << 16));
        self.history.push(rnorm);
        self.used = 0;
        let mut it = 0;
        while rnorm > tol {
            if it >= opts.max_iters {
                return Err(CoreError::NotConverged {
                    method: METHOD,
                    iterations: it,
                    residual: if bnorm > 0.0 { rnorm / bnorm } else { rnorm },
                    tolerance: opts.rtol,
                });
            }
            // Start a cycle from the current residual (basis vectors are reused).
            self.g.iter_mut().for_each(|v| *v = 0.0);
            self.g[0] = rnorm;
            self.used = 1;
            self.basis[0].lincomb(&[(sc(1.0 / rnorm), &self.r)]);
            let mut k = 0;
            while k < m && it < opts.max_iters {
                it += 1;
                // w = A M⁻¹ v_k
                match precond {
                    Some(pm) => {
                        pm.apply(&self.basis[k], &mut self.zbuf);
                        a.apply(&self.zbuf, &mut self.w);
                    }
                    None => a.apply(&self.basis[k], &mut self.w),
                }
                let col = &mut self.h[k * ld..(k + 1) * ld];
                col.iter_mut().for_each(|v| *v = 0.0);
                cgs2(&mut self.w, &self.basis[..=k], &mut self.dots, col);
                let hnext = self.w.norm2().as_f64();
                if !hnext.is_finite() {
                    return Err(non_finite("Arnoldi vector"));
                }
                col[k + 1] = hnext;
                // Apply the previous rotations, then a new one zeroing col[k+1].
                for i in 0..k {
                    let t = self.cs[i] * col[i] + self.sn[i] * col[i + 1];
                    col[i + 1] = -self.sn[i] * col[i] + self.cs[i] * col[i + 1];
                    col[i] = t;
                }
                let d = col[k].hypot(col[k + 1]);
                if d == 0.0 {
                    (self.cs[k], self.sn[k]) = (1.0, 0.0);
                } else {
                    (self.cs[k], self.sn[k]) = (col[k] / d, col[k + 1] / d);
                }
                col[k] = d;
                col[k + 1] = 0.0;
                self.g[k + 1] = -self.sn[k] * self.g[k];
                self.g[k] *= self.cs[k];
                rnorm = self.g[k + 1].abs();
                self.history.push(rnorm);
                k += 1;
                if rnorm <= tol || hnext <= f64::EPSILON * d.max(f64::MIN_POSITIVE) {
                    break;
                }
                self.basis[k].lincomb(&[(sc(1.0 / hnext), &self.w)]);
                self.used = k + 1;
            }
            // Back substitution: H[0..k,0..k] y = g[0..k].
            for i in (0..k).rev() {
                let mut s = self.g[i];
                for j in i + 1..k {
                    s -= self.h[j * ld + i] * self.y[j];
                }
                let hii = self.h[i * ld + i];
                if hii == 0.0 {
                    return Err(CoreError::Breakdown {
                        method: METHOD,
                        iteration: it,
                        reason: "singular Hessenberg matrix (operator singular on the Krylov space)",
                        value: 0.0,
                    });
                }
                self.y[i] = s / hii;
            }
            // x ← x + M⁻¹ (V y), in fused groups of terms.
            match precond {
                Some(pm) => {
                    combine(&mut self.zbuf, V::Scalar::zero(), &self.y[..k], &self.basis);
                    pm.apply(&self.zbuf, &mut self.w);
                    x.axpy(V::Scalar::one(), &self.w);
                }
                None => combine(x, V::Scalar::one(), &self.y[..k], &self.basis),
            }
            // True residual for the next cycle (and to guard the Givens estimate).
            residual(a, b, x, &mut self.r);
            rnorm = self.r.norm2().as_f64();
            if !rnorm.is_finite() {
                return Err(non_finite("residual"));
            }
        }
        let relative = if bnorm > 0.0 { rnorm / bnorm } else { rnorm };
        Ok((it, relative))
    }

    /// The residual norms of the last solve, starting with the initial one.
    pub fn history(&self) -> &[f64] {
        &self.history
    }
}

/// `out ← β·out + Σᵢ cᵢ vᵢ` in groups of at most [`MAX_FUSED_TERMS`] terms (no
/// host allocation).
fn combine<V: Space>(out: &mut V, beta: V::Scalar, c: &[f64], v: &[V]) {
    let sc = V::Scalar::of_f64;
    let mut first = true;
    for (cs, vs) in c.chunks(MAX_FUSED_TERMS).zip(v.chunks(MAX_FUSED_TERMS)) {
        let terms: [(V::Scalar, &V); MAX_FUSED_TERMS] =
            std::array::from_fn(|i| (sc(cs[i.min(cs.len() - 1)]), &vs[i.min(cs.len() - 1)]));
        let b = if first { beta } else { V::Scalar::one() };
        out.lincomb_acc(b, &terms[..cs.len()]);
        first = false;
    }
    if first {
        out.lincomb_acc(beta, &[]);
    }
}

/// Classical Gram–Schmidt applied twice (CGS2): `w ← (I − V Vᵀ)² w` for an
/// orthonormal `basis`, adding the projection coefficients to `col[..basis.len()]`
/// (`dots` is scratch of at least `basis.len()` entries). Each pass is one multi-dot (one
/// reduction per group of [`MAX_FUSED_TERMS`] basis vectors) and one fused update;
/// two passes keep the basis orthogonal to working precision (Giraud, Langou,
/// Rozložník & van den Eshof 2005), where modified Gram–Schmidt's orthogonality
/// degrades with the conditioning of the Krylov matrix.
pub fn cgs2<V: Space>(w: &mut V, basis: &[V], dots: &mut [f64], col: &mut [f64]) {
    let k = basis.len();
    for _pass in 0..2 {
        for (g, vs) in basis.chunks(MAX_FUSED_TERMS).enumerate() {
            let refs: [&V; MAX_FUSED_TERMS] = std::array::from_fn(|i| &vs[i.min(vs.len() - 1)]);
            let mut d = [V::Scalar::zero(); MAX_FUSED_TERMS];
            w.multi_dot(&refs[..vs.len()], &mut d[..vs.len()]);
            for (i, di) in d[..vs.len()].iter().enumerate() {
                dots[g * MAX_FUSED_TERMS + i] = di.as_f64();
            }
        }
        let neg: &mut [f64] = &mut dots[..k];
        for (c, d) in col.iter_mut().zip(neg.iter_mut()) {
            *c += *d;
            *d = -*d;
        }
        combine(w, V::Scalar::one(), &dots[..k], basis);
    }
}

/// Solves a general (nonsymmetric) system `A x = b` by restarted GMRES(m)
/// (Saad & Schultz 1986) with right preconditioning: GMRES is applied to
/// `A M⁻¹ u = b`, `x = M⁻¹ u`, so the residual it minimises and reports is the true
/// residual `b − A x`. Arnoldi orthogonalises by classical Gram–Schmidt applied
/// twice ([`cgs2`]: two multi-dot reductions per step, orthogonal to working
/// precision); the small least-squares problem is updated with Givens rotations.
/// `opts.restart` is `m`; `opts.max_iters` counts all inner iterations. For
/// repeated solves keep a [`GmresWorkspace`].
///
/// Errors: [`CoreError::NonFinite`]; [`CoreError::NotConverged`] (GMRES cannot
/// break down except "luckily", at the exact solution).
///
/// ```
/// use noether_core::krylov::{gmres, GmresOptions};
/// use faer::mat;
///
/// let a = mat![[4.0_f64, 1.0, 0.0], [-2.0, 3.0, 1.0], [0.0, -1.0, 2.0]];
/// let b = vec![1.0, 2.0, 3.0];
/// let mut x = vec![0.0; 3];
/// let r = gmres(&a, &b, &mut x, None, &GmresOptions::default()).unwrap();
/// assert!(r.relative_residual < 1e-8);
/// ```
pub fn gmres<V, A>(
    a: &A,
    b: &V,
    x: &mut V,
    precond: Option<&dyn LinearOperator<V>>,
    opts: &GmresOptions,
) -> Result<KrylovReport>
where
    V: Space,
    A: LinearOperator<V> + ?Sized,
{
    let mut ws = GmresWorkspace::new(b, opts.restart.max(1));
    let (it, _) = ws.solve(a, b, x, precond, opts)?;
    Ok(final_report(a, b, x, it, std::mem::take(&mut ws.history)))
}
