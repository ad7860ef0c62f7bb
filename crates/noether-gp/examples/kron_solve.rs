//! Times the exact solve and log-determinant of (K ⊗ K ⊗ K + σ²I) on an n³ grid:
//! `cargo run --release -p noether-gp --example kron_solve -- [n] [repeats]` (default 128).
use faer::Mat;
use noether_gp::kron::KroneckerEigen;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(128), |s| s.parse())?;
    let repeats: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let x: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
    let k = Mat::<f64>::from_fn(n, n, |i, j| {
        (-(x[i] - x[j]).powi(2) / 0.08).exp() + if i == j { 1e-6 } else { 0.0 }
    });
    let y: Vec<f64> = (0..n * n * n).map(|i| (i as f64 * 0.37).cos()).collect();
    for _ in 0..repeats {
        let t0 = std::time::Instant::now();
        let gram = KroneckerEigen::new(&[k.clone(), k.clone(), k.clone()], 1e-2)?;
        let t1 = std::time::Instant::now();
        let z = gram.solve(&y)?;
        let t2 = std::time::Instant::now();
        let log_det = gram.log_det();
        let t3 = std::time::Instant::now();
        println!(
            "{n}³: eigendecompositions {:.1} ms, solve {:.1} ms, log det {:.1} ms; log det {log_det:.6e}, z[0] {:.6e}",
            1e3 * (t1 - t0).as_secs_f64(),
            1e3 * (t2 - t1).as_secs_f64(),
            1e3 * (t3 - t2).as_secs_f64(),
            z[0]
        );
    }
    Ok(())
}
