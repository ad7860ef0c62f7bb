//! The Monge–Ampère mesh mover on a monitor concentrated near a circle.

use noether_mesh::geometry::{inverted_cells, radius_ratio, total_volume};
use noether_mesh::mover::{MoverOptions, equidistribution, move_unit_square};
use noether_mesh::{Mesh, Topology};

/// Large (×11) within about 0.02 of the circle |x − (½, ½)| = ¼.
fn ring(x: &[f64]) -> f64 {
    let r = ((x[0] - 0.5).powi(2) + (x[1] - 0.5).powi(2)).sqrt();
    1.0 + 10.0 / (50.0 * (r - 0.25)).cosh().powi(2)
}

fn min_quality(m: &Mesh) -> f64 {
    (0..m.n_cells())
        .map(|c| radius_ratio(m, c))
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn ring_monitor_is_equidistributed_without_inverting_elements() {
    let n = 32;
    let out = move_unit_square(n, ring, &MoverOptions::default()).unwrap();
    let (before, after) = out.equidistribution;
    eprintln!(
        "Monge–Ampère mover, n = {n}: equidistribution CV {before:.3} -> {after:.3} ({:.1}x) in {} steps, min radius ratio {:.3}",
        before / after,
        out.steps,
        min_quality(&out.mesh)
    );
    assert!(before / after >= 5.0, "improvement {:.2}", before / after);
    assert!(inverted_cells(&out.mesh).is_empty());
    assert!(min_quality(&out.mesh) > 0.0);
    // same connectivity, same domain, boundary vertices on the boundary
    let t = Topology::new(&out.mesh).unwrap();
    assert_eq!(t.euler_characteristic(), 1);
    assert!((total_volume(&out.mesh) - 1.0).abs() < 1e-12);
    for f in t.boundary_facets() {
        for v in t.facet_vertices(f) {
            let x = out.mesh.vertex(v);
            assert!(
                x.iter().any(|&c| c == 0.0 || c == 1.0),
                "boundary vertex moved inside: {x:?}"
            );
        }
    }
    // cells crowd onto the ring: the measure recomputed here agrees
    assert!((equidistribution(&out.mesh, &ring) - after).abs() < 1e-15);
}

#[test]
fn constant_monitor_leaves_the_mesh_in_place() {
    let out = move_unit_square(8, |_| 3.0, &MoverOptions::default()).unwrap();
    let base =
        noether_mesh::generate::unit_square(8, 8, noether_mesh::generate::Diagonal::Right).unwrap();
    for (a, b) in out.mesh.coords().iter().zip(base.coords()) {
        assert!((a - b).abs() < 1e-12);
    }
    assert!(move_unit_square(8, |_| -1.0, &MoverOptions::default()).is_err());
    assert!(move_unit_square(1, |_| 1.0, &MoverOptions::default()).is_err());
}
