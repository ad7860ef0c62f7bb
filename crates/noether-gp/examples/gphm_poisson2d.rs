//! GP-HM on the 2-D Poisson problem `Δu = f`, `u = sin(k x) sin(k y)` on [0, 2π]²:
//! `cargo run --release -p noether-gp --example gphm_poisson2d -- [k] [N] [steps] [freq_scale]`.
//! Prints the relative L² error on a 300² test grid and the time per Adam step.
use noether_gp::gphm::{GpHm, GpHmOptions, relative_l2};
use noether_gp::kernel::Envelope;
use std::f64::consts::PI;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |i: usize, d: f64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (k, n, steps, fs) = (
        get(0, 100.0),
        get(1, 300.0) as usize,
        get(2, 2000.0) as usize,
        get(3, 20.0),
    );
    let axis: Vec<f64> = (0..n)
        .map(|i| 2.0 * PI * i as f64 / (n - 1) as f64)
        .collect();
    let u = move |x: f64, y: f64| (k * x).sin() * (k * y).sin();
    let f: Vec<f64> = axis
        .iter()
        .flat_map(|&x| axis.iter().map(move |&y| -2.0 * k * k * u(x, y)))
        .collect();
    // NOETHER_GPHM_GM=1: the Gaussian (GM) envelope instead of the Student-t (StM)
    let envelope = if std::env::var("NOETHER_GPHM_GM").is_ok() {
        Envelope::Gaussian
    } else {
        Envelope::Matern52
    };
    let opts = GpHmOptions {
        envelope,
        freq_scale: fs,
        ..GpHmOptions::default()
    };
    let mut s = GpHm::new(vec![axis.clone(), axis], &f, &|p| u(p[0], p[1]), opts)?;
    let test: Vec<f64> = (0..300).map(|i| 2.0 * PI * i as f64 / 299.0).collect();
    let exact: Vec<f64> = test
        .iter()
        .flat_map(|&x| test.iter().map(move |&y| u(x, y)))
        .collect();
    let mut step_time = 0.0;
    for it in 1..=steps {
        let t0 = std::time::Instant::now();
        let loss = s.step()?;
        step_time += t0.elapsed().as_secs_f64();
        if it % (steps / 10).max(1) == 0 {
            let err = relative_l2(&s.predict(&[test.clone(), test.clone()])?, &exact);
            println!(
                "step {it}: loss {loss:.4e}, rel L2 {err:.3e}, {:.2} ms/step",
                1e3 * step_time / it as f64
            );
        }
    }
    Ok(())
}
