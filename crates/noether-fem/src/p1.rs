//! Continuous piecewise-linear Lagrange elements (P1) on simplicial meshes of full
//! dimension: stiffness and mass matrices, load vectors, interpolation, error norms,
//! assembled in parallel (rayon) into faer CSR matrices.

use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use noether_mesh::Mesh;
use noether_mesh::geometry::signed_volume;
use rayon::prelude::*;

use crate::error::{FemError, Result, invalid};
use crate::quadrature::simplex_rule;

/// A coefficient or source term `x ↦ value`.
pub type ScalarFn<'a> = &'a (dyn Fn(&[f64]) -> f64 + Sync);

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
    /// Per cell, `∇λ₀ … ∇λ_d` (`d` components each), flat.
    grads: Vec<f64>,
    /// Per cell, the unsigned volume.
    volumes: Vec<f64>,
}

impl<'m> P1Space<'m> {
    /// The P1 space of `mesh`. Fails on meshes of lower dimension than their space
    /// and on degenerate cells; cells may have either orientation.
    pub fn new(mesh: &'m Mesh) -> Result<Self> {
        let d = mesh.dim();
        if mesh.gdim() != d {
            return Err(invalid(
                "mesh",
                format!("dim {d} in {}-D", mesh.gdim()),
                "P1 needs dim = gdim",
            ));
        }
        let per = (d + 1) * d;
        let mut grads = vec![0.0; mesh.n_cells() * per];
        let mut volumes = vec![0.0; mesh.n_cells()];
        grads
            .par_chunks_mut(per)
            .zip(volumes.par_iter_mut())
            .enumerate()
            .try_for_each(|(c, (g, v))| cell_geometry(mesh, c, g, v))?;
        Ok(Self {
            mesh,
            grads,
            volumes,
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

    /// The barycentric gradients `∇λ₀ … ∇λ_d` of cell `c`, `d` components each.
    pub fn gradients(&self, c: usize) -> &[f64] {
        let per = (self.mesh.dim() + 1) * self.mesh.dim();
        &self.grads[c * per..(c + 1) * per]
    }

    /// The volume of cell `c`.
    pub fn volume(&self, c: usize) -> f64 {
        self.volumes[c]
    }

    /// Assembles the element matrices `local(c, ke)` (row-major, `d + 1` square)
    /// into the CSR pattern of the vertex graph (each vertex and its edge
    /// neighbours): element matrices in parallel blocks, scattered by binary search
    /// in each row.
    fn assemble(
        &self,
        local: impl Fn(usize, &mut [f64]) + Sync,
    ) -> Result<SparseRowMat<usize, f64>> {
        const BLOCK: usize = 4096;
        let per = self.mesh.dim() + 1;
        let (row_ptr, col_idx) = vertex_pattern(self.mesh)?;
        let mut vals = vec![0.0; col_idx.len()];
        let n_cells = self.mesh.n_cells();
        let n_blocks = n_cells.div_ceil(BLOCK);
        // a few blocks at a time, to bound the memory of the element matrices
        for group in (0..n_blocks).collect::<Vec<_>>().chunks(64) {
            let blocks: Vec<(usize, Vec<f64>)> = group
                .par_iter()
                .map(|&b| {
                    let range = b * BLOCK..((b + 1) * BLOCK).min(n_cells);
                    let mut out = vec![0.0; range.len() * per * per];
                    for (c, ke) in range.zip(out.chunks_exact_mut(per * per)) {
                        local(c, ke);
                    }
                    (b, out)
                })
                .collect();
            for (b, block) in &blocks {
                for (k, ke) in block.chunks_exact(per * per).enumerate() {
                    let cell = self.mesh.cell(b * BLOCK + k);
                    for (i, &r) in cell.iter().enumerate() {
                        let cols = &col_idx[row_ptr[r]..row_ptr[r + 1]];
                        for (j, cj) in cell.iter().enumerate() {
                            if let Ok(pos) = cols.binary_search(cj) {
                                vals[row_ptr[r] + pos] += ke[i * per + j];
                            }
                        }
                    }
                }
            }
        }
        let n = self.ndofs();
        let symbolic = SymbolicSparseRowMat::new_checked(n, n, row_ptr, None, col_idx);
        Ok(SparseRowMat::new(symbolic, vals))
    }

    /// The stiffness matrix `K_ij = ∫ κ ∇φ_i·∇φ_j`, with `κ = 1` when `kappa` is
    /// `None`, else integrated by a rule of degree `2` per cell.
    pub fn stiffness(&self, kappa: Option<ScalarFn>) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let rule = simplex_rule(d, 2)?;
        if let Some(k) = kappa {
            self.check_finite(k, "coefficient")?;
        }
        self.assemble(|c, ke| {
            let g = self.gradients(c);
            let volume = self.volumes[c];
            let scale = match kappa {
                None => volume,
                Some(k) => {
                    let mut s = 0.0;
                    for q in 0..rule.len() {
                        s += rule.weights[q] * k(&self.map(c, rule.point(q))[..d]);
                    }
                    s * volume * factorial(d)
                }
            };
            for i in 0..=d {
                for j in 0..=d {
                    let (gi, gj) = (&g[i * d..(i + 1) * d], &g[j * d..(j + 1) * d]);
                    let dot: f64 = gi.iter().zip(gj).map(|(a, b)| a * b).sum();
                    ke[i * (d + 1) + j] = scale * dot;
                }
            }
        })
    }

    /// The mass matrix `M_ij = ∫ φ_i φ_j = |T|(1 + δ_ij)/((d+1)(d+2))` per cell.
    pub fn mass(&self) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let denom = ((d + 1) * (d + 2)) as f64;
        self.assemble(|c, ke| {
            let v = self.volumes[c];
            for (k, e) in ke.iter_mut().enumerate() {
                *e = if k / (d + 1) == k % (d + 1) { 2.0 } else { 1.0 } * v / denom;
            }
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
                let vol = self.volumes[c] * factorial(d);
                let mut be = vec![0.0; d + 1];
                for q in 0..rule.len() {
                    let xi = rule.point(q);
                    let fx = f(&self.map(c, xi)[..d]) * rule.weights[q] * vol;
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
                mean * self.volumes[c]
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
                let g = self.gradients(c);
                let cell = self.mesh.cell(c);
                let vol = self.volumes[c] * factorial(d);
                let mut grad_h = vec![0.0; d];
                for (i, &v) in cell.iter().enumerate() {
                    for (gk, dk) in grad_h.iter_mut().zip(&g[i * d..(i + 1) * d]) {
                        *gk += uh[v] * dk;
                    }
                }
                let (mut e0, mut e1) = (0.0, 0.0);
                for q in 0..rule.len() {
                    let xi = rule.point(q);
                    let x = self.map(c, xi);
                    let x = &x[..d];
                    let l0 = 1.0 - xi.iter().sum::<f64>();
                    let mut val = uh[cell[0]] * l0;
                    for (k, &xk) in xi.iter().enumerate() {
                        val += uh[cell[k + 1]] * xk;
                    }
                    let w = rule.weights[q] * vol;
                    e0 += w * (u(x) - val).powi(2);
                    let gu = grad_u(x);
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
    /// (A fixed-size array, no allocation per quadrature point; use `x[..d]`.)
    fn map(&self, c: usize, xi: &[f64]) -> [f64; 3] {
        let cell = self.mesh.cell(c);
        let p0 = self.mesh.vertex(cell[0]);
        let mut x = [0.0; 3];
        x[..p0.len()].copy_from_slice(p0);
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

/// Barycentric gradients `∇λ = J^{−T}∇̂λ̂` (the rows of `J⁻¹`, by the adjugate) and
/// the volume of cell `c`, into `g` and `v`; fails on a degenerate cell (either
/// orientation is accepted).
fn cell_geometry(mesh: &Mesh, c: usize, g: &mut [f64], v: &mut f64) -> Result<()> {
    let d = mesh.dim();
    let vol = signed_volume(mesh, c);
    // either orientation is fine (the gradients below use the signed determinant)
    if !vol.is_finite() || vol == 0.0 {
        return Err(FemError::Mesh(format!(
            "cell {c} is degenerate (signed volume {vol:e})"
        )));
    }
    let cell = mesh.cell(c);
    let p0 = mesh.vertex(cell[0]);
    // m[r][k] = (p_{k+1} − p₀)_r
    let mut m = [[0.0; 3]; 3];
    for (k, &vk) in cell[1..].iter().enumerate() {
        for (r, (a, b)) in mesh.vertex(vk).iter().zip(p0).enumerate() {
            m[r][k] = a - b;
        }
    }
    // inv[i][r] = (J⁻¹)_{ir}: row i is ∇λ_{i+1}
    let mut inv = [[0.0; 3]; 3];
    match d {
        1 => inv[0][0] = 1.0 / m[0][0],
        2 => {
            let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
            inv[0] = [m[1][1] / det, -m[0][1] / det, 0.0];
            inv[1] = [-m[1][0] / det, m[0][0] / det, 0.0];
        }
        _ => {
            // minor with rows r0 < r1 and columns c0 < c1
            let mi = |r0: usize, r1: usize, c0: usize, c1: usize| {
                m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
            };
            let det =
                m[0][0] * mi(1, 2, 1, 2) - m[0][1] * mi(1, 2, 0, 2) + m[0][2] * mi(1, 2, 0, 1);
            // (J⁻¹)_{ik} = cofactor_{ki} / det
            inv = [
                [
                    mi(1, 2, 1, 2) / det,
                    -mi(0, 2, 1, 2) / det,
                    mi(0, 1, 1, 2) / det,
                ],
                [
                    -mi(1, 2, 0, 2) / det,
                    mi(0, 2, 0, 2) / det,
                    -mi(0, 1, 0, 2) / det,
                ],
                [
                    mi(1, 2, 0, 1) / det,
                    -mi(0, 2, 0, 1) / det,
                    mi(0, 1, 0, 1) / det,
                ],
            ];
        }
    }
    for k in 0..d {
        let mut sum = 0.0;
        for i in 0..d {
            g[(i + 1) * d + k] = inv[i][k];
            sum += inv[i][k];
        }
        g[k] = -sum;
    }
    *v = vol.abs();
    Ok(())
}

/// The CSR pattern of the vertex graph: each row holds the vertex and its edge
/// neighbours, ascending.
fn vertex_pattern(mesh: &Mesh) -> Result<(Vec<usize>, Vec<usize>)> {
    let topo = noether_mesh::Topology::new(mesh)?;
    let n = mesh.n_vertices();
    let mut row_ptr = vec![0usize; n + 1];
    for v in 0..n {
        row_ptr[v + 1] = 1;
    }
    for e in 0..topo.count(1) {
        let s = topo.simplex(1, e);
        row_ptr[s[0] + 1] += 1;
        row_ptr[s[1] + 1] += 1;
    }
    for i in 0..n {
        row_ptr[i + 1] += row_ptr[i];
    }
    let mut fill = row_ptr[..n].to_vec();
    let mut col_idx = vec![0usize; row_ptr[n]];
    for (v, f) in fill.iter_mut().enumerate() {
        col_idx[*f] = v;
        *f += 1;
    }
    for e in 0..topo.count(1) {
        let s = topo.simplex(1, e);
        for (a, b) in [(s[0], s[1]), (s[1], s[0])] {
            col_idx[fill[a]] = b;
            fill[a] += 1;
        }
    }
    let mut rows: Vec<&mut [usize]> = Vec::with_capacity(n);
    let mut rest = col_idx.as_mut_slice();
    for v in 0..n {
        let (row, tail) = rest.split_at_mut(row_ptr[v + 1] - row_ptr[v]);
        rows.push(row);
        rest = tail;
    }
    rows.par_iter_mut().for_each(|r| r.sort_unstable());
    Ok((row_ptr, col_idx))
}
