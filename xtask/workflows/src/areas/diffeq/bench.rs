//! `cargo xtask bench diffeq`.

use std::time::Instant;

use serde::Deserialize;
use xtask::Result;

use crate::peer::{PeerServer, run_peer};
use crate::progress::bar;
use crate::report::{Report, Row};
use crate::venv;

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
pub fn run() -> Result<Report> {
    use noether_benches::median;
    use noether_diffeq::erk::Erk;
    use noether_diffeq::problems::{lorenz, named, relative_l2_error as rel_err};
    use noether_diffeq::tableau::{DOP853, DOPRI5, DOPRI5_SHAMPINE, DOPRI8, TSIT5};
    use noether_diffeq::{SolveOptions, solve};

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
    let lorenz_t100 = named::lorenz().until(100.0);
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
            let setup = lorenz_t100.clone().tolerances(tol, tol);
            let problem = setup.ode_with(&lorenz);
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
    Ok(report)
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
    use noether_diffeq::problems::{
        named, relative_l2_error as rel_err, robertson, robertson_jacobian,
    };
    use noether_diffeq::{SolveOptions, solve};

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
    let rober = named::robertson();
    for (rtol, atol) in TOLS {
        let setup = rober.clone().tolerances(rtol, atol);
        let problem = setup.ode_with(&robertson);
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
                let with = label.as_deref().zip(peer_value);
                report.push(Row::compared(&case, metric, value, elapsed, with));
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
