//! r-adaptive mesh movement by the Monge–Ampère equation: the map `x = ∇Q(ξ)` of the
//! unit square onto itself that equidistributes a monitor `m`, `m(∇Q) det D²Q = θ`
//! with `θ = ∫m / |Ω|`, solved by the parabolic Monge–Ampère relaxation of Budd and
//! Williams (J. Phys. A 39 (2006) 5425; SIAM J. Sci. Comput. 31 (2009) 3438):
//!
//! `(I − γΔ) ∂φ/∂τ = (m(∇Q) det D²Q / θ)^{1/2}`, `Q = |ξ|²/2 + φ`, `∂φ/∂n = 0`,
//!
//! on the vertices of a structured triangulation, with central differences and an
//! implicit smoothing solve by CG from noether-core each pseudo-time step. The
//! Neumann condition keeps boundary vertices on their sides. The connectivity never
//! changes, and a step that would invert a triangle is retried with half the step.
//! This is the classical target that learned movers (the data-free mesh mover of Hu
//! et al., ICLR 2024) are trained to reproduce.

use noether_core::krylov::{KrylovOptions, cg};
use noether_core::operator::FnOperator;

use crate::error::{MeshError, Result, invalid};
use crate::generate::{Diagonal, unit_square};
use crate::geometry::{inverted_cells, signed_volume};
use crate::mesh::Mesh;

/// Settings of the Monge–Ampère mover.
#[derive(Debug, Clone, Copy)]
pub struct MoverOptions {
    /// Smoothing parameter γ of `(I − γΔ)` (in units of the unit square).
    pub gamma: f64,
    /// Initial pseudo-time step.
    pub dt: f64,
    /// Maximum number of pseudo-time steps.
    pub max_steps: usize,
    /// Stop when the relative change of `Q`'s gradient per step falls below this.
    pub tol: f64,
}

impl Default for MoverOptions {
    fn default() -> Self {
        Self {
            gamma: 0.05,
            dt: 0.2,
            max_steps: 400,
            tol: 1e-6,
        }
    }
}

/// The result of a mesh movement.
#[derive(Debug, Clone)]
pub struct MovedMesh {
    /// The moved mesh (same connectivity and markers as the input).
    pub mesh: Mesh,
    /// Pseudo-time steps taken.
    pub steps: usize,
    /// Equidistribution measure (see [`equidistribution`]) before and after.
    pub equidistribution: (f64, f64),
}

/// Coefficient of variation of `m(centroid)·|T|` over the cells: 0 when the mesh
/// equidistributes `m` exactly.
pub fn equidistribution(mesh: &Mesh, monitor: &impl Fn(&[f64]) -> f64) -> f64 {
    let vals: Vec<f64> = (0..mesh.n_cells())
        .map(|c| {
            let cell = mesh.cell(c);
            let mut ctr = vec![0.0; mesh.gdim()];
            for &v in cell {
                for (x, y) in ctr.iter_mut().zip(mesh.vertex(v)) {
                    *x += y / cell.len() as f64;
                }
            }
            monitor(&ctr) * signed_volume(mesh, c).abs()
        })
        .collect();
    let n = vals.len() as f64;
    let mean = vals.iter().sum::<f64>() / n;
    let var = vals.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    var.sqrt() / mean
}

/// Moves the `n × n` structured triangulation of the unit square (see
/// [`unit_square`] with right diagonals) to equidistribute `monitor`, which must be
/// positive and finite on the square.
pub fn move_unit_square(
    n: usize,
    monitor: impl Fn(&[f64]) -> f64,
    opts: &MoverOptions,
) -> Result<MovedMesh> {
    if n < 2 {
        return Err(invalid("n", n, "needs at least 2 × 2 squares"));
    }
    if !(opts.gamma >= 0.0 && opts.dt > 0.0 && opts.dt.is_finite()) {
        return Err(invalid(
            "options",
            format!("{opts:?}"),
            "need γ ≥ 0 and dt > 0",
        ));
    }
    let mesh0 = unit_square(n, n, Diagonal::Right)?;
    let before = equidistribution(&mesh0, &monitor);
    let m = n + 1;
    let h = 1.0 / n as f64;
    let idx = |i: usize, j: usize| j * m + i;
    // reflected neighbour index for the Neumann condition
    let refl = |k: isize| -> usize {
        if k < 0 {
            (-k) as usize
        } else if k as usize >= m {
            2 * (m - 1) - k as usize
        } else {
            k as usize
        }
    };
    let mut phi = vec![0.0; m * m];
    let mut mesh = mesh0.clone();
    let mut dt = opts.dt;
    let mut steps = 0;
    // (I − γΔ) with the reflected (Neumann) 5-point Laplacian: symmetric in the
    // inner product weighted by the dual cell areas, so CG runs on the weighted form
    let weights: Vec<f64> = (0..m * m)
        .map(|k| {
            let (i, j) = (k % m, k / m);
            let w = |t: usize| if t == 0 || t == m - 1 { 0.5 } else { 1.0 };
            w(i) * w(j)
        })
        .collect();
    let gamma = opts.gamma;
    let apply = |x: &Vec<f64>, y: &mut Vec<f64>| {
        for j in 0..m {
            for i in 0..m {
                let k = idx(i, j);
                let (ii, jj) = (i as isize, j as isize);
                let lap = (x[idx(refl(ii + 1), j)]
                    + x[idx(refl(ii - 1), j)]
                    + x[idx(i, refl(jj + 1))]
                    + x[idx(i, refl(jj - 1))]
                    - 4.0 * x[k])
                    / (h * h);
                y[k] = weights[k] * (x[k] - gamma * lap);
            }
        }
    };
    let op = FnOperator::new(m * m, m * m, apply);
    let kopts = KrylovOptions {
        rtol: 1e-10,
        ..KrylovOptions::default()
    };
    let coords_of = |phi: &[f64]| -> Vec<f64> {
        let mut c = Vec::with_capacity(2 * m * m);
        for j in 0..m {
            for i in 0..m {
                let (ii, jj) = (i as isize, j as isize);
                let gx = (phi[idx(refl(ii + 1), j)] - phi[idx(refl(ii - 1), j)]) / (2.0 * h);
                let gy = (phi[idx(i, refl(jj + 1))] - phi[idx(i, refl(jj - 1))]) / (2.0 * h);
                c.push((i as f64 * h + gx).clamp(0.0, 1.0));
                c.push((j as f64 * h + gy).clamp(0.0, 1.0));
            }
        }
        c
    };
    while steps < opts.max_steps {
        // right-hand side (m det D²Q / θ)^{1/2}, mean removed
        let mut rhs = vec![0.0; m * m];
        let x = coords_of(&phi);
        for j in 0..m {
            for i in 0..m {
                let (ii, jj) = (i as isize, j as isize);
                let p = |a: isize, b: isize| phi[idx(refl(ii + a), refl(jj + b))];
                let qxx = 1.0 + (p(1, 0) - 2.0 * p(0, 0) + p(-1, 0)) / (h * h);
                let qyy = 1.0 + (p(0, 1) - 2.0 * p(0, 0) + p(0, -1)) / (h * h);
                let qxy = (p(1, 1) - p(1, -1) - p(-1, 1) + p(-1, -1)) / (4.0 * h * h);
                let k = idx(i, j);
                let mv = monitor(&x[2 * k..2 * k + 2]);
                if !(mv.is_finite() && mv > 0.0) {
                    return Err(invalid("monitor", mv, "must be positive and finite"));
                }
                rhs[k] = mv * (qxx * qyy - qxy * qxy).max(0.0);
            }
        }
        let wsum: f64 = weights.iter().sum();
        let theta = rhs.iter().zip(&weights).map(|(r, w)| r * w).sum::<f64>() / wsum;
        for r in rhs.iter_mut() {
            *r = (*r / theta).sqrt();
        }
        let mean = rhs.iter().zip(&weights).map(|(r, w)| r * w).sum::<f64>() / wsum;
        let b: Vec<f64> = rhs
            .iter()
            .zip(&weights)
            .map(|(r, w)| w * (r - mean))
            .collect();
        let mut delta = vec![0.0; m * m];
        cg(&op, &b, &mut delta, None, &kopts)?;
        // take the step, halving it while it would invert a triangle
        let mut accepted = false;
        for _ in 0..30 {
            let trial: Vec<f64> = phi.iter().zip(&delta).map(|(p, d)| p + dt * d).collect();
            let mut moved = mesh.clone();
            moved.set_coords(coords_of(&trial))?;
            if inverted_cells(&moved).is_empty() {
                let change = delta.iter().map(|d| (dt * d).abs()).fold(0.0, f64::max) / h;
                phi = trial;
                mesh = moved;
                accepted = true;
                steps += 1;
                if change < opts.tol {
                    return finish(mesh, steps, before, &monitor);
                }
                break;
            }
            dt *= 0.5;
        }
        if !accepted {
            return Err(MeshError::Solver(format!(
                "Monge–Ampère step {steps}: no step size keeps the mesh uninverted"
            )));
        }
    }
    finish(mesh, steps, before, &monitor)
}

fn finish(
    mesh: Mesh,
    steps: usize,
    before: f64,
    monitor: &impl Fn(&[f64]) -> f64,
) -> Result<MovedMesh> {
    let after = equidistribution(&mesh, monitor);
    Ok(MovedMesh {
        mesh,
        steps,
        equidistribution: (before, after),
    })
}
