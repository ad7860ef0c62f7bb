//! Moving fields between spaces and meshes — the encoders and decoders of FE-based
//! operator learning: L² projection (from a function, or from a field on another
//! space or mesh), interpolation from another field, values at vertices and cell
//! centres, and VTU output of solutions.
//!
//! ```
//! use noether_fem::element::Element;
//! use noether_fem::space::FunctionSpace;
//! use noether_fem::transfer::project_from;
//! use noether_mesh::generate::{unit_square, Diagonal};
//! use noether_mesh::refine::refine_uniform;
//! // a P1 field on a coarse mesh is P1 on its refinement: projection reproduces it
//! let coarse = unit_square(4, 4, Diagonal::Right).unwrap();
//! let fine = refine_uniform(&coarse).unwrap().mesh;
//! let vc = FunctionSpace::new(&coarse, Element::lagrange(2, 1).unwrap()).unwrap();
//! let vf = FunctionSpace::new(&fine, Element::lagrange(2, 1).unwrap()).unwrap();
//! let u = vc.interpolate(&|x, o| o[0] = 1.0 + 2.0 * x[0] - x[1]).unwrap();
//! let w = project_from(&vf, &vc, &u).unwrap();
//! let exact = vf.interpolate(&|x, o| o[0] = 1.0 + 2.0 * x[0] - x[1]).unwrap();
//! assert!(w.iter().zip(&exact).all(|(a, b)| (a - b).abs() < 1e-10));
//! ```

use noether_mesh::io::vtu::{Field, write_vtu};

use crate::assemble::{Term, bilinear, linear};
use crate::direct::SparseCholesky;
use crate::error::{FemError, Result, invalid};
use crate::quadrature::simplex_rule;
use crate::space::{FunctionSpace, Op, VectorFn};

/// The L² projection of `f` onto `space`: `M x = ∫ f·φ`, by sparse Cholesky.
pub fn project(space: &FunctionSpace, f: VectorFn) -> Result<Vec<f64>> {
    let m = bilinear(space, space, &[Term::new(Op::Value, Op::Value)])?;
    let b = linear(space, Op::Value, f)?;
    SparseCholesky::new(&m)?.solve(&b)
}

/// The L² projection onto `target` of the field `u` of `source` (same value size),
/// on the same mesh or another one covering it. On the same mesh the source is
/// evaluated cell by cell; otherwise at located points.
pub fn project_from(target: &FunctionSpace, source: &FunctionSpace, u: &[f64]) -> Result<Vec<f64>> {
    let vd = target.element().value_dim();
    if source.element().value_dim() != vd {
        return Err(invalid(
            "source",
            source.element().value_dim(),
            "value sizes differ",
        ));
    }
    let m = bilinear(target, target, &[Term::new(Op::Value, Op::Value)])?;
    let b = if std::ptr::eq(target.mesh(), source.mesh()) {
        same_mesh_load(target, source, u)?
    } else {
        // evaluate the source at every quadrature point of the target, in one call
        let d = target.dim();
        let rule = simplex_rule(d, target.element().degree() + source.element().degree() + 2)?;
        let mut pts = Vec::with_capacity(target.mesh().n_cells() * rule.len() * d);
        for c in 0..target.mesh().n_cells() {
            for p in 0..rule.len() {
                pts.extend_from_slice(&target.cell_map(c).to_physical(rule.point(p), d)[..d]);
            }
        }
        let vals = source.evaluate(u, Op::Value, &pts)?;
        load_from_values(target, &rule, &vals)?
    };
    SparseCholesky::new(&m)?.solve(&b)
}

/// `∫ u_source · φ_i` cell by cell on a shared mesh.
fn same_mesh_load(target: &FunctionSpace, source: &FunctionSpace, u: &[f64]) -> Result<Vec<f64>> {
    let rule = simplex_rule(
        target.dim(),
        target.element().degree() + source.element().degree(),
    )?;
    let vals = source.values_at_reference_points(u, Op::Value, &rule.points)?;
    load_from_values(target, &rule, &vals)
}

/// `b_i = Σ_q w_q |det J| f_q · φ_i(x_q)` from the values `f_q` at the rule's
/// points of every cell (cell-major).
fn load_from_values(
    space: &FunctionSpace,
    rule: &crate::quadrature::QuadratureRule,
    vals: &[f64],
) -> Result<Vec<f64>> {
    let vd = space.element().value_dim();
    let n = space.element().ndofs();
    let tab = space.element().tabulate(&rule.points);
    let nq = rule.len();
    let mut b = vec![0.0; space.ndofs()];
    let mut basis = vec![0.0; n * vd];
    for c in 0..space.mesh().n_cells() {
        let map = space.cell_map(c);
        for p in 0..nq {
            let f = &vals[(c * nq + p) * vd..(c * nq + p + 1) * vd];
            if f.iter().any(|v| !v.is_finite()) {
                return Err(FemError::NonFinite {
                    what: "source field",
                    at: f.to_vec(),
                });
            }
            space.push_forward(map, Op::Value, &tab, p, &mut basis);
            let w = rule.weights[p] * map.det.abs();
            for (i, &dof) in space.cell_dofs(c).iter().enumerate() {
                b[dof] += w * (0..vd).map(|k| f[k] * basis[i * vd + k]).sum::<f64>();
            }
        }
    }
    Ok(b)
}

/// The canonical interpolant onto `target` of the field `u` of `source`, evaluated
/// at the target's degree-of-freedom points (located in the source mesh).
pub fn interpolate_from(
    target: &FunctionSpace,
    source: &FunctionSpace,
    u: &[f64],
) -> Result<Vec<f64>> {
    let d = target.dim();
    let vd = source.element().value_dim();
    if target.element().value_dim() != vd {
        return Err(invalid("source", vd, "value sizes differ"));
    }
    if u.len() != source.ndofs() {
        return Err(invalid(
            "coefficients",
            u.len(),
            "must have the source's ndofs entries",
        ));
    }
    // one locator for all the target's degree-of-freedom points
    let evaluator = source.evaluator();
    target.interpolate(
        &|x: &[f64], o: &mut [f64]| match evaluator.at(u, Op::Value, &x[..d]) {
            Ok(v) => o.copy_from_slice(&v),
            Err(_) => o.fill(f64::NAN), // reported by `interpolate` as a non-finite value at x
        },
    )
}

/// Values of the field `u` at the mesh vertices (`value_dim` per vertex), averaged
/// over the cells around each vertex (exact for continuous fields).
pub fn vertex_values(space: &FunctionSpace, u: &[f64]) -> Result<Vec<f64>> {
    let d = space.dim();
    let vd = space.element().value_dim();
    let mesh = space.mesh();
    // the reference vertices, which are each cell's vertices in ascending order
    let mut corners = vec![0.0; (d + 1) * d];
    for i in 1..=d {
        corners[i * d + i - 1] = 1.0;
    }
    let vals = space.values_at_reference_points(u, Op::Value, &corners)?;
    let mut sum = vec![0.0; mesh.n_vertices() * vd];
    let mut count = vec![0usize; mesh.n_vertices()];
    for c in 0..mesh.n_cells() {
        for (i, &v) in space.sorted_cell(c).iter().enumerate() {
            let o = (c * (d + 1) + i) * vd;
            for k in 0..vd {
                sum[v * vd + k] += vals[o + k];
            }
            count[v] += 1;
        }
    }
    for (v, &n) in count.iter().enumerate() {
        for k in 0..vd {
            sum[v * vd + k] /= n.max(1) as f64;
        }
    }
    Ok(sum)
}

/// Values of the field `u` at the cell centroids (`value_dim` per cell).
pub fn cell_values(space: &FunctionSpace, u: &[f64]) -> Result<Vec<f64>> {
    let d = space.dim();
    space.values_at_reference_points(u, Op::Value, &vec![1.0 / (d + 1) as f64; d])
}

/// A VTU document of fields on one mesh: each `(name, space, coefficients)` is
/// written as point data (vertex values) when its space is continuous Lagrange and
/// as cell data (centroid values) otherwise. Vector fields get 3 components.
pub fn solution_vtu(fields: &[(&str, &FunctionSpace, &[f64])]) -> Result<String> {
    let Some((_, first, _)) = fields.first() else {
        return Err(invalid("fields", 0, "need at least one field"));
    };
    let mesh = first.mesh();
    let mut point: Vec<NamedValues> = Vec::new();
    let mut cell: Vec<NamedValues> = Vec::new();
    for (name, space, u) in fields {
        if !std::ptr::eq(space.mesh(), mesh) {
            return Err(invalid("field", *name, "all fields must live on one mesh"));
        }
        let vd = space.element().value_dim();
        let continuous = matches!(
            space.element().family(),
            crate::element::Family::Lagrange | crate::element::Family::VectorLagrange
        );
        let vals = if continuous {
            vertex_values(space, u)?
        } else {
            cell_values(space, u)?
        };
        // VTK vectors have 3 components
        let vals = if vd > 1 && vd < 3 {
            vals.chunks(vd).flat_map(|c| [c[0], c[1], 0.0]).collect()
        } else {
            vals
        };
        let comps = if vd > 1 { 3 } else { 1 };
        if continuous {
            point.push((name.to_string(), vals, comps));
        } else {
            cell.push((name.to_string(), vals, comps));
        }
    }
    Ok(write_vtu(mesh, &as_fields(&point), &as_fields(&cell))?)
}

type NamedValues = (String, Vec<f64>, usize);

fn as_fields(v: &[NamedValues]) -> Vec<Field<'_>> {
    v.iter()
        .map(|(n, vals, c)| {
            if *c == 1 {
                Field::scalar(n, vals)
            } else {
                Field::vector(n, vals, *c)
            }
        })
        .collect()
}
