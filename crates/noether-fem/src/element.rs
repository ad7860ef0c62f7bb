//! Finite elements on the reference simplex, built as Ciarlet triples: a polynomial
//! space, a set of degrees of freedom (functionals), and the dual basis computed by
//! inverting the functionals applied to a basis of the space (Kirby, *FIAT*, 2004).
//!
//! Families and their degree convention (the polynomial superdegree, as in DOLFINx
//! and Basix):
//!
//! | family | space | degrees | map |
//! |---|---|---|---|
//! | [`Family::Lagrange`] `Pk` | continuous, scalar | 1–4 | identity |
//! | [`Family::VectorLagrange`] | continuous, `d` components | 1–4 | identity |
//! | [`Family::Discontinuous`] `DGk` | L², scalar | 0–4 | identity |
//! | [`Family::Nedelec`] first kind | H(curl) | 1–3 (1 = lowest, N0) | covariant Piola |
//! | [`Family::RaviartThomas`] | H(div) | 1–3 (1 = lowest, RT0) | contravariant Piola |
//!
//! The degrees of freedom are defined on the sub-simplices of the reference cell,
//! with every sub-simplex parametrised from its lowest local vertex. Global cells are
//! mapped from the reference with their vertices in ascending global order (see
//! [`crate::space`]), so two cells sharing an edge or face see it parametrised the
//! same way, and the functionals (point values, tangential moments `∫ u·t q` with the
//! unnormalised tangent `t = x_b − x_a`, normal moments `∫ u·n q` with `n` the rotated
//! tangent in 2-D or `(x_b − x_a)×(x_c − x_a)` in 3-D) are invariant under the Piola
//! maps with the signed Jacobian. No sign or permutation fix-ups are needed.

// index loops over small fixed dimensions read as the formulas they implement
#![allow(clippy::needless_range_loop)]

use nalgebra::DMatrix;
use noether_mesh::topology::local_faces;

use crate::error::{FemError, Result, invalid};
use crate::poly::Monomials;
use crate::quadrature::simplex_rule;

/// The element family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Continuous scalar Lagrange elements (H¹).
    Lagrange,
    /// Continuous Lagrange elements with one component per space dimension.
    VectorLagrange,
    /// Discontinuous scalar elements (L²), degrees of freedom all interior: moments
    /// against the monomials, so the interpolant is the cell-wise L² projection.
    Discontinuous,
    /// Nédélec elements of the first kind (H(curl)).
    Nedelec,
    /// Raviart–Thomas elements (H(div)).
    RaviartThomas,
}

/// How reference basis functions are pushed forward to a cell with Jacobian `J`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    /// `u = û ∘ F⁻¹`.
    Identity,
    /// `u = J⁻ᵀ û`: tangential components are preserved (H(curl)).
    CovariantPiola,
    /// `u = J û / det J`: normal fluxes are preserved (H(div)).
    ContravariantPiola,
}

/// A degree of freedom as a weighted sum of point values of the (pulled-back)
/// function: `ℓ(û) = Σ_p Σ_c w[p·vd + c] û_c(x_p)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Functional {
    /// Reference points, `dim` coordinates each.
    pub points: Vec<f64>,
    /// Weights, `value_dim` per point.
    pub weights: Vec<f64>,
}

/// Basis values and gradients at a set of reference points.
#[derive(Debug, Clone, PartialEq)]
pub struct Tabulation {
    /// Number of points.
    pub npoints: usize,
    /// Number of basis functions.
    pub ndofs: usize,
    /// Components per value.
    pub value_dim: usize,
    /// Reference dimension.
    pub dim: usize,
    /// Values, indexed `[point][dof][component]`.
    pub values: Vec<f64>,
    /// Reference gradients, indexed `[point][dof][component][direction]`.
    pub grads: Vec<f64>,
}

impl Tabulation {
    /// The value of basis function `i` at point `p` (`value_dim` entries).
    pub fn value(&self, p: usize, i: usize) -> &[f64] {
        let o = (p * self.ndofs + i) * self.value_dim;
        &self.values[o..o + self.value_dim]
    }

    /// The reference gradient of basis function `i` at point `p` (`value_dim × dim`,
    /// row-major by component).
    pub fn grad(&self, p: usize, i: usize) -> &[f64] {
        let n = self.value_dim * self.dim;
        let o = (p * self.ndofs + i) * n;
        &self.grads[o..o + n]
    }
}

/// A finite element on the reference simplex (vertices `0, e₁, …, e_d`).
///
/// ```
/// use noether_fem::element::Element;
/// // The lowest-order Nédélec triangle: one tangential moment per edge.
/// let n0 = Element::nedelec(2, 1).unwrap();
/// assert_eq!(n0.ndofs(), 3);
/// assert_eq!(n0.dofs_per_entity(1), 1);
/// // P3 on the tetrahedron: 4 vertices, 2 per edge, 1 per face.
/// let p3 = Element::lagrange(3, 3).unwrap();
/// assert_eq!(p3.ndofs(), 20);
/// assert_eq!(p3.dofs_per_entity(2), 1);
/// ```
#[derive(Debug, Clone)]
pub struct Element {
    family: Family,
    dim: usize,
    degree: usize,
    value_dim: usize,
    mapping: Mapping,
    monomials: Monomials,
    /// Basis coefficients: row i holds `value_dim` blocks of monomial coefficients.
    coeffs: DMatrix<f64>,
    /// Per dof: (entity dimension, local entity, index within the entity).
    dof_entity: Vec<(usize, usize, usize)>,
    per_entity: [usize; 4],
    functionals: Vec<Functional>,
}

impl Element {
    /// Continuous Lagrange `P_degree` (degree 1–4) on the `dim`-simplex (1–3), with
    /// point values at the equispaced lattice as degrees of freedom.
    pub fn lagrange(dim: usize, degree: usize) -> Result<Self> {
        check(dim, 1..=3, degree, 1..=4)?;
        Self::build(Family::Lagrange, dim, degree)
    }

    /// Continuous Lagrange with `dim` components (degree 1–4).
    pub fn vector_lagrange(dim: usize, degree: usize) -> Result<Self> {
        check(dim, 1..=3, degree, 1..=4)?;
        Self::build(Family::VectorLagrange, dim, degree)
    }

    /// Discontinuous `DG_degree` (degree 0–4): interior moments against the
    /// monomials, scaled so that the `DG0` degree of freedom is the cell mean.
    pub fn discontinuous(dim: usize, degree: usize) -> Result<Self> {
        check(dim, 1..=3, degree, 0..=4)?;
        Self::build(Family::Discontinuous, dim, degree)
    }

    /// Nédélec first kind of superdegree `degree` (1 = lowest order, 1–3) in 2-D or
    /// 3-D.
    pub fn nedelec(dim: usize, degree: usize) -> Result<Self> {
        check(dim, 2..=3, degree, 1..=3)?;
        Self::build(Family::Nedelec, dim, degree)
    }

    /// Raviart–Thomas of superdegree `degree` (1 = lowest order RT0, 1–3) in 2-D or
    /// 3-D.
    pub fn raviart_thomas(dim: usize, degree: usize) -> Result<Self> {
        check(dim, 2..=3, degree, 1..=3)?;
        Self::build(Family::RaviartThomas, dim, degree)
    }

    /// The family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Reference dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Polynomial superdegree (highest degree of any basis function).
    pub fn degree(&self) -> usize {
        self.degree
    }

    /// Components per value (1 for scalar elements, `dim` for vector ones).
    pub fn value_dim(&self) -> usize {
        self.value_dim
    }

    /// The push-forward.
    pub fn mapping(&self) -> Mapping {
        self.mapping
    }

    /// Number of basis functions.
    pub fn ndofs(&self) -> usize {
        self.dof_entity.len()
    }

    /// Degrees of freedom on each sub-simplex of dimension `k`.
    pub fn dofs_per_entity(&self, k: usize) -> usize {
        self.per_entity.get(k).copied().unwrap_or(0)
    }

    /// `(entity dimension, local entity, index within the entity)` of dof `i`; local
    /// entities are numbered as [`local_faces`].
    pub fn dof_entity(&self, i: usize) -> (usize, usize, usize) {
        self.dof_entity[i]
    }

    /// The degrees of freedom as functionals on reference functions.
    pub fn functionals(&self) -> &[Functional] {
        &self.functionals
    }

    /// Values and reference gradients of every basis function at `points` (`dim`
    /// coordinates each).
    pub fn tabulate(&self, points: &[f64]) -> Tabulation {
        let d = self.dim;
        let vd = self.value_dim;
        let nm = self.monomials.len();
        let np = points.len() / d;
        let n = self.ndofs();
        let mut values = vec![0.0; np * n * vd];
        let mut grads = vec![0.0; np * n * vd * d];
        let mut mv = vec![0.0; nm];
        let mut mg = vec![0.0; nm * d];
        for p in 0..np {
            let x = &points[p * d..(p + 1) * d];
            self.monomials.eval(x, &mut mv);
            self.monomials.eval_grad(x, &mut mg);
            for i in 0..n {
                for c in 0..vd {
                    let mut v = 0.0;
                    let mut g = [0.0; 3];
                    for m in 0..nm {
                        let a = self.coeffs[(i, c * nm + m)];
                        if a != 0.0 {
                            v += a * mv[m];
                            for k in 0..d {
                                g[k] += a * mg[m * d + k];
                            }
                        }
                    }
                    values[(p * n + i) * vd + c] = v;
                    let o = ((p * n + i) * vd + c) * d;
                    grads[o..o + d].copy_from_slice(&g[..d]);
                }
            }
        }
        Tabulation {
            npoints: np,
            ndofs: n,
            value_dim: vd,
            dim: d,
            values,
            grads,
        }
    }

    /// Applies dof `i` to reference values `vals[p·vd + c]` at its own points.
    pub fn apply_functional(&self, i: usize, vals: &[f64]) -> f64 {
        self.functionals[i]
            .weights
            .iter()
            .zip(vals)
            .map(|(w, v)| w * v)
            .sum()
    }

    fn build(family: Family, dim: usize, degree: usize) -> Result<Self> {
        let value_dim = match family {
            Family::Lagrange | Family::Discontinuous => 1,
            _ => dim,
        };
        let mapping = match family {
            Family::Nedelec => Mapping::CovariantPiola,
            Family::RaviartThomas => Mapping::ContravariantPiola,
            _ => Mapping::Identity,
        };
        let monomials = Monomials::new(dim, degree);
        let span = spanning_set(family, dim, degree, &monomials);
        let basis = orthonormal_rows(&span);

        let mut functionals = Vec::new();
        let mut dof_entity = Vec::new();
        let mut per_entity = [0usize; 4];
        for k in 0..=dim {
            for (e, verts) in local_faces(dim, k).iter().enumerate() {
                let coords: Vec<[f64; 3]> = verts.iter().map(|&v| ref_vertex(v)).collect();
                let fs = entity_functionals(family, dim, degree, &coords)?;
                per_entity[k] = fs.len();
                for (j, f) in fs.into_iter().enumerate() {
                    dof_entity.push((k, e, j));
                    functionals.push(f);
                }
            }
        }
        let n = functionals.len();
        if basis.nrows() != n {
            return Err(FemError::Solver(format!(
                "{family:?} degree {degree} in {dim}-D: space of dimension {} but {n} functionals",
                basis.nrows()
            )));
        }
        // dual matrix D_ij = ℓ_i(φ_j); the nodal basis is D⁻ᵀ Φ
        let nm = monomials.len();
        let mut dual = DMatrix::<f64>::zeros(n, n);
        let mut mv = vec![0.0; nm];
        for (i, f) in functionals.iter().enumerate() {
            for (p, x) in f.points.chunks_exact(dim).enumerate() {
                monomials.eval(x, &mut mv);
                for c in 0..value_dim {
                    let w = f.weights[p * value_dim + c];
                    if w == 0.0 {
                        continue;
                    }
                    for j in 0..n {
                        let v: f64 = (0..nm).map(|m| basis[(j, c * nm + m)] * mv[m]).sum();
                        dual[(i, j)] += w * v;
                    }
                }
            }
        }
        let inv = dual.transpose().try_inverse().ok_or_else(|| {
            FemError::Solver(format!("{family:?} degree {degree}: singular dual matrix"))
        })?;
        let coeffs = inv * basis;
        Ok(Self {
            family,
            dim,
            degree,
            value_dim,
            mapping,
            monomials,
            coeffs,
            dof_entity,
            per_entity,
            functionals,
        })
    }
}

fn check(
    dim: usize,
    dims: std::ops::RangeInclusive<usize>,
    degree: usize,
    degrees: std::ops::RangeInclusive<usize>,
) -> Result<()> {
    if !dims.contains(&dim) {
        return Err(invalid("dim", dim, "outside the family's dimensions"));
    }
    if !degrees.contains(&degree) {
        return Err(invalid("degree", degree, "outside the family's degrees"));
    }
    Ok(())
}

/// Vertex `i` of the reference simplex: the origin, then the unit vectors.
fn ref_vertex(i: usize) -> [f64; 3] {
    let mut v = [0.0; 3];
    if i > 0 {
        v[i - 1] = 1.0;
    }
    v
}

/// Rows spanning the element's polynomial space, in coefficient blocks of
/// `value_dim × monomials`.
fn spanning_set(family: Family, dim: usize, degree: usize, mono: &Monomials) -> DMatrix<f64> {
    let nm = mono.len();
    let vd = match family {
        Family::Lagrange | Family::Discontinuous => 1,
        _ => dim,
    };
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let unit = |c: usize, m: usize| {
        let mut r = vec![0.0; vd * nm];
        r[c * nm + m] = 1.0;
        r
    };
    match family {
        Family::Lagrange | Family::Discontinuous | Family::VectorLagrange => {
            for c in 0..vd {
                for m in mono.up_to(degree) {
                    rows.push(unit(c, m));
                }
            }
        }
        Family::RaviartThomas | Family::Nedelec => {
            // (P_{k−1})^d
            for c in 0..vd {
                for m in mono.up_to(degree - 1) {
                    rows.push(unit(c, m));
                }
            }
            let top: Vec<usize> = mono.homogeneous(degree - 1).collect();
            for &m in &top {
                let times = |j: usize| mono.times(m, j).unwrap_or(usize::MAX);
                if family == Family::RaviartThomas {
                    // x · m
                    let mut r = vec![0.0; vd * nm];
                    for c in 0..dim {
                        r[c * nm + times(c)] = 1.0;
                    }
                    rows.push(r);
                } else if dim == 2 {
                    // (−y, x) · m
                    let mut r = vec![0.0; vd * nm];
                    r[times(1)] = -1.0;
                    r[nm + times(0)] = 1.0;
                    rows.push(r);
                } else {
                    // x × (m e_j), j = 0, 1, 2 (linearly dependent; rank found below)
                    for j in 0..3 {
                        let mut r = vec![0.0; vd * nm];
                        for c in 0..3 {
                            if j == (c + 2) % 3 {
                                r[c * nm + times((c + 1) % 3)] += 1.0;
                            }
                            if j == (c + 1) % 3 {
                                r[c * nm + times((c + 2) % 3)] -= 1.0;
                            }
                        }
                        rows.push(r);
                    }
                }
            }
        }
    }
    DMatrix::from_fn(rows.len(), vd * nm, |i, j| rows[i][j])
}

/// An orthonormal basis of the row space of `span` (by SVD, dropping null directions).
fn orthonormal_rows(span: &DMatrix<f64>) -> DMatrix<f64> {
    let svd = span.clone().svd(false, true);
    let vt = svd.v_t.unwrap_or_else(|| DMatrix::zeros(0, span.ncols()));
    let smax = svd.singular_values.iter().cloned().fold(0.0, f64::max);
    let keep: Vec<usize> = (0..svd.singular_values.len())
        .filter(|&i| svd.singular_values[i] > 1e-10 * smax)
        .collect();
    DMatrix::from_fn(keep.len(), span.ncols(), |i, j| vt[(keep[i], j)])
}

/// The points `a₀ + Σ sᵢ(aᵢ − a₀)` of a sub-simplex for parameters `s`.
fn param_point(verts: &[[f64; 3]], s: &[f64], dim: usize) -> Vec<f64> {
    (0..dim)
        .map(|c| {
            verts[0][c]
                + s.iter()
                    .enumerate()
                    .map(|(i, si)| si * (verts[i + 1][c] - verts[0][c]))
                    .sum::<f64>()
        })
        .collect()
}

/// The degrees of freedom of `family` on the sub-simplex with vertices `verts`.
fn entity_functionals(
    family: Family,
    dim: usize,
    degree: usize,
    verts: &[[f64; 3]],
) -> Result<Vec<Functional>> {
    let k = verts.len() - 1;
    let mut out = Vec::new();
    match family {
        Family::Lagrange | Family::VectorLagrange => {
            let vd = if family == Family::Lagrange { 1 } else { dim };
            for s in interior_lattice(k, degree) {
                let x = param_point(verts, &s, dim);
                for c in 0..vd {
                    let mut w = vec![0.0; vd];
                    w[c] = 1.0;
                    out.push(Functional {
                        points: x.clone(),
                        weights: w,
                    });
                }
            }
        }
        Family::Discontinuous => {
            if k == dim {
                // moments against monomials; d! makes the DG0 dof the cell mean
                let scale: f64 = (1..=dim).map(|i| i as f64).product();
                let mono = Monomials::new(dim, degree);
                let dirs = [[scale, 0.0, 0.0]];
                out = moments(
                    verts,
                    dim,
                    &mono,
                    mono.up_to(degree),
                    &dirs,
                    1,
                    2 * degree + 4,
                )?;
            }
        }
        Family::Nedelec => {
            if k >= 1 && degree >= k {
                // tangential moments against P_{degree − k}(entity) ⊗ tangents
                let tangents: Vec<[f64; 3]> = (1..=k)
                    .map(|i| std::array::from_fn(|c| verts[i][c] - verts[0][c]))
                    .collect();
                let mono = Monomials::new(k, degree - k);
                out = moments(
                    verts,
                    dim,
                    &mono,
                    mono.up_to(degree - k),
                    &tangents,
                    dim,
                    2 * degree + 4,
                )?;
            }
        }
        Family::RaviartThomas => {
            if k + 1 == dim {
                let n = facet_normal(verts, dim);
                let mono = Monomials::new(k, degree - 1);
                out = moments(
                    verts,
                    dim,
                    &mono,
                    mono.up_to(degree - 1),
                    &[n],
                    dim,
                    2 * degree + 4,
                )?;
            } else if k == dim && degree >= 2 {
                let dirs: Vec<[f64; 3]> = (0..dim).map(ref_vertex_unit).collect();
                let mono = Monomials::new(k, degree - 2);
                out = moments(
                    verts,
                    dim,
                    &mono,
                    mono.up_to(degree - 2),
                    &dirs,
                    dim,
                    2 * degree + 4,
                )?;
            }
        }
    }
    Ok(out)
}

fn ref_vertex_unit(c: usize) -> [f64; 3] {
    ref_vertex(c + 1)
}

/// The unnormalised normal of a facet with ordered vertices: the tangent rotated
/// clockwise in 2-D, `(a₁ − a₀) × (a₂ − a₀)` in 3-D.
fn facet_normal(verts: &[[f64; 3]], dim: usize) -> [f64; 3] {
    let t = |i: usize| -> [f64; 3] { std::array::from_fn(|c| verts[i][c] - verts[0][c]) };
    if dim == 2 {
        let a = t(1);
        [a[1], -a[0], 0.0]
    } else {
        let (a, b) = (t(1), t(2));
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    }
}

/// Barycentric lattice points strictly inside a k-simplex at spacing 1/degree, as
/// parameters `s` (k each); a vertex (k = 0) gives the single empty parameter.
fn interior_lattice(k: usize, degree: usize) -> Vec<Vec<f64>> {
    if k == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    // multi-indices n₁..n_k ≥ 1 with Σ n ≤ degree − 1 (so n₀ = degree − Σ ≥ 1)
    fn rec(k: usize, left: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for n in 1..=left {
            cur.push(n);
            rec(k, left - n, cur, out);
            cur.pop();
        }
    }
    let mut idx = Vec::new();
    if degree > k {
        rec(k, degree - 1, &mut Vec::new(), &mut idx);
    }
    for n in idx {
        if n.iter().sum::<usize>() < degree {
            out.push(n.iter().map(|&v| v as f64 / degree as f64).collect());
        }
    }
    out
}

/// Moments `∫_E (u · dir) q ds` over the sub-simplex `E` (parameter measure) for each
/// `q` in `qs` (monomials in the parameters) and each direction, `q`-major.
fn moments(
    verts: &[[f64; 3]],
    dim: usize,
    mono: &Monomials,
    qs: std::ops::Range<usize>,
    dirs: &[[f64; 3]],
    vd: usize,
    quad_degree: usize,
) -> Result<Vec<Functional>> {
    let k = verts.len() - 1;
    let rule = simplex_rule(k, quad_degree)?;
    let mut points = Vec::with_capacity(rule.len() * dim);
    let mut qv = vec![0.0; mono.len() * rule.len()];
    for p in 0..rule.len() {
        let s = rule.point(p);
        points.extend(param_point(verts, s, dim));
        mono.eval(s, &mut qv[p * mono.len()..(p + 1) * mono.len()]);
    }
    let mut out = Vec::new();
    for q in qs {
        for dir in dirs {
            let mut weights = vec![0.0; rule.len() * vd];
            for p in 0..rule.len() {
                let wq = rule.weights[p] * qv[p * mono.len() + q];
                for c in 0..vd {
                    weights[p * vd + c] = wq * dir[c];
                }
            }
            out.push(Functional {
                points: points.clone(),
                weights,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims_of(e: &Element) -> usize {
        e.ndofs()
    }

    #[test]
    fn dimensions_match_the_literature() {
        // (element, expected dimension)
        let cases: Vec<(Element, usize)> = vec![
            (Element::lagrange(2, 1).unwrap(), 3),
            (Element::lagrange(2, 2).unwrap(), 6),
            (Element::lagrange(2, 3).unwrap(), 10),
            (Element::lagrange(3, 2).unwrap(), 10),
            (Element::lagrange(3, 3).unwrap(), 20),
            (Element::discontinuous(2, 0).unwrap(), 1),
            (Element::discontinuous(3, 1).unwrap(), 4),
            (Element::nedelec(2, 1).unwrap(), 3),
            (Element::nedelec(2, 2).unwrap(), 8),
            (Element::nedelec(3, 1).unwrap(), 6),
            (Element::nedelec(3, 2).unwrap(), 20),
            (Element::raviart_thomas(2, 1).unwrap(), 3),
            (Element::raviart_thomas(2, 2).unwrap(), 8),
            (Element::raviart_thomas(3, 1).unwrap(), 4),
            (Element::raviart_thomas(3, 2).unwrap(), 15),
        ];
        for (e, n) in cases {
            assert_eq!(dims_of(&e), n, "{:?} {}", e.family(), e.degree());
        }
    }

    #[test]
    fn basis_is_dual_to_the_functionals() {
        for e in [
            Element::lagrange(3, 3).unwrap(),
            Element::nedelec(3, 2).unwrap(),
            Element::raviart_thomas(3, 2).unwrap(),
            Element::discontinuous(2, 2).unwrap(),
            Element::nedelec(2, 3).unwrap(),
        ] {
            let vd = e.value_dim();
            for (i, f) in e.functionals().iter().enumerate() {
                let tab = e.tabulate(&f.points);
                for j in 0..e.ndofs() {
                    let mut v = 0.0;
                    for p in 0..tab.npoints {
                        for c in 0..vd {
                            v += f.weights[p * vd + c] * tab.value(p, j)[c];
                        }
                    }
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!(
                        (v - want).abs() < 1e-10,
                        "{:?}: l_{i}(phi_{j}) = {v}",
                        e.family()
                    );
                }
            }
        }
    }

    #[test]
    fn invalid_degrees_are_errors() {
        assert!(Element::lagrange(2, 0).is_err());
        assert!(Element::nedelec(1, 1).is_err());
        assert!(Element::raviart_thomas(3, 4).is_err());
    }
}
