//! `cargo xtask bench [AREA]`: criterion benchmarks plus side-by-side comparisons with
//! peer libraries measured in the same run, written to `target/noether/bench/AREA.json`.

use std::process::Command;
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
pub const AREAS: &[&str] = &["core"];

pub fn run(area: Option<&str>, criterion: bool) -> Result<()> {
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
    for a in areas {
        match a {
            "core" => core(criterion)?,
            _ => unreachable!("checked against AREAS"),
        }
    }
    Ok(())
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
    let out = Command::new(&py)
        .arg(root().join("benches/peers/core_cg.py"))
        .args([M.to_string(), ITERS.to_string(), REPEATS.to_string()])
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "scipy peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let scipy: ScipyCg = serde_json::from_slice(&out.stdout)?;
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
            reference: Some(0.5),
            reference_source: Some("issue goal: ratio below 0.5".into()),
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
    report.print();
    let path = report.write_json(&bench_dir())?;
    println!("wrote {}", path.display());

    if criterion {
        cargo(&["bench", "-p", "noether-benches", "--bench", "core"], &[])?;
    }
    Ok(())
}
