//! `cargo xtask bench gp`.

use std::time::Instant;

use serde::Deserialize;
use xtask::Result;

use crate::peer::{PeerServer, run_peer};
use crate::progress::bar;
use crate::report::{Report, Row};
use crate::venv;

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
pub fn run() -> Result<Report> {
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
    let axis_len = 200;
    let axis = noether_gp::problems::axis(axis_len, 2.0 * std::f64::consts::PI);
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
    let problem = &noether_gp::problems::TABLE_1D[0];
    let n1 = problem.n;
    let mut s1 = problem.solver(gm)?;
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
    let jax2 = jax_step("time2d", axis_len);
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
    Ok(report)
}
