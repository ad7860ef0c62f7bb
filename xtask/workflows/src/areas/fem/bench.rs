//! `cargo xtask bench fem`.

use std::process::Command;
use std::time::Instant;

use serde::Deserialize;
use xtask::Result;
use xtask::paths::{bench_dir, root};

use crate::progress::bar;
use crate::report::{Report, Row};
use crate::venv;

#[derive(Debug, Deserialize)]
struct FemPeer {
    library: Option<String>,
    assembly_s: Option<f64>,
    ndofs: Option<usize>,
    note: Option<String>,
}

/// Runs a peer command printing one `FemPeer` JSON line; `None` (with a note) when
/// the peer is unavailable.
fn fem_peer(cmd: &mut Command) -> Option<FemPeer> {
    let out = cmd.output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let peer: Option<FemPeer> = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok());
    match &peer {
        Some(FemPeer { note: Some(n), .. }) => println!("note: {n}"),
        None => println!(
            "note: peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        _ => {}
    }
    peer
}

/// P1 Poisson stiffness assembly on the Kuhn unit cube at about 2·10⁵ and 10⁶
/// dofs against DOLFINx (2 MPI ranks) and scikit-fem on the same mesh, same run;
/// and CG with the geometric-multigrid preconditioner on 10⁶ dofs.
pub fn run(peers: bool) -> Result<Report> {
    use noether_benches::median;
    use noether_fem::p1::P1Space;
    use noether_mesh::generate;

    const REPEATS: usize = 5;
    let mut report = Report::new("fem");
    let py = if peers { Some(venv::python()?) } else { None };
    let dir = bench_dir();
    std::fs::create_dir_all(&dir)?;
    let pb = bar(3, "fem: P1 assembly and multigrid");
    for n in [58usize, 99] {
        pb.set_message(format!("unit cube n = {n}"));
        let mesh = generate::unit_cube(n)?;
        let (coords, cells) = (
            dir.join(format!("fem-n{n}.f64")),
            dir.join(format!("fem-n{n}.i64")),
        );
        let cbytes: Vec<u8> = mesh.coords().iter().flat_map(|v| v.to_le_bytes()).collect();
        let tbytes: Vec<u8> = mesh
            .cells()
            .iter()
            .flat_map(|&v| (v as i64).to_le_bytes())
            .collect();
        std::fs::write(&coords, cbytes)?;
        std::fs::write(&cells, tbytes)?;
        let ours = |times: &mut Vec<f64>| -> Result<(usize, usize)> {
            let mut size = (0, 0);
            for _ in 0..REPEATS {
                let t0 = Instant::now();
                let space = P1Space::new(&mesh)?;
                let k = space.stiffness(None)?;
                times.push(t0.elapsed().as_secs_f64());
                size = (space.ndofs(), k.val().len());
            }
            Ok(size)
        };
        // ours before and after the peers, so that load drifts hit both
        let mut times = Vec::new();
        let start = Instant::now();
        let (ndofs, nnz) = ours(&mut times)?;
        let script = root().join("benches/peers/fem_assembly.py");
        let dolfinx = if peers {
            fem_peer(
                Command::new("mpirun")
                    .args(["-n", "2", "/usr/bin/python3"])
                    .arg(&script)
                    .arg("dolfinx")
                    .args([&coords, &cells])
                    .arg("3")
                    .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
                    .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
            )
        } else {
            None
        };
        let skfem = py.as_ref().and_then(|py| {
            fem_peer(
                Command::new(py)
                    .arg(&script)
                    .arg("skfem")
                    .args([&coords, &cells])
                    .arg("3"),
            )
        });
        ours(&mut times)?;
        let value = median(&times);
        let case = format!("p1-stiffness-unit-cube-n{n}-{ndofs}-dofs");
        if dolfinx.is_none() && skfem.is_none() {
            // ours alone (--no-peers)
            let elapsed = start.elapsed().as_secs_f64();
            report.push(Row::compared(&case, "assembly_s", value, elapsed, None));
        }
        for peer in [dolfinx, skfem].into_iter().flatten() {
            let (Some(pv), Some(lib)) = (peer.assembly_s, peer.library.clone()) else {
                continue;
            };
            if peer.ndofs != Some(ndofs) {
                println!("note: {lib} reports {:?} dofs, ours {ndofs}", peer.ndofs);
            }
            report.push(Row {
                case: case.clone(),
                metric: "assembly_s".into(),
                value,
                reference: lib.starts_with("DOLFINx").then_some(0.5),
                reference_source: lib
                    .starts_with("DOLFINx")
                    .then(|| "goal: ratio to DOLFINx below 0.5".into()),
                elapsed_s: start.elapsed().as_secs_f64(),
                peer: Some(lib),
                peer_value: Some(pv),
                ratio: Some(value / pv),
            });
        }
        report.push(Row {
            case: case.clone(),
            metric: "nonzeros".into(),
            value: nnz as f64,
            elapsed_s: start.elapsed().as_secs_f64(),
            ..Default::default()
        });
        pb.inc(1);
    }
    // CG + V-cycle on 101³ ≈ 1.03·10⁶ dofs: the 25³ cube refined twice
    pb.set_message("CG + multigrid, 10⁶ dofs");
    {
        use noether_core::krylov::{KrylovOptions, cg};
        use noether_fem::dirichlet::{apply_dirichlet, boundary_vertices};
        use noether_fem::multigrid::{Hierarchy, Multigrid, MultigridOptions};
        let start = Instant::now();
        let h = Hierarchy::uniform(&generate::unit_cube(25)?, 2)?;
        let mesh = h.finest();
        let t0 = Instant::now();
        let space = P1Space::new(mesh)?;
        let k = space.stiffness(None)?;
        let mut b = space.load(&|x: &[f64]| 1.0 + x[0] * x[1] * x[2], 2)?;
        let bd = boundary_vertices(mesh, &[1, 2, 3, 4, 5, 6])?;
        let a = apply_dirichlet(&k, &mut b, &bd, &vec![0.0; bd.len()])?;
        let t1 = Instant::now();
        let mg = Multigrid::new(&a, &h, &bd, MultigridOptions::default())?;
        let t2 = Instant::now();
        let mut u = vec![0.0; b.len()];
        let rep = cg(
            &a,
            &b,
            &mut u,
            Some(&mg),
            &KrylovOptions {
                rtol: 1e-8,
                ..Default::default()
            },
        )?;
        let t3 = Instant::now();
        let case = format!("cg-multigrid-unit-cube-{}-dofs", space.ndofs());
        let elapsed = start.elapsed().as_secs_f64();
        for (metric, value, reference) in [
            ("assembly_and_dirichlet_s", (t1 - t0).as_secs_f64(), None),
            ("multigrid_setup_s", (t2 - t1).as_secs_f64(), None),
            ("cg_s", (t3 - t2).as_secs_f64(), None),
            ("setup_plus_cg_s", (t3 - t1).as_secs_f64(), Some(10.0)),
            ("cg_iterations", rep.iterations as f64, None),
            ("relative_residual", rep.relative_residual, Some(1e-8)),
        ] {
            report.push(Row {
                case: case.clone(),
                metric: metric.into(),
                value,
                reference,
                reference_source: reference.map(|_| "issue goal".into()),
                elapsed_s: elapsed,
                ..Default::default()
            });
        }
    }
    pb.inc(1);
    pb.finish_with_message("done");
    Ok(report)
}
