//! GP-HM on the 1-D Poisson problem `u'' = f` on [0, 2π] with `u = sin(k x)`:
//! `cargo run --release -p noether-gp --example gphm_poisson1d -- [k] [N] [steps] [freq_scale]`.
//! `NOETHER_GPHM_MIX=1` takes `u = sin(6x) cos(kx)` instead, `NOETHER_GPHM_XSIN=1`
//! `u = x sin(kx)` (the paper's x sin 200x with k = 200, N = 900, freq_scale 50).
//! Prints the relative L² error on 300 test points as the optimisation proceeds.
use noether_gp::gphm::{GpHm, GpHmOptions, relative_l2};
use noether_gp::kernel::Envelope;
use std::f64::consts::PI;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |i: usize, d: f64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (k, n, steps, fs) = (
        get(0, 20.0),
        get(1, 100.0) as usize,
        get(2, 20000.0) as usize,
        get(3, 20.0),
    );
    let x: Vec<f64> = (0..n)
        .map(|i| 2.0 * PI * i as f64 / (n - 1) as f64)
        .collect();
    // the solution is chosen by the env vars above
    let mix = std::env::var("NOETHER_GPHM_MIX").is_ok();
    let xsin = std::env::var("NOETHER_GPHM_XSIN").is_ok();
    let uf = move |v: f64| {
        if mix {
            (6.0 * v).sin() * (k * v).cos()
        } else if xsin {
            v * (k * v).sin()
        } else {
            (k * v).sin()
        }
    };
    let u2 = move |v: f64| {
        if mix {
            let (s6, c6, sk, ck) = (
                (6.0 * v).sin(),
                (6.0 * v).cos(),
                (k * v).sin(),
                (k * v).cos(),
            );
            -36.0 * s6 * ck - 12.0 * k * c6 * sk - k * k * s6 * ck
        } else if xsin {
            2.0 * k * (k * v).cos() - k * k * v * (k * v).sin()
        } else {
            -k * k * (k * v).sin()
        }
    };
    let f: Vec<f64> = x.iter().map(|&v| u2(v)).collect();
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
    let mut s = GpHm::new(vec![x], &f, &|p| uf(p[0]), opts)?;
    let test: Vec<f64> = (0..300).map(|i| 2.0 * PI * i as f64 / 299.0).collect();
    let exact: Vec<f64> = test.iter().map(|&v| uf(v)).collect();
    let mut step_time = 0.0;
    for it in 1..=steps {
        let t0 = std::time::Instant::now();
        let loss = s.step()?;
        step_time += t0.elapsed().as_secs_f64();
        if it % (steps / 10).max(1) == 0 {
            let err = relative_l2(&s.predict(std::slice::from_ref(&test))?, &exact);
            let on_grid: Vec<f64> = (0..n)
                .map(|i| uf(2.0 * PI * i as f64 / (n - 1) as f64))
                .collect();
            let grid_err = relative_l2(s.values(), &on_grid);
            let spec = s.kernels()[0].spectrum();
            let wsum: f64 = spec.iter().map(|c| c.0).sum();
            println!("    grid error {grid_err:.3e}, Σw {wsum:.3e}");
            let (t1, t2) = s.precisions();
            println!(
                "step {it}: loss {loss:.4e}, rel L2 {err:.3e}, τ = ({t1:.2e}, {t2:.2e}), {:.2} ms/step",
                1e3 * step_time / it as f64
            );
        }
    }
    Ok(())
}
