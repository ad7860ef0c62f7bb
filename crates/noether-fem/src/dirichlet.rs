//! Dirichlet conditions imposed exactly by lifting, keeping the system symmetric, and
//! the CG solve of the resulting SPD system.

use faer::sparse::SparseRowMat;
use noether_core::krylov::{KrylovOptions, cg};
use noether_core::precond::Jacobi;
use noether_mesh::{Mesh, Topology};

use crate::error::{FemError, Result, invalid, sparse};

/// The vertices on boundary facets whose marker is in `markers` (all boundary facets
/// when `markers` is empty), ascending.
pub fn boundary_vertices(mesh: &Mesh, markers: &[i32]) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    if markers.is_empty() {
        let topo = Topology::new(mesh)?;
        for f in topo.boundary_facets() {
            out.extend(topo.facet_vertices(f));
        }
    } else {
        let d = mesh.dim();
        for (f, m) in mesh
            .tagged_facets()
            .chunks_exact(d)
            .zip(mesh.facet_markers())
        {
            if markers.contains(m) {
                out.extend_from_slice(f);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Imposes `u_i = g_i` for `i ∈ dofs` on `A u = b` by lifting: `b ← b − A_{:,D} g`,
/// rows and columns of `D` replaced by the identity, `b_D = g`. The result is
/// symmetric when `A` is, and its solution takes the boundary values exactly.
pub fn apply_dirichlet(
    a: &SparseRowMat<usize, f64>,
    b: &mut [f64],
    dofs: &[usize],
    values: &[f64],
) -> Result<SparseRowMat<usize, f64>> {
    let n = a.nrows();
    if b.len() != n || dofs.len() != values.len() {
        return Err(invalid(
            "dirichlet",
            format!(
                "{} dofs, {} values, b of {}",
                dofs.len(),
                values.len(),
                b.len()
            ),
            "lengths must match",
        ));
    }
    if let Some(&d) = dofs.iter().find(|&&d| d >= n) {
        return Err(invalid("dof", d, "out of range"));
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(FemError::NonFinite {
            what: "boundary value",
            at: vec![*v],
        });
    }
    let mut fixed = vec![None; n];
    for (&d, &g) in dofs.iter().zip(values) {
        fixed[d] = Some(g);
    }
    // same pattern: Dirichlet rows and columns zeroed in place, unit diagonal
    let sym = a.symbolic();
    let mut vals = a.val().to_vec();
    for r in 0..n {
        let range = sym.row_range(r);
        for (k, &c) in sym.col_idx()[range.clone()].iter().enumerate() {
            let v = &mut vals[range.start + k];
            match (fixed[r], fixed[c]) {
                (None, None) => {}
                (None, Some(g)) => {
                    b[r] -= *v * g;
                    *v = 0.0;
                }
                (Some(_), _) => *v = if r == c { 1.0 } else { 0.0 },
            }
        }
    }
    for (&d, &g) in dofs.iter().zip(values) {
        let range = sym.row_range(d);
        if !sym.col_idx()[range].contains(&d) {
            return Err(invalid("matrix", d, "Dirichlet row has no diagonal entry"));
        }
        b[d] = g;
    }
    Ok(SparseRowMat::new(
        sym.to_owned()
            .map_err(|e| sparse("Dirichlet matrix")(e.into()))?,
        vals,
    ))
}

/// Solves the SPD system `A u = b` by Jacobi-preconditioned CG to relative residual
/// `rtol`; returns the solution and the number of iterations.
pub fn solve_cg(a: &SparseRowMat<usize, f64>, b: &[f64], rtol: f64) -> Result<(Vec<f64>, usize)> {
    let opts = KrylovOptions {
        rtol,
        max_iters: 20 * b.len().max(100),
        ..KrylovOptions::default()
    };
    solve_cg_with(a, b, &opts)
}

/// [`solve_cg`] with the caller's stopping criteria and iteration cap.
///
/// Errors: the solver's own as [`FemError::Core`] (so `CoreError::NotConverged`
/// can be matched when the cap is reached), a matrix Jacobi cannot use.
pub fn solve_cg_with(
    a: &SparseRowMat<usize, f64>,
    b: &[f64],
    opts: &KrylovOptions,
) -> Result<(Vec<f64>, usize)> {
    let pre = Jacobi::<Vec<f64>>::from_csr(a)?;
    let mut u = vec![0.0; b.len()];
    let report = cg(a, &b.to_vec(), &mut u, Some(&pre), opts)?;
    Ok((u, report.iterations))
}

/// Solves `A u = b` with `u_i = g_i` on `dofs`: lifting ([`apply_dirichlet`]), CG
/// ([`solve_cg`]) on the symmetric system, and the boundary values written back
/// exactly (CG leaves the decoupled identity rows only accurate to `rtol`).
pub fn solve_dirichlet(
    a: &SparseRowMat<usize, f64>,
    b: &[f64],
    dofs: &[usize],
    values: &[f64],
    rtol: f64,
) -> Result<(Vec<f64>, usize)> {
    let mut rhs = b.to_vec();
    let lifted = apply_dirichlet(a, &mut rhs, dofs, values)?;
    let (mut u, iters) = solve_cg(&lifted, &rhs, rtol)?;
    for (&d, &g) in dofs.iter().zip(values) {
        u[d] = g;
    }
    Ok((u, iters))
}
