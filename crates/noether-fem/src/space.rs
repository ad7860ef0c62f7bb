//! Finite element spaces: an [`Element`] on every cell of a mesh, the global
//! numbering of the degrees of freedom, the push-forward of basis functions and their
//! derivatives to physical cells, interpolation, evaluation at points, errors
//! against exact fields, and boundary degrees of freedom.
//!
//! Each cell is mapped from the reference simplex with its vertices in ascending
//! global order, so shared edges and faces are parametrised identically from both
//! sides (see [`crate::element`]); global degrees of freedom are numbered entity by
//! entity: vertices, edges, faces, cells.

// index loops over small fixed dimensions read as the formulas they implement
#![allow(clippy::needless_range_loop)]

use std::sync::Arc;

use noether_mesh::topology::local_faces;
use noether_mesh::{Mesh, Topology};
use rayon::prelude::*;

use crate::element::{Element, Mapping, Tabulation};
use crate::error::{FemError, Result, invalid};
use crate::quadrature::simplex_rule;

/// A vector-valued function of position: `f(x, out)` writes the value at `x`.
pub type VectorFn<'a> = &'a (dyn Fn(&[f64], &mut [f64]) + Sync);

/// The quantity of a basis function or field that a form or error uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The value (`value_dim` components).
    Value,
    /// The gradient (`value_dim × dim`, row-major by component); H¹ elements only.
    Grad,
    /// The curl: scalar `∂ₓu_y − ∂_yu_x` for 2-D vector fields, the vector
    /// `(∂_y u, −∂ₓu)` for 2-D scalars, the usual curl in 3-D.
    Curl,
    /// The divergence of a vector field.
    Div,
}

/// The affine map of a cell from the reference simplex, with its vertices in
/// ascending global order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellMap {
    /// Image of the reference origin.
    pub origin: [f64; 3],
    /// Jacobian `J[r][c] = ∂x_r/∂x̂_c`.
    pub jac: [[f64; 3]; 3],
    /// Its inverse.
    pub jinv: [[f64; 3]; 3],
    /// `det J` (signed: negative when the ascending order is negatively oriented).
    pub det: f64,
}

impl CellMap {
    fn new(vertices: &[&[f64]], d: usize) -> Option<Self> {
        let mut origin = [0.0; 3];
        origin[..d].copy_from_slice(&vertices[0][..d]);
        let mut jac = [[0.0; 3]; 3];
        for c in 0..d {
            for r in 0..d {
                jac[r][c] = vertices[c + 1][r] - vertices[0][r];
            }
        }
        let (det, jinv) = invert(&jac, d)?;
        Some(Self {
            origin,
            jac,
            jinv,
            det,
        })
    }

    /// `F(x̂) = origin + J x̂`.
    pub fn to_physical(&self, xh: &[f64], d: usize) -> [f64; 3] {
        let mut x = self.origin;
        for (r, xr) in x.iter_mut().enumerate().take(d) {
            for c in 0..d {
                *xr += self.jac[r][c] * xh[c];
            }
        }
        x
    }

    /// `F⁻¹(x)`.
    pub fn to_reference(&self, x: &[f64], d: usize) -> [f64; 3] {
        let mut xh = [0.0; 3];
        for (r, v) in xh.iter_mut().enumerate().take(d) {
            for c in 0..d {
                *v += self.jinv[r][c] * (x[c] - self.origin[c]);
            }
        }
        xh
    }
}

/// Determinant and inverse of the leading `d × d` block.
fn invert(a: &[[f64; 3]; 3], d: usize) -> Option<(f64, [[f64; 3]; 3])> {
    let mut inv = [[0.0; 3]; 3];
    let det = match d {
        1 => {
            let det = a[0][0];
            inv[0][0] = 1.0 / det;
            det
        }
        2 => {
            let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
            inv[0][0] = a[1][1] / det;
            inv[0][1] = -a[0][1] / det;
            inv[1][0] = -a[1][0] / det;
            inv[1][1] = a[0][0] / det;
            det
        }
        _ => {
            let det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
            for r in 0..3 {
                for c in 0..3 {
                    // cofactor of (c, r)
                    let (r1, r2) = ((c + 1) % 3, (c + 2) % 3);
                    let (c1, c2) = ((r + 1) % 3, (r + 2) % 3);
                    inv[r][c] = (a[r1][c1] * a[r2][c2] - a[r1][c2] * a[r2][c1]) / det;
                }
            }
            det
        }
    };
    (det != 0.0 && det.is_finite()).then_some((det, inv))
}

/// A finite element space on a mesh.
///
/// ```
/// use noether_fem::element::Element;
/// use noether_fem::space::FunctionSpace;
/// use noether_mesh::generate::{unit_square, Diagonal};
/// let mesh = unit_square(4, 4, Diagonal::Right).unwrap();
/// // P2: one dof per vertex and per edge
/// let p2 = FunctionSpace::new(&mesh, Element::lagrange(2, 2).unwrap()).unwrap();
/// assert_eq!(p2.ndofs(), 25 + 56);
/// // N0: one dof per edge
/// let n0 = FunctionSpace::new(&mesh, Element::nedelec(2, 1).unwrap()).unwrap();
/// assert_eq!(n0.ndofs(), 56);
/// ```
#[derive(Debug, Clone)]
pub struct FunctionSpace<'m> {
    mesh: &'m Mesh,
    element: Element,
    topology: Arc<Topology>,
    maps: Vec<CellMap>,
    /// Per cell, its vertices in ascending order.
    sorted: Vec<usize>,
    cell_dofs: Vec<usize>,
    ndofs: usize,
}

impl<'m> FunctionSpace<'m> {
    /// The space of `element` on `mesh` (full-dimensional: `dim = gdim`), building
    /// the mesh topology.
    pub fn new(mesh: &'m Mesh, element: Element) -> Result<Self> {
        let topo = Arc::new(Topology::new(mesh)?);
        Self::with_topology(mesh, topo, element)
    }

    /// The space of `element` on `mesh` with a topology already built (spaces of a
    /// complex share one).
    pub fn with_topology(
        mesh: &'m Mesh,
        topology: Arc<Topology>,
        element: Element,
    ) -> Result<Self> {
        let d = mesh.dim();
        if mesh.gdim() != d || element.dim() != d {
            return Err(invalid(
                "mesh",
                format!(
                    "dim {d} in {}-D, element dim {}",
                    mesh.gdim(),
                    element.dim()
                ),
                "the mesh must be full-dimensional and match the element",
            ));
        }
        if topology.count(0) != mesh.n_vertices() || topology.count(d) != mesh.n_cells() {
            return Err(invalid("topology", "counts", "belongs to another mesh"));
        }
        let nc = mesh.n_cells();
        let mut sorted = mesh.cells().to_vec();
        sorted.par_chunks_mut(d + 1).for_each(|c| c.sort_unstable());
        let maps = sorted
            .par_chunks(d + 1)
            .enumerate()
            .map(|(c, vs)| {
                let verts: Vec<&[f64]> = vs.iter().map(|&v| mesh.vertex(v)).collect();
                CellMap::new(&verts, d)
                    .ok_or_else(|| FemError::Mesh(format!("cell {c} is degenerate")))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut offsets = [0usize; 5];
        for k in 0..=d {
            offsets[k + 1] = offsets[k] + topology.count(k) * element.dofs_per_entity(k);
        }
        let n = element.ndofs();
        let mut cell_dofs = vec![0; nc * n];
        cell_dofs
            .par_chunks_mut(n)
            .enumerate()
            .for_each(|(c, dofs)| {
                for (i, dof) in dofs.iter_mut().enumerate() {
                    let (k, e, j) = element.dof_entity(i);
                    let entity = if k == 0 {
                        sorted[c * (d + 1) + e]
                    } else if k == d {
                        c
                    } else {
                        topology.cell_entities(k, c)[e]
                    };
                    *dof = offsets[k] + entity * element.dofs_per_entity(k) + j;
                }
            });
        Ok(Self {
            mesh,
            element,
            topology,
            maps,
            sorted,
            cell_dofs,
            ndofs: offsets[d + 1],
        })
    }

    /// The mesh.
    pub fn mesh(&self) -> &'m Mesh {
        self.mesh
    }

    /// The element.
    pub fn element(&self) -> &Element {
        &self.element
    }

    /// The mesh topology.
    pub fn topology(&self) -> &Arc<Topology> {
        &self.topology
    }

    /// Number of global degrees of freedom.
    pub fn ndofs(&self) -> usize {
        self.ndofs
    }

    /// Spatial dimension.
    pub fn dim(&self) -> usize {
        self.mesh.dim()
    }

    /// Global degrees of freedom of cell `c`, in the element's local order.
    pub fn cell_dofs(&self, c: usize) -> &[usize] {
        let n = self.element.ndofs();
        &self.cell_dofs[c * n..(c + 1) * n]
    }

    /// The reference map of cell `c`.
    pub fn cell_map(&self, c: usize) -> &CellMap {
        &self.maps[c]
    }

    /// The vertices of cell `c` in ascending order (the reference vertex order).
    pub fn sorted_cell(&self, c: usize) -> &[usize] {
        let d = self.dim();
        &self.sorted[c * (d + 1)..(c + 1) * (d + 1)]
    }

    /// Number of components of `op` applied to a function of this space; fails for
    /// combinations that are not defined (the gradient of a Piola-mapped field, the
    /// divergence of a scalar).
    pub fn op_dim(&self, op: Op) -> Result<usize> {
        let d = self.dim();
        let vd = self.element.value_dim();
        let piola = self.element.mapping() != Mapping::Identity;
        match op {
            Op::Value => Ok(vd),
            Op::Grad if !piola => Ok(vd * d),
            Op::Curl if d == 2 && vd == 1 => Ok(2),
            Op::Curl
                if d == 2 && vd == 2 && self.element.mapping() != Mapping::ContravariantPiola =>
            {
                Ok(1)
            }
            Op::Curl
                if d == 3 && vd == 3 && self.element.mapping() != Mapping::ContravariantPiola =>
            {
                Ok(3)
            }
            Op::Div if vd == d && d > 1 && self.element.mapping() != Mapping::CovariantPiola => {
                Ok(1)
            }
            _ => Err(invalid(
                "op",
                format!("{op:?}"),
                "not defined for this element",
            )),
        }
    }

    /// Writes `op` of every basis function of a cell with map `map` at tabulated
    /// point `p` into `out` (`ndofs × op_dim`).
    pub(crate) fn push_forward(
        &self,
        map: &CellMap,
        op: Op,
        tab: &Tabulation,
        p: usize,
        out: &mut [f64],
    ) {
        let d = self.dim();
        let vd = self.element.value_dim();
        let n = self.element.ndofs();
        let mapping = self.element.mapping();
        let mut g = [0.0; 9];
        for i in 0..n {
            let v = tab.value(p, i);
            let gh = tab.grad(p, i);
            match (op, mapping) {
                (Op::Value, Mapping::Identity) => out[i * vd..(i + 1) * vd].copy_from_slice(v),
                (Op::Value, Mapping::CovariantPiola) => {
                    for r in 0..d {
                        out[i * d + r] = (0..d).map(|k| map.jinv[k][r] * v[k]).sum();
                    }
                }
                (Op::Value, Mapping::ContravariantPiola) => {
                    for r in 0..d {
                        out[i * d + r] =
                            (0..d).map(|k| map.jac[r][k] * v[k]).sum::<f64>() / map.det;
                    }
                }
                (Op::Curl, Mapping::CovariantPiola) => {
                    if d == 2 {
                        out[i] = (gh[2] - gh[1]) / map.det;
                    } else {
                        let ch = [gh[7] - gh[5], gh[2] - gh[6], gh[3] - gh[1]];
                        for r in 0..3 {
                            out[i * 3 + r] =
                                (0..3).map(|k| map.jac[r][k] * ch[k]).sum::<f64>() / map.det;
                        }
                    }
                }
                (Op::Div, Mapping::ContravariantPiola) => {
                    out[i] = (0..d).map(|k| gh[k * d + k]).sum::<f64>() / map.det;
                }
                (_, Mapping::Identity) => {
                    // physical gradient, component by component: ∇u = J⁻ᵀ ∇̂û
                    for c in 0..vd {
                        for r in 0..d {
                            g[c * d + r] = (0..d).map(|k| map.jinv[k][r] * gh[c * d + k]).sum();
                        }
                    }
                    match op {
                        Op::Grad => out[i * vd * d..(i + 1) * vd * d].copy_from_slice(&g[..vd * d]),
                        Op::Curl if vd == 1 => {
                            out[i * 2] = g[1];
                            out[i * 2 + 1] = -g[0];
                        }
                        Op::Curl if d == 2 => out[i] = g[2] - g[1],
                        Op::Curl => {
                            out[i * 3] = g[7] - g[5];
                            out[i * 3 + 1] = g[2] - g[6];
                            out[i * 3 + 2] = g[3] - g[1];
                        }
                        _ => out[i] = (0..d).map(|k| g[k * d + k]).sum(),
                    }
                }
                _ => {}
            }
        }
    }

    /// Pulls a physical value `u` at a point of the cell with map `map` back to the
    /// reference: `û = u`, `Jᵀu` or `det J · J⁻¹u`.
    pub(crate) fn pull_back(&self, map: &CellMap, u: &[f64], out: &mut [f64]) {
        let d = self.dim();
        match self.element.mapping() {
            Mapping::Identity => out.copy_from_slice(u),
            Mapping::CovariantPiola => {
                for k in 0..d {
                    out[k] = (0..d).map(|r| map.jac[r][k] * u[r]).sum();
                }
            }
            Mapping::ContravariantPiola => {
                for k in 0..d {
                    out[k] = map.det * (0..d).map(|r| map.jinv[k][r] * u[r]).sum::<f64>();
                }
            }
        }
    }

    /// The canonical interpolant of `f` (`value_dim` components): every degree of
    /// freedom applied to `f`. Point values for Lagrange elements, edge and face
    /// moments for Nédélec and Raviart–Thomas, the cell-wise L² projection for DG.
    /// Fails when `f` is not finite at a point it is evaluated.
    pub fn interpolate(&self, f: VectorFn) -> Result<Vec<f64>> {
        let d = self.dim();
        let vd = self.element.value_dim();
        let el = &self.element;
        let local: Vec<Vec<f64>> = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| {
                let map = &self.maps[c];
                let mut u = vec![0.0; vd];
                let mut uh = vec![0.0; vd];
                let mut out = Vec::with_capacity(el.ndofs());
                for func in el.functionals() {
                    let mut acc = 0.0;
                    for (p, xh) in func.points.chunks_exact(d).enumerate() {
                        let x = map.to_physical(xh, d);
                        f(&x[..d], &mut u);
                        if u.iter().any(|v| !v.is_finite()) {
                            return Err(FemError::NonFinite {
                                what: "interpolated function",
                                at: x[..d].to_vec(),
                            });
                        }
                        self.pull_back(map, &u, &mut uh);
                        acc += (0..vd)
                            .map(|k| func.weights[p * vd + k] * uh[k])
                            .sum::<f64>();
                    }
                    out.push(acc);
                }
                Ok(out)
            })
            .collect::<Result<_>>()?;
        let mut x = vec![0.0; self.ndofs];
        for (c, vals) in local.iter().enumerate() {
            for (&g, &v) in self.cell_dofs(c).iter().zip(vals) {
                x[g] = v;
            }
        }
        Ok(x)
    }

    /// Physical coordinates of every dof (`dim` each) for elements whose degrees of
    /// freedom are point values (the Lagrange families); fails for moment-based
    /// elements.
    pub fn dof_coordinates(&self) -> Result<Vec<f64>> {
        let d = self.dim();
        if self
            .element
            .functionals()
            .iter()
            .any(|f| f.points.len() != d)
        {
            return Err(invalid(
                "element",
                format!("{:?}", self.element.family()),
                "dofs are not point values",
            ));
        }
        let mut out = vec![0.0; self.ndofs * d];
        for c in 0..self.mesh.n_cells() {
            for (f, &g) in self.element.functionals().iter().zip(self.cell_dofs(c)) {
                let x = self.maps[c].to_physical(&f.points, d);
                out[g * d..(g + 1) * d].copy_from_slice(&x[..d]);
            }
        }
        Ok(out)
    }

    /// `op` of the field with coefficients `u` at reference point `xh` of cell `c`.
    pub fn evaluate_in_cell(&self, u: &[f64], op: Op, c: usize, xh: &[f64]) -> Result<Vec<f64>> {
        self.check_coefficients(u)?;
        if c >= self.mesh.n_cells() {
            return Err(invalid("cell", c, "out of range"));
        }
        if xh.len() < self.dim() || xh.iter().any(|v| !v.is_finite()) {
            return Err(invalid(
                "reference point",
                format!("{xh:?}"),
                "dim finite coordinates",
            ));
        }
        let m = self.op_dim(op)?;
        let tab = self.element.tabulate(&xh[..self.dim()]);
        let mut basis = vec![0.0; self.element.ndofs() * m];
        self.push_forward(&self.maps[c], op, &tab, 0, &mut basis);
        let mut out = vec![0.0; m];
        for (i, &g) in self.cell_dofs(c).iter().enumerate() {
            for k in 0..m {
                out[k] += u[g] * basis[i * m + k];
            }
        }
        Ok(out)
    }

    /// `op` of the field `u` at physical points (`dim` coordinates each), found by a
    /// bucket search over cell bounding boxes. Fails for points outside the mesh.
    pub fn evaluate(&self, u: &[f64], op: Op, points: &[f64]) -> Result<Vec<f64>> {
        self.check_coefficients(u)?;
        let m = self.op_dim(op)?;
        let d = self.dim();
        let evaluator = self.evaluator();
        let vals: Vec<Vec<f64>> = points
            .par_chunks(d)
            .map(|x| evaluator.at(u, op, x))
            .collect::<Result<_>>()?;
        let mut out = Vec::with_capacity(vals.len() * m);
        for v in vals {
            out.extend(v);
        }
        Ok(out)
    }

    /// `op` of the field `u` at the same reference points `ref_points` (`dim`
    /// coordinates each) of every cell, cell-major: the element is tabulated once.
    pub fn values_at_reference_points(
        &self,
        u: &[f64],
        op: Op,
        ref_points: &[f64],
    ) -> Result<Vec<f64>> {
        self.check_coefficients(u)?;
        let m = self.op_dim(op)?;
        let d = self.dim();
        if !ref_points.len().is_multiple_of(d) || ref_points.iter().any(|v| !v.is_finite()) {
            return Err(invalid(
                "reference points",
                ref_points.len(),
                "dim finite coordinates each",
            ));
        }
        let np = ref_points.len() / d;
        let n = self.element.ndofs();
        let tab = self.element.tabulate(ref_points);
        let mut out = vec![0.0; self.mesh.n_cells() * np * m];
        out.par_chunks_mut(np * m)
            .enumerate()
            .for_each(|(c, vals)| {
                let mut basis = vec![0.0; n * m];
                for p in 0..np {
                    self.push_forward(&self.maps[c], op, &tab, p, &mut basis);
                    for (i, &g) in self.cell_dofs(c).iter().enumerate() {
                        for k in 0..m {
                            vals[p * m + k] += u[g] * basis[i * m + k];
                        }
                    }
                }
            });
        Ok(out)
    }

    /// A point evaluator whose cell locator is built once, for many separate
    /// evaluations (interpolation from this space into another).
    pub(crate) fn evaluator(&self) -> Evaluator<'_, 'm> {
        Evaluator {
            space: self,
            locator: Locator::new(self.mesh, &self.maps),
        }
    }

    /// `(∫ |op(u_h) − g|²)^{1/2}` for the exact `op`-field `g`, with a quadrature of
    /// degree `2·degree + 4`.
    pub fn error(&self, u: &[f64], op: Op, exact: VectorFn) -> Result<f64> {
        self.check_coefficients(u)?;
        let m = self.op_dim(op)?;
        let d = self.dim();
        let rule = simplex_rule(d, 2 * self.element.degree() + 4)?;
        let tab = self.element.tabulate(&rule.points);
        let n = self.element.ndofs();
        let total: f64 = (0..self.mesh.n_cells())
            .into_par_iter()
            .map(|c| {
                let map = &self.maps[c];
                let mut basis = vec![0.0; n * m];
                let mut g = vec![0.0; m];
                let mut s = 0.0;
                for p in 0..rule.len() {
                    self.push_forward(map, op, &tab, p, &mut basis);
                    let x = map.to_physical(rule.point(p), d);
                    exact(&x[..d], &mut g);
                    let mut e2 = 0.0;
                    for k in 0..m {
                        let uh: f64 = self
                            .cell_dofs(c)
                            .iter()
                            .enumerate()
                            .map(|(i, &dof)| u[dof] * basis[i * m + k])
                            .sum();
                        e2 += (uh - g[k]).powi(2);
                    }
                    s += rule.weights[p] * map.det.abs() * e2;
                }
                s
            })
            .sum();
        if !total.is_finite() {
            return Err(FemError::NonFinite {
                what: "error integrand",
                at: vec![total],
            });
        }
        Ok(total.sqrt())
    }

    /// The degrees of freedom on boundary facets whose marker is in `markers` (all
    /// boundary facets when empty), ascending: every dof whose entity lies in the
    /// closure of such a facet.
    pub fn boundary_dofs(&self, markers: &[i32]) -> Result<Vec<usize>> {
        let flags = self.boundary_facet_flags(markers)?;
        let closure = self.facet_closure_dofs();
        let mut out = Vec::new();
        for c in 0..self.mesh.n_cells() {
            for (lf, dofs) in closure.iter().enumerate() {
                if flags[self.facet_of(c, lf)] {
                    out.extend(dofs.iter().map(|&i| self.cell_dofs(c)[i]));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Global id of the local facet `lf` of cell `c`.
    pub(crate) fn facet_of(&self, c: usize, lf: usize) -> usize {
        let d = self.dim();
        if d == 1 {
            self.sorted_cell(c)[lf]
        } else {
            self.topology.cell_entities(d - 1, c)[lf]
        }
    }

    /// Per global facet: on the boundary and, when `markers` is non-empty, tagged with
    /// one of them.
    pub(crate) fn boundary_facet_flags(&self, markers: &[i32]) -> Result<Vec<bool>> {
        let d = self.dim();
        let nf = self.topology.count(d - 1);
        let mut flags = vec![false; nf];
        if markers.is_empty() {
            for f in self.topology.boundary_facets() {
                flags[f] = true;
            }
        } else {
            for (verts, m) in self
                .mesh
                .tagged_facets()
                .chunks_exact(d)
                .zip(self.mesh.facet_markers())
            {
                if markers.contains(m) {
                    let mut v = verts.to_vec();
                    v.sort_unstable();
                    let f = self.topology.find(d - 1, &v).ok_or_else(|| {
                        invalid("tagged facet", format!("{v:?}"), "not a facet of the mesh")
                    })?;
                    flags[f] = true;
                }
            }
        }
        Ok(flags)
    }

    /// For each local facet, the local dofs whose entity lies in its closure.
    fn facet_closure_dofs(&self) -> Vec<Vec<usize>> {
        let d = self.dim();
        local_faces(d, d - 1)
            .iter()
            .map(|facet| {
                (0..self.element.ndofs())
                    .filter(|&i| {
                        let (k, e, _) = self.element.dof_entity(i);
                        k < d && local_faces(d, k)[e].iter().all(|v| facet.contains(v))
                    })
                    .collect()
            })
            .collect()
    }

    fn check_coefficients(&self, u: &[f64]) -> Result<()> {
        if u.len() != self.ndofs {
            return Err(invalid("coefficients", u.len(), "must have ndofs entries"));
        }
        Ok(())
    }
}

/// Evaluation of fields of one space at physical points with one shared locator.
pub(crate) struct Evaluator<'a, 'm> {
    space: &'a FunctionSpace<'m>,
    locator: Locator<'a>,
}

impl Evaluator<'_, '_> {
    /// `op` of the field `u` at the physical point `x`; fails outside the mesh.
    pub(crate) fn at(&self, u: &[f64], op: Op, x: &[f64]) -> Result<Vec<f64>> {
        let d = self.space.dim();
        let (c, xh) = self
            .locator
            .locate(x)
            .ok_or_else(|| invalid("point", format!("{x:?}"), "outside the mesh"))?;
        self.space.evaluate_in_cell(u, op, c, &xh[..d])
    }
}

/// Cells bucketed on a uniform grid over the mesh's bounding box by their own
/// bounding boxes, for point location.
struct Locator<'a> {
    maps: &'a [CellMap],
    d: usize,
    lo: [f64; 3],
    cell: [f64; 3],
    n: [usize; 3],
    offsets: Vec<usize>,
    ids: Vec<usize>,
}

impl<'a> Locator<'a> {
    fn new(mesh: &Mesh, maps: &'a [CellMap]) -> Self {
        let d = mesh.dim();
        let nc = mesh.n_cells();
        let mut lo = [0.0; 3];
        let mut hi = [0.0; 3];
        for k in 0..d {
            lo[k] = f64::INFINITY;
            hi[k] = f64::NEG_INFINITY;
        }
        for x in mesh.coords().chunks_exact(mesh.gdim()) {
            for k in 0..d {
                lo[k] = lo[k].min(x[k]);
                hi[k] = hi[k].max(x[k]);
            }
        }
        let per_axis = ((nc as f64).powf(1.0 / d as f64).ceil() as usize).max(1);
        let mut n = [1usize; 3];
        let mut cell = [1.0; 3];
        for k in 0..d {
            n[k] = per_axis;
            cell[k] = ((hi[k] - lo[k]) / per_axis as f64).max(f64::MIN_POSITIVE);
        }
        let bucket = |x: f64, k: usize| -> usize {
            (((x - lo[k]) / cell[k]).floor().max(0.0) as usize).min(n[k] - 1)
        };
        let nb = n[0] * n[1] * n[2];
        let mut lists: Vec<Vec<usize>> = vec![Vec::new(); nb];
        for c in 0..nc {
            let verts = mesh.cell(c);
            let mut b0 = [0usize; 3];
            let mut b1 = [0usize; 3];
            for k in 0..d {
                let (mut a, mut b) = (f64::INFINITY, f64::NEG_INFINITY);
                for &v in verts {
                    a = a.min(mesh.vertex(v)[k]);
                    b = b.max(mesh.vertex(v)[k]);
                }
                b0[k] = bucket(a, k);
                b1[k] = bucket(b, k);
            }
            for i in b0[0]..=b1[0] {
                for j in b0[1]..=b1[1] {
                    for l in b0[2]..=b1[2] {
                        lists[(l * n[1] + j) * n[0] + i].push(c);
                    }
                }
            }
        }
        let mut offsets = vec![0];
        let mut ids = Vec::new();
        for l in lists {
            ids.extend(l);
            offsets.push(ids.len());
        }
        Self {
            maps,
            d,
            lo,
            cell,
            n,
            offsets,
            ids,
        }
    }

    /// The cell containing `x` and the reference coordinates there.
    fn locate(&self, x: &[f64]) -> Option<(usize, [f64; 3])> {
        let d = self.d;
        let mut b = [0usize; 3];
        for k in 0..d {
            let t = ((x[k] - self.lo[k]) / self.cell[k]).floor();
            if !(t >= -1.0 && t <= self.n[k] as f64) {
                return None;
            }
            b[k] = (t.max(0.0) as usize).min(self.n[k] - 1);
        }
        let bi = (b[2] * self.n[1] + b[1]) * self.n[0] + b[0];
        let tol = 1e-12;
        let mut best: Option<(usize, [f64; 3], f64)> = None;
        for &c in &self.ids[self.offsets[bi]..self.offsets[bi + 1]] {
            let xh = self.maps[c].to_reference(x, d);
            let l0 = 1.0 - xh[..d].iter().sum::<f64>();
            let worst = xh[..d].iter().cloned().fold(l0, f64::min);
            if worst >= -tol {
                return Some((c, xh));
            }
            if best.as_ref().is_none_or(|b| worst > b.2) {
                best = Some((c, xh, worst));
            }
        }
        best.filter(|b| b.2 >= -1e-9).map(|b| (b.0, b.1))
    }
}
