//! Continuous piecewise-linear Lagrange elements (P1) on simplicial meshes of full
//! dimension: stiffness and mass matrices, load vectors, interpolation, error norms,
//! assembled in parallel (rayon) into faer CSR matrices.

use faer::sparse::{SparseRowMat, Triplet};
use noether_mesh::Mesh;
use noether_mesh::geometry::signed_volume;
use rayon::prelude::*;

use crate::error::{FemError, Result, invalid};
use crate::quadrature::simplex_rule;

/// A coefficient or source term `x ↦ value`.
pub type ScalarFn<'a> = &'a (dyn Fn(&[f64]) -> f64 + Sync);

/// Gradients of the barycentric coordinates of a cell and its unsigned volume.
#[derive(Debug, Clone)]
pub struct CellGeometry {
    /// `∇λ₀ … ∇λ_d`, `d` components each.
    pub grads: Vec<Vec<f64>>,
    /// Unsigned volume `|T|`.
    pub volume: f64,
}

/// The P1 space on a mesh: one degree of freedom per vertex.
///
/// ```
/// use noether_fem::p1::P1Space;
/// use noether_mesh::generate::{unit_square, Diagonal};
/// let mesh = unit_square(4, 4, Diagonal::Right).unwrap();
/// let space = P1Space::new(&mesh).unwrap();
/// let m = space.mass().unwrap();
/// // 1ᵀM1 = area
/// assert!((m.val().iter().sum::<f64>() - 1.0).abs() < 1e-14);
/// ```
#[derive(Debug, Clone)]
pub struct P1Space<'m> {
    mesh: &'m Mesh,
    cells: Vec<CellGeometry>,
}

impl<'m> P1Space<'m> {
    /// The P1 space of `mesh`. Fails on meshes of lower dimension than their space
    /// and on inverted or degenerate cells.
    pub fn new(mesh: &'m Mesh) -> Result<Self> {
        let d = mesh.dim();
        if mesh.gdim() != d {
            return Err(invalid(
                "mesh",
                format!("dim {d} in {}-D", mesh.gdim()),
                "P1 needs dim = gdim",
            ));
        }
        let cells: Vec<Result<CellGeometry>> = (0..mesh.n_cells())
            .into_par_iter()
            .map(|c| cell_geometry(mesh, c))
            .collect();
        Ok(Self {
            mesh,
            cells: cells.into_iter().collect::<Result<_>>()?,
        })
    }

    /// The mesh.
    pub fn mesh(&self) -> &Mesh {
        self.mesh
    }

    /// Number of degrees of freedom (vertices).
    pub fn ndofs(&self) -> usize {
        self.mesh.n_vertices()
    }

    /// Geometry of cell `c`.
    pub fn cell(&self, c: usize) -> &CellGeometry {
        &self.cells[c]
    }

    fn assemble(
        &self,
        local: impl Fn(usize) -> Vec<f64> + Sync,
    ) -> Result<SparseRowMat<usize, f64>> {
        let per = self.mesh.dim() + 1;
        let triplets: Vec<Triplet<usize, usize, f64>> = (0..self.mesh.n_cells())
            .into_par_iter()
            .flat_map_iter(|c| {
                let ke = local(c);
                let cell = self.mesh.cell(c).to_vec();
                (0..per * per).map(move |k| Triplet::new(cell[k / per], cell[k % per], ke[k]))
            })
            .collect();
        let n = self.ndofs();
        SparseRowMat::try_new_from_triplets(n, n, &triplets)
            .map_err(|e| FemError::Solver(format!("assembly: {e:?}")))
    }

    /// The stiffness matrix `K_ij = ∫ κ ∇φ_i·∇φ_j`, with `κ = 1` when `kappa` is
    /// `None`, else integrated by a rule of degree `2` per cell.
    pub fn stiffness(&self, kappa: Option<ScalarFn>) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let rule = simplex_rule(d, 2)?;
        if let Some(k) = kappa {
            self.check_finite(k, "coefficient")?;
        }
        self.assemble(|c| {
            let g = &self.cells[c];
            let scale = match kappa {
                None => g.volume,
                Some(k) => {
                    let mut s = 0.0;
                    for q in 0..rule.len() {
                        s += rule.weights[q] * k(&self.map(c, rule.point(q)));
                    }
                    s * g.volume * factorial(d)
                }
            };
            let mut ke = vec![0.0; (d + 1) * (d + 1)];
            for i in 0..=d {
                for j in 0..=d {
                    let dot: f64 = g.grads[i].iter().zip(&g.grads[j]).map(|(a, b)| a * b).sum();
                    ke[i * (d + 1) + j] = scale * dot;
                }
            }
            ke
        })
    }

    /// The mass matrix `M_ij = ∫ φ_i φ_j = |T|(1 + δ_ij)/((d+1)(d+2))` per cell.
    pub fn mass(&self) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let denom = ((d + 1) * (d + 2)) as f64;
        self.assemble(|c| {
            let v = self.cells[c].volume;
            (0..(d + 1) * (d + 1))
                .map(|k| if k / (d + 1) == k % (d + 1) { 2.0 } else { 1.0 } * v / denom)
                .collect()
        })
    }

    /// The load vector `b_i = ∫ f φ_i`, with a rule of the given degree per cell.
    pub fn load(&self, f: ScalarFn, degree: usize) -> Result<Vec<f64>> {
        let d = self.mesh.dim();
        let rule = simplex_rule(d, degree)?;
        self.check_finite(f, "load")?;
        let locals: Vec<Vec<f64>> = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| {
                let vol = self.cells[c].volume * factorial(d);
                let mut be = vec![0.0; d + 1];
                for q in 0..rule.len() {
                    let xi = rule.point(q);
                    let fx = f(&self.map(c, xi)) * rule.weights[q] * vol;
                    let l0 = 1.0 - xi.iter().sum::<f64>();
                    be[0] += fx * l0;
                    for (k, &x) in xi.iter().enumerate() {
                        be[k + 1] += fx * x;
                    }
                }
                be
            })
            .collect();
        let mut b = vec![0.0; self.ndofs()];
        for (c, be) in locals.iter().enumerate() {
            for (&v, x) in self.mesh.cell(c).iter().zip(be) {
                b[v] += x;
            }
        }
        Ok(b)
    }

    /// The nodal interpolant of `u` (its values at the vertices).
    pub fn interpolate(&self, u: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        (0..self.ndofs()).map(|v| u(self.mesh.vertex(v))).collect()
    }

    /// `∫ u_h` of the P1 function with vertex values `uh`.
    pub fn integrate(&self, uh: &[f64]) -> Result<f64> {
        self.check_len(uh)?;
        let d = self.mesh.dim();
        Ok((0..self.mesh.n_cells())
            .map(|c| {
                let mean = self.mesh.cell(c).iter().map(|&v| uh[v]).sum::<f64>() / (d + 1) as f64;
                mean * self.cells[c].volume
            })
            .sum())
    }

    /// The errors `‖u − u_h‖_{L²}` and `|u − u_h|_{H¹}` against an exact solution
    /// and its gradient, by a rule of the given degree per cell.
    pub fn errors(
        &self,
        uh: &[f64],
        u: ScalarFn,
        grad_u: &(dyn Fn(&[f64]) -> Vec<f64> + Sync),
        degree: usize,
    ) -> Result<(f64, f64)> {
        self.check_len(uh)?;
        let d = self.mesh.dim();
        let rule = simplex_rule(d, degree)?;
        let (l2, h1) = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| {
                let g = &self.cells[c];
                let cell = self.mesh.cell(c);
                let vol = g.volume * factorial(d);
                let mut grad_h = vec![0.0; d];
                for (i, &v) in cell.iter().enumerate() {
                    for (gk, dk) in grad_h.iter_mut().zip(&g.grads[i]) {
                        *gk += uh[v] * dk;
                    }
                }
                let (mut e0, mut e1) = (0.0, 0.0);
                for q in 0..rule.len() {
                    let xi = rule.point(q);
                    let x = self.map(c, xi);
                    let l0 = 1.0 - xi.iter().sum::<f64>();
                    let mut val = uh[cell[0]] * l0;
                    for (k, &xk) in xi.iter().enumerate() {
                        val += uh[cell[k + 1]] * xk;
                    }
                    let w = rule.weights[q] * vol;
                    e0 += w * (u(&x) - val).powi(2);
                    let gu = grad_u(&x);
                    e1 += w * gu
                        .iter()
                        .zip(&grad_h)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>();
                }
                (e0, e1)
            })
            .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        Ok((l2.sqrt(), h1.sqrt()))
    }

    /// The physical point of reference coordinates `xi` in cell `c`.
    fn map(&self, c: usize, xi: &[f64]) -> Vec<f64> {
        let cell = self.mesh.cell(c);
        let p0 = self.mesh.vertex(cell[0]);
        let mut x = p0.to_vec();
        for (k, &s) in xi.iter().enumerate() {
            for (xj, (a, b)) in x
                .iter_mut()
                .zip(self.mesh.vertex(cell[k + 1]).iter().zip(p0))
            {
                *xj += s * (a - b);
            }
        }
        x
    }

    fn check_len(&self, uh: &[f64]) -> Result<()> {
        if uh.len() != self.ndofs() {
            return Err(invalid("u_h", uh.len(), "needs one value per vertex"));
        }
        Ok(())
    }

    /// Fails when `f` is not finite at a vertex (a cheap screen before assembly).
    fn check_finite(&self, f: ScalarFn, what: &'static str) -> Result<()> {
        for v in 0..self.ndofs() {
            let x = self.mesh.vertex(v);
            if !f(x).is_finite() {
                return Err(FemError::NonFinite {
                    what,
                    at: x.to_vec(),
                });
            }
        }
        Ok(())
    }
}

fn factorial(d: usize) -> f64 {
    (1..=d).map(|i| i as f64).product()
}

/// Barycentric gradients `∇λ = J^{−T}∇̂λ̂` and the volume of cell `c`; fails on an
/// inverted or degenerate cell.
fn cell_geometry(mesh: &Mesh, c: usize) -> Result<CellGeometry> {
    let d = mesh.dim();
    let vol = signed_volume(mesh, c);
    if vol <= 0.0 {
        return Err(FemError::Mesh(format!(
            "cell {c} is inverted or degenerate (signed volume {vol:e})"
        )));
    }
    let cell = mesh.cell(c);
    let p0 = mesh.vertex(cell[0]);
    let j = nalgebra::DMatrix::from_fn(d, d, |r, k| mesh.vertex(cell[k + 1])[r] - p0[r]);
    let inv = j
        .try_inverse()
        .ok_or_else(|| FemError::Mesh(format!("cell {c} has a singular Jacobian")))?;
    // rows of J⁻¹ are ∇λ₁ … ∇λ_d
    let mut grads: Vec<Vec<f64>> = (0..d)
        .map(|i| (0..d).map(|k| inv[(i, k)]).collect())
        .collect();
    let g0: Vec<f64> = (0..d)
        .map(|k| -grads.iter().map(|g| g[k]).sum::<f64>())
        .collect();
    grads.insert(0, g0);
    Ok(CellGeometry { grads, volume: vol })
}
