//! `cargo xtask bench [AREA]`: criterion benchmarks plus side-by-side comparisons with
//! peer libraries measured in the same run, written to `target/noether/bench/AREA.json`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use noether_benches::{cg_iterations_to, laplacian, time_cg_iterations};
use serde::Deserialize;

use crate::cargo_cmd::cargo;
use crate::paths::{bench_dir, root};
use crate::progress::bar;
use crate::report::anyhow_lite::Result;
use crate::report::{Report, Row};
use crate::venv;

/// Benchmark areas that exist.
pub const AREAS: &[&str] = &["core", "diffeq", "mesh", "fem", "gp"];

/// Areas whose peers need DOLFINx (Debian's `python3-dolfinx`, run by the system
/// python3 under `mpirun`), which pip cannot install.
const NEED_DOLFINX: &[&str] = &["mesh", "fem"];

/// Checks up front that DOLFINx and `mpirun` are there, with an install hint.
fn require_dolfinx() -> Result<()> {
    let dolfinx = Command::new("/usr/bin/python3")
        .args(["-c", "import dolfinx"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mpirun = Command::new("mpirun")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if dolfinx && mpirun {
        return Ok(());
    }
    Err(format!(
        "the mesh and fem benchmarks compare against DOLFINx, which is not installed{}: \
         install Debian's packages (`apt-get install -y python3-dolfinx openmpi-bin`) \
         or pass --no-peers to run ours alone",
        if dolfinx { " (mpirun missing)" } else { "" }
    )
    .into())
}

pub fn run(area: Option<&str>, criterion: bool, peers: bool) -> Result<()> {
    let areas: Vec<&str> = match area {
        Some(a) if AREAS.contains(&a) => vec![a],
        Some(a) => {
            return Err(format!(
                "no benchmark area '{a}' yet; available: {}",
                AREAS.join(", ")
            )
            .into());
        }
        None => AREAS.to_vec(),
    };
    if !peers && areas.iter().any(|a| !NEED_DOLFINX.contains(a)) {
        return Err(
            "--no-peers applies to the mesh and fem areas (the others are \
                    comparisons with Python peers from the venv)"
                .into(),
        );
    }
    if peers && areas.iter().any(|a| NEED_DOLFINX.contains(a)) {
        require_dolfinx()?;
    }
    for a in areas {
        match a {
            "core" => core(criterion)?,
            "diffeq" => diffeq(criterion)?,
            "mesh" => mesh(criterion, peers)?,
            "fem" => fem(peers)?,
            "gp" => gp()?,
            _ => unreachable!("checked against AREAS"),
        }
    }
    Ok(())
}

/// Runs `benches/peers/SCRIPT` with the venv's python and parses the JSON it prints.
fn run_peer<T: serde::de::DeserializeOwned>(
    py: &std::path::Path,
    script: &str,
    args: &[String],
) -> Result<T> {
    let out = Command::new(py)
        .arg(root().join("benches/peers").join(script))
        .args(args)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "python peer {script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// A peer script kept running after its report (`--serve`) to answer timing
/// requests, so that its timings interleave with ours under the same machine load.
struct PeerServer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl PeerServer {
    /// Starts `benches/peers/SCRIPT ARGS --serve` and parses its first output line.
    fn start<T: serde::de::DeserializeOwned>(
        py: &std::path::Path,
        script: &str,
        args: &[String],
    ) -> Result<(Self, T)> {
        let mut child = Command::new(py)
            .arg(root().join("benches/peers").join(script))
            .args(args)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(format!("python peer {script}: no pipes").into());
        };
        let mut server = Self {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        };
        let mut line = String::new();
        server.stdout.read_line(&mut line)?;
        if line.is_empty() {
            return Err(format!("python peer {script} exited before reporting").into());
        }
        Ok((server, serde_json::from_str(&line)?))
    }

    /// `n` wall times of the peer's `method` at tolerance `tol`.
    fn times(&mut self, method: &str, tol: f64, n: usize) -> Result<Vec<f64>> {
        writeln!(self.stdin, "{method} {tol} {n}")?;
        self.stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        Ok(serde_json::from_str(&line)?)
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

#[derive(Deserialize)]
struct ScipyCg {
    per_iter_s: f64,
    #[serde(rename = "iterations_to_1e-8")]
    iterations_to_1e8: usize,
    relative_residual: f64,
    scipy: String,
}

/// CG per iteration on the 10⁶-unknown 2-D Laplacian against scipy.
fn core(criterion: bool) -> Result<()> {
    const M: usize = 1000;
    const ITERS: usize = 100;
    const REPEATS: usize = 5;
    let py = venv::python()?;
    let mut report = Report::new("core");
    let pb = bar(5, "core: CG on the 10^6-unknown Laplacian");

    pb.set_message("scipy.sparse.linalg.cg");
    let t0 = Instant::now();
    let scipy: ScipyCg = run_peer(
        &py,
        "core_cg.py",
        &[M.to_string(), ITERS.to_string(), REPEATS.to_string()],
    )?;
    let scipy_elapsed = t0.elapsed().as_secs_f64();
    if scipy.relative_residual > 1e-8 * 1.01 {
        return Err(format!("scipy CG did not reach 1e-8 ({})", scipy.relative_residual).into());
    }
    let peer = format!("scipy {} sparse.linalg.cg (CSR)", scipy.scipy);
    pb.inc(1);

    let a = laplacian(M)?;
    let csr = a.to_csr()?;
    for (case, timing) in [
        ("cg-laplacian-1e6-matrix-free", {
            pb.set_message("noether CG, matrix-free");
            let t0 = Instant::now();
            (time_cg_iterations(&a, ITERS, REPEATS)?, t0)
        }),
        ("cg-laplacian-1e6-csr", {
            pb.set_message("noether CG, faer CSR");
            let t0 = Instant::now();
            (time_cg_iterations(&csr, ITERS, REPEATS)?, t0)
        }),
    ] {
        let (t, start) = timing;
        report.push(Row {
            case: case.into(),
            metric: "s_per_cg_iteration".into(),
            value: t.per_iter_s,
            reference: None,
            reference_source: Some("goal (issue 2): ratio below 0.5".into()),
            elapsed_s: start.elapsed().as_secs_f64(),
            peer: Some(peer.clone()),
            peer_value: Some(scipy.per_iter_s),
            ratio: Some(t.per_iter_s / scipy.per_iter_s),
        });
        pb.inc(1);
    }
    pb.set_message("iterations to 1e-8");
    let t0 = Instant::now();
    let its = cg_iterations_to(&a, 1e-8)?;
    report.push(Row {
        case: "cg-laplacian-1e6-matrix-free".into(),
        metric: "iterations_to_rtol_1e-8".into(),
        value: its as f64,
        elapsed_s: t0.elapsed().as_secs_f64() + scipy_elapsed,
        peer: Some(peer.clone()),
        peer_value: Some(scipy.iterations_to_1e8 as f64),
        ratio: Some(its as f64 / scipy.iterations_to_1e8 as f64),
        ..Default::default()
    });
    pb.inc(1);
    pb.finish_with_message("done");
    publish(&report)?;

    if criterion {
        cargo(&["bench", "-p", "noether-benches", "--bench", "core"], &[])?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct PeerRun {
    library: String,
    method: String,
    tol: f64,
    wall_s: f64,
    steps: usize,
    #[serde(default)]
    rejected: Option<usize>,
    #[serde(default)]
    nfev: Option<usize>,
    y1: Vec<f64>,
}

#[derive(Deserialize)]
struct DiffeqPeers {
    reference_y1: Vec<f64>,
    scipy: Vec<PeerRun>,
    diffrax: Vec<PeerRun>,
    note: Option<String>,
}

/// Work-precision on Lorenz (t ∈ [0, 100]) against diffrax and scipy, same run.
fn diffeq(criterion: bool) -> Result<()> {
    use noether_benches::median;
    use noether_diffeq::erk::Erk;
    use noether_diffeq::problems::{lorenz, relative_l2_error as rel_err};
    use noether_diffeq::tableau::{DOP853, DOPRI5, DOPRI5_SHAMPINE, DOPRI8, TSIT5};
    use noether_diffeq::{OdeProblem, SolveOptions, solve};

    const TOLS: [f64; 3] = [1e-5, 1e-7, 1e-9];
    const REPEATS: usize = 21;
    const PER_ROUND: usize = 1;
    let py = venv::python()?;
    let pb = bar(3, "diffeq: Lorenz work-precision");
    pb.set_message("diffrax and scipy");
    let tol_arg = TOLS
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let (mut server, peers): (_, DiffeqPeers) =
        PeerServer::start(&py, "diffeq_lorenz.py", &[tol_arg, REPEATS.to_string()])?;
    if let Some(note) = &peers.note {
        println!("note: {note}");
    }
    pb.inc(1);

    pb.set_message("noether");
    let mut report = Report::new("diffeq");
    let y0 = vec![1.0, 1.0, 1.0];
    // Each tableau against the peer with the same tableau and error estimate: diffrax's
    // Dopri5 uses Shampine's embedded weights, scipy's RK45 Dormand–Prince's own.
    let methods = [
        (&TSIT5, Some("Tsit5"), None),
        (&DOPRI5_SHAMPINE, Some("Dopri5"), None),
        (&DOPRI5, None, Some("RK45")),
        (&DOPRI8, Some("Dopri8"), None),
        (&DOP853, None, Some("DOP853")),
    ];
    for (tab, diffrax_method, scipy_method) in methods {
        for &tol in &TOLS {
            let problem = OdeProblem::new(&lorenz, (0.0, 100.0), y0.clone()).tolerances(tol, tol);
            let opts = || SolveOptions::default().max_steps(10_000_000);
            let start = Instant::now();
            // Rounds of ours then diffrax's (when it is a peer), so that both medians
            // come from the same stretch of machine load.
            let mut samples = Vec::with_capacity(REPEATS);
            let mut peer_samples = Vec::with_capacity(REPEATS);
            let mut sol = solve(&problem, Erk::new(tab), opts())?;
            for _ in 0..REPEATS / PER_ROUND {
                for _ in 0..PER_ROUND {
                    let t = Instant::now();
                    sol = solve(&problem, Erk::new(tab), opts())?;
                    samples.push(t.elapsed().as_secs_f64());
                }
                if let Some(m) = diffrax_method
                    && peers.diffrax.iter().any(|r| r.method == m)
                {
                    peer_samples.extend(server.times(m, tol, PER_ROUND)?);
                }
            }
            let wall = median(&samples);
            let diffrax_wall = (!peer_samples.is_empty()).then(|| median(&peer_samples));
            let err = rel_err(&sol.ys[0], &peers.reference_y1);
            let elapsed = start.elapsed().as_secs_f64();
            let case = format!("lorenz-t100-{}-tol{tol:e}", tab.name.to_lowercase());
            let find = |runs: &[PeerRun], m: &str| {
                runs.iter()
                    .find(|r| r.method == m && r.tol == tol)
                    .map(|r| {
                        (
                            r.library.clone(),
                            r.wall_s,
                            r.steps,
                            r.nfev,
                            rel_err(&r.y1, &peers.reference_y1),
                        )
                    })
            };
            let mut push = |metric: &str, value: f64, peer: Option<(String, f64)>| {
                report.push(Row {
                    case: case.clone(),
                    metric: metric.into(),
                    value,
                    elapsed_s: elapsed,
                    ratio: peer.as_ref().map(|p| value / p.1),
                    peer_value: peer.as_ref().map(|p| p.1),
                    peer: peer.map(|p| p.0),
                    ..Default::default()
                });
            };
            let peer_runs = [
                diffrax_method.and_then(|m| {
                    find(&peers.diffrax, m).map(|mut d| {
                        d.1 = diffrax_wall.unwrap_or(d.1);
                        (m, d)
                    })
                }),
                scipy_method.and_then(|m| find(&peers.scipy, m).map(|d| (m, d))),
            ];
            push("rhs_evaluations", sol.stats.nfev as f64, None);
            for (m, d) in peer_runs.into_iter().flatten() {
                let name = format!("{} {m}", d.0);
                push("wall_s", wall, Some((name.clone(), d.1)));
                push(
                    "accepted_steps",
                    sol.stats.accepted as f64,
                    Some((name.clone(), d.2 as f64)),
                );
                push("final_rel_error_vs_dop853", err, Some((name.clone(), d.4)));
                if let Some(nfev) = d.3 {
                    push(
                        "rhs_evaluations",
                        sol.stats.nfev as f64,
                        Some((name, nfev as f64)),
                    );
                }
            }
        }
    }
    pb.inc(1);
    pb.finish_with_message("done");
    robertson(&py, &mut report)?;
    publish(&report)?;
    if criterion {
        cargo(
            &["bench", "-p", "noether-benches", "--bench", "diffeq"],
            &[],
        )?;
    }
    Ok(())
}

/// Robertson (stiff, t ∈ [0, 10⁵]): Kvaerno5 against diffrax's Kvaerno5 and the
/// NDF/BDF against scipy's BDF (the same algorithm), with scipy's Radau alongside.
///
/// Kvaerno5 runs twice: with our default stage iteration, and with
/// [`NewtonPolicy::VeryChord`](noether_diffeq::esdirk::NewtonPolicy) from
/// diffrax's starting step 0.01, which is diffrax's own stage iteration and so
/// takes the same steps (the like-for-like timing).
fn robertson(py: &std::path::Path, report: &mut Report) -> Result<()> {
    use faer::Mat;
    use noether_benches::median;
    use noether_diffeq::bdf::Bdf;
    use noether_diffeq::esdirk::{Esdirk, KVAERNO5, NewtonPolicy};
    use noether_diffeq::newton::DenseNewton;
    use noether_diffeq::problems::{relative_l2_error as rel_err, robertson, robertson_jacobian};
    use noether_diffeq::{OdeProblem, SolveOptions, solve};

    const TOLS: [(f64, f64); 3] = [(1e-4, 1e-8), (1e-6, 1e-10), (1e-8, 1e-12)];
    const REPEATS: usize = 7;
    let pb = bar(2, "diffeq: Robertson work-precision");
    pb.set_message("diffrax Kvaerno5, scipy BDF and Radau");
    let t0 = Instant::now();
    let tol_arg = TOLS
        .iter()
        .map(|(r, a)| format!("{r}:{a}"))
        .collect::<Vec<_>>()
        .join(",");
    let peers: DiffeqPeers = run_peer(py, "diffeq_robertson.py", &[tol_arg, REPEATS.to_string()])?;
    if let Some(note) = &peers.note {
        println!("note: {note}");
    }
    let peer_elapsed = t0.elapsed().as_secs_f64();
    pb.inc(1);
    pb.set_message("noether Kvaerno5 and BDF");
    let jac = || {
        DenseNewton::with_jacobian(|_t, y: &[f64], j: &mut Mat<f64>| {
            let r = robertson_jacobian(y);
            *j = Mat::from_fn(3, 3, |a, b| r[a][b]);
        })
    };
    let y0 = vec![1.0, 0.0, 0.0];
    for (rtol, atol) in TOLS {
        let problem = OdeProblem::new(&robertson, (0.0, 1e5), y0.clone()).tolerances(rtol, atol);
        let opts = || SolveOptions::default().max_steps(1_000_000);
        // diffrax 0.7 starts from dt0 = 0.01 whenever dt0=None.
        let diffrax_start = || opts().h0(0.01);
        let very_chord = NewtonPolicy::VeryChord {
            kappa: 0.01,
            max_norm: false,
        };
        for (name, peer_lib, peer_method) in [
            ("kvaerno5", &peers.diffrax, "Kvaerno5"),
            ("kvaerno5-verychord", &peers.diffrax, "Kvaerno5"),
            ("bdf", &peers.scipy, "BDF"),
        ] {
            let start = Instant::now();
            let run = || match name {
                "bdf" => solve(&problem, Bdf::new(jac()), opts()),
                "kvaerno5" => solve(&problem, Esdirk::new(&KVAERNO5, jac()), opts()),
                _ => solve(
                    &problem,
                    Esdirk::new(&KVAERNO5, jac()).policy(very_chord),
                    diffrax_start(),
                ),
            };
            let mut sol = run()?;
            let mut samples = Vec::with_capacity(REPEATS);
            for _ in 0..REPEATS {
                let t = Instant::now();
                sol = run()?;
                samples.push(t.elapsed().as_secs_f64());
            }
            let wall = median(&samples);
            let err = rel_err(&sol.ys[0], &peers.reference_y1);
            let elapsed = start.elapsed().as_secs_f64() + peer_elapsed / 6.0;
            let case = format!("robertson-t1e5-{name}-rtol{rtol:e}-atol{atol:e}");
            let peer = peer_lib
                .iter()
                .find(|r| r.method == peer_method && r.tol == rtol);
            let label = peer.map(|p| format!("{} {}", p.library, p.method));
            let mut push = |metric: &str, value: f64, peer_value: Option<f64>| {
                report.push(Row {
                    case: case.clone(),
                    metric: metric.into(),
                    value,
                    elapsed_s: elapsed,
                    ratio: peer_value.map(|p| value / p),
                    peer_value,
                    peer: peer_value.and(label.clone()),
                    ..Default::default()
                });
            };
            push("wall_s", wall, peer.map(|p| p.wall_s));
            push(
                "accepted_steps",
                sol.stats.accepted as f64,
                peer.map(|p| p.steps as f64),
            );
            push(
                "rhs_evaluations",
                sol.stats.nfev as f64,
                peer.and_then(|p| p.nfev.map(|n| n as f64)),
            );
            push(
                "final_rel_error_vs_radau_1e-13",
                err,
                peer.map(|p| rel_err(&p.y1, &peers.reference_y1)),
            );
            if name != "bdf" {
                push(
                    "rejected_steps",
                    sol.stats.rejected as f64,
                    peer.and_then(|p| p.rejected.map(|n| n as f64)),
                );
            }
            if let Some(radau) = peers
                .scipy
                .iter()
                .find(|r| r.method == "Radau" && r.tol == rtol)
            {
                report.push(Row {
                    case: case.clone(),
                    metric: "wall_s".into(),
                    value: wall,
                    elapsed_s: elapsed,
                    ratio: Some(wall / radau.wall_s),
                    peer_value: Some(radau.wall_s),
                    peer: Some(format!("{} Radau", radau.library)),
                    ..Default::default()
                });
            }
        }
    }
    pb.inc(1);
    pb.finish_with_message("done");
    Ok(())
}

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
fn mesh(criterion: bool, peers: bool) -> Result<()> {
    use noether_benches::median;
    use noether_mesh::{Topology, generate};

    const N: usize = 55;
    const REPEATS: usize = 5;
    let pb = bar(2, "mesh: unit cube with 10⁶ tetrahedra");
    pb.set_message("DOLFINx (system python3)");
    let peer: Option<DolfinxMesh> = if peers {
        let out = Command::new("/usr/bin/python3")
            .arg(root().join("benches/peers/mesh_dolfinx.py"))
            .args([N.to_string(), "3".to_string()])
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "DOLFINx mesh peer failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Some(serde_json::from_slice(&out.stdout)?)
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
        report.push(Row {
            case: case.clone(),
            metric: metric.into(),
            value,
            elapsed_s: elapsed,
            ratio: peer_value.map(|p| value / p),
            peer_value,
            peer: peer_value.and(label.clone()),
            ..Default::default()
        });
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
    publish(&report)?;
    if criterion {
        cargo(&["bench", "-p", "noether-benches", "--bench", "mesh"], &[])?;
    }
    Ok(())
}

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
fn fem(peers: bool) -> Result<()> {
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
    publish(&report)?;
    Ok(())
}

#[derive(Debug, Deserialize)]
struct GpPeer {
    library: String,
    solve_s: f64,
    checksum: f64,
    logdet: f64,
}

/// The exact solve and log-determinant of `(K ⊗ K ⊗ K + σ²I)` at 128³ ≈ 2.1·10⁶
/// points against numpy running the same eigendecomposition algorithm, same run
/// (interleaved rounds, medians of both); and one GP-HM Adam step on a 200² grid
/// against the authors' logged 6.6 ms.
fn gp() -> Result<()> {
    use faer::Mat;
    use noether_benches::median;
    use noether_gp::gphm::{GpHm, GpHmOptions};
    use noether_gp::kron::KroneckerEigen;

    const N: usize = 128;
    const SIGMA2: f64 = 1e-2;
    const REPEATS: usize = 3;
    const ROUNDS: usize = 4;
    let mut report = Report::new("gp");
    let pb = bar(2, "gp: Kronecker solve and GP-HM step");
    pb.set_message(format!("{N}³ Kronecker solve"));
    let x: Vec<f64> = (0..N).map(|i| i as f64 / (N - 1) as f64).collect();
    let k = Mat::<f64>::from_fn(N, N, |i, j| {
        (-(x[i] - x[j]).powi(2) / (2.0 * 0.04)).exp() + if i == j { 1e-6 } else { 0.0 }
    });
    let y: Vec<f64> = (0..N * N * N).map(|i| (i as f64 * 0.37).cos()).collect();
    let ours = |times: &mut Vec<f64>| -> Result<(f64, f64)> {
        let mut out = (0.0, 0.0);
        for _ in 0..REPEATS {
            let t0 = Instant::now();
            let gram = KroneckerEigen::new(&[k.clone(), k.clone(), k.clone()], SIGMA2)?;
            let z = gram.solve(&y)?;
            let logdet = gram.log_det();
            times.push(t0.elapsed().as_secs_f64());
            out = (z[..1000].iter().sum(), logdet);
        }
        Ok(out)
    };
    let start = Instant::now();
    let mut times = Vec::new();
    // a warm-up batch (not timed), then rounds of ours and numpy's from a peer kept
    // running, so that both medians come from the same stretch of machine load
    let (checksum, logdet) = ours(&mut Vec::new())?;
    let mut peer_times = Vec::new();
    let server = venv::python().ok().and_then(|py| {
        PeerServer::start::<GpPeer>(
            &py,
            "gp_kron.py",
            &[N.to_string(), SIGMA2.to_string(), REPEATS.to_string()],
        )
        .ok()
    });
    let peer = match server {
        Some((mut server, first)) => {
            // (its first report's solves were its warm-up, as our first batch is).
            // A pause before each batch lets the other side's idle worker threads
            // (OpenBLAS's and rayon's spin before sleeping) go quiet first
            let pause = || std::thread::sleep(std::time::Duration::from_millis(300));
            for _ in 0..ROUNDS {
                pause();
                ours(&mut times)?;
                pause();
                peer_times.extend(server.times("solve", 0.0, REPEATS)?);
            }
            Some(GpPeer {
                solve_s: median(&peer_times),
                ..first
            })
        }
        None => {
            ours(&mut times)?;
            None
        }
    };
    let value = median(&times);
    if let Some(p) = &peer {
        println!(
            "checksum {checksum:.10e} vs numpy {:.10e}; log det {logdet:.10e} vs {:.10e}",
            p.checksum, p.logdet
        );
    }
    report.push(Row {
        case: format!("kron-se-{N}^3-solve-logdet"),
        metric: "solve_s".into(),
        value,
        reference: Some(0.3),
        reference_source: Some("goal: ratio to numpy below 0.3".into()),
        elapsed_s: start.elapsed().as_secs_f64(),
        peer: peer.as_ref().map(|p| p.library.clone()),
        peer_value: peer.as_ref().map(|p| p.solve_s),
        ratio: peer.as_ref().map(|p| value / p.solve_s),
    });
    pb.inc(1);
    pb.set_message("GP-HM step, 200²");
    let n = 200;
    let axis: Vec<f64> = (0..n)
        .map(|i| 2.0 * std::f64::consts::PI * i as f64 / (n - 1) as f64)
        .collect();
    // u = sin 6x cos 20x + sin 6y cos 20y (poisson_2d-sin_add_cos); f = Δu. The JAX
    // peer solves sin 100x sin 100y: a step costs the same whatever the data
    let lap = |s: f64| {
        let (a, b) = (6.0 * s, 20.0 * s);
        -(36.0 + 400.0) * a.sin() * b.cos() - 240.0 * a.cos() * b.sin()
    };
    let f: Vec<f64> = axis
        .iter()
        .flat_map(|&a| axis.iter().map(move |&b| lap(a) + lap(b)))
        .collect();
    let u = |p: &[f64]| {
        p.iter()
            .map(|s| (6.0 * s).sin() * (20.0 * s).cos())
            .sum::<f64>()
    };
    // the Gaussian envelope, as the JAX peer below (the step costs the same with StM)
    let gm = GpHmOptions {
        envelope: noether_gp::kernel::Envelope::Gaussian,
        ..GpHmOptions::default()
    };
    let mut solver = GpHm::new(vec![axis.clone(), axis], &f, &u, gm.clone())?;
    for _ in 0..3 {
        solver.step()?;
    }
    let mut steps = Vec::new();
    let start = Instant::now();
    for _ in 0..20 {
        let t0 = Instant::now();
        solver.step()?;
        steps.push(t0.elapsed().as_secs_f64());
    }
    // 1-D, N = 400 (sin 100x): ours against an independent JAX implementation of the
    // same loss (autodiff, jit) in the same run
    #[derive(Debug, Deserialize)]
    struct JaxStep {
        library: String,
        step_s: f64,
    }
    let n1 = 400;
    let x1: Vec<f64> = (0..n1)
        .map(|i| 2.0 * std::f64::consts::PI * i as f64 / (n1 - 1) as f64)
        .collect();
    let f1: Vec<f64> = x1.iter().map(|v| -1e4 * (100.0 * v).sin()).collect();
    let mut s1 = GpHm::new(vec![x1], &f1, &|p| (100.0 * p[0]).sin(), gm)?;
    let mut t1 = Vec::new();
    for _ in 0..23 {
        let t0 = Instant::now();
        s1.step()?;
        t1.push(t0.elapsed().as_secs_f64());
    }
    let jax_step = |mode: &str, n: usize| -> Option<JaxStep> {
        venv::python().ok().and_then(|py| {
            run_peer(
                &py,
                "gphm_jax.py",
                &[mode.into(), n.to_string(), "20".into()],
            )
            .ok()
        })
    };
    let jax = jax_step("time", n1);
    let jax2 = jax_step("time2d", n);
    let ours1 = median(&t1[3..]);
    report.push(Row {
        case: "gp-hm-poisson1d-N400-GM-step".into(),
        metric: "adam_step_s".into(),
        value: ours1,
        elapsed_s: start.elapsed().as_secs_f64(),
        peer: jax.as_ref().map(|j| j.library.clone()),
        peer_value: jax.as_ref().map(|j| j.step_s),
        ratio: jax.as_ref().map(|j| ours1 / j.step_s),
        ..Default::default()
    });
    let ours2 = median(&steps);
    report.push(Row {
        case: "gp-hm-poisson2d-200x200-GM-step".into(),
        metric: "adam_step_s".into(),
        value: ours2,
        peer: jax2.as_ref().map(|j| j.library.clone()),
        peer_value: jax2.as_ref().map(|j| j.step_s),
        ratio: jax2.as_ref().map(|j| ours2 / j.step_s),
        reference: Some(6.6e-3),
        reference_source: Some("GP-HM authors' logged JAX step time (hardware unstated)".into()),
        elapsed_s: start.elapsed().as_secs_f64(),
    });
    pb.inc(1);
    pb.finish_with_message("done");
    publish(&report)?;
    Ok(())
}

/// Prints the report and writes `target/noether/bench/<name>.json`.
fn publish(report: &Report) -> Result<()> {
    report.print();
    let path = report.write_json(&bench_dir())?;
    println!("wrote {}", path.display());
    Ok(())
}
