//! Mesh generators: interval, rectangle and unit square, unit cube (6 tetrahedra per
//! cube), disk, annulus and L-shape, with their boundary facets tagged.

use std::f64::consts::PI;

use crate::error::{Result, invalid};
use crate::geometry::signed_volume;
use crate::mesh::Mesh;
use crate::topology::Topology;

/// How each square of a structured rectangle is split into two triangles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagonal {
    /// From the lower-left to the upper-right corner.
    Right,
    /// From the lower-right to the upper-left corner.
    Left,
    /// Alternating between the two in a checkerboard.
    Alternating,
}

fn check_count(name: &'static str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(invalid(name, n, "must be at least 1"));
    }
    Ok(())
}

/// Tags every boundary facet of `mesh` with `marker(midpoint)`.
pub fn tag_boundary(mesh: Mesh, marker: impl Fn(&[f64]) -> i32) -> Result<Mesh> {
    let topo = Topology::new(&mesh)?;
    let g = mesh.gdim();
    let mut facets = Vec::new();
    let mut markers = Vec::new();
    for f in topo.boundary_facets() {
        let verts = topo.facet_vertices(f);
        let mut mid = vec![0.0; g];
        for &v in &verts {
            for (m, x) in mid.iter_mut().zip(mesh.vertex(v)) {
                *m += x / verts.len() as f64;
            }
        }
        markers.push(marker(&mid));
        facets.extend(verts);
    }
    mesh.with_facet_markers(facets, markers)
}

/// The interval `[a, b]` in `n` equal cells; boundary markers 1 (at `a`) and 2 (at `b`).
pub fn interval(n: usize, a: f64, b: f64) -> Result<Mesh> {
    check_count("n", n)?;
    if a.partial_cmp(&b) != Some(std::cmp::Ordering::Less) {
        return Err(invalid("a, b", format!("{a}, {b}"), "needs a < b"));
    }
    let coords = (0..=n).map(|i| a + (b - a) * i as f64 / n as f64).collect();
    let cells = (0..n).flat_map(|i| [i, i + 1]).collect();
    let mid = 0.5 * (a + b);
    tag_boundary(Mesh::new(1, 1, coords, cells)?, |x| {
        if x[0] < mid { 1 } else { 2 }
    })
}

/// The rectangle `[x0, x1] × [y0, y1]` in `nx × ny` squares, each split into two
/// counter-clockwise triangles along `diagonal`. Boundary markers: 1 bottom, 2 right,
/// 3 top, 4 left.
pub fn rectangle(
    nx: usize,
    ny: usize,
    lo: [f64; 2],
    hi: [f64; 2],
    diagonal: Diagonal,
) -> Result<Mesh> {
    check_count("nx", nx)?;
    check_count("ny", ny)?;
    if !(lo[0] < hi[0] && lo[1] < hi[1]) {
        return Err(invalid(
            "lo, hi",
            format!("{lo:?}, {hi:?}"),
            "needs lo < hi in each coordinate",
        ));
    }
    let mut coords = Vec::with_capacity(2 * (nx + 1) * (ny + 1));
    for j in 0..=ny {
        for i in 0..=nx {
            coords.push(lo[0] + (hi[0] - lo[0]) * i as f64 / nx as f64);
            coords.push(lo[1] + (hi[1] - lo[1]) * j as f64 / ny as f64);
        }
    }
    let id = |i: usize, j: usize| j * (nx + 1) + i;
    let mut cells = Vec::with_capacity(6 * nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let (a, b, c, d) = (id(i, j), id(i + 1, j), id(i + 1, j + 1), id(i, j + 1));
            let right = match diagonal {
                Diagonal::Right => true,
                Diagonal::Left => false,
                Diagonal::Alternating => (i + j) % 2 == 0,
            };
            if right {
                cells.extend([a, b, c, a, c, d]);
            } else {
                cells.extend([a, b, d, b, c, d]);
            }
        }
    }
    let (dx, dy) = ((hi[0] - lo[0]) * 1e-9, (hi[1] - lo[1]) * 1e-9);
    tag_boundary(Mesh::new(2, 2, coords, cells)?, |m| {
        if (m[1] - lo[1]).abs() < dy {
            1
        } else if (m[0] - hi[0]).abs() < dx {
            2
        } else if (m[1] - hi[1]).abs() < dy {
            3
        } else {
            4
        }
    })
}

/// The unit square in `nx × ny` squares (see [`rectangle`]).
pub fn unit_square(nx: usize, ny: usize, diagonal: Diagonal) -> Result<Mesh> {
    rectangle(nx, ny, [0.0, 0.0], [1.0, 1.0], diagonal)
}

/// The L-shaped domain `[−1, 1]² ∖ (0, 1] × [−1, 0)` with `n × n` squares per
/// quadrant (right diagonals); every boundary facet has marker 1.
pub fn l_shape(n: usize) -> Result<Mesh> {
    check_count("n", n)?;
    let full = rectangle(2 * n, 2 * n, [-1.0, -1.0], [1.0, 1.0], Diagonal::Right)?;
    let keep: Vec<usize> = (0..full.n_cells())
        .filter(|&c| {
            let cell = full.cell(c);
            let cx: f64 = cell.iter().map(|&v| full.vertex(v)[0]).sum::<f64>() / 3.0;
            let cy: f64 = cell.iter().map(|&v| full.vertex(v)[1]).sum::<f64>() / 3.0;
            !(cx > 0.0 && cy < 0.0)
        })
        .collect();
    let (coords, cells) = compact(&full, &keep);
    tag_boundary(Mesh::new(2, 2, coords, cells)?, |_| 1)
}

/// Keeps the cells `keep` of `mesh` and the vertices they use, renumbered in order.
fn compact(mesh: &Mesh, keep: &[usize]) -> (Vec<f64>, Vec<usize>) {
    let mut new_id = vec![usize::MAX; mesh.n_vertices()];
    let mut coords = Vec::new();
    let mut cells = Vec::with_capacity(keep.len() * (mesh.dim() + 1));
    for &c in keep {
        for &v in mesh.cell(c) {
            if new_id[v] == usize::MAX {
                new_id[v] = coords.len() / mesh.gdim();
                coords.extend_from_slice(mesh.vertex(v));
            }
            cells.push(new_id[v]);
        }
    }
    (coords, cells)
}

/// The unit cube in `n³` small cubes, each split into the 6 tetrahedra of Kuhn's
/// (Freudenthal's) subdivision around its main diagonal, so that neighbouring cubes
/// match; all tetrahedra positively oriented. Boundary markers: 1 (x = 0), 2 (x = 1),
/// 3 (y = 0), 4 (y = 1), 5 (z = 0), 6 (z = 1).
pub fn unit_cube(n: usize) -> Result<Mesh> {
    check_count("n", n)?;
    let m = n + 1;
    let mut coords = Vec::with_capacity(3 * m * m * m);
    for k in 0..m {
        for j in 0..m {
            for i in 0..m {
                coords.extend([
                    i as f64 / n as f64,
                    j as f64 / n as f64,
                    k as f64 / n as f64,
                ]);
            }
        }
    }
    let id = |i: usize, j: usize, k: usize| (k * m + j) * m + i;
    const PERMS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    // even permutations give positively oriented paths
    const EVEN: [bool; 6] = [true, false, false, true, true, false];
    let mut cells = Vec::with_capacity(24 * n * n * n);
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                for (p, &even) in PERMS.iter().zip(&EVEN) {
                    let mut x = [i, j, k];
                    let mut tet = [id(i, j, k), 0, 0, id(i + 1, j + 1, k + 1)];
                    for (s, &axis) in p[..2].iter().enumerate() {
                        x[axis] += 1;
                        tet[s + 1] = id(x[0], x[1], x[2]);
                    }
                    if !even {
                        tet.swap(1, 3);
                    }
                    cells.extend(tet);
                }
            }
        }
    }
    let mesh = Mesh::new(3, 3, coords, cells)?;
    debug_assert!((0..mesh.n_cells()).all(|c| signed_volume(&mesh, c) > 0.0));
    // boundary faces directly from the grid: a face whose three vertices share a
    // boundary plane (no topology needed); markers by plane
    let grid = |v: usize| [v % m, (v / m) % m, v / (m * m)];
    let mut facets = Vec::new();
    let mut markers = Vec::new();
    for tet in mesh.cells().chunks_exact(4) {
        for skip in 0..4 {
            let face: Vec<usize> = (0..4).filter(|&i| i != skip).map(|i| tet[i]).collect();
            let g: Vec<[usize; 3]> = face.iter().map(|&v| grid(v)).collect();
            for axis in 0..3 {
                for (side, value) in [(0, 0), (1, n)] {
                    if g.iter().all(|x| x[axis] == value) {
                        facets.extend_from_slice(&face);
                        markers.push((2 * axis + side + 1) as i32);
                    }
                }
            }
        }
    }
    mesh.with_facet_markers(facets, markers)
}

/// Joins two concentric rings of vertices (ids `inner`, `outer`, counter-clockwise,
/// with their angles) by triangles, advancing along whichever ring comes next in
/// angle.
fn zip_rings(inner: &[(usize, f64)], outer: &[(usize, f64)], cells: &mut Vec<usize>) {
    let (m, n) = (inner.len(), outer.len());
    let (mut i, mut j) = (0, 0);
    let angle = |ring: &[(usize, f64)], k: usize| {
        let len = ring.len();
        ring[k % len].1 + 2.0 * PI * (k / len) as f64
    };
    while i < m || j < n {
        let advance_inner = j == n || (i < m && angle(inner, i + 1) < angle(outer, j + 1));
        if advance_inner {
            cells.extend([inner[i % m].0, outer[j % n].0, inner[(i + 1) % m].0]);
            i += 1;
        } else {
            cells.extend([inner[i % m].0, outer[j % n].0, outer[(j + 1) % n].0]);
            j += 1;
        }
    }
}

/// Orients every triangle counter-clockwise.
fn orient_ccw(coords: &[f64], cells: &mut [usize]) {
    for t in cells.chunks_exact_mut(3) {
        let p = |v: usize| [coords[2 * v], coords[2 * v + 1]];
        let (a, b, c) = (p(t[0]), p(t[1]), p(t[2]));
        let area = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
        if area < 0.0 {
            t.swap(1, 2);
        }
    }
}

/// The disk of radius `r` centred at the origin: `n` rings, ring `k` with `6k`
/// vertices at radius `kr/n`, joined ring to ring (a nearly uniform triangulation
/// with `6n²` triangles). Boundary marker 1.
pub fn disk(n: usize, r: f64) -> Result<Mesh> {
    check_count("n", n)?;
    if !(r > 0.0 && r.is_finite()) {
        return Err(invalid("r", r, "must be positive"));
    }
    let mut coords = vec![0.0, 0.0];
    let mut cells = Vec::new();
    let mut inner: Vec<(usize, f64)> = vec![(0, 0.0)];
    for k in 1..=n {
        let rho = r * k as f64 / n as f64;
        let count = 6 * k;
        // stagger alternate rings by half a step for better angles
        let offset = if k % 2 == 0 { PI / count as f64 } else { 0.0 };
        let ring: Vec<(usize, f64)> = (0..count)
            .map(|i| {
                let th = offset + 2.0 * PI * i as f64 / count as f64;
                let id = coords.len() / 2;
                coords.extend([rho * th.cos(), rho * th.sin()]);
                (id, th)
            })
            .collect();
        if k == 1 {
            for i in 0..count {
                cells.extend([0, ring[i].0, ring[(i + 1) % count].0]);
            }
        } else {
            zip_rings(&inner, &ring, &mut cells);
        }
        inner = ring;
    }
    orient_ccw(&coords, &mut cells);
    tag_boundary(Mesh::new(2, 2, coords, cells)?, |_| 1)
}

/// The annulus `r0 ≤ |x| ≤ r1` on a polar grid of `nr` radial by `nt` angular
/// intervals, each split into two triangles. Boundary markers: 1 inner, 2 outer.
pub fn annulus(nr: usize, nt: usize, r0: f64, r1: f64) -> Result<Mesh> {
    check_count("nr", nr)?;
    if nt < 3 {
        return Err(invalid("nt", nt, "must be at least 3"));
    }
    if !(0.0 < r0 && r0 < r1 && r1.is_finite()) {
        return Err(invalid("r0, r1", format!("{r0}, {r1}"), "need 0 < r0 < r1"));
    }
    let mut coords = Vec::with_capacity(2 * (nr + 1) * nt);
    for i in 0..=nr {
        let rho = r0 + (r1 - r0) * i as f64 / nr as f64;
        for j in 0..nt {
            let th = 2.0 * PI * j as f64 / nt as f64;
            coords.extend([rho * th.cos(), rho * th.sin()]);
        }
    }
    let id = |i: usize, j: usize| i * nt + j % nt;
    let mut cells = Vec::with_capacity(6 * nr * nt);
    for i in 0..nr {
        for j in 0..nt {
            cells.extend([id(i, j), id(i + 1, j), id(i + 1, j + 1)]);
            cells.extend([id(i, j), id(i + 1, j + 1), id(i, j + 1)]);
        }
    }
    orient_ccw(&coords, &mut cells);
    let mid = 0.5 * (r0 + r1);
    tag_boundary(Mesh::new(2, 2, coords, cells)?, |x| {
        if x[0].hypot(x[1]) < mid { 1 } else { 2 }
    })
}
