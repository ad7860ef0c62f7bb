//! GP-HM on the 2-D Poisson problem `Δu = f`, `u = sin(k x) sin(k y)` on [0, 2π]²:
//! `cargo run --release -p noether-gp --example gphm_poisson2d -- [k] [N] [steps] [freq_scale]`.
//! Prints the relative L² error on a 300² test grid and the time per Adam step.
use noether_gp::gphm::{GpHmOptions, relative_l2};
use noether_gp::kernel::Envelope;
use noether_gp::problems::{Poisson2d, test_axis};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |i: usize, d: f64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (k, n, steps, fs) = (
        get(0, 100.0),
        get(1, 300.0) as usize,
        get(2, 2000.0) as usize,
        get(3, 20.0),
    );
    let problem = Poisson2d { k, n };
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
    let mut s = problem.solver(opts)?;
    let test = test_axis();
    let exact = problem.values(&test, &test);
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
