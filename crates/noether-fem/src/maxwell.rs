//! The Maxwell eigenproblem in a perfectly conducting cavity: find `E ≠ 0`, `λ` with
//! `curl curl E = λ E` in `Ω`, `E × n = 0` on `∂Ω`. In the square `[0, π]²` the
//! eigenvalues are `m² + n²` (m, n ≥ 0, not both 0): 1, 1, 2, 4, 4, 5, 5, 8, 9, 9, …
//! (Boffi, *Acta Numerica* 2010, §3).
//!
//! Nédélec elements discretise it without spurious modes: the discrete kernel is
//! exactly the gradients of the Lagrange space (the de Rham complex), removed here by
//! an M-orthogonal projection, and the rest of the spectrum converges as `O(h^{2k})`.
//! Nodal vector Lagrange elements do not: their kernel is not the gradient space and
//! the computed spectrum contains eigenvalues that belong to no mode
//! ([`nodal_cavity_spectrum`]).

use faer::sparse::SparseRowMat;
use nalgebra::DMatrix;
use noether_mesh::Mesh;

use crate::assemble::{Term, bilinear};
use crate::derham::derivative_matrix;
use crate::direct::{SparseCholesky, submatrix, transpose};
use crate::eigen::{EigenOptions, EigenPairs, apply, generalized_dense, lowest_eigenpairs};
use crate::element::Element;
use crate::error::{Result, invalid};
use crate::space::{FunctionSpace, Op};

/// The exact cavity eigenvalues `m² + n²` of `[0, π]²`, ascending with multiplicity,
/// the first `count`.
pub fn square_cavity_exact(count: usize) -> Vec<f64> {
    let mut out = Vec::new();
    let r = (count as f64).sqrt() as usize + 3;
    for m in 0..=r {
        for n in 0..=r {
            if m + n > 0 {
                out.push((m * m + n * n) as f64);
            }
        }
    }
    out.sort_by(f64::total_cmp);
    out.truncate(count);
    out
}

fn complement(n: usize, fixed: &[usize]) -> Vec<usize> {
    let mut is_fixed = vec![false; n];
    for &i in fixed {
        is_fixed[i] = true;
    }
    (0..n).filter(|&i| !is_fixed[i]).collect()
}

/// The `nev` lowest non-zero cavity eigenpairs of `mesh` with first-kind Nédélec
/// elements of superdegree `degree`, perfectly conducting walls on the whole
/// boundary. The gradients of the Lagrange space of the same degree (the exact
/// discrete kernel) are projected out M-orthogonally at every iteration of
/// [`lowest_eigenpairs`]. Eigenvectors are on the interior degrees of freedom.
pub fn cavity_eigenpairs(mesh: &Mesh, degree: usize, nev: usize) -> Result<EigenPairs> {
    let d = mesh.dim();
    let ned = FunctionSpace::new(mesh, Element::nedelec(d, degree)?)?;
    let lag =
        FunctionSpace::with_topology(mesh, ned.topology().clone(), Element::lagrange(d, degree)?)?;
    let k_full = bilinear(&ned, &ned, &[Term::new(Op::Curl, Op::Curl)])?;
    let m_full = bilinear(&ned, &ned, &[Term::new(Op::Value, Op::Value)])?;
    let free = complement(ned.ndofs(), &ned.boundary_dofs(&[])?);
    let interior = complement(lag.ndofs(), &lag.boundary_dofs(&[])?);
    if free.is_empty() || interior.is_empty() {
        return Err(invalid(
            "mesh",
            mesh.n_cells(),
            "too coarse: no interior degrees of freedom",
        ));
    }
    let k = submatrix(&k_full, &free, &free)?;
    let m = submatrix(&m_full, &free, &free)?;
    // G: interior Lagrange → interior Nédélec; L = Gᵀ M G (SPD)
    let g = submatrix(&derivative_matrix(&lag, &ned, Op::Grad)?, &free, &interior)?;
    let gt = transpose(&g)?;
    let mg = &m * &g;
    let l = &gt * &mg;
    let l_chol = SparseCholesky::new(&l)?;
    // P x = x − G L⁻¹ Gᵀ M x
    let project = |x: &mut [f64]| {
        let rhs = apply(&gt, &apply(&m, x));
        if let Ok(y) = l_chol.solve(&rhs) {
            let gy = apply(&g, &y);
            x.iter_mut().zip(&gy).for_each(|(a, b)| *a -= b);
        }
    };
    lowest_eigenpairs(
        &k,
        &m,
        &EigenOptions {
            nev,
            ..EigenOptions::default()
        },
        Some(&project),
    )
}

/// The whole spectrum (ascending) of the cavity problem discretised with continuous
/// vector P1 elements on an axis-aligned rectangle mesh, the tangential component set
/// to zero at boundary vertices: dense, for small meshes. It contains the spurious
/// eigenvalues that nodal elements produce.
pub fn nodal_cavity_spectrum(mesh: &Mesh) -> Result<Vec<f64>> {
    if mesh.dim() != 2 {
        return Err(invalid("mesh", mesh.dim(), "the nodal comparison is 2-D"));
    }
    let v = FunctionSpace::new(mesh, Element::vector_lagrange(2, 1)?)?;
    if v.ndofs() > 6000 {
        return Err(invalid(
            "mesh",
            v.ndofs(),
            "dense spectrum limited to 6000 dofs",
        ));
    }
    let k_full = bilinear(&v, &v, &[Term::new(Op::Curl, Op::Curl)])?;
    let m_full = bilinear(&v, &v, &[Term::new(Op::Value, Op::Value)])?;
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for x in mesh.coords().chunks_exact(2) {
        for k in 0..2 {
            lo[k] = lo[k].min(x[k]);
            hi[k] = hi[k].max(x[k]);
        }
    }
    let tol = 1e-10 * (hi[0] - lo[0]).max(hi[1] - lo[1]);
    let mut fixed = Vec::new();
    for vert in 0..mesh.n_vertices() {
        let x = mesh.vertex(vert);
        // dofs of vertex `vert`: component c at 2·vert + c (vertex entities first)
        if (x[0] - lo[0]).abs() < tol || (x[0] - hi[0]).abs() < tol {
            fixed.push(2 * vert + 1);
        }
        if (x[1] - lo[1]).abs() < tol || (x[1] - hi[1]).abs() < tol {
            fixed.push(2 * vert);
        }
    }
    fixed.sort_unstable();
    fixed.dedup();
    let free = complement(v.ndofs(), &fixed);
    let dense = |a: &SparseRowMat<usize, f64>| -> Result<DMatrix<f64>> {
        let s = submatrix(a, &free, &free)?;
        let mut out = DMatrix::zeros(free.len(), free.len());
        let sym = s.symbolic();
        for r in 0..s.nrows() {
            let range = sym.row_range(r);
            for (&c, &val) in sym.col_idx()[range.clone()].iter().zip(&s.val()[range]) {
                out[(r, c)] = val;
            }
        }
        Ok(out)
    };
    let (vals, _) = generalized_dense(&dense(&k_full)?, &dense(&m_full)?)?;
    Ok(vals)
}
