//! Geometric multigrid for P1 systems on nested uniform refinements: a symmetric
//! V-cycle (damped-Jacobi smoothing, Galerkin coarse operators `PᵀAP`, sparse
//! Cholesky on the coarsest level), usable as the preconditioner of CG.

use faer::sparse::{SparseRowMat, Triplet};
use noether_mesh::Mesh;
use noether_mesh::refine::refine_uniform;

use crate::direct::SparseCholesky;
use crate::error::{FemError, Result, invalid, sparse};

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
                .map_err(sparse("prolongation"))?;
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
    coarse: SparseCholesky,
    opts: MultigridOptions,
}

/// The stored entries `(row, column, value)` of a CSR matrix.
fn entries(m: &SparseRowMat<usize, f64>) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
    let sym = m.symbolic();
    (0..sym.nrows()).flat_map(move |r| {
        let range = sym.row_range(r);
        sym.col_idx()[range.clone()]
            .iter()
            .zip(&m.val()[range])
            .map(move |(&c, &v)| (r, c, v))
    })
}

/// A CSR matrix from entries (duplicates summed).
fn from_entries(
    nrows: usize,
    ncols: usize,
    entries: impl Iterator<Item = (usize, usize, f64)>,
) -> Result<SparseRowMat<usize, f64>> {
    let t: Vec<Triplet<usize, usize, f64>> =
        entries.map(|(r, c, v)| Triplet::new(r, c, v)).collect();
    SparseRowMat::try_new_from_triplets(nrows, ncols, &t).map_err(sparse("multigrid operator"))
}

/// `y ← A x` through noether-core's CSR operator.
fn apply(a: &SparseRowMat<usize, f64>, x: &Vec<f64>, y: &mut Vec<f64>) {
    noether_core::LinearOperator::<Vec<f64>>::apply(a, x, y);
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
    /// The V-cycle for the fine matrix `a` on `hierarchy`, with the Dirichlet
    /// degrees of freedom `dirichlet` of the finest level (their rows lifted to
    /// identity rows, as [`crate::dirichlet::apply_dirichlet`] makes them). A coarse
    /// vertex is Dirichlet when its copy on the finer level is, so the boundary
    /// conditions are inherited down the hierarchy without recomputing any topology.
    pub fn new(
        a: &SparseRowMat<usize, f64>,
        hierarchy: &Hierarchy,
        dirichlet: &[usize],
        opts: MultigridOptions,
    ) -> Result<Self> {
        let n = a.symbolic().nrows();
        if n != hierarchy.finest().n_vertices() {
            return Err(invalid(
                "matrix",
                n,
                "must match the finest mesh's vertices",
            ));
        }
        let mut finest = vec![false; n];
        for &d in dirichlet {
            *finest
                .get_mut(d)
                .ok_or_else(|| invalid("dirichlet dof", d, "out of range"))? = true;
        }
        let mut fixed = vec![finest];
        for pl in &hierarchy.prolongations {
            // a coarse vertex's copy is the fine row with the single entry 1
            let sym = pl.symbolic();
            let fine = &fixed[fixed.len() - 1];
            let mut coarse = vec![false; sym.ncols()];
            for (r, &f) in fine.iter().enumerate() {
                let range = sym.row_range(r);
                if range.len() == 1 && pl.val()[range.start] == 1.0 {
                    coarse[sym.col_idx()[range.start]] = f;
                }
            }
            fixed.push(coarse);
        }
        let mut levels = vec![level(a.clone())?];
        let (mut p, mut pt) = (Vec::new(), Vec::new());
        for (l, pl) in hierarchy.prolongations.iter().enumerate() {
            // P without the rows and columns of Dirichlet vertices, and Pᵀ
            let (fine_fixed, coarse_fixed) = (&fixed[l], &fixed[l + 1]);
            let (nf, nc) = (pl.symbolic().nrows(), pl.symbolic().ncols());
            let pm = from_entries(
                nf,
                nc,
                entries(pl).filter(|&(r, c, _)| !fine_fixed[r] && !coarse_fixed[c]),
            )?;
            let ptm = from_entries(nc, nf, entries(&pm).map(|(r, c, v)| (c, r, v)))?;
            let fine = &levels[l].a;
            let ac = &(&ptm * fine) * &pm;
            // identity rows for the coarse Dirichlet vertices
            let identity = (0..nc).filter(|&r| coarse_fixed[r]).map(|r| (r, r, 1.0));
            let ac = from_entries(nc, nc, entries(&ac).chain(identity))?;
            levels.push(level(ac)?);
            p.push(pm);
            pt.push(ptm);
        }
        let Some(last) = levels.last() else {
            return Err(invalid("hierarchy", 0, "needs a level"));
        };
        let coarse = SparseCholesky::new(&last.a)
            .map_err(|e| FemError::Solver(format!("coarsest level: {e}")))?;
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

    #[allow(clippy::ptr_arg)] // the core operator works on Vec<f64>
    fn smooth(&self, l: usize, b: &[f64], x: &mut Vec<f64>, r: &mut Vec<f64>) {
        let lv = &self.levels[l];
        for _ in 0..self.opts.sweeps {
            apply(&lv.a, x, r);
            for i in 0..x.len() {
                x[i] += self.opts.omega * lv.inv_diag[i] * (b[i] - r[i]);
            }
        }
    }

    fn vcycle(&self, l: usize, b: &[f64]) -> Vec<f64> {
        if l + 1 == self.levels.len() {
            // the coarsest matrix was factorised in `new`; a failure here is a
            // non-finite residual, passed on as NaN for CG to report
            return self
                .coarse
                .solve(b)
                .unwrap_or_else(|_| vec![f64::NAN; b.len()]);
        }
        let n = b.len();
        let mut x = vec![0.0; n];
        let mut r = vec![0.0; n];
        self.smooth(l, b, &mut x, &mut r);
        apply(&self.levels[l].a, &x, &mut r);
        for (ri, bi) in r.iter_mut().zip(b) {
            *ri = bi - *ri;
        }
        let mut rc = vec![0.0; self.levels[l + 1].a.symbolic().nrows()];
        apply(&self.pt[l], &r, &mut rc);
        let ec = self.vcycle(l + 1, &rc);
        let mut e = vec![0.0; n];
        apply(&self.p[l], &ec, &mut e);
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
