//! Times the Tsit5 solve of Lorenz on [0, 100] at rtol = atol = 1e-9 (the
//! benchmark's hardest case), for profiling:
//! `cargo run --release -p noether-diffeq --example lorenz_speed`.
use noether_diffeq::erk::Erk;
use noether_diffeq::problems::{lorenz, named};
use noether_diffeq::tableau::TSIT5;
use noether_diffeq::{SolveOptions, solve};

fn main() {
    let setup = named::lorenz().until(100.0);
    let problem = setup.ode_with(&lorenz);
    let mut times = Vec::new();
    let mut steps = 0;
    for _ in 0..200 {
        let t = std::time::Instant::now();
        let opts = SolveOptions::default().max_steps(10_000_000);
        let sol = solve(&problem, Erk::new(&TSIT5), opts).expect("solve");
        times.push(t.elapsed().as_secs_f64());
        steps = sol.stats.accepted;
    }
    times.sort_by(f64::total_cmp);
    let (best, median) = (times[0], times[times.len() / 2]);
    println!(
        "best {best:.3e} s, median {median:.3e} s, {steps} steps, {:.0} ns/step (best), {:.0} ns/step (median)",
        best / steps as f64 * 1e9,
        median / steps as f64 * 1e9
    );
}
