//! Geometry, uniform refinement and discrete exterior calculus.

use noether_mesh::dec::{hodge_star, is_well_centred, laplacian0, primal_volumes};
use noether_mesh::generate::{self, Diagonal};
use noether_mesh::geometry::{
    circumcentre, facet_normal, inverted_cells, min_angle, radius_ratio, signed_volume,
    total_volume,
};
use noether_mesh::refine::refine_uniform;
use noether_mesh::{Mesh, Topology};
use proptest::prelude::*;

fn equilateral_lattice(n: usize) -> Mesh {
    // rows of points offset by half a step: all triangles equilateral
    let h = 3f64.sqrt() / 2.0;
    let mut coords = Vec::new();
    for j in 0..=n {
        for i in 0..=n {
            coords.extend([i as f64 + 0.5 * (j % 2) as f64, j as f64 * h]);
        }
    }
    let id = |i: usize, j: usize| j * (n + 1) + i;
    let mut cells = Vec::new();
    for j in 0..n {
        for i in 0..n {
            if j % 2 == 0 {
                cells.extend([id(i, j), id(i + 1, j), id(i, j + 1)]);
                cells.extend([id(i + 1, j), id(i + 1, j + 1), id(i, j + 1)]);
            } else {
                cells.extend([id(i, j), id(i + 1, j + 1), id(i, j + 1)]);
                cells.extend([id(i, j), id(i + 1, j), id(i + 1, j + 1)]);
            }
        }
    }
    Mesh::new(2, 2, coords, cells).unwrap()
}

#[test]
fn quality_measures_of_known_simplices() {
    let eq = equilateral_lattice(2);
    for c in 0..eq.n_cells() {
        assert!((radius_ratio(&eq, c) - 1.0).abs() < 1e-12);
        assert!((min_angle(&eq, c) - std::f64::consts::PI / 3.0).abs() < 1e-12);
    }
    let sq = generate::unit_square(3, 3, Diagonal::Right).unwrap();
    for c in 0..sq.n_cells() {
        assert!((min_angle(&sq, c) - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
        // right isosceles: r = (2 − √2)/2 · leg, R = hyp/2
        let expected = 2.0 * (2.0 - 2f64.sqrt()) / 2.0 / (2f64.sqrt() / 2.0);
        assert!((radius_ratio(&sq, c) - expected).abs() < 1e-12);
    }
    let s = 8f64.sqrt();
    let regular = Mesh::new(
        3,
        3,
        vec![
            1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, 1.0, -1.0, -1.0, -1.0, 1.0,
        ],
        vec![0, 1, 2, 3],
    )
    .unwrap();
    assert!((radius_ratio(&regular, 0) - 1.0).abs() < 1e-12);
    assert!((min_angle(&regular, 0) - (1.0f64 / 3.0).acos()).abs() < 1e-12);
    assert!((signed_volume(&regular, 0).abs() - s * s * s / (6.0 * 2f64.sqrt())).abs() < 1e-12);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn circumcentres_are_equidistant_and_normals_point_out(
        p in prop::collection::vec(-1.0..1.0f64, 12),
    ) {
        let m = Mesh::new(3, 3, p, vec![0, 1, 2, 3]);
        prop_assume!(m.is_ok());
        let m = m.unwrap();
        prop_assume!(radius_ratio(&m, 0) > 0.05);
        for verts in [vec![0, 1, 2, 3], vec![0, 1, 2], vec![1, 3]] {
            let c = circumcentre(&m, &verts);
            let r: Vec<f64> = verts
                .iter()
                .map(|&v| c.iter().zip(m.vertex(v)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt())
                .collect();
            for x in &r {
                prop_assert!((x - r[0]).abs() < 1e-9 * (1.0 + r[0]));
            }
        }
        let n = facet_normal(&m, &[0, 1, 2], 3);
        prop_assert!((n.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-12);
        let out: f64 = (0..3).map(|k| n[k] * (m.vertex(3)[k] - m.vertex(0)[k])).sum();
        prop_assert!(out < 0.0);
    }

    #[test]
    fn uniform_refinement_preserves_volume_boundary_and_topology(
        which in 0usize..5, n in 1usize..4, levels in 1usize..3,
    ) {
        let mesh = match which {
            0 => generate::interval(n + 2, -1.0, 2.0).unwrap(),
            1 => generate::unit_square(n, n + 1, Diagonal::Alternating).unwrap(),
            2 => generate::annulus(n, 8, 0.5, 1.0).unwrap(),
            3 => generate::disk(n, 1.5).unwrap(),
            _ => generate::unit_cube(n).unwrap(),
        };
        let (v0, chi0) = (total_volume(&mesh), Topology::new(&mesh).unwrap().euler_characteristic());
        let boundary0 = boundary_measure_by_marker(&mesh);
        let mut fine = mesh.clone();
        for _ in 0..levels {
            let r = refine_uniform(&fine).unwrap();
            prop_assert_eq!(r.mesh.n_cells(), fine.n_cells() << fine.dim());
            // children inside their parents (barycentre test) and midpoints exact
            for (c, &p) in r.parent_cell.iter().enumerate() {
                let ctr = centroid(&r.mesh, r.mesh.cell(c));
                prop_assert!(inside(&fine, p, &ctr));
            }
            for (v, [a, b]) in r.vertex_parents.iter().enumerate() {
                for k in 0..fine.gdim() {
                    let mid = 0.5 * (fine.vertex(*a)[k] + fine.vertex(*b)[k]);
                    prop_assert_eq!(r.mesh.vertex(v)[k], mid);
                }
            }
            fine = r.mesh;
        }
        let v1 = total_volume(&fine);
        prop_assert!((v1 - v0).abs() <= 1e-12 * v0, "volume {v0} -> {v1}");
        prop_assert!(inverted_cells(&fine).is_empty());
        let t = Topology::new(&fine).unwrap();
        prop_assert_eq!(t.euler_characteristic(), chi0);
        for k in 0..fine.dim().saturating_sub(1) {
            let prod = &t.incidence(k + 1).unwrap() * &t.incidence(k).unwrap();
            prop_assert!(prod.val().iter().all(|&v| v == 0.0));
        }
        // the tagged boundary is the refined boundary, marker by marker
        prop_assert_eq!(fine.tagged_facets().len() / fine.dim(), t.boundary_facets().len());
        let boundary1 = boundary_measure_by_marker(&fine);
        prop_assert_eq!(boundary0.len(), boundary1.len());
        for ((m0, b0), (m1, b1)) in boundary0.iter().zip(&boundary1) {
            prop_assert_eq!(m0, m1);
            prop_assert!((b0 - b1).abs() <= 1e-12 * b0.max(1.0));
        }
    }
}

fn centroid(m: &Mesh, verts: &[usize]) -> Vec<f64> {
    (0..m.gdim())
        .map(|k| verts.iter().map(|&v| m.vertex(v)[k]).sum::<f64>() / verts.len() as f64)
        .collect()
}

/// Whether `x` lies in cell `c` (all sub-simplex volumes non-negative, up to round-off).
fn inside(m: &Mesh, c: usize, x: &[f64]) -> bool {
    let cell = m.cell(c).to_vec();
    let vol = signed_volume(m, c);
    let mut coords = m.coords().to_vec();
    let probe = m.n_vertices();
    coords.extend_from_slice(x);
    let ext = Mesh::new(m.dim(), m.gdim(), coords, Vec::new()).unwrap();
    (0..cell.len()).all(|i| {
        let mut sub = cell.clone();
        sub[i] = probe;
        noether_mesh::geometry::simplex_volume(&ext, &sub) * vol.signum() >= -1e-12 * vol.abs()
    })
}

fn boundary_measure_by_marker(m: &Mesh) -> Vec<(i32, f64)> {
    let mut by: std::collections::BTreeMap<i32, f64> = Default::default();
    for (f, &mk) in m
        .tagged_facets()
        .chunks_exact(m.dim())
        .zip(m.facet_markers())
    {
        *by.entry(mk).or_default() += noether_mesh::geometry::simplex_volume(m, f).abs();
    }
    by.into_iter().collect()
}

#[test]
fn red_refinement_keeps_triangle_shapes() {
    let m = generate::disk(3, 1.0).unwrap();
    let worst = (0..m.n_cells())
        .map(|c| min_angle(&m, c))
        .fold(f64::INFINITY, f64::min);
    let r = refine_uniform(&m).unwrap();
    let worst_fine = (0..r.mesh.n_cells())
        .map(|c| min_angle(&r.mesh, c))
        .fold(f64::INFINITY, f64::min);
    assert!((worst - worst_fine).abs() < 1e-12);
}

/// P1 stiffness matrix, assembled densely from barycentric gradients (independent of
/// the DEC code).
fn p1_stiffness(m: &Mesh) -> Vec<Vec<f64>> {
    let (n, d) = (m.n_vertices(), m.dim());
    let mut k = vec![vec![0.0; n]; n];
    for c in 0..m.n_cells() {
        let cell = m.cell(c);
        let p0 = m.vertex(cell[0]);
        // J columns p_i − p0; gradients of λ_1..λ_d are the rows of J⁻¹
        let mut a: Vec<Vec<f64>> = (0..d)
            .map(|r| {
                let mut row: Vec<f64> = (1..=d).map(|i| m.vertex(cell[i])[r] - p0[r]).collect();
                row.extend((0..d).map(|j| if j == r { 1.0 } else { 0.0 }));
                row
            })
            .collect();
        for col in 0..d {
            let piv = (col..d)
                .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
                .unwrap();
            a.swap(col, piv);
            let pv = a[col][col];
            for x in a[col].iter_mut() {
                *x /= pv;
            }
            for r in 0..d {
                if r != col {
                    let f = a[r][col];
                    let pivot_row = a[col].clone();
                    for (x, y) in a[r].iter_mut().zip(&pivot_row) {
                        *x -= f * y;
                    }
                }
            }
        }
        // inverse in columns d..2d: row i of J⁻¹ = a[i][d..]
        let mut grads: Vec<Vec<f64>> = (0..d).map(|i| a[i][d..].to_vec()).collect();
        let g0: Vec<f64> = (0..d)
            .map(|r| -grads.iter().map(|g| g[r]).sum::<f64>())
            .collect();
        grads.insert(0, g0);
        let vol = signed_volume(m, c).abs();
        for i in 0..=d {
            for j in 0..=d {
                let dot: f64 = grads[i].iter().zip(&grads[j]).map(|(x, y)| x * y).sum();
                k[cell[i]][cell[j]] += vol * dot;
            }
        }
    }
    k
}

#[test]
fn dec_laplacian_is_the_cotangent_laplacian_in_2d() {
    let meshes = [
        generate::unit_square(4, 3, Diagonal::Alternating).unwrap(),
        generate::disk(3, 1.0).unwrap(),
        generate::l_shape(2).unwrap(),
        refine_uniform(&generate::annulus(2, 7, 0.3, 1.0).unwrap())
            .unwrap()
            .mesh,
    ];
    for m in &meshes {
        let t = Topology::new(m).unwrap();
        let l = laplacian0(m, &t).unwrap().to_dense();
        let k = p1_stiffness(m);
        let scale = k.iter().flatten().fold(0.0f64, |a, &b| a.max(b.abs()));
        for i in 0..m.n_vertices() {
            for j in 0..m.n_vertices() {
                assert!(
                    (l[(i, j)] - k[i][j]).abs() < 1e-12 * scale,
                    "entry ({i}, {j}): DEC {} vs P1 {}",
                    l[(i, j)],
                    k[i][j]
                );
            }
        }
    }
}

/// On the Kuhn cube mesh the circumcentric dual is the cubic grid's Voronoi dual:
/// the DEC Laplacian is the 7-point finite-volume stencil, with dual faces cut by the
/// boundary (weights h, h/2, h/4) and no coupling across face or body diagonals.
#[test]
fn dec_laplacian_on_the_kuhn_cube_is_the_seven_point_stencil() {
    let n = 3;
    let h = 1.0 / n as f64;
    let m = generate::unit_cube(n).unwrap();
    let t = Topology::new(&m).unwrap();
    let l = laplacian0(&m, &t).unwrap().to_dense();
    let on_boundary = |x: f64| x.abs() < 1e-12 || (x - 1.0).abs() < 1e-12;
    for i in 0..m.n_vertices() {
        let mut row_sum = 0.0;
        for j in 0..m.n_vertices() {
            row_sum += l[(i, j)];
            if i == j {
                continue;
            }
            let (a, b) = (m.vertex(i), m.vertex(j));
            let diff: Vec<f64> = (0..3).map(|k| (a[k] - b[k]).abs()).collect();
            let axis = (0..3).find(|&k| (diff[k] - h).abs() < 1e-12);
            let expected = match axis {
                Some(ax) if (0..3).filter(|&k| k != ax).all(|k| diff[k] < 1e-12) => {
                    -(0..3)
                        .filter(|&k| k != ax)
                        .map(|k| if on_boundary(a[k]) { 0.5 } else { 1.0 })
                        .product::<f64>()
                        * h
                }
                _ => 0.0,
            };
            assert!(
                (l[(i, j)] - expected).abs() < 1e-12,
                "({i}, {j}): {} vs {expected}",
                l[(i, j)]
            );
        }
        assert!(row_sum.abs() < 1e-12);
    }
}

#[test]
fn hodge_stars_sum_to_the_volume_and_detect_well_centredness() {
    for m in [
        generate::unit_square(5, 5, Diagonal::Right).unwrap(),
        generate::unit_cube(2).unwrap(),
        equilateral_lattice(4),
    ] {
        let t = Topology::new(&m).unwrap();
        let star0 = hodge_star(&m, &t, 0);
        assert!((star0.iter().sum::<f64>() - total_volume(&m)).abs() < 1e-12);
        let d = m.dim();
        let top = hodge_star(&m, &t, d);
        let vols = primal_volumes(&m, &t, d);
        for (s, v) in top.iter().zip(&vols) {
            assert!((s * v - 1.0).abs() < 1e-12);
        }
    }
    let lattice = equilateral_lattice(4);
    let t = Topology::new(&lattice).unwrap();
    assert!(is_well_centred(&lattice, &t));
    assert!(hodge_star(&lattice, &t, 1).iter().all(|&s| s > 0.0));
    // right triangles have their circumcentres on the hypotenuse: not well-centred
    let sq = generate::unit_square(3, 3, Diagonal::Right).unwrap();
    assert!(!is_well_centred(&sq, &Topology::new(&sq).unwrap()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Newest-vertex bisection of random marked sets, five rounds: the mesh stays
    /// conforming (no hanging nodes: the boundary is exactly the original one), keeps
    /// its area and topology, refines every marked cell, and on the right-diagonal
    /// square keeps every triangle right isosceles.
    #[test]
    fn newest_vertex_bisection_stays_conforming(which in 0usize..3, seed in 0u64..1000) {
        use noether_mesh::refine::{longest_edge_first, refine_marked};
        let base = match which {
            0 => generate::unit_square(3, 3, Diagonal::Right).unwrap(),
            1 => generate::l_shape(2).unwrap(),
            _ => generate::disk(2, 1.0).unwrap(),
        };
        let mut mesh = longest_edge_first(&base).unwrap();
        let area = total_volume(&mesh);
        let perimeter = boundary_length(&mesh);
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        for _ in 0..5 {
            let marked: Vec<usize> = (0..mesh.n_cells())
                .filter(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (state >> 33) % 4 == 0
                })
                .collect();
            let r = refine_marked(&mesh, &marked).unwrap();
            for &c in &marked {
                prop_assert!(r.parent_cell.iter().filter(|&&p| p == c).count() >= 2);
            }
            mesh = r.mesh;
            let t = Topology::new(&mesh).unwrap();
            prop_assert!((boundary_length(&mesh) - perimeter).abs() < 1e-12, "hanging node");
            prop_assert!((total_volume(&mesh) - area).abs() < 1e-12);
            prop_assert_eq!(t.euler_characteristic(), 1);
            prop_assert!(inverted_cells(&mesh).is_empty());
            prop_assert_eq!(mesh.tagged_facets().len() / 2, t.boundary_facets().len());
        }
        if which == 0 {
            for c in 0..mesh.n_cells() {
                prop_assert!((min_angle(&mesh, c) - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
            }
        }
    }
}

/// Length of the boundary: edges that belong to one triangle only.
fn boundary_length(m: &Mesh) -> f64 {
    let t = Topology::new(m).unwrap();
    t.boundary_facets()
        .iter()
        .map(|&f| noether_mesh::geometry::simplex_volume(m, t.simplex(1, f)).abs())
        .sum()
}

/// Bey's subdivision, with children kept in Bey's vertex order (orientation fixed by
/// the order-preserving swap of vertices 1 and 3), produces at most three similarity
/// classes from any tetrahedron, and only Kuhn simplices from the Kuhn cube.
#[test]
fn bey_refinement_keeps_at_most_three_shapes() {
    let classes = |m: &Mesh| {
        let mut q: Vec<i64> = (0..m.n_cells())
            .map(|c| (radius_ratio(m, c) * 1e9).round() as i64)
            .collect();
        q.sort_unstable();
        q.dedup();
        q.len()
    };
    let mut kuhn = generate::unit_cube(1).unwrap();
    let mut tet = Mesh::new(
        3,
        3,
        vec![0.0, 0.0, 0.0, 1.0, 0.1, 0.0, 0.3, 0.9, 0.1, 0.2, 0.3, 0.8],
        vec![0, 1, 2, 3],
    )
    .unwrap();
    for _ in 0..3 {
        kuhn = refine_uniform(&kuhn).unwrap().mesh;
        tet = refine_uniform(&tet).unwrap().mesh;
        assert_eq!(classes(&kuhn), 1);
        assert!(classes(&tet) <= 3, "{} shapes", classes(&tet));
        assert!(inverted_cells(&tet).is_empty());
    }
}
