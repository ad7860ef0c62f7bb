//! Geometry and quality of simplices: volumes, circumcentres, normals, radius ratio,
//! angles, inverted-element detection.

use crate::mesh::{Mesh, dist, without};

/// Edge vectors `pᵢ − p₀` of a simplex given by its vertex coordinates.
/// (Fixed-size: no allocation per simplex; rows past `verts.len() − 1` are zero.)
fn edge_vectors(mesh: &Mesh, verts: &[usize]) -> [[f64; 3]; 3] {
    let p0 = mesh.vertex(verts[0]);
    let mut e = [[0.0; 3]; 3];
    for (row, &v) in e.iter_mut().zip(&verts[1..]) {
        for (x, (a, b)) in row.iter_mut().zip(mesh.vertex(v).iter().zip(p0)) {
            *x = a - b;
        }
    }
    e
}

fn dot3(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Determinant of the `k × k` matrix with rows `r` (k ≤ 3; entries past k ignored).
fn det(r: &[[f64; 3]]) -> f64 {
    match r.len() {
        1 => r[0][0],
        2 => r[0][0] * r[1][1] - r[0][1] * r[1][0],
        3 => dot3(&r[0], &cross(&r[1], &r[2])),
        _ => 1.0,
    }
}

fn factorial(k: usize) -> f64 {
    (1..=k).map(|i| i as f64).product()
}

/// The k-volume (length, area, volume) of the simplex with vertices `verts`;
/// signed by orientation when the simplex has full dimension (`k = gdim`).
pub fn simplex_volume(mesh: &Mesh, verts: &[usize]) -> f64 {
    let k = verts.len() - 1;
    if k == 0 {
        return 1.0;
    }
    let e = edge_vectors(mesh, verts);
    if k == mesh.gdim() {
        return det(&e[..k]) / factorial(k);
    }
    // Gram determinant
    let mut g = [[0.0; 3]; 3];
    for i in 0..k {
        for j in 0..k {
            g[i][j] = dot3(&e[i], &e[j]);
        }
    }
    det(&g[..k]).max(0.0).sqrt() / factorial(k)
}

/// Signed volume of cell `c` (positive when its vertex order is positively oriented;
/// for cells of lower dimension than the space, the unsigned volume).
pub fn signed_volume(mesh: &Mesh, c: usize) -> f64 {
    simplex_volume(mesh, mesh.cell(c))
}

/// Unsigned volume of every cell.
pub fn cell_volumes(mesh: &Mesh) -> Vec<f64> {
    (0..mesh.n_cells())
        .map(|c| signed_volume(mesh, c).abs())
        .collect()
}

/// Total volume (length, area) of the mesh.
pub fn total_volume(mesh: &Mesh) -> f64 {
    cell_volumes(mesh).iter().sum()
}

/// Cells with non-positive signed volume: inverted (or flattened) elements of a
/// full-dimensional mesh whose cells should be positively oriented. Empty for meshes
/// of lower dimension than their space (no orientation to invert).
pub fn inverted_cells(mesh: &Mesh) -> Vec<usize> {
    if mesh.dim() != mesh.gdim() {
        return Vec::new();
    }
    (0..mesh.n_cells())
        .filter(|&c| signed_volume(mesh, c) <= 0.0)
        .collect()
}

/// Circumcentre of the simplex with vertices `verts` (in its affine hull), from
/// `c = p₀ + Eα` with `(EᵀE)α = ½ diag(EᵀE)`.
pub fn circumcentre(mesh: &Mesh, verts: &[usize]) -> Vec<f64> {
    let k = verts.len() - 1;
    let p0 = mesh.vertex(verts[0]).to_vec();
    if k == 0 {
        return p0;
    }
    let e = edge_vectors(mesh, verts);
    let mut g = [[0.0; 3]; 3];
    let mut rhs = [0.0; 3];
    for i in 0..k {
        for j in 0..k {
            g[i][j] = dot3(&e[i], &e[j]);
        }
        rhs[i] = 0.5 * g[i][i];
    }
    let alpha = solve_small(&g, &rhs, k);
    let mut c = p0;
    for (i, a) in alpha.iter().enumerate().take(k) {
        for (x, ei) in c.iter_mut().zip(&e[i]) {
            *x += a * ei;
        }
    }
    c
}

/// Solves the `k × k` SPD system by Cramer's rule (k ≤ 3).
fn solve_small(g: &[[f64; 3]; 3], rhs: &[f64; 3], k: usize) -> [f64; 3] {
    let d = det(&g[..k]);
    let mut out = [0.0; 3];
    for (col, o) in out.iter_mut().enumerate().take(k) {
        let mut m = *g;
        for (r, b) in m.iter_mut().zip(rhs).take(k) {
            r[col] = *b;
        }
        *o = det(&m[..k]) / d;
    }
    out
}

/// Circumradius of cell `c`.
pub fn circumradius(mesh: &Mesh, c: usize) -> f64 {
    let cell = mesh.cell(c);
    dist(&circumcentre(mesh, cell), mesh.vertex(cell[0]))
}

/// Inradius of cell `c`: `d·|T| / Σ|facets|` (half the length of an interval).
pub fn inradius(mesh: &Mesh, c: usize) -> f64 {
    let cell = mesh.cell(c);
    let d = mesh.dim();
    let vol = signed_volume(mesh, c).abs();
    if d == 1 {
        return 0.5 * vol;
    }
    let area: f64 = (0..=d)
        .map(|skip| {
            let f = without(cell, skip);
            simplex_volume(mesh, &f).abs()
        })
        .sum();
    d as f64 * vol / area
}

/// Radius ratio `d · r_in / R_circ` of cell `c`: 1 for the regular simplex, → 0 as
/// the cell degenerates.
pub fn radius_ratio(mesh: &Mesh, c: usize) -> f64 {
    if mesh.dim() == 1 {
        return 1.0;
    }
    mesh.dim() as f64 * inradius(mesh, c) / circumradius(mesh, c)
}

/// Smallest angle (radians) of cell `c`: the smallest interior angle of a triangle,
/// the smallest dihedral angle of a tetrahedron (π for an interval).
pub fn min_angle(mesh: &Mesh, c: usize) -> f64 {
    let cell = mesh.cell(c);
    let p = |i: usize| {
        let mut x = [0.0; 3];
        x[..mesh.gdim()].copy_from_slice(mesh.vertex(cell[i]));
        x
    };
    let sub = |a: [f64; 3], b: [f64; 3]| [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    let angle = |u: [f64; 3], v: [f64; 3]| {
        let cr = cross(&u, &v);
        dot3(&cr, &cr).sqrt().atan2(dot3(&u, &v))
    };
    match mesh.dim() {
        1 => std::f64::consts::PI,
        2 => (0..3)
            .map(|i| angle(sub(p((i + 1) % 3), p(i)), sub(p((i + 2) % 3), p(i))))
            .fold(f64::INFINITY, f64::min),
        _ => {
            // dihedral angle at edge (i, j): between the normals of the two faces
            // containing it, projected away from the edge
            let mut m = f64::INFINITY;
            for i in 0..4 {
                for j in i + 1..4 {
                    let others: Vec<usize> = (0..4).filter(|&k| k != i && k != j).collect();
                    let e = sub(p(j), p(i));
                    let n1 = cross(&e, &sub(p(others[0]), p(i)));
                    let n2 = cross(&e, &sub(p(others[1]), p(i)));
                    m = m.min(angle(n1, n2));
                }
            }
            m
        }
    }
}

/// Unit normal of the facet with vertices `facet` (dim vertices), pointing away from
/// the cell vertex `opposite`. Only for facets of full-dimensional meshes
/// (`dim = gdim`).
pub fn facet_normal(mesh: &Mesh, facet: &[usize], opposite: usize) -> Vec<f64> {
    let g = mesh.gdim();
    let p0 = mesh.vertex(facet[0]);
    let mut n = [0.0; 3];
    match g {
        1 => n[0] = 1.0,
        2 => {
            let t = mesh.vertex(facet[1]);
            n[0] = t[1] - p0[1];
            n[1] = -(t[0] - p0[0]);
        }
        _ => {
            let e = edge_vectors(mesh, facet);
            n = cross(&e[0], &e[1]);
        }
    }
    let q = mesh.vertex(opposite);
    let side: f64 = (0..g).map(|k| n[k] * (q[k] - p0[k])).sum();
    let norm = dot3(&n, &n).sqrt();
    let s = if side > 0.0 { -1.0 } else { 1.0 } / norm;
    (0..g).map(|k| s * n[k]).collect()
}
