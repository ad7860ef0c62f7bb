//! Continuous piecewise-linear Lagrange elements (P1) on simplicial meshes of full
//! dimension: stiffness and mass matrices, load vectors, interpolation, error norms,
//! assembled in parallel (rayon) into faer CSR matrices.

use std::sync::OnceLock;

use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use noether_mesh::Mesh;
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
    /// Per cell, `∇λ₀ … ∇λ_d` (`d` components each), flat; computed on first use
    /// (the stiffness matrix does not need them stored).
    grads: OnceLock<Vec<f64>>,
    /// Per cell, the unsigned volume; computed on first use.
    volumes: OnceLock<Vec<f64>>,
}

impl<'m> P1Space<'m> {
    /// The P1 space of `mesh`. Fails on meshes of lower dimension than their space.
    /// Cells may have either orientation; a degenerate cell (possible after
    /// [`Mesh::set_coords`]) is reported as [`FemError::Mesh`] by the first
    /// operation that computes the geometry, so no separate pass is spent on it.
    pub fn new(mesh: &'m Mesh) -> Result<Self> {
        let d = mesh.dim();
        if mesh.gdim() != d {
            return Err(invalid(
                "mesh",
                format!("dim {d} in {}-D", mesh.gdim()),
                "P1 needs dim = gdim",
            ));
        }
        Ok(Self {
            mesh,
            grads: OnceLock::new(),
            volumes: OnceLock::new(),
        })
    }

    /// All cells' volumes, computed once (or the first degenerate cell).
    fn volumes(&self) -> Result<&[f64]> {
        if let Some(v) = self.volumes.get() {
            return Ok(v);
        }
        let d = self.mesh.dim();
        let scale = 1.0 / factorial(d);
        let v = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| Ok(checked_det(c, determinant(&edge_matrix(self.mesh, c), d))?.abs() * scale))
            .collect::<Result<Vec<f64>>>()?;
        Ok(self.volumes.get_or_init(|| v))
    }

    /// All cells' barycentric gradients, computed once (or the first degenerate
    /// cell).
    fn all_gradients(&self) -> Result<&[f64]> {
        if let Some(g) = self.grads.get() {
            return Ok(g);
        }
        let d = self.mesh.dim();
        let per = (d + 1) * d;
        let mut grads = vec![0.0; self.mesh.n_cells() * per];
        grads
            .par_chunks_mut(per)
            .enumerate()
            .try_for_each(|(c, g)| cell_geometry(self.mesh, c, g, &mut 0.0))?;
        Ok(self.grads.get_or_init(|| grads))
    }

    /// The mesh.
    pub fn mesh(&self) -> &Mesh {
        self.mesh
    }

    /// Number of degrees of freedom (vertices).
    pub fn ndofs(&self) -> usize {
        self.mesh.n_vertices()
    }

    /// The barycentric gradients `∇λ₀ … ∇λ_d` of cell `c`, `d` components each
    /// (computed for all cells on first use). Fails if a cell is degenerate.
    pub fn gradients(&self, c: usize) -> Result<&[f64]> {
        let per = (self.mesh.dim() + 1) * self.mesh.dim();
        self.check_cell(c)?;
        Ok(&self.all_gradients()?[c * per..(c + 1) * per])
    }

    /// The volume of cell `c` (computed for all cells on first use). Fails if a
    /// cell is degenerate.
    pub fn volume(&self, c: usize) -> Result<f64> {
        self.check_cell(c)?;
        Ok(self.volumes()?[c])
    }

    fn check_cell(&self, c: usize) -> Result<()> {
        if c >= self.mesh.n_cells() {
            return Err(invalid("cell", c, "must be below the number of cells"));
        }
        Ok(())
    }

    /// Assembles `A_rs = Σ_{cells c ∋ r, s} entry(c, i, j)` (with `r`, `s` the `i`-th
    /// and `j`-th vertex of `c`) into CSR, row by row in parallel: each row gathers
    /// its cells through the vertex-to-cell adjacency and sums its entries in a small
    /// open-addressing table keyed by column, so the sparsity pattern and the values
    /// come out of one pass, no two threads write one entry, and no element matrices
    /// are stored.
    fn assemble(
        &self,
        entry: impl Fn(usize, usize, usize) -> f64 + Sync,
    ) -> Result<SparseRowMat<usize, f64>> {
        let per = self.mesh.dim() + 1;
        let cells = self.mesh.cells();
        let blocks = row_blocks(self.mesh, |r, corners, table| {
            if corners.is_empty() {
                table.add(r, 0.0); // an isolated vertex keeps its diagonal
            }
            for &p in corners {
                let p = p as usize;
                let (c, i) = (p / per, p % per);
                for (j, &cj) in cells[c * per..(c + 1) * per].iter().enumerate() {
                    table.add(cj, entry(c, i, j));
                }
            }
        })?;
        Ok(csr_from_blocks(self.mesh.n_vertices(), blocks, Vec::new()))
    }

    /// The stiffness matrix `K_ij = ∫ κ ∇φ_i·∇φ_j`, with `κ = 1` when `kappa` is
    /// `None`, else integrated by a rule of degree `2` per cell.
    pub fn stiffness(&self, kappa: Option<ScalarFn>) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let rule = simplex_rule(d, 2)?;
        if let Some(k) = kappa {
            self.check_finite(k, "coefficient")?;
        }
        let Some(k) = kappa else {
            return self.assemble_zero_row_sum(None);
        };
        let volumes = self.volumes()?;
        let scale: Vec<f64> = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| {
                let s: f64 = (0..rule.len())
                    .map(|q| rule.weights[q] * k(&self.map(c, rule.point(q))[..d]))
                    .sum();
                s * volumes[c] * factorial(d)
            })
            .collect();
        self.assemble_zero_row_sum(Some(&scale))
    }

    /// The stiffness-type matrix `A_rs = Σ_c s_c ∇λ_i·∇λ_j` whose element matrices
    /// have zero row sums (`Σ_j ∇λ_j = 0`), with `s_c = scale[c]` or, for `None`,
    /// the cell volume: a cell pass stores the off-diagonal products (from the
    /// cofactors of the Jacobian, `∇λ_i = C_i/det`, so no gradient array is read),
    /// and the row pass adds them, the diagonal being minus their sum.
    #[allow(clippy::needless_range_loop)] // (i, j) index the pair table symmetrically
    fn assemble_zero_row_sum(&self, scale: Option<&[f64]>) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let per = d + 1;
        let np = per * d / 2;
        let mut pairs = vec![0.0; self.mesh.n_cells() * np];
        let inv_fact = 1.0 / factorial(d);
        const CELLS: usize = 4096;
        pairs
            .par_chunks_mut(np * CELLS)
            .enumerate()
            .try_for_each(|(b, out)| {
                for (k, e) in out.chunks_exact_mut(np).enumerate() {
                    let c = b * CELLS + k;
                    let (cof, det) = cofactors(self.mesh, c);
                    checked_det(c, det)?;
                    // s_c ∇λ_i·∇λ_j = s_c (C_i·C_j) / det², with |T| = |det|/d!
                    let w = match scale {
                        Some(s) => s[c] / (det * det),
                        None => inv_fact / det.abs(),
                    };
                    let mut q = 0;
                    for i in 0..per {
                        for j in i + 1..per {
                            let (a, b) = (cof[i], cof[j]);
                            e[q] = w * (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]);
                            q += 1;
                        }
                    }
                }
                Ok::<_, FemError>(())
            })?;
        // others[i]: the other local vertices j of a cell with their pair index
        let mut others = [[(0usize, 0usize); 3]; 4];
        let mut k = 0;
        let mut fill = [0usize; 4];
        for i in 0..per {
            for j in i + 1..per {
                others[i][fill[i]] = (j, k);
                others[j][fill[j]] = (i, k);
                fill[i] += 1;
                fill[j] += 1;
                k += 1;
            }
        }
        let cells = self.mesh.cells();
        let blocks = row_blocks(self.mesh, |r, corners, table| {
            let mut diag = 0.0;
            for &p in corners {
                let p = p as usize;
                let (c, i) = (p / per, p % per);
                let e = &pairs[c * np..(c + 1) * np];
                let cell = &cells[c * per..(c + 1) * per];
                for &(j, q) in &others[i][..d] {
                    let v = e[q];
                    table.add(cell[j], v);
                    diag -= v;
                }
            }
            table.add(r, diag);
        })?;
        // the products are spent: their buffer becomes the matrix's value array
        Ok(csr_from_blocks(self.mesh.n_vertices(), blocks, pairs))
    }

    /// The mass matrix `M_ij = ∫ φ_i φ_j = |T|(1 + δ_ij)/((d+1)(d+2))` per cell.
    pub fn mass(&self) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let denom = ((d + 1) * (d + 2)) as f64;
        let volumes = self.volumes()?;
        self.assemble(|c, i, j| if i == j { 2.0 } else { 1.0 } * volumes[c] / denom)
    }

    /// The load vector `b_i = ∫ f φ_i`, with a rule of the given degree per cell.
    pub fn load(&self, f: ScalarFn, degree: usize) -> Result<Vec<f64>> {
        let d = self.mesh.dim();
        let rule = simplex_rule(d, degree)?;
        self.check_finite(f, "load")?;
        let volumes = self.volumes()?;
        let locals: Vec<Vec<f64>> = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| {
                let vol = volumes[c] * factorial(d);
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
        let volumes = self.volumes()?;
        Ok((0..self.mesh.n_cells())
            .map(|c| {
                let mean = self.mesh.cell(c).iter().map(|&v| uh[v]).sum::<f64>() / (d + 1) as f64;
                mean * volumes[c]
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
        let (volumes, grads) = (self.volumes()?, self.all_gradients()?);
        let per = (d + 1) * d;
        let (l2, h1) = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| {
                let g = &grads[c * per..(c + 1) * per];
                let cell = self.mesh.cell(c);
                let vol = volumes[c] * factorial(d);
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
    let m = edge_matrix(mesh, c);
    // inv[i][r] = (J⁻¹)_{ir}: row i is ∇λ_{i+1}
    let mut inv = [[0.0; 3]; 3];
    // either orientation is fine (the gradients use the signed determinant)
    let det = checked_det(c, determinant(&m, d))?;
    match d {
        1 => inv[0][0] = 1.0 / m[0][0],
        2 => {
            inv[0] = [m[1][1] / det, -m[0][1] / det, 0.0];
            inv[1] = [-m[1][0] / det, m[0][0] / det, 0.0];
        }
        _ => {
            // minor with rows r0 < r1 and columns c0 < c1
            let mi = |r0: usize, r1: usize, c0: usize, c1: usize| {
                m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
            };
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
    *v = det.abs() / factorial(d);
    Ok(())
}

/// The Jacobian `m[r][k] = (p_{k+1} − p₀)_r` of cell `c`'s affine map (leading
/// `d × d` block used).
#[inline(always)]
fn edge_matrix(mesh: &Mesh, c: usize) -> [[f64; 3]; 3] {
    let d = mesh.dim();
    let g = mesh.gdim();
    let x = mesh.coords();
    let cell = &mesh.cells()[c * (d + 1)..(c + 1) * (d + 1)];
    let o = cell[0] * g;
    let mut m = [[0.0; 3]; 3];
    for k in 0..d {
        let q = cell[k + 1] * g;
        for r in 0..d.min(g) {
            m[r][k] = x[q + r] - x[o + r];
        }
    }
    m
}

/// The determinant of the leading `d × d` block of `m`.
#[inline(always)]
fn determinant(m: &[[f64; 3]; 3], d: usize) -> f64 {
    match d {
        1 => m[0][0],
        2 => m[0][0] * m[1][1] - m[0][1] * m[1][0],
        _ => {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
    }
}

/// `det` if cell `c` is not degenerate (finite and non-zero), else the error.
fn checked_det(c: usize, det: f64) -> Result<f64> {
    if !det.is_finite() || det == 0.0 {
        return Err(FemError::Mesh(format!(
            "cell {c} is degenerate (Jacobian determinant {det:e})"
        )));
    }
    Ok(det)
}

/// The rows `C_i = det·∇λ_i` (cofactors of cell `c`'s Jacobian, unused components
/// zero) for the `d + 1` vertices, and the signed determinant.
#[inline(always)]
fn cofactors(mesh: &Mesh, c: usize) -> ([[f64; 3]; 4], f64) {
    let d = mesh.dim();
    let m = edge_matrix(mesh, c);
    let det = determinant(&m, d);
    let mut cof = [[0.0; 3]; 4];
    match d {
        1 => cof[1] = [1.0, 0.0, 0.0],
        2 => {
            cof[1] = [m[1][1], -m[0][1], 0.0];
            cof[2] = [-m[1][0], m[0][0], 0.0];
        }
        _ => {
            let mi = |r0: usize, r1: usize, c0: usize, c1: usize| {
                m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
            };
            cof[1] = [mi(1, 2, 1, 2), -mi(0, 2, 1, 2), mi(0, 1, 1, 2)];
            cof[2] = [-mi(1, 2, 0, 2), mi(0, 2, 0, 2), -mi(0, 1, 0, 2)];
            cof[3] = [mi(1, 2, 0, 1), -mi(0, 2, 0, 1), mi(0, 1, 0, 1)];
        }
    }
    cof[0] = [
        -(cof[1][0] + cof[2][0] + cof[3][0]),
        -(cof[1][1] + cof[2][1] + cof[3][1]),
        -(cof[1][2] + cof[2][2] + cof[3][2]),
    ];
    (cof, det)
}

/// The vertex-to-cell adjacency as CSR `(offsets, corners)`: the corners of vertex
/// `v` are the positions `c·(d+1) + i` in the flat cell array where it appears, in
/// ascending order. Built in parallel over vertex ranges: each range scans the
/// whole cell array and counts, then places, only its own vertices' corners, so no
/// two threads write one entry and the result does not depend on the thread count.
fn vertex_corners(mesh: &Mesh) -> Result<(Vec<usize>, Vec<u32>)> {
    let cells = mesh.cells();
    let n = mesh.n_vertices();
    if u32::try_from(cells.len().max(n)).is_err() {
        return Err(invalid(
            "mesh",
            format!("{} vertices, {} cell corners", n, cells.len()),
            "at most 2³² − 1 of each for the P1 vertex adjacency",
        ));
    }
    let parts = rayon::current_num_threads().clamp(1, 64).min(n.max(1));
    let bounds: Vec<usize> = (0..=parts).map(|k| k * n / parts).collect();
    // counts: each part counts its share of the cells, then the parts are summed
    let share = cells.len().div_ceil(parts).max(1);
    let count = cells
        .par_chunks(share)
        .map(|part| {
            let mut count = vec![0u32; n];
            for &v in part {
                count[v] += 1;
            }
            count
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
            a
        })
        .unwrap_or_default();
    let mut off = Vec::with_capacity(n + 1);
    off.push(0usize);
    for &k in &count {
        off.push(off[off.len() - 1] + k as usize);
    }
    drop(count);
    // placement, each part into its own range of the corner array
    let mut corners = vec![0u32; cells.len()];
    let mut chunks = Vec::with_capacity(parts);
    let mut rest = corners.as_mut_slice();
    for k in 0..parts {
        let (head, tail) = rest.split_at_mut(off[bounds[k + 1]] - off[bounds[k]]);
        chunks.push((bounds[k], bounds[k + 1], head));
        rest = tail;
    }
    chunks.into_par_iter().for_each(|(v0, v1, out)| {
        let base = off[v0];
        let mut fill: Vec<usize> = off[v0..v1].iter().map(|&o| o - base).collect();
        let len = v1 - v0;
        for (p, &v) in cells.iter().enumerate() {
            let j = v.wrapping_sub(v0);
            if j < len {
                out[fill[j]] = p as u32;
                fill[j] += 1;
            }
        }
    });
    Ok((off, corners))
}

/// Rows of a vertex-graph matrix of `mesh` as consecutive blocks `(row lengths,
/// columns, values)`, assembled in parallel: `fill(r, corners, table)` adds row
/// `r`'s entries (columns and values) to the table, given the row's corners
/// (positions `c·(d+1) + i` in the flat cell array).
fn row_blocks(
    mesh: &Mesh,
    fill: impl Fn(usize, &[u32], &mut RowTable) + Sync,
) -> Result<Vec<RowBlock>> {
    let n = mesh.n_vertices();
    let (adj_off, adj) = vertex_corners(mesh)?;
    Ok((0..n.div_ceil(ROW_BLOCK))
        .into_par_iter()
        .map(|b| {
            let mut table = RowTable::new();
            let mut lens = Vec::with_capacity(ROW_BLOCK);
            let mut cols = Vec::with_capacity(ROW_BLOCK * 16);
            let mut vals = Vec::with_capacity(ROW_BLOCK * 16);
            for r in b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n) {
                let corners = &adj[adj_off[r]..adj_off[r + 1]];
                table.reset(corners.len() * 3 + 1);
                fill(r, corners, &mut table);
                lens.push(table.drain_sorted(&mut cols, &mut vals));
            }
            (lens, cols, vals)
        })
        .collect())
}

/// A block of consecutive CSR rows: row lengths, columns, values.
type RowBlock = (Vec<usize>, Vec<u32>, Vec<f64>);

/// An `n × n` CSR matrix from consecutive row blocks. `recycle` is a spent buffer
/// reused for the values (its contents are overwritten; empty for none), which
/// saves mapping fresh memory for them.
fn csr_from_blocks(n: usize, blocks: Vec<RowBlock>, recycle: Vec<f64>) -> SparseRowMat<usize, f64> {
    let mut row_ptr = Vec::with_capacity(n + 1);
    row_ptr.push(0);
    for (lens, _, _) in &blocks {
        for l in lens {
            row_ptr.push(row_ptr[row_ptr.len() - 1] + l);
        }
    }
    let total = row_ptr[n];
    let mut col_idx = vec![0usize; total];
    let mut vals = recycle;
    if vals.len() >= total {
        vals.truncate(total);
        vals.shrink_to_fit();
    } else {
        vals = vec![0.0; total];
    }
    // copy the blocks into their ranges in parallel
    let mut targets = Vec::with_capacity(blocks.len());
    let (mut cr, mut vr) = (col_idx.as_mut_slice(), vals.as_mut_slice());
    for (_, cols, _) in &blocks {
        let (c0, c1) = cr.split_at_mut(cols.len());
        let (v0, v1) = vr.split_at_mut(cols.len());
        targets.push((c0, v0));
        cr = c1;
        vr = v1;
    }
    targets
        .into_par_iter()
        .zip(blocks.par_iter())
        .for_each(|((c, v), (_, cols, vs))| {
            for (c, &k) in c.iter_mut().zip(cols) {
                *c = k as usize;
            }
            v.copy_from_slice(vs);
        });
    let symbolic = SymbolicSparseRowMat::new_checked(n, n, row_ptr, None, col_idx);
    SparseRowMat::new(symbolic, vals)
}

/// Rows per parallel block of the vertex-graph assembly.
const ROW_BLOCK: usize = 2048;

/// The columns and summed values of one matrix row: an open-addressing hash table
/// (linear probing, power-of-two size at least twice the number of contributions)
/// that remembers its used slots, so that resetting it costs what was used.
struct RowTable {
    keys: Vec<usize>,
    vals: Vec<f64>,
    used: Vec<usize>,
    mask: usize,
}

impl RowTable {
    fn new() -> Self {
        Self {
            keys: vec![usize::MAX; 64],
            vals: vec![0.0; 64],
            used: Vec::with_capacity(64),
            mask: 63,
        }
    }

    /// Empties the table and sizes it for up to `contributions` additions.
    fn reset(&mut self, contributions: usize) {
        for &s in &self.used {
            self.keys[s] = usize::MAX;
        }
        self.used.clear();
        let size = (2 * contributions).next_power_of_two().max(64);
        if size > self.keys.len() {
            self.keys = vec![usize::MAX; size];
            self.vals = vec![0.0; size];
            self.mask = size - 1;
        }
    }

    fn add(&mut self, key: usize, v: f64) {
        let mut s = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) & self.mask;
        loop {
            let k = self.keys[s];
            if k == key {
                self.vals[s] += v;
                return;
            }
            if k == usize::MAX {
                self.keys[s] = key;
                self.vals[s] = v;
                self.used.push(s);
                return;
            }
            s = (s + 1) & self.mask;
        }
    }

    /// Appends the columns (ascending) and their values; returns how many.
    fn drain_sorted(&mut self, cols: &mut Vec<u32>, vals: &mut Vec<f64>) -> usize {
        let keys = &self.keys;
        // insertion sort: rows hold a few dozen columns
        for a in 1..self.used.len() {
            let mut b = a;
            while b > 0 && keys[self.used[b - 1]] > keys[self.used[b]] {
                self.used.swap(b - 1, b);
                b -= 1;
            }
        }
        for &s in &self.used {
            cols.push(keys[s] as u32);
            vals.push(self.vals[s]);
        }
        self.used.len()
    }
}
