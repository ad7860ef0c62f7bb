//! Geometric multigrid for P1 systems on nested uniform refinements: a symmetric
//! V-cycle (damped-Jacobi smoothing, Galerkin coarse operators `PᵀAP`, dense
//! Cholesky on the coarsest level), usable as the preconditioner of CG.

use faer::sparse::{SparseRowMat, Triplet};
use nalgebra::{DMatrix, DVector};
use noether_mesh::Mesh;
use noether_mesh::refine::refine_uniform;

use crate::dirichlet::boundary_vertices;
use crate::error::{FemError, Result, invalid};

/// Smoothing parameters of the V-cycle.
#[derive(Debug, Clone, Copy)]
pub struct MultigridOptions {
    /// Damped-Jacobi sweeps before and after the coarse correction.
    pub sweeps: usize,
    /// Jacobi damping ω.
    pub omega: f64,
}

impl Default for MultigridOptions {
    fn default() -> Self {
        Self {
            sweeps: 2,
            omega: 0.7,
        }
    }
}

/// A mesh refined uniformly `levels` times, with the P1 prolongations between
/// consecutive levels (finest first) and each level's boundary vertices.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    /// Meshes, finest first.
    pub meshes: Vec<Mesh>,
    /// `prolongations[l]` maps level `l + 1` (coarser) to level `l`.
    pub prolongations: Vec<SparseRowMat<usize, f64>>,
}

impl Hierarchy {
    /// Refines `coarse` `levels` times; each fine vertex interpolates its two coarse
    /// parents (P1 prolongation).
    pub fn uniform(coarse: &Mesh, levels: usize) -> Result<Self> {
        let mut meshes = vec![coarse.clone()];
        let mut prolongations = Vec::new();
        for _ in 0..levels {
            let Some(last) = meshes.last() else {
                break;
            };
            let r = refine_uniform(last)?;
            let nc = last.n_vertices();
            let t: Vec<Triplet<usize, usize, f64>> = r
                .vertex_parents
                .iter()
                .enumerate()
                .flat_map(|(i, &[a, b])| {
                    if a == b {
                        vec![Triplet::new(i, a, 1.0)]
                    } else {
                        vec![Triplet::new(i, a, 0.5), Triplet::new(i, b, 0.5)]
                    }
                })
                .collect();
            let p = SparseRowMat::try_new_from_triplets(r.mesh.n_vertices(), nc, &t)
                .map_err(|e| FemError::Solver(format!("{e:?}")))?;
            prolongations.push(p);
            meshes.push(r.mesh);
        }
        meshes.reverse();
        prolongations.reverse();
        Ok(Self {
            meshes,
            prolongations,
        })
    }

    /// The finest mesh.
    pub fn finest(&self) -> &Mesh {
        &self.meshes[0]
    }
}

struct Level {
    a: SparseRowMat<usize, f64>,
    inv_diag: Vec<f64>,
}

/// The V-cycle preconditioner.
pub struct Multigrid {
    levels: Vec<Level>,
    /// Prolongations with Dirichlet rows and columns removed.
    p: Vec<SparseRowMat<usize, f64>>,
    pt: Vec<SparseRowMat<usize, f64>>,
    coarse: nalgebra::Cholesky<f64, nalgebra::Dyn>,
    opts: MultigridOptions,
}

/// `y ← A x` for a CSR matrix.
fn spmv(a: &SparseRowMat<usize, f64>, x: &[f64], y: &mut [f64]) {
    let sym = a.symbolic();
    let (cols, vals) = (sym.col_idx(), a.val());
    for (r, yr) in y.iter_mut().enumerate() {
        let range = sym.row_range(r);
        *yr = cols[range.clone()]
            .iter()
            .zip(&vals[range])
            .map(|(&c, v)| v * x[c])
            .sum();
    }
}

fn transpose(m: &SparseRowMat<usize, f64>) -> Result<SparseRowMat<usize, f64>> {
    let sym = m.symbolic();
    let mut t = Vec::with_capacity(m.val().len());
    for r in 0..m.symbolic().nrows() {
        let range = sym.row_range(r);
        for (k, &c) in sym.col_idx()[range.clone()].iter().enumerate() {
            t.push(Triplet::new(c, r, m.val()[range.start + k]));
        }
    }
    SparseRowMat::try_new_from_triplets(m.symbolic().ncols(), m.symbolic().nrows(), &t)
        .map_err(|e| FemError::Solver(format!("{e:?}")))
}

/// Drops the entries of `p` in rows or columns of fixed (Dirichlet) vertices.
fn mask(
    p: &SparseRowMat<usize, f64>,
    fine_fixed: &[bool],
    coarse_fixed: &[bool],
) -> Result<SparseRowMat<usize, f64>> {
    let sym = p.symbolic();
    let mut t = Vec::new();
    for (r, &fixed) in fine_fixed.iter().enumerate().take(p.symbolic().nrows()) {
        if fixed {
            continue;
        }
        let range = sym.row_range(r);
        for (k, &c) in sym.col_idx()[range.clone()].iter().enumerate() {
            if !coarse_fixed[c] {
                t.push(Triplet::new(r, c, p.val()[range.start + k]));
            }
        }
    }
    SparseRowMat::try_new_from_triplets(p.symbolic().nrows(), p.symbolic().ncols(), &t)
        .map_err(|e| FemError::Solver(format!("{e:?}")))
}

fn level(a: SparseRowMat<usize, f64>) -> Result<Level> {
    let sym = a.symbolic();
    let mut inv_diag = vec![0.0; a.symbolic().nrows()];
    for (r, d) in inv_diag.iter_mut().enumerate() {
        let range = sym.row_range(r);
        let diag = sym.col_idx()[range.clone()]
            .iter()
            .position(|&c| c == r)
            .map(|k| a.val()[range.start + k])
            .unwrap_or(0.0);
        if diag.is_nan() || diag <= 0.0 {
            return Err(invalid(
                "matrix",
                format!("diagonal {diag} in row {r}"),
                "needs a positive diagonal",
            ));
        }
        *d = 1.0 / diag;
    }
    Ok(Level { a, inv_diag })
}

impl Multigrid {
    /// The V-cycle for the fine matrix `a` (with Dirichlet rows lifted to identity
    /// rows, as [`crate::dirichlet::apply_dirichlet`] makes them) on `hierarchy`,
    /// whose boundary vertices are the Dirichlet ones on every level.
    pub fn new(
        a: &SparseRowMat<usize, f64>,
        hierarchy: &Hierarchy,
        opts: MultigridOptions,
    ) -> Result<Self> {
        if a.symbolic().nrows() != hierarchy.finest().n_vertices() {
            return Err(invalid(
                "matrix",
                a.symbolic().nrows(),
                "must match the finest mesh's vertices",
            ));
        }
        let fixed: Vec<Vec<bool>> = hierarchy
            .meshes
            .iter()
            .map(|m| {
                let mut f = vec![false; m.n_vertices()];
                for v in boundary_vertices(m, &[])? {
                    f[v] = true;
                }
                Ok(f)
            })
            .collect::<Result<_>>()?;
        let mut levels = vec![level(a.clone())?];
        let (mut p, mut pt) = (Vec::new(), Vec::new());
        for (l, pl) in hierarchy.prolongations.iter().enumerate() {
            let pm = mask(pl, &fixed[l], &fixed[l + 1])?;
            let ptm = transpose(&pm)?;
            let fine = &levels[l].a;
            let ac = &(&ptm * fine) * &pm;
            // identity rows for the coarse Dirichlet vertices
            let mut t = Vec::new();
            let sym = ac.symbolic();
            for (r, &is_fixed) in fixed[l + 1].iter().enumerate().take(sym.nrows()) {
                let range = sym.row_range(r);
                for (k, &c) in sym.col_idx()[range.clone()].iter().enumerate() {
                    t.push(Triplet::new(r, c, ac.val()[range.start + k]));
                }
                if is_fixed {
                    t.push(Triplet::new(r, r, 1.0));
                }
            }
            let ac = SparseRowMat::try_new_from_triplets(
                ac.symbolic().nrows(),
                ac.symbolic().ncols(),
                &t,
            )
            .map_err(|e| FemError::Solver(format!("{e:?}")))?;
            levels.push(level(ac)?);
            p.push(pm);
            pt.push(ptm);
        }
        let Some(last) = levels.last() else {
            return Err(invalid("hierarchy", 0, "needs a level"));
        };
        let dense = last.a.to_dense();
        let n = dense.nrows();
        let dm = DMatrix::from_fn(n, n, |i, j| dense[(i, j)]);
        let coarse = dm
            .cholesky()
            .ok_or_else(|| FemError::Solver("coarsest matrix is not SPD".into()))?;
        Ok(Self {
            levels,
            p,
            pt,
            coarse,
            opts,
        })
    }

    /// Number of levels.
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    fn smooth(&self, l: usize, b: &[f64], x: &mut [f64], r: &mut [f64]) {
        let lv = &self.levels[l];
        for _ in 0..self.opts.sweeps {
            spmv(&lv.a, x, r);
            for i in 0..x.len() {
                x[i] += self.opts.omega * lv.inv_diag[i] * (b[i] - r[i]);
            }
        }
    }

    fn vcycle(&self, l: usize, b: &[f64]) -> Vec<f64> {
        if l + 1 == self.levels.len() {
            let x = self.coarse.solve(&DVector::from_column_slice(b));
            return x.as_slice().to_vec();
        }
        let n = b.len();
        let mut x = vec![0.0; n];
        let mut r = vec![0.0; n];
        self.smooth(l, b, &mut x, &mut r);
        spmv(&self.levels[l].a, &x, &mut r);
        for (ri, bi) in r.iter_mut().zip(b) {
            *ri = bi - *ri;
        }
        let mut rc = vec![0.0; self.levels[l + 1].a.symbolic().nrows()];
        spmv(&self.pt[l], &r, &mut rc);
        let ec = self.vcycle(l + 1, &rc);
        let mut e = vec![0.0; n];
        spmv(&self.p[l], &ec, &mut e);
        for (xi, ei) in x.iter_mut().zip(&e) {
            *xi += ei;
        }
        self.smooth(l, b, &mut x, &mut r);
        x
    }
}

impl noether_core::LinearOperator<Vec<f64>> for Multigrid {
    fn nrows(&self) -> usize {
        self.levels[0].a.symbolic().nrows()
    }
    fn ncols(&self) -> usize {
        self.levels[0].a.symbolic().nrows()
    }
    fn apply(&self, x: &Vec<f64>, y: &mut Vec<f64>) {
        let v = self.vcycle(0, x);
        y.copy_from_slice(&v);
    }
}
