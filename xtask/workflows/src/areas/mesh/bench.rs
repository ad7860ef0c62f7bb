//! `cargo xtask bench mesh`.

use std::time::Instant;

use serde::Deserialize;
use xtask::Result;

use crate::peer::run_peer;
use crate::progress::bar;
use crate::report::{Report, Row};

#[derive(Deserialize)]
struct DolfinxMesh {
    library: Option<String>,
    create_s: Option<f64>,
    topology_s: Option<f64>,
    counts: Option<Vec<usize>>,
    note: Option<String>,
}

/// The unit cube in 6·55³ ≈ 10⁶ tetrahedra and its topology (edges, faces, cell–edge,
/// cell–face and face–edge incidences) against DOLFINx doing the same, same run.
pub fn run(peers: bool) -> Result<Report> {
    use noether_benches::median;
    use noether_mesh::{Topology, generate};

    const N: usize = 55;
    const REPEATS: usize = 5;
    let pb = bar(2, "mesh: unit cube with 10⁶ tetrahedra");
    pb.set_message("DOLFINx (system python3)");
    // Debian's DOLFINx runs under the system python3, not the venv's
    let system_python = std::path::Path::new("/usr/bin/python3");
    let peer: Option<DolfinxMesh> = if peers {
        Some(run_peer(
            system_python,
            "mesh_dolfinx.py",
            &[N.to_string(), "3".to_string()],
        )?)
    } else {
        None
    };
    if let Some(note) = peer.as_ref().and_then(|p| p.note.as_ref()) {
        println!("note: {note}");
    }
    pb.inc(1);
    pb.set_message("noether");
    let start = Instant::now();
    let (mut build, mut topo_t, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut counts = [0usize; 4];
    for _ in 0..REPEATS {
        let t0 = Instant::now();
        let mesh = generate::unit_cube(N)?;
        let t1 = Instant::now();
        let topo = Topology::new(&mesh)?;
        let t2 = Instant::now();
        build.push((t1 - t0).as_secs_f64());
        topo_t.push((t2 - t1).as_secs_f64());
        total.push((t2 - t0).as_secs_f64());
        counts = [topo.count(0), topo.count(1), topo.count(2), topo.count(3)];
    }
    let elapsed = start.elapsed().as_secs_f64();
    pb.inc(1);
    pb.finish_with_message("done");
    let mut report = Report::new("mesh");
    let case = format!("unit-cube-kuhn-n{N}-{}-tets", counts[3]);
    let label = peer.as_ref().and_then(|p| p.library.clone());
    let peer_val = |f: fn(&DolfinxMesh) -> Option<f64>| peer.as_ref().and_then(f);
    let rows: [(&str, f64, Option<f64>); 3] = [
        ("mesh_s", median(&build), peer_val(|p| p.create_s)),
        ("topology_s", median(&topo_t), peer_val(|p| p.topology_s)),
        (
            "total_s",
            median(&total),
            peer_val(|p| Some(p.create_s? + p.topology_s?)),
        ),
    ];
    for (metric, value, peer_value) in rows {
        let with = label.as_deref().zip(peer_value);
        report.push(Row::compared(&case, metric, value, elapsed, with));
    }
    for (k, name) in ["vertices", "edges", "faces", "cells"].iter().enumerate() {
        let pv = peer
            .as_ref()
            .and_then(|p| p.counts.as_ref())
            .and_then(|c| c.get(k))
            .map(|&c| c as f64);
        report.push(Row {
            case: case.clone(),
            metric: format!("count_{name}"),
            value: counts[k] as f64,
            elapsed_s: elapsed,
            ratio: pv.map(|p| counts[k] as f64 / p),
            peer_value: pv,
            peer: pv.and(label.clone()),
            ..Default::default()
        });
    }
    Ok(report)
}
