//! GP-HM on the paper's Poisson problems, `u'' = f` on [0, 2π] or `Δu = f` on
//! [0, 2π]², printing the relative L² error on the 300 (or 300²) test points and
//! the time per Adam step as the optimisation proceeds:
//!
//! `cargo run --release -p noether-gp --example gphm_poisson -- PROBLEM [k] [N] [steps] [freq_scale] [stm|gm]`
//!
//! with PROBLEM one of `sin` (u = sin kx), `sincos` (u = sin 6x cos kx), `xsin`
//! (u = x sin kx; the paper's x sin 200x takes k = 200, N = 900, freq_scale 50) and
//! `2d` (u = sin kx sin ky); the envelope is the Student-t (`stm`, default) or the
//! Gaussian mixture (`gm`).
use noether_gp::gphm::{GpHm, GpHmOptions, Pde, relative_l2};
use noether_gp::kernel::Envelope;
use noether_gp::problems::{Exact1d, Poisson2d, Problem1d, test_axis};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let problem = args.first().map(String::as_str).unwrap_or("sin");
    let get = |i: usize, d: f64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let two_d = problem == "2d";
    let (k, n, steps, fs) = (
        get(1, if two_d { 100.0 } else { 20.0 }),
        get(2, if two_d { 300.0 } else { 100.0 }) as usize,
        get(3, if two_d { 2000.0 } else { 20000.0 }) as usize,
        get(4, 20.0),
    );
    let envelope = match args.get(5).map(String::as_str) {
        None | Some("stm") => Envelope::Matern52,
        Some("gm") => Envelope::Gaussian,
        Some(other) => return Err(format!("envelope '{other}': use stm or gm").into()),
    };
    let opts = GpHmOptions {
        envelope,
        freq_scale: fs,
        ..GpHmOptions::default()
    };
    let test = test_axis();
    // the solver and the error of its prediction on the test points
    let (mut s, exact): (GpHm, Vec<f64>) = if two_d {
        let p = Poisson2d { k, n };
        (p.solver(opts)?, p.values(&test, &test))
    } else {
        let exact = match problem {
            "sin" => Exact1d::Sin { k },
            "sincos" => Exact1d::SinCos { a: 6.0, k },
            "xsin" => Exact1d::XSin { k },
            other => return Err(format!("problem '{other}': use sin, sincos, xsin or 2d").into()),
        };
        let p = Problem1d {
            id: "poisson_1d",
            pde: Pde::Poisson,
            exact,
            n,
            freq_scale: fs,
            paper_steps: steps,
            authors: [f64::NAN; 2],
            target: f64::NAN,
        };
        (p.solver(opts)?, exact.values(&test))
    };
    let axes = if two_d {
        vec![test.clone(), test]
    } else {
        vec![test]
    };
    let mut step_time = 0.0;
    for it in 1..=steps {
        let t0 = std::time::Instant::now();
        let loss = s.step()?;
        step_time += t0.elapsed().as_secs_f64();
        if it % (steps / 10).max(1) == 0 {
            let err = relative_l2(&s.predict(&axes)?, &exact);
            let (t1, t2) = s.precisions();
            println!(
                "step {it}: loss {loss:.4e}, rel L2 {err:.3e}, τ = ({t1:.2e}, {t2:.2e}), {:.2} ms/step",
                1e3 * step_time / it as f64
            );
        }
    }
    Ok(())
}
