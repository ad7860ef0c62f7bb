//! `cargo xtask bench flow`: entropic and exact OT against POT, same run.

use std::time::Instant;

use noether_benches::median;
use noether_core::rng::SplitMix64;
use noether_flow::data::Toy;
use noether_flow::ot::{
    Cloud, CostMatrix, EmdOptions, Ground, SinkhornOptions, emd, sinkhorn, uniform,
};
use serde::Deserialize;
use xtask::Result;
use xtask::paths::noether_dir;

use crate::peer::run_peer;
use crate::progress::bar;
use crate::report::{Report, Row};
use crate::venv;

#[derive(Debug, Deserialize)]
struct PotPeer {
    library: String,
    sinkhorn2_s: f64,
    sinkhorn2_cost: f64,
    sinkhorn2_iterations: usize,
    sinkhorn_log_s: f64,
    sinkhorn_log_s_per_iteration: f64,
    emd2_s: f64,
    emd2_cost: f64,
    emd2_warning: Option<String>,
    warnings: Vec<String>,
}

/// Sinkhorn size, regularisation and threshold; exact-OT size; repeats.
const N_SINKHORN: usize = 5000;
const REG: f64 = 0.1;
const TOL: f64 = 1e-9;
const N_EMD: usize = 10_000;
const REPEATS: usize = 3;

/// Two clouds written for the peer (raw little-endian f64, x then y).
fn clouds(n: usize, seed: u64, name: &str) -> Result<(Vec<f64>, Vec<f64>, std::path::PathBuf)> {
    let mut rng = SplitMix64::new(seed);
    let x = Toy::Gaussian.sample(n, &mut rng);
    let y = Toy::Moons.sample(n, &mut rng);
    let path = noether_dir().join(name);
    let bytes: Vec<u8> = x.iter().chain(&y).flat_map(|v| v.to_le_bytes()).collect();
    std::fs::create_dir_all(noether_dir())?;
    std::fs::write(&path, bytes)?;
    Ok((x, y, path))
}

/// Sinkhorn at n = 5000 (N(0, I) → moons, squared distances, ε = 0.1, threshold
/// 1e-9 on the column marginals) against `ot.sinkhorn2` and `ot.sinkhorn_log`, and
/// exact W₂² at n = 10⁴ against `ot.emd2`; timings include the cost matrix.
pub fn run() -> Result<Report> {
    let mut report = Report::new("flow");
    let pb = bar(3, "flow: optimal transport vs POT");
    let (xs, ys, sk_path) = clouds(N_SINKHORN, 1, "flow_bench_sinkhorn.bin")?;
    let (xe, ye, emd_path) = clouds(N_EMD, 2, "flow_bench_emd.bin")?;

    pb.set_message("POT (sinkhorn2, sinkhorn_log, emd2)");
    let py = venv::python()?;
    let t0 = Instant::now();
    let pot: PotPeer = run_peer(
        &py,
        "flow_ot.py",
        &[
            sk_path.display().to_string(),
            N_SINKHORN.to_string(),
            REG.to_string(),
            TOL.to_string(),
            emd_path.display().to_string(),
            N_EMD.to_string(),
            REPEATS.to_string(),
        ],
    )?;
    let peer_elapsed = t0.elapsed().as_secs_f64();
    if !pot.warnings.is_empty() {
        println!("POT warned: {:?}", pot.warnings);
    }
    pb.inc(1);

    pb.set_message(format!("noether Sinkhorn, n = {N_SINKHORN}"));
    let (cx, cy) = (Cloud::new("x", &xs, 2)?, Cloud::new("y", &ys, 2)?);
    let w = uniform(N_SINKHORN);
    let opts = SinkhornOptions::new(REG).tol(TOL);
    let mut times = Vec::new();
    let mut sol = None;
    let start = Instant::now();
    for _ in 0..REPEATS {
        let t = Instant::now();
        let c = CostMatrix::pairwise(&cx, &cy, Ground::SqEuclidean)?;
        sol = Some(sinkhorn(&w, &w, &c, &opts)?);
        times.push(t.elapsed().as_secs_f64());
    }
    let sol = sol.ok_or("no Sinkhorn run")?;
    let ours = median(&times);
    println!(
        "Sinkhorn n = {N_SINKHORN}, ε = {REG}: ours <P,C> = {:.12} in {} iterations; \
         sinkhorn2 {:.12} in {}; sinkhorn_log {:.3} s per iteration",
        sol.transport_cost,
        sol.iterations,
        pot.sinkhorn2_cost,
        pot.sinkhorn2_iterations,
        pot.sinkhorn_log_s_per_iteration
    );
    for (peer, peer_s, goal) in [
        ("ot.sinkhorn2", pot.sinkhorn2_s, 0.3),
        ("ot.sinkhorn_log", pot.sinkhorn_log_s, 0.1),
    ] {
        report.push(Row {
            case: format!("sinkhorn-{N_SINKHORN}-reg{REG}-tol{TOL:e}"),
            metric: "solve_s".into(),
            value: ours,
            reference: Some(goal),
            reference_source: Some(if peer == "ot.sinkhorn_log" {
                format!(
                    "goal (issue 19): ratio to {peer} at most {goal}; its time is 20 timed \
                     iterations scaled to sinkhorn2's iteration count (same iteration)"
                )
            } else {
                format!("goal (issue 19): ratio to {peer} at most {goal}")
            }),
            elapsed_s: start.elapsed().as_secs_f64() + peer_elapsed / 3.0,
            peer: Some(format!("{} {peer}", pot.library)),
            peer_value: Some(peer_s),
            ratio: Some(ours / peer_s),
        });
    }
    report.push(Row::compared(
        &format!("sinkhorn-{N_SINKHORN}-reg{REG}-tol{TOL:e}"),
        "iterations",
        sol.iterations as f64,
        0.0,
        Some(("POT ot.sinkhorn2", pot.sinkhorn2_iterations as f64)),
    ));
    report.push(Row::compared(
        &format!("sinkhorn-{N_SINKHORN}-reg{REG}-tol{TOL:e}"),
        "transport_cost",
        sol.transport_cost,
        0.0,
        Some(("POT ot.sinkhorn2", pot.sinkhorn2_cost)),
    ));
    pb.inc(1);

    pb.set_message(format!("noether exact OT, n = {N_EMD}"));
    let (cx, cy) = (Cloud::new("x", &xe, 2)?, Cloud::new("y", &ye, 2)?);
    let w = uniform(N_EMD);
    let mut times = Vec::new();
    let mut cost = f64::NAN;
    let start = Instant::now();
    for _ in 0..REPEATS.div_ceil(2) {
        let t = Instant::now();
        let c = CostMatrix::pairwise(&cx, &cy, Ground::SqEuclidean)?;
        let plan = emd(&w, &w, &c, &EmdOptions::default())?;
        times.push(t.elapsed().as_secs_f64());
        cost = plan.cost;
        println!("emd n = {N_EMD}: {} pivots", plan.pivots);
    }
    let ours = median(&times);
    println!(
        "exact W2² n = {N_EMD}: ours {cost:.14} vs ot.emd2 {:.14} (warning: {:?})",
        pot.emd2_cost, pot.emd2_warning
    );
    report.push(Row {
        case: format!("emd-{N_EMD}"),
        metric: "solve_s".into(),
        value: ours,
        reference: Some(1.0),
        reference_source: Some("goal (issue 19): ratio to ot.emd2 at most 1".into()),
        elapsed_s: start.elapsed().as_secs_f64() + peer_elapsed / 3.0,
        peer: Some(format!("{} ot.emd2", pot.library)),
        peer_value: Some(pot.emd2_s),
        ratio: Some(ours / pot.emd2_s),
    });
    report.push(Row::compared(
        &format!("emd-{N_EMD}"),
        "w2_squared",
        cost,
        0.0,
        Some(("POT ot.emd2", pot.emd2_cost)),
    ));
    pb.inc(1);
    pb.finish_with_message("done");
    Ok(report)
}
