//! Assembly of bilinear and linear forms on [`FunctionSpace`]s, cell by cell in
//! parallel (rayon) into faer CSR matrices: mass, stiffness, curl–curl, div–div,
//! mixed blocks, variable coefficients, and boundary (Neumann and Robin) terms.
//!
//! ```
//! use noether_fem::assemble::{bilinear, Term};
//! use noether_fem::element::Element;
//! use noether_fem::space::{FunctionSpace, Op};
//! use noether_mesh::generate::{unit_square, Diagonal};
//! let mesh = unit_square(6, 6, Diagonal::Alternating).unwrap();
//! let rt = FunctionSpace::new(&mesh, Element::raviart_thomas(2, 1).unwrap()).unwrap();
//! let dg = FunctionSpace::new(&mesh, Element::discontinuous(2, 0).unwrap()).unwrap();
//! // the mixed block (div σ, q): one row per cell
//! let b = bilinear(&dg, &rt, &[Term::new(Op::Value, Op::Div)]).unwrap();
//! assert_eq!((b.nrows(), b.ncols()), (dg.ndofs(), rt.ndofs()));
//! ```

use faer::sparse::{SparseRowMat, Triplet};
use noether_mesh::topology::local_faces;
use rayon::prelude::*;

use crate::error::{FemError, Result, invalid};
use crate::p1::ScalarFn;
use crate::quadrature::simplex_rule;
use crate::space::{FunctionSpace, Op, VectorFn};

/// One term `∫ c(x) · op_test(v) · op_trial(u) dx` of a bilinear form.
#[derive(Clone, Copy)]
pub struct Term<'a> {
    /// What of the test function.
    pub test: Op,
    /// What of the trial function.
    pub trial: Op,
    /// Optional scalar coefficient.
    pub coefficient: Option<ScalarFn<'a>>,
}

impl<'a> Term<'a> {
    /// `∫ op_test(v) · op_trial(u)`.
    pub fn new(test: Op, trial: Op) -> Self {
        Self {
            test,
            trial,
            coefficient: None,
        }
    }

    /// The same term weighted by `c(x)`.
    pub fn with_coefficient(mut self, c: ScalarFn<'a>) -> Self {
        self.coefficient = Some(c);
        self
    }
}

impl std::fmt::Debug for Term<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Term")
            .field("test", &self.test)
            .field("trial", &self.trial)
            .field("coefficient", &self.coefficient.is_some())
            .finish()
    }
}

/// Assembles `A_ij = Σ_terms ∫ c · op_test(φ_i) · op_trial(ψ_j)` with rows from
/// `test` and columns from `trial` (both on the same mesh). The quadrature is exact
/// for constant coefficients (degree `p_test + p_trial`, plus 2 with a coefficient).
/// Fails when an operator is not defined for an element, the two operators have
/// different sizes, or a coefficient is not finite.
pub fn bilinear(
    test: &FunctionSpace,
    trial: &FunctionSpace,
    terms: &[Term],
) -> Result<SparseRowMat<usize, f64>> {
    let kernel = LocalKernel::new(test, trial, terms)?;
    let (nv, nu) = (kernel.nv, kernel.nu);
    let nc = test.mesh().n_cells();
    let chunk = (nc / (4 * rayon::current_num_threads()).max(1)).clamp(64, 4096);
    let triplets: Vec<Vec<Triplet<usize, usize, f64>>> = (0..nc)
        .into_par_iter()
        .chunks(chunk)
        .map(|cells| {
            let mut out = Vec::with_capacity(cells.len() * nv * nu);
            let mut scratch = kernel.scratch();
            for c in cells {
                kernel.compute(c, &mut scratch)?;
                let (rows, cols) = (test.cell_dofs(c), trial.cell_dofs(c));
                for (&r, row) in rows.iter().zip(scratch.local.chunks_exact(nu)) {
                    for (&col, &v) in cols.iter().zip(row) {
                        out.push(Triplet::new(r, col, v));
                    }
                }
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let all: Vec<Triplet<usize, usize, f64>> = triplets.into_iter().flatten().collect();
    SparseRowMat::try_new_from_triplets(test.ndofs(), trial.ndofs(), &all)
        .map_err(crate::error::sparse("sparse assembly"))
}

/// The element matrices of a bilinear form: the validated terms, the quadrature and
/// the reference tabulations, shared by assembly and the matrix-free operator.
struct LocalKernel<'s, 'm, 't> {
    test: &'s FunctionSpace<'m>,
    trial: &'s FunctionSpace<'m>,
    terms: &'s [Term<'t>],
    sizes: Vec<usize>,
    rule: crate::quadrature::QuadratureRule,
    tab_v: crate::element::Tabulation,
    tab_u: crate::element::Tabulation,
    nv: usize,
    nu: usize,
}

/// Per-thread buffers of [`LocalKernel::compute`].
struct KernelScratch {
    local: Vec<f64>,
    bv: Vec<f64>,
    bu: Vec<f64>,
}

impl<'s, 'm, 't> LocalKernel<'s, 'm, 't> {
    fn new(
        test: &'s FunctionSpace<'m>,
        trial: &'s FunctionSpace<'m>,
        terms: &'s [Term<'t>],
    ) -> Result<Self> {
        same_mesh(test, trial)?;
        let mut sizes = Vec::new();
        for t in terms {
            let (a, b) = (test.op_dim(t.test)?, trial.op_dim(t.trial)?);
            if a != b {
                return Err(invalid(
                    "term",
                    format!("{t:?}"),
                    "operators of different sizes",
                ));
            }
            sizes.push(a);
        }
        let extra = if terms.iter().any(|t| t.coefficient.is_some()) {
            2
        } else {
            0
        };
        let rule = simplex_rule(
            test.dim(),
            test.element().degree() + trial.element().degree() + extra,
        )?;
        let tab_v = test.element().tabulate(&rule.points);
        let tab_u = trial.element().tabulate(&rule.points);
        Ok(Self {
            test,
            trial,
            terms,
            sizes,
            rule,
            tab_v,
            tab_u,
            nv: test.element().ndofs(),
            nu: trial.element().ndofs(),
        })
    }

    fn scratch(&self) -> KernelScratch {
        KernelScratch {
            local: vec![0.0; self.nv * self.nu],
            bv: vec![0.0; self.nv * 9],
            bu: vec![0.0; self.nu * 9],
        }
    }

    /// The element matrix of cell `c` into `s.local` (row-major, test × trial).
    fn compute(&self, c: usize, s: &mut KernelScratch) -> Result<()> {
        let d = self.test.dim();
        let (nv, nu) = (self.nv, self.nu);
        s.local.fill(0.0);
        let map = self.test.cell_map(c);
        for p in 0..self.rule.len() {
            let x = map.to_physical(self.rule.point(p), d);
            let w = self.rule.weights[p] * map.det.abs();
            for (t, &m) in self.terms.iter().zip(&self.sizes) {
                let coef = match t.coefficient {
                    Some(f) => {
                        let v = f(&x[..d]);
                        if !v.is_finite() {
                            return Err(FemError::NonFinite {
                                what: "coefficient",
                                at: x[..d].to_vec(),
                            });
                        }
                        v
                    }
                    None => 1.0,
                };
                self.test
                    .push_forward(map, t.test, &self.tab_v, p, &mut s.bv);
                self.trial
                    .push_forward(map, t.trial, &self.tab_u, p, &mut s.bu);
                let wc = w * coef;
                for i in 0..nv {
                    let vi = &s.bv[i * m..(i + 1) * m];
                    for j in 0..nu {
                        let uj = &s.bu[j * m..(j + 1) * m];
                        let dot: f64 = vi.iter().zip(uj).map(|(a, b)| a * b).sum();
                        s.local[i * nu + j] += wc * dot;
                    }
                }
            }
        }
        Ok(())
    }
}

/// A bilinear form applied without assembling it: `y = Σ_c P_cᵀ A_c P_c x`, every
/// element matrix recomputed on each application (memory O(dofs), not O(nonzeros)).
/// Implements [`noether_core::LinearOperator`], so the Krylov solvers take it
/// directly.
///
/// ```
/// use noether_core::LinearOperator;
/// use noether_fem::assemble::{bilinear, MatrixFree, Term};
/// use noether_fem::element::Element;
/// use noether_fem::space::{FunctionSpace, Op};
/// use noether_mesh::generate::{unit_square, Diagonal};
/// let mesh = unit_square(4, 4, Diagonal::Right).unwrap();
/// let v = FunctionSpace::new(&mesh, Element::lagrange(2, 2).unwrap()).unwrap();
/// let terms = [Term::new(Op::Grad, Op::Grad)];
/// let op = MatrixFree::new(&v, &v, &terms).unwrap();
/// let a = bilinear(&v, &v, &terms).unwrap();
/// let x: Vec<f64> = (0..v.ndofs()).map(|i| (i as f64).sin()).collect();
/// let (mut y1, mut y2) = (vec![0.0; v.ndofs()], vec![0.0; v.ndofs()]);
/// op.apply(&x, &mut y1);
/// a.apply(&x, &mut y2);
/// assert!(y1.iter().zip(&y2).all(|(p, q)| (p - q).abs() < 1e-12));
/// ```
pub struct MatrixFree<'s, 'm, 't> {
    kernel: LocalKernel<'s, 'm, 't>,
}

impl<'s, 'm, 't> MatrixFree<'s, 'm, 't> {
    /// The operator of `terms` between `trial` (columns) and `test` (rows). Fails
    /// like [`bilinear`] on undefined or mismatched operators.
    pub fn new(
        test: &'s FunctionSpace<'m>,
        trial: &'s FunctionSpace<'m>,
        terms: &'s [Term<'t>],
    ) -> Result<Self> {
        Ok(Self {
            kernel: LocalKernel::new(test, trial, terms)?,
        })
    }
}

impl std::fmt::Debug for MatrixFree<'_, '_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixFree")
            .field("rows", &self.kernel.test.ndofs())
            .field("cols", &self.kernel.trial.ndofs())
            .field("terms", &self.kernel.terms)
            .finish()
    }
}

impl noether_core::LinearOperator<Vec<f64>> for MatrixFree<'_, '_, '_> {
    fn nrows(&self) -> usize {
        self.kernel.test.ndofs()
    }

    fn ncols(&self) -> usize {
        self.kernel.trial.ndofs()
    }

    /// A non-finite coefficient makes `y` NaN, which the Krylov solvers report.
    fn apply(&self, x: &Vec<f64>, y: &mut Vec<f64>) {
        let k = &self.kernel;
        let nc = k.test.mesh().n_cells();
        let chunk = (nc / (4 * rayon::current_num_threads()).max(1)).clamp(64, 4096);
        let parts: Vec<Vec<f64>> = (0..nc)
            .into_par_iter()
            .chunks(chunk)
            .map(|cells| {
                let mut part = vec![0.0; y.len()];
                let mut s = k.scratch();
                for c in cells {
                    if k.compute(c, &mut s).is_err() {
                        part.fill(f64::NAN);
                        return part;
                    }
                    let (rows, cols) = (k.test.cell_dofs(c), k.trial.cell_dofs(c));
                    for (i, &r) in rows.iter().enumerate() {
                        part[r] += (0..k.nu)
                            .map(|j| s.local[i * k.nu + j] * x[cols[j]])
                            .sum::<f64>();
                    }
                }
                part
            })
            .collect();
        y.fill(0.0);
        for part in parts {
            y.iter_mut().zip(&part).for_each(|(a, b)| *a += b);
        }
    }
}

/// Assembles `b_i = ∫ f · op(φ_i) dx` for `f` with `op_dim(op)` components, with a
/// quadrature of degree `p + 4`. Fails when `f` is not finite somewhere it is
/// evaluated.
pub fn linear(space: &FunctionSpace, op: Op, f: VectorFn) -> Result<Vec<f64>> {
    let d = space.dim();
    let m = space.op_dim(op)?;
    let rule = simplex_rule(d, space.element().degree() + 4)?;
    let tab = space.element().tabulate(&rule.points);
    let n = space.element().ndofs();
    let local: Vec<Vec<f64>> = (0..space.mesh().n_cells())
        .into_par_iter()
        .map(|c| {
            let map = space.cell_map(c);
            let mut basis = vec![0.0; n * m];
            let mut fv = vec![0.0; m];
            let mut out = vec![0.0; n];
            for p in 0..rule.len() {
                let x = map.to_physical(rule.point(p), d);
                f(&x[..d], &mut fv);
                if fv.iter().any(|v| !v.is_finite()) {
                    return Err(FemError::NonFinite {
                        what: "load",
                        at: x[..d].to_vec(),
                    });
                }
                space.push_forward(map, op, &tab, p, &mut basis);
                let w = rule.weights[p] * map.det.abs();
                for i in 0..n {
                    out[i] += w * (0..m).map(|k| fv[k] * basis[i * m + k]).sum::<f64>();
                }
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let mut b = vec![0.0; space.ndofs()];
    for (c, vals) in local.iter().enumerate() {
        for (&g, v) in space.cell_dofs(c).iter().zip(vals) {
            b[g] += v;
        }
    }
    Ok(b)
}

/// One boundary facet of a cell: the cell, its local facet, the facet's quadrature
/// points in the cell's reference coordinates and its weights (physical measure),
/// and the outward unit normal.
struct BoundaryFacet {
    cell: usize,
    points: Vec<f64>,
    weights: Vec<f64>,
    normal: [f64; 3],
}

/// The boundary facets with a marker in `markers` (all when empty) with a
/// quadrature of degree `degree` on each.
fn boundary_facets(
    space: &FunctionSpace,
    markers: &[i32],
    degree: usize,
) -> Result<Vec<BoundaryFacet>> {
    let d = space.dim();
    let flags = space.boundary_facet_flags(markers)?;
    let faces = local_faces(d, d - 1);
    let rule = if d > 1 {
        Some(simplex_rule(d - 1, degree)?)
    } else {
        None
    };
    let mut out = Vec::new();
    for c in 0..space.mesh().n_cells() {
        for (lf, verts) in faces.iter().enumerate() {
            if !flags[space.facet_of(c, lf)] {
                continue;
            }
            let map = space.cell_map(c);
            // reference vertices of the facet, and the opposite one
            let rv = |i: usize| -> [f64; 3] {
                let mut v = [0.0; 3];
                if i > 0 {
                    v[i - 1] = 1.0;
                }
                v
            };
            let opposite = (0..=d).find(|i| !verts.contains(i)).unwrap_or(0);
            let xs: Vec<[f64; 3]> = verts.iter().map(|&v| map.to_physical(&rv(v), d)).collect();
            let xo = map.to_physical(&rv(opposite), d);
            let (normal, measure) = facet_normal_measure(&xs, &xo, d);
            let (mut points, mut weights) = (Vec::new(), Vec::new());
            match &rule {
                Some(rule) => {
                    let scale: f64 = (1..d).map(|i| i as f64).product();
                    for p in 0..rule.len() {
                        let s = rule.point(p);
                        for k in 0..d {
                            let a = rv(verts[0])[k];
                            points.push(
                                a + (0..d - 1)
                                    .map(|i| s[i] * (rv(verts[i + 1])[k] - a))
                                    .sum::<f64>(),
                            );
                        }
                        weights.push(rule.weights[p] * scale * measure);
                    }
                }
                None => {
                    points.push(rv(verts[0])[0]);
                    weights.push(1.0);
                }
            }
            out.push(BoundaryFacet {
                cell: c,
                points,
                weights,
                normal,
            });
        }
    }
    Ok(out)
}

/// Outward unit normal and measure of a facet with vertices `xs`, the opposite
/// vertex being `xo`.
fn facet_normal_measure(xs: &[[f64; 3]], xo: &[f64; 3], d: usize) -> ([f64; 3], f64) {
    let mut n = match d {
        1 => [1.0, 0.0, 0.0],
        2 => [xs[1][1] - xs[0][1], xs[0][0] - xs[1][0], 0.0],
        _ => {
            let a: [f64; 3] = std::array::from_fn(|k| xs[1][k] - xs[0][k]);
            let b: [f64; 3] = std::array::from_fn(|k| xs[2][k] - xs[0][k]);
            [
                a[1] * b[2] - a[2] * b[1],
                a[2] * b[0] - a[0] * b[2],
                a[0] * b[1] - a[1] * b[0],
            ]
        }
    };
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
    // measure: length in 2-D, area = |cross|/2 in 3-D, 1 for a point
    let measure = match d {
        1 => 1.0,
        2 => len,
        _ => 0.5 * len,
    };
    for v in n.iter_mut() {
        *v /= len;
    }
    let out: f64 = (0..d).map(|k| n[k] * (xs[0][k] - xo[k])).sum();
    if out < 0.0 {
        for v in n.iter_mut() {
            *v = -*v;
        }
    }
    (n, measure)
}

/// A boundary datum `g(x, n)` of position and outward unit normal.
pub type BoundaryFn<'a> = &'a (dyn Fn(&[f64], &[f64]) -> f64 + Sync);

/// The boundary load `b_i = ∫_Γ g(x, n) φ_i ds` for scalar spaces (Neumann data), or
/// `∫_Γ g(x, n) φ_i·n ds` for vector spaces (the natural Dirichlet term of mixed
/// formulations), over boundary facets with a marker in `markers` (all when empty).
/// Fails when `g` is not finite.
pub fn boundary_linear(space: &FunctionSpace, markers: &[i32], g: BoundaryFn) -> Result<Vec<f64>> {
    let d = space.dim();
    let vd = space.element().value_dim();
    let n = space.element().ndofs();
    let facets = boundary_facets(space, markers, space.element().degree() + 4)?;
    let mut b = vec![0.0; space.ndofs()];
    let mut basis = vec![0.0; n * vd];
    for f in &facets {
        let tab = space.element().tabulate(&f.points);
        let map = space.cell_map(f.cell);
        for (p, w) in f.weights.iter().enumerate() {
            let x = map.to_physical(&f.points[p * d..(p + 1) * d], d);
            let gv = g(&x[..d], &f.normal[..d]);
            if !gv.is_finite() {
                return Err(FemError::NonFinite {
                    what: "boundary datum",
                    at: x[..d].to_vec(),
                });
            }
            space.push_forward(map, Op::Value, &tab, p, &mut basis);
            for (i, &dof) in space.cell_dofs(f.cell).iter().enumerate() {
                let v = if vd == 1 {
                    basis[i]
                } else {
                    (0..d).map(|k| basis[i * vd + k] * f.normal[k]).sum()
                };
                b[dof] += w * gv * v;
            }
        }
    }
    Ok(b)
}

/// The Robin (boundary mass) matrix `∫_Γ α(x) φ_i φ_j ds` over boundary facets with a
/// marker in `markers` (all when empty), for scalar spaces; add it to the stiffness
/// matrix for `∂u/∂n + α u = g`.
pub fn boundary_mass(
    space: &FunctionSpace,
    markers: &[i32],
    alpha: ScalarFn,
) -> Result<SparseRowMat<usize, f64>> {
    scalar_only(space)?;
    let d = space.dim();
    let facets = boundary_facets(space, markers, 2 * space.element().degree() + 2)?;
    let mut trip = Vec::new();
    for f in &facets {
        let tab = space.element().tabulate(&f.points);
        let map = space.cell_map(f.cell);
        let dofs = space.cell_dofs(f.cell);
        for (p, w) in f.weights.iter().enumerate() {
            let x = map.to_physical(&f.points[p * d..(p + 1) * d], d);
            let a = alpha(&x[..d]);
            if !a.is_finite() {
                return Err(FemError::NonFinite {
                    what: "Robin coefficient",
                    at: x[..d].to_vec(),
                });
            }
            for (i, &di) in dofs.iter().enumerate() {
                for (j, &dj) in dofs.iter().enumerate() {
                    trip.push(Triplet::new(
                        di,
                        dj,
                        w * a * tab.value(p, i)[0] * tab.value(p, j)[0],
                    ));
                }
            }
        }
    }
    SparseRowMat::try_new_from_triplets(space.ndofs(), space.ndofs(), &trip)
        .map_err(crate::error::sparse("sparse assembly"))
}

fn scalar_only(space: &FunctionSpace) -> Result<()> {
    if space.element().value_dim() != 1 {
        return Err(invalid(
            "space",
            "vector-valued",
            "boundary forms need a scalar space",
        ));
    }
    Ok(())
}

fn same_mesh(a: &FunctionSpace, b: &FunctionSpace) -> Result<()> {
    if !std::ptr::eq(a.mesh(), b.mesh()) && a.mesh() != b.mesh() {
        return Err(invalid(
            "spaces",
            "two meshes",
            "forms need both spaces on one mesh",
        ));
    }
    Ok(())
}
