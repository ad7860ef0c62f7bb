//! Topology: d∘d = 0, Euler characteristics, Betti numbers against an independent
//! GF(2) rank computation, entity counts and boundary markers.

use faer::sparse::SparseRowMat;
use noether_mesh::generate::{self, Diagonal};
use noether_mesh::{Mesh, MeshError, Topology};
use proptest::prelude::*;

fn assert_dd_zero(topo: &Topology) {
    for k in 0..topo.dim().saturating_sub(1) {
        let prod = &topo.incidence(k + 1).unwrap() * &topo.incidence(k).unwrap();
        assert!(
            prod.val().iter().all(|&v| v == 0.0),
            "d_{} d_{k} has a nonzero entry",
            k + 1
        );
    }
}

fn diagonal(i: u8) -> Diagonal {
    [Diagonal::Right, Diagonal::Left, Diagonal::Alternating][i as usize % 3]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn dd_is_zero_and_euler_characteristics_hold_on_generated_meshes(
        nx in 1usize..9, ny in 1usize..9, n in 1usize..5, d in 0u8..3,
    ) {
        let square = generate::unit_square(nx, ny, diagonal(d)).unwrap();
        let t = Topology::new(&square).unwrap();
        assert_dd_zero(&t);
        prop_assert_eq!(t.euler_characteristic(), 1);
        prop_assert_eq!(t.betti_numbers(), vec![1, 0, 0]);

        let cube = generate::unit_cube(n).unwrap();
        let t = Topology::new(&cube).unwrap();
        assert_dd_zero(&t);
        prop_assert_eq!(t.euler_characteristic(), 1);
        prop_assert_eq!(t.betti_numbers(), vec![1, 0, 0, 0]);
        // Kuhn's subdivision: axis edges, face diagonals, body diagonals
        let m = n + 1;
        prop_assert_eq!(t.count(1), 3 * n * m * m + 3 * n * n * m + n * n * n);
        prop_assert_eq!(t.count(3), 6 * n * n * n);

        let annulus = generate::annulus(nx, 3 + ny, 0.3, 1.0).unwrap();
        let t = Topology::new(&annulus).unwrap();
        assert_dd_zero(&t);
        prop_assert_eq!(t.euler_characteristic(), 0);
        prop_assert_eq!(t.betti_numbers(), vec![1, 1, 0]);

        let disk = generate::disk(nx, 2.0).unwrap();
        let t = Topology::new(&disk).unwrap();
        prop_assert_eq!(t.euler_characteristic(), 1);
        prop_assert_eq!(t.count(2), 6 * nx * nx);

        let l = generate::l_shape(n).unwrap();
        let t = Topology::new(&l).unwrap();
        prop_assert_eq!(t.euler_characteristic(), 1);
        prop_assert_eq!(t.count(2), 6 * n * n);
    }
}

/// Rank over GF(2) by Gaussian elimination on dense bit rows (small meshes only).
fn rank_gf2(m: &SparseRowMat<usize, f64>) -> usize {
    let (rows, cols) = (m.nrows(), m.ncols());
    let words = cols.div_ceil(64);
    let mut a: Vec<Vec<u64>> = (0..rows)
        .map(|r| {
            let mut row = vec![0u64; words];
            let sym = m.symbolic();
            for &c in sym.col_idx_of_row_raw(r) {
                row[c / 64] ^= 1 << (c % 64);
            }
            row
        })
        .collect();
    let mut rank = 0;
    for c in 0..cols {
        let (w, b) = (c / 64, 1u64 << (c % 64));
        let Some(p) = (rank..rows).find(|&r| a[r][w] & b != 0) else {
            continue;
        };
        a.swap(rank, p);
        let pivot = a[rank].clone();
        for (r, row) in a.iter_mut().enumerate() {
            if r != rank && row[w] & b != 0 {
                for (x, y) in row.iter_mut().zip(&pivot) {
                    *x ^= y;
                }
            }
        }
        rank += 1;
    }
    rank
}

/// Betti numbers from ranks: b_k = n_k − rank d_k − rank d_{k−1}.
fn betti_by_rank(t: &Topology) -> Vec<i64> {
    let d = t.dim();
    let ranks: Vec<usize> = (0..d).map(|k| rank_gf2(&t.incidence(k).unwrap())).collect();
    (0..=d)
        .map(|k| {
            let out = if k < d { ranks[k] } else { 0 };
            let inc = if k > 0 { ranks[k - 1] } else { 0 };
            (t.count(k) - out - inc) as i64
        })
        .collect()
}

#[test]
fn betti_numbers_match_gf2_ranks() {
    let meshes = [
        generate::interval(7, 0.0, 1.0).unwrap(),
        generate::unit_square(5, 4, Diagonal::Alternating).unwrap(),
        generate::annulus(3, 12, 0.4, 1.0).unwrap(),
        generate::l_shape(3).unwrap(),
        generate::disk(4, 1.0).unwrap(),
        generate::unit_cube(3).unwrap(),
        hollow_cube(),
        torus_surface(),
    ];
    for m in &meshes {
        let t = Topology::new(m).unwrap();
        assert_eq!(t.betti_numbers(), betti_by_rank(&t), "dim {}", m.dim());
    }
}

/// The 3×3×3 cube mesh with the middle small cube's 6 tetrahedra removed: a cavity,
/// so b₂ = 1.
fn hollow_cube() -> Mesh {
    let full = generate::unit_cube(3).unwrap();
    let keep: Vec<usize> = (0..full.n_cells())
        .filter(|&c| {
            let ctr: Vec<f64> = (0..3)
                .map(|k| full.cell(c).iter().map(|&v| full.vertex(v)[k]).sum::<f64>() / 4.0)
                .collect();
            !ctr.iter().all(|&x| x > 1.0 / 3.0 && x < 2.0 / 3.0)
        })
        .collect();
    let cells: Vec<usize> = keep.iter().flat_map(|&c| full.cell(c).to_vec()).collect();
    Mesh::new(3, 3, full.coords().to_vec(), cells).unwrap()
}

/// A triangulated torus surface in 3-D (closed, b = 1, 2, 1).
fn torus_surface() -> Mesh {
    let (n, m) = (8, 6);
    let mut coords = Vec::new();
    for i in 0..n {
        for j in 0..m {
            let (u, v) = (
                2.0 * std::f64::consts::PI * i as f64 / n as f64,
                2.0 * std::f64::consts::PI * j as f64 / m as f64,
            );
            let r = 2.0 + 0.7 * v.cos();
            coords.extend([r * u.cos(), r * u.sin(), 0.7 * v.sin()]);
        }
    }
    let id = |i: usize, j: usize| (i % n) * m + j % m;
    let mut cells = Vec::new();
    for i in 0..n {
        for j in 0..m {
            cells.extend([id(i, j), id(i + 1, j), id(i + 1, j + 1)]);
            cells.extend([id(i, j), id(i + 1, j + 1), id(i, j + 1)]);
        }
    }
    Mesh::new(2, 3, coords, cells).unwrap()
}

#[test]
fn torus_and_cavity_have_the_expected_topology() {
    let t = Topology::new(&torus_surface()).unwrap();
    assert_eq!(t.euler_characteristic(), 0);
    assert_eq!(t.betti_numbers(), vec![1, 2, 1]);
    assert!(t.boundary_facets().is_empty());
    let t = Topology::new(&hollow_cube()).unwrap();
    assert_eq!(t.euler_characteristic(), 2);
    assert_eq!(t.betti_numbers(), vec![1, 0, 1, 0]);
}

#[test]
fn boundary_markers_of_generated_meshes() {
    let m = generate::rectangle(5, 3, [0.0, 0.0], [2.0, 1.0], Diagonal::Left).unwrap();
    let count = |k: i32| m.facet_markers().iter().filter(|&&x| x == k).count();
    assert_eq!([count(1), count(2), count(3), count(4)], [5, 3, 5, 3]);
    let c = generate::unit_cube(2).unwrap();
    for k in 1..=6 {
        assert_eq!(
            c.facet_markers().iter().filter(|&&x| x == k).count(),
            8,
            "face {k}"
        );
    }
    let a = generate::annulus(2, 10, 0.5, 1.0).unwrap();
    assert_eq!(a.facet_markers().iter().filter(|&&x| x == 1).count(), 10);
    assert_eq!(a.facet_markers().iter().filter(|&&x| x == 2).count(), 10);
    let i = generate::interval(4, -1.0, 1.0).unwrap();
    assert_eq!(i.tagged_facets(), &[0, 4]);
    assert_eq!(i.facet_markers(), &[1, 2]);
}

#[test]
fn faces_and_cell_entities_agree() {
    let m = generate::unit_cube(2).unwrap();
    let t = Topology::new(&m).unwrap();
    for c in 0..m.n_cells() {
        let mut verts = m.cell(c).to_vec();
        verts.sort_unstable();
        assert_eq!(t.simplex(3, c), &verts[..]);
        for &e in t.cell_entities(1, c) {
            assert!(t.simplex(1, e).iter().all(|v| verts.contains(v)));
        }
        for &f in t.faces(3, c) {
            assert!(t.cell_entities(2, c).contains(&f));
        }
    }
}

#[test]
fn bad_meshes_give_typed_errors() {
    assert!(matches!(
        Mesh::new(4, 4, vec![], vec![]),
        Err(MeshError::Dimension { .. })
    ));
    assert!(matches!(
        Mesh::new(2, 2, vec![0.0, 0.0, 1.0], vec![]),
        Err(MeshError::Ragged { .. })
    ));
    assert!(matches!(
        Mesh::new(2, 2, vec![0.0, 0.0, 1.0, f64::NAN, 0.0, 1.0], vec![0, 1, 2]),
        Err(MeshError::NonFinite { vertex: 1 })
    ));
    assert!(matches!(
        Mesh::new(2, 2, vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0], vec![0, 1, 1]),
        Err(MeshError::RepeatedVertex { .. })
    ));
    assert!(matches!(
        Mesh::new(2, 2, vec![0.0, 0.0, 1.0, 0.0, 2.0, 0.0], vec![0, 1, 2]),
        Err(MeshError::BadCell {
            kind: "degenerate",
            ..
        })
    ));
    // three triangles on one edge
    let coords = vec![0.0, 0.0, 1.0, 0.0, 0.5, 1.0, 0.5, -1.0, 0.5, 2.0];
    let m = Mesh::new(2, 2, coords, vec![0, 1, 2, 0, 3, 1, 0, 1, 4]).unwrap();
    assert!(matches!(
        Topology::new(&m),
        Err(MeshError::NonManifold { count: 3, .. })
    ));
    assert!(generate::unit_square(0, 3, Diagonal::Right).is_err());
    assert!(generate::annulus(2, 8, 1.0, 0.5).is_err());
}

#[test]
fn upward_incidences_invert_the_downward_ones() {
    for m in [
        generate::unit_cube(2).unwrap(),
        generate::annulus(2, 6, 0.5, 1.0).unwrap(),
    ] {
        let t = Topology::new(&m).unwrap();
        let d = t.dim();
        for k in 0..d {
            let (off, ids) = t.cofaces(k).unwrap();
            let mut pairs = 0;
            for s in 0..t.count(k + 1) {
                for &f in t.faces(k + 1, s) {
                    assert!(ids[off[f]..off[f + 1]].contains(&s));
                    pairs += 1;
                }
            }
            assert_eq!(pairs, ids.len());
            // facets: one or two cells, one exactly on the boundary
            if k + 1 == d {
                let boundary = t.boundary_facets();
                for f in 0..t.count(k) {
                    let n = off[f + 1] - off[f];
                    assert!(n == 1 || n == 2);
                    assert_eq!(n == 1, boundary.binary_search(&f).is_ok());
                }
            }
        }
        let (off, ids) = t.vertex_cells();
        for c in 0..m.n_cells() {
            for &v in m.cell(c) {
                assert!(ids[off[v]..off[v + 1]].contains(&c));
            }
        }
        assert_eq!(ids.len(), m.n_cells() * (d + 1));
    }
}
