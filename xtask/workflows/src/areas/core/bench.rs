//! `cargo xtask bench core`.

use std::time::Instant;

use noether_benches::{cg_iterations_to, laplacian, time_cg_iterations};
use serde::Deserialize;
use xtask::Result;

use crate::peer::run_peer;
use crate::progress::bar;
use crate::report::{Report, Row};
use crate::venv;

#[derive(Deserialize)]
struct ScipyCg {
    per_iter_s: f64,
    #[serde(rename = "iterations_to_1e-8")]
    iterations_to_1e8: usize,
    relative_residual: f64,
    scipy: String,
}

/// CG per iteration on the 10⁶-unknown 2-D Laplacian against scipy.
pub fn run() -> Result<Report> {
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
    Ok(report)
}
