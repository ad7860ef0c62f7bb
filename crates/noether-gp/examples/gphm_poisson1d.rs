//! GP-HM on the 1-D Poisson problem `u'' = f` on [0, 2π] with `u = sin(k x)`:
//! `cargo run --release -p noether-gp --example gphm_poisson1d -- [k] [N] [steps] [freq_scale]`.
//! `NOETHER_GPHM_MIX=1` takes `u = sin(6x) cos(kx)` instead, `NOETHER_GPHM_XSIN=1`
//! `u = x sin(kx)` (the paper's x sin 200x with k = 200, N = 900, freq_scale 50).
//! Prints the relative L² error on 300 test points as the optimisation proceeds.
use noether_gp::gphm::{GpHmOptions, Pde, relative_l2};
use noether_gp::kernel::Envelope;
use noether_gp::problems::{Exact1d, Problem1d, test_axis};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |i: usize, d: f64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (k, n, steps, fs) = (
        get(0, 20.0),
        get(1, 100.0) as usize,
        get(2, 20000.0) as usize,
        get(3, 20.0),
    );
    // the solution is chosen by the env vars above
    let exact = if std::env::var("NOETHER_GPHM_MIX").is_ok() {
        Exact1d::SinCos { a: 6.0, k }
    } else if std::env::var("NOETHER_GPHM_XSIN").is_ok() {
        Exact1d::XSin { k }
    } else {
        Exact1d::Sin { k }
    };
    let problem = Problem1d {
        id: "poisson_1d",
        pde: Pde::Poisson,
        exact,
        n,
        freq_scale: fs,
        paper_steps: steps,
        authors: [f64::NAN; 2],
        target: f64::NAN,
    };
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
    let on_test = exact.values(&test);
    let on_grid = exact.values(&problem.grid());
    let mut step_time = 0.0;
    for it in 1..=steps {
        let t0 = std::time::Instant::now();
        let loss = s.step()?;
        step_time += t0.elapsed().as_secs_f64();
        if it % (steps / 10).max(1) == 0 {
            let err = relative_l2(&s.predict(std::slice::from_ref(&test))?, &on_test);
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
