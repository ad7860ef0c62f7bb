//! The discrete de Rham complex of lowest order as one object: the spaces
//! `P1 → N0 → RT0 → DG0` in 3-D (`P1 → N0 → DG0` in 2-D, or the rotated
//! `P1 → RT0 → DG0`), the discrete derivatives between them, and the canonical
//! interpolants, which commute with the derivatives.
//!
//! Each derivative matrix is computed, not assumed: its entries are the target
//! space's degrees of freedom applied to the derivative of the source basis. With the
//! ascending-vertex orientation this reproduces the signed incidence matrices of
//! [`noether_mesh::Topology`] (the gradient and 3-D curl exactly, the divergence and
//! 2-D rot scaled by `±1/|T|` because the DG0 degree of freedom is the cell mean), so
//! `d_{k+1} d_k = 0` holds to rounding.
//!
//! ```
//! use noether_fem::derham::DeRham;
//! use noether_mesh::generate::unit_cube;
//! let mesh = unit_cube(2).unwrap();
//! let complex = DeRham::new(&mesh).unwrap();
//! let (grad, curl) = (complex.derivative(0), complex.derivative(1));
//! let cg = curl * grad;
//! assert!(cg.val().iter().all(|v| v.abs() < 1e-12));
//! ```

use std::sync::Arc;

use faer::sparse::{SparseRowMat, Triplet};
use noether_mesh::{Mesh, Topology};
use rayon::prelude::*;

use crate::element::Element;
use crate::error::{Result, invalid, sparse};
use crate::space::{FunctionSpace, Op, VectorFn};

/// A discrete de Rham complex on one mesh.
#[derive(Debug, Clone)]
pub struct DeRham<'m> {
    spaces: Vec<FunctionSpace<'m>>,
    ops: Vec<Op>,
    derivatives: Vec<SparseRowMat<usize, f64>>,
}

impl<'m> DeRham<'m> {
    /// The H(curl) complex: `P1 →grad N0 →curl RT0 →div DG0` in 3-D,
    /// `P1 →grad N0 →rot DG0` in 2-D.
    pub fn new(mesh: &'m Mesh) -> Result<Self> {
        let d = mesh.dim();
        let topo = Arc::new(Topology::new(mesh)?);
        let mut elements = vec![Element::lagrange(d, 1)?, Element::nedelec(d, 1)?];
        let mut ops = vec![Op::Grad, Op::Curl];
        match d {
            2 => elements.push(Element::discontinuous(2, 0)?),
            3 => {
                elements.push(Element::raviart_thomas(3, 1)?);
                elements.push(Element::discontinuous(3, 0)?);
                ops.push(Op::Div);
            }
            _ => return Err(invalid("mesh", d, "the complex needs a 2-D or 3-D mesh")),
        }
        Self::build(mesh, topo, elements, ops)
    }

    /// The 2-D H(div) complex `P1 →curl RT0 →div DG0`, with `curl u = (∂_y u, −∂ₓu)`.
    pub fn new_div_2d(mesh: &'m Mesh) -> Result<Self> {
        if mesh.dim() != 2 {
            return Err(invalid(
                "mesh",
                mesh.dim(),
                "the 2-D div complex needs a 2-D mesh",
            ));
        }
        let topo = Arc::new(Topology::new(mesh)?);
        let elements = vec![
            Element::lagrange(2, 1)?,
            Element::raviart_thomas(2, 1)?,
            Element::discontinuous(2, 0)?,
        ];
        Self::build(mesh, topo, elements, vec![Op::Curl, Op::Div])
    }

    fn build(
        mesh: &'m Mesh,
        topo: Arc<Topology>,
        elements: Vec<Element>,
        ops: Vec<Op>,
    ) -> Result<Self> {
        let spaces = elements
            .into_iter()
            .map(|e| FunctionSpace::with_topology(mesh, topo.clone(), e))
            .collect::<Result<Vec<_>>>()?;
        let derivatives = ops
            .iter()
            .enumerate()
            .map(|(k, &op)| derivative_matrix(&spaces[k], &spaces[k + 1], op))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            spaces,
            ops,
            derivatives,
        })
    }

    /// Number of spaces (3 in 2-D, 4 in 3-D).
    pub fn len(&self) -> usize {
        self.spaces.len()
    }

    /// Whether the complex is empty (never).
    pub fn is_empty(&self) -> bool {
        self.spaces.is_empty()
    }

    /// Space `k` of the complex.
    pub fn space(&self, k: usize) -> &FunctionSpace<'m> {
        &self.spaces[k]
    }

    /// The operator `d_k` applies to fields of space `k` (gradient, curl, divergence).
    pub fn op(&self, k: usize) -> Op {
        self.ops[k]
    }

    /// The discrete derivative `d_k`: space `k` → space `k + 1`.
    pub fn derivative(&self, k: usize) -> &SparseRowMat<usize, f64> {
        &self.derivatives[k]
    }

    /// The canonical interpolant onto space `k`.
    pub fn interpolate(&self, k: usize, f: VectorFn) -> Result<Vec<f64>> {
        self.spaces[k].interpolate(f)
    }
}

/// `D[i, j] = ℓ_i^{target}(op φ_j^{source})`, both on one mesh.
pub fn derivative_matrix(
    source: &FunctionSpace,
    target: &FunctionSpace,
    op: Op,
) -> Result<SparseRowMat<usize, f64>> {
    let d = source.dim();
    let m = source.op_dim(op)?;
    if m != target.element().value_dim() {
        return Err(invalid(
            "op",
            format!("{op:?}"),
            "does not map into the target's values",
        ));
    }
    let te = target.element();
    let ns = source.element().ndofs();
    // all target functional points, tabulated once for the source element
    let mut points = Vec::new();
    let mut starts = vec![0];
    for f in te.functionals() {
        points.extend_from_slice(&f.points);
        starts.push(points.len() / d);
    }
    let tab = source.element().tabulate(&points);
    let entries: Vec<Vec<(usize, usize, f64)>> = (0..source.mesh().n_cells())
        .into_par_iter()
        .map(|c| {
            let map = source.cell_map(c);
            let mut basis = vec![0.0; ns * m];
            let mut back = vec![0.0; m];
            let mut local = vec![0.0; te.ndofs() * ns];
            for (i, f) in te.functionals().iter().enumerate() {
                for p in starts[i]..starts[i + 1] {
                    source.push_forward(map, op, &tab, p, &mut basis);
                    let q = p - starts[i];
                    for j in 0..ns {
                        target.pull_back(map, &basis[j * m..(j + 1) * m], &mut back);
                        local[i * ns + j] +=
                            (0..m).map(|k| f.weights[q * m + k] * back[k]).sum::<f64>();
                    }
                }
            }
            let (rows, cols) = (target.cell_dofs(c), source.cell_dofs(c));
            let mut out = Vec::new();
            for i in 0..te.ndofs() {
                for j in 0..ns {
                    let v = local[i * ns + j];
                    if v.abs() > 1e-14 * (1.0 + v.abs()) {
                        out.push((rows[i], cols[j], v));
                    }
                }
            }
            out
        })
        .collect();
    // a shared dof is computed by every cell around it: keep one value
    let mut all: Vec<(usize, usize, f64)> = entries.into_iter().flatten().collect();
    all.par_sort_unstable_by_key(|e| (e.0, e.1));
    all.dedup_by_key(|e| (e.0, e.1));
    let trip: Vec<Triplet<usize, usize, f64>> = all
        .into_iter()
        .map(|(r, c, v)| Triplet::new(r, c, v))
        .collect();
    SparseRowMat::try_new_from_triplets(target.ndofs(), source.ndofs(), &trip)
        .map_err(sparse("derivative assembly"))
}
