//! The noether-mesh showcase of `cargo xtask demo`.

use std::time::Instant;

use xtask::Result;
use xtask::paths::reports_dir;

use crate::plot::{self};
use crate::progress::bar;
use crate::report::{Report, Row};

/// The edges of a 2-D mesh as segments, for wireframe plots.
fn mesh_edges(mesh: &noether_mesh::Mesh) -> Result<Vec<plot::Segment>> {
    let topo = noether_mesh::Topology::new(mesh)?;
    Ok((0..topo.count(1))
        .map(|e| {
            let s = topo.simplex(1, e);
            let p = |v: usize| (mesh.vertex(v)[0], mesh.vertex(v)[1]);
            [p(s[0]), p(s[1])]
        })
        .collect())
}

pub fn run(report: &mut Report) -> Result<()> {
    use noether_mesh::geometry::{inverted_cells, radius_ratio};
    use noether_mesh::io::vtu::{Field, write_vtu};
    use noether_mesh::mover::{MoverOptions, move_unit_square};

    println!("noether-mesh: Monge–Ampère mesh movement onto a ring monitor");
    let pb = bar(1, "mesh mover");
    pb.set_message("parabolic Monge–Ampère, 48 × 48 squares");
    let ring = |x: &[f64]| {
        let r = ((x[0] - 0.5).powi(2) + (x[1] - 0.5).powi(2)).sqrt();
        1.0 + 10.0 / (50.0 * (r - 0.25)).cosh().powi(2)
    };
    let n = 48;
    let t0 = Instant::now();
    let out = move_unit_square(n, ring, &MoverOptions::default())?;
    let elapsed = t0.elapsed().as_secs_f64();
    let (before, after) = out.equidistribution;
    let min_q = (0..out.mesh.n_cells())
        .map(|c| radius_ratio(&out.mesh, c))
        .fold(f64::INFINITY, f64::min);
    let case = format!("monge-ampere-ring-n{n}");
    for (metric, value) in [
        ("equidistribution_cv_before", before),
        ("equidistribution_cv_after", after),
        ("improvement", before / after),
        ("min_radius_ratio", min_q),
        ("inverted_cells", inverted_cells(&out.mesh).len() as f64),
        ("pseudo_time_steps", out.steps as f64),
    ] {
        report.push(Row {
            case: case.clone(),
            metric: metric.into(),
            value,
            elapsed_s: elapsed,
            ..Default::default()
        });
    }
    pb.inc(1);
    pb.finish_with_message("done");
    let dir = reports_dir();
    std::fs::create_dir_all(&dir)?;
    let base = noether_mesh::generate::unit_square(n, n, noether_mesh::generate::Diagonal::Right)?;
    let png = dir.join("demo-mesh-mover.png");
    let panels = vec![
        (
            format!("uniform: CV of m·|T| = {before:.2}"),
            mesh_edges(&base)?,
        ),
        (
            format!("moved (Monge–Ampère): CV = {after:.3}"),
            mesh_edges(&out.mesh)?,
        ),
    ];
    match plot::wireframes(&png, &panels) {
        Ok(()) => println!("wrote {}", png.display()),
        Err(e) => println!("plot skipped: {e}"),
    }
    for (name, mesh) in [("uniform", &base), ("moved", &out.mesh)] {
        let m: Vec<f64> = (0..mesh.n_vertices())
            .map(|v| ring(mesh.vertex(v)))
            .collect();
        let q: Vec<f64> = (0..mesh.n_cells()).map(|c| radius_ratio(mesh, c)).collect();
        let xml = write_vtu(
            mesh,
            &[Field::scalar("monitor", &m)],
            &[Field::scalar("radius_ratio", &q)],
        )?;
        let path = dir.join(format!("demo-mesh-{name}.vtu"));
        std::fs::write(&path, xml)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
