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
        let mut volumes = vec![0.0; mesh.n_cells()];
        const CELLS: usize = 4096;
        volumes
            .par_chunks_mut(CELLS)
            .enumerate()
            .try_for_each(|(b, v)| {
                let mut g = [0.0; 12];
                v.iter_mut().enumerate().try_for_each(|(k, v)| {
                    cell_geometry(mesh, b * CELLS + k, &mut g[..(d + 1) * d], v)
                })
            })?;
        Ok(Self {
            mesh,
            grads: OnceLock::new(),
            volumes,
        })
    }

    /// All cells' barycentric gradients, computed once.
    fn all_gradients(&self) -> &[f64] {
        self.grads.get_or_init(|| {
            let d = self.mesh.dim();
            let per = (d + 1) * d;
            let mut grads = vec![0.0; self.mesh.n_cells() * per];
            grads.par_chunks_mut(per).enumerate().for_each(|(c, g)| {
                let mut v = 0.0;
                // cells were validated in `new`
                let _ = cell_geometry(self.mesh, c, g, &mut v);
            });
            grads
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
        &self.all_gradients()[c * per..(c + 1) * per]
    }

    /// The volume of cell `c`.
    pub fn volume(&self, c: usize) -> f64 {
        self.volumes[c]
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
        Ok(assemble_rows(self.mesh, per, |r, corners, table| {
            if corners.is_empty() {
                table.add(r, 0.0); // an isolated vertex keeps its diagonal
            }
            for &p in corners {
                let (c, i) = (p / per, p % per);
                for (j, &cj) in cells[c * per..(c + 1) * per].iter().enumerate() {
                    table.add(cj, entry(c, i, j));
                }
            }
        }))
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
            return self.assemble_zero_row_sum(&self.volumes);
        };
        let scale: Vec<f64> = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| {
                let s: f64 = (0..rule.len())
                    .map(|q| rule.weights[q] * k(&self.map(c, rule.point(q))[..d]))
                    .sum();
                s * self.volumes[c] * factorial(d)
            })
            .collect();
        self.assemble_zero_row_sum(&scale)
    }

    /// The stiffness-type matrix `A_rs = Σ_c scale_c ∇λ_i·∇λ_j` whose element
    /// matrices have zero row sums (`Σ_j ∇λ_j = 0`): a cell pass stores the
    /// off-diagonal products (computed from the coordinates, so no gradient array is
    /// read), and the row pass adds them, the diagonal being minus their sum.
    #[allow(clippy::needless_range_loop)] // (i, j) index the pair table symmetrically
    fn assemble_zero_row_sum(&self, scale: &[f64]) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let per = d + 1;
        let np = per * d / 2;
        let mut pair = [[0usize; 4]; 4];
        let mut k = 0;
        for i in 0..per {
            for j in i + 1..per {
                pair[i][j] = k;
                pair[j][i] = k;
                k += 1;
            }
        }
        let mut pairs = vec![0.0; self.mesh.n_cells() * np];
        const CELLS: usize = 4096;
        pairs
            .par_chunks_mut(np * CELLS)
            .enumerate()
            .for_each(|(b, out)| {
                let mut g = [0.0; 12];
                let mut v = 0.0;
                for (k, e) in out.chunks_exact_mut(np).enumerate() {
                    let c = b * CELLS + k;
                    let _ = cell_geometry(self.mesh, c, &mut g[..per * d], &mut v);
                    for i in 0..per {
                        for j in i + 1..per {
                            let dot: f64 = (0..d).map(|q| g[i * d + q] * g[j * d + q]).sum();
                            e[pair[i][j]] = scale[c] * dot;
                        }
                    }
                }
            });
        let cells = self.mesh.cells();
        Ok(assemble_rows(self.mesh, d, |r, corners, table| {
            let mut diag = 0.0;
            for &p in corners {
                let (c, i) = (p / per, p % per);
                let e = &pairs[c * np..(c + 1) * np];
                for (j, &cj) in cells[c * per..(c + 1) * per].iter().enumerate() {
                    if j != i {
                        let v = e[pair[i][j]];
                        table.add(cj, v);
                        diag -= v;
                    }
                }
            }
            table.add(r, diag);
        }))
    }

    /// The mass matrix `M_ij = ∫ φ_i φ_j = |T|(1 + δ_ij)/((d+1)(d+2))` per cell.
    pub fn mass(&self) -> Result<SparseRowMat<usize, f64>> {
        let d = self.mesh.dim();
        let denom = ((d + 1) * (d + 2)) as f64;
        self.assemble(|c, i, j| if i == j { 2.0 } else { 1.0 } * self.volumes[c] / denom)
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
    let det = match d {
        1 => m[0][0],
        2 => m[0][0] * m[1][1] - m[0][1] * m[1][0],
        _ => {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
    };
    // either orientation is fine (the gradients use the signed determinant)
    if !det.is_finite() || det == 0.0 {
        return Err(FemError::Mesh(format!(
            "cell {c} is degenerate (Jacobian determinant {det:e})"
        )));
    }
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

/// The vertex-to-cell adjacency as CSR `(offsets, corners)`: the corners of vertex
/// `v` are the positions `c·(d+1) + i` in the flat cell array where it appears.
fn vertex_corners(mesh: &Mesh) -> (Vec<usize>, Vec<usize>) {
    let cells = mesh.cells();
    let n = mesh.n_vertices();
    let mut off = vec![0usize; n + 1];
    for &v in cells {
        off[v + 1] += 1;
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    let mut fill = off[..n].to_vec();
    let mut corners = vec![0usize; cells.len()];
    for (p, &v) in cells.iter().enumerate() {
        corners[fill[v]] = p;
        fill[v] += 1;
    }
    (off, corners)
}

/// The vertex-graph matrix of `mesh` assembled row by row in parallel blocks:
/// `fill(r, corners, table)` adds row `r`'s entries (columns and values) to the
/// table, given the row's corners (positions `c·(d+1) + i` in the flat cell
/// array); `per_corner` bounds the additions per corner (for sizing the table).
fn assemble_rows(
    mesh: &Mesh,
    per_corner: usize,
    fill: impl Fn(usize, &[usize], &mut RowTable) + Sync,
) -> SparseRowMat<usize, f64> {
    let n = mesh.n_vertices();
    let (adj_off, adj) = vertex_corners(mesh);
    let blocks: Vec<(Vec<usize>, Vec<usize>, Vec<f64>)> = (0..n.div_ceil(ROW_BLOCK))
        .into_par_iter()
        .map(|b| {
            let mut table = RowTable::new();
            let mut lens = Vec::with_capacity(ROW_BLOCK);
            let mut cols = Vec::with_capacity(ROW_BLOCK * 16);
            let mut vals = Vec::with_capacity(ROW_BLOCK * 16);
            for r in b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n) {
                let corners = &adj[adj_off[r]..adj_off[r + 1]];
                table.reset(corners.len() * per_corner + 1);
                fill(r, corners, &mut table);
                lens.push(table.drain_sorted(&mut cols, &mut vals));
            }
            (lens, cols, vals)
        })
        .collect();
    csr_from_blocks(n, blocks)
}

/// An `n × n` CSR matrix from consecutive row blocks `(row lengths, columns,
/// values)`.
fn csr_from_blocks(
    n: usize,
    blocks: Vec<(Vec<usize>, Vec<usize>, Vec<f64>)>,
) -> SparseRowMat<usize, f64> {
    let mut row_ptr = Vec::with_capacity(n + 1);
    row_ptr.push(0);
    for (lens, _, _) in &blocks {
        for l in lens {
            row_ptr.push(row_ptr[row_ptr.len() - 1] + l);
        }
    }
    let total = row_ptr[n];
    let mut col_idx = vec![0usize; total];
    let mut vals = vec![0.0; total];
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
            c.copy_from_slice(cols);
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
    fn drain_sorted(&mut self, cols: &mut Vec<usize>, vals: &mut Vec<f64>) -> usize {
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
            cols.push(keys[s]);
            vals.push(self.vals[s]);
        }
        self.used.len()
    }
}
