//! Discrete exterior calculus on simplicial meshes: circumcentric (diagonal) Hodge
//! stars, the well-centredness check, and the DEC Laplacian on 0-forms.
//!
//! The dual of a k-simplex σ is built from circumcentres: inside each cell T ⊇ σ it
//! is the union over flags σ = σ_k ⊂ σ_{k+1} ⊂ … ⊂ σ_d = T of the simplices
//! `(c(σ_k), …, c(σ_d))`, each signed by whether every `c(σ_{j+1})` lies on the same
//! side of σ_j as σ_{j+1}'s remaining vertex (Hirani, *Discrete Exterior Calculus*,
//! 2003). On well-centred meshes all signs are positive. In 2-D the 0-form
//! Laplacian `d₀ᵀ ⋆₁ d₀` is the cotangent Laplacian, equal to the P1 finite-element
//! stiffness matrix on any triangulation; in 3-D it is the finite-volume Laplacian on
//! the circumcentric (Voronoi) dual, which differs from P1 in general (on the Kuhn
//! cube mesh it is the 7-point stencil).

use faer::sparse::{SparseRowMat, Triplet};

use crate::error::{MeshError, Result};
use crate::geometry::circumcentre;
use crate::mesh::{Mesh, dist, without};
use crate::topology::Topology;

/// Unsigned k-volume of the simplex with the given vertex coordinates (Gram
/// determinant; k ≤ 3).
fn volume_of_points(p: &[Vec<f64>]) -> f64 {
    let k = p.len() - 1;
    if k == 0 {
        return 1.0;
    }
    let e: Vec<Vec<f64>> = p[1..]
        .iter()
        .map(|q| q.iter().zip(&p[0]).map(|(a, b)| a - b).collect())
        .collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let g: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| dot(&e[i], &e[j])).collect())
        .collect();
    let det = match k {
        1 => g[0][0],
        2 => g[0][0] * g[1][1] - g[0][1] * g[1][0],
        _ => {
            g[0][0] * (g[1][1] * g[2][2] - g[1][2] * g[2][1])
                - g[0][1] * (g[1][0] * g[2][2] - g[1][2] * g[2][0])
                + g[0][2] * (g[1][0] * g[2][1] - g[1][1] * g[2][0])
        }
    };
    let fact = (1..=k).product::<usize>() as f64;
    det.max(0.0).sqrt() / fact
}

/// +1 when `c_big` (circumcentre of σ_{j+1}) lies on the same side of σ_j (with
/// circumcentre `c_small`) as `opposite`, the vertex of σ_{j+1} not in σ_j; −1
/// otherwise (0 on it).
fn side(c_small: &[f64], c_big: &[f64], opposite: &[f64]) -> f64 {
    let s: f64 = c_big
        .iter()
        .zip(c_small)
        .zip(opposite)
        .map(|((b, a), o)| (b - a) * (o - a))
        .sum();
    if s > 0.0 {
        1.0
    } else if s < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Signed dual volumes of all k-simplices (k = 0 … dim); the dual of a cell is its
/// circumcentre (volume 1).
pub fn dual_volumes(mesh: &Mesh, topo: &Topology, k: usize) -> Vec<f64> {
    let d = mesh.dim();
    let mut dual = vec![0.0; topo.count(k)];
    if k == d {
        dual.fill(1.0);
        return dual;
    }
    for c in 0..mesh.n_cells() {
        let mut cell = mesh.cell(c).to_vec();
        cell.sort_unstable();
        // walk all flags from k-faces of the cell up to the cell: choose the vertices
        // of σ_k, then add the remaining vertices one at a time in every order
        let mut flags = Vec::new();
        flags_from(&cell, k, &mut flags);
        for (face, order) in flags {
            // σ_j = face ∪ order[..j−k]
            let mut chain = Vec::with_capacity(d - k + 1);
            let mut verts = face.clone();
            chain.push((verts.clone(), circumcentre(mesh, &verts)));
            for &v in &order {
                verts.push(v);
                chain.push((verts.clone(), circumcentre(mesh, &verts)));
            }
            let mut sign = 1.0;
            for (j, &v) in order.iter().enumerate() {
                sign *= side(&chain[j].1, &chain[j + 1].1, mesh.vertex(v));
            }
            let pts: Vec<Vec<f64>> = chain.iter().map(|(_, c)| c.clone()).collect();
            let vol = volume_of_points(&pts);
            if let Some(id) = topo.find(k, &face) {
                dual[id] += sign * vol;
            }
        }
    }
    dual
}

/// All (k-face, ordering of the remaining vertices) pairs of a sorted cell.
fn flags_from(cell: &[usize], k: usize, out: &mut Vec<(Vec<usize>, Vec<usize>)>) {
    let n = cell.len();
    for mask in 0u32..(1 << n) {
        if mask.count_ones() as usize != k + 1 {
            continue;
        }
        let face: Vec<usize> = (0..n)
            .filter(|&i| mask & (1 << i) != 0)
            .map(|i| cell[i])
            .collect();
        let rest: Vec<usize> = (0..n)
            .filter(|&i| mask & (1 << i) == 0)
            .map(|i| cell[i])
            .collect();
        permutations(
            &rest,
            &mut Vec::new(),
            &mut vec![false; rest.len()],
            &face,
            out,
        );
    }
}

fn permutations(
    items: &[usize],
    cur: &mut Vec<usize>,
    used: &mut Vec<bool>,
    face: &[usize],
    out: &mut Vec<(Vec<usize>, Vec<usize>)>,
) {
    if cur.len() == items.len() {
        out.push((face.to_vec(), cur.clone()));
        return;
    }
    for i in 0..items.len() {
        if !used[i] {
            used[i] = true;
            cur.push(items[i]);
            permutations(items, cur, used, face, out);
            cur.pop();
            used[i] = false;
        }
    }
}

/// Primal k-volumes of all k-simplices (1 for vertices).
pub fn primal_volumes(mesh: &Mesh, topo: &Topology, k: usize) -> Vec<f64> {
    (0..topo.count(k))
        .map(|i| match k {
            0 => 1.0,
            1 => {
                let s = topo.simplex(1, i);
                dist(mesh.vertex(s[0]), mesh.vertex(s[1]))
            }
            _ => {
                let pts: Vec<Vec<f64>> = topo
                    .simplex(k, i)
                    .iter()
                    .map(|&v| mesh.vertex(v).to_vec())
                    .collect();
                volume_of_points(&pts)
            }
        })
        .collect()
}

/// The diagonal of the circumcentric Hodge star `⋆_k`: |dual σ| / |σ| for every
/// k-simplex σ. Entries can be negative (or zero) on meshes that are not
/// well-centred (or not Delaunay).
pub fn hodge_star(mesh: &Mesh, topo: &Topology, k: usize) -> Vec<f64> {
    let dual = dual_volumes(mesh, topo, k);
    let primal = primal_volumes(mesh, topo, k);
    dual.iter().zip(&primal).map(|(d, p)| d / p).collect()
}

/// Whether every simplex of every dimension ≥ 1 contains its circumcentre in its
/// interior (then every circumcentric dual volume is positive).
pub fn is_well_centred(mesh: &Mesh, topo: &Topology) -> bool {
    (1..=mesh.dim()).all(|k| {
        (0..topo.count(k)).all(|i| {
            let verts = topo.simplex(k, i);
            let c = circumcentre(mesh, verts);
            // barycentric coordinates of c all positive ⇔ c on the inner side of
            // every facet of the simplex
            (0..verts.len()).all(|skip| {
                let facet = without(verts, skip);
                let cf = circumcentre(mesh, &facet);
                side(&cf, &c, mesh.vertex(verts[skip])) > 0.0
            })
        })
    })
}

/// The DEC Laplacian on 0-forms `L = d₀ᵀ ⋆₁ d₀` (the cotangent Laplacian in 2-D),
/// symmetric positive semidefinite when `⋆₁ ≥ 0`. Fails with
/// [`MeshError::InvalidArgument`] for 1-D meshes without edges to dualise.
pub fn laplacian0(mesh: &Mesh, topo: &Topology) -> Result<SparseRowMat<usize, f64>> {
    if topo.count(1) == 0 {
        return Err(MeshError::InvalidArgument {
            name: "mesh",
            value: "no edges".into(),
            reason: "the 0-form Laplacian needs edges",
        });
    }
    let star1 = hodge_star(mesh, topo, 1);
    let n = topo.count(0);
    let mut t = Vec::with_capacity(4 * star1.len());
    for (e, &w) in star1.iter().enumerate() {
        let s = topo.simplex(1, e);
        let (a, b) = (s[0], s[1]);
        t.push(Triplet::new(a, a, w));
        t.push(Triplet::new(b, b, w));
        t.push(Triplet::new(a, b, -w));
        t.push(Triplet::new(b, a, -w));
    }
    SparseRowMat::try_new_from_triplets(n, n, &t).map_err(|_| MeshError::InvalidArgument {
        name: "laplacian",
        value: format!("{n} vertices"),
        reason: "could not assemble",
    })
}
