//! Symplectic integrators: no energy drift over 10⁵ Kepler periods, fitted orders,
//! and exact conservation of quadratic invariants by the implicit midpoint rule.

use noether_core::Hamiltonian;
use noether_diffeq::problems::Kepler;
use noether_diffeq::symplectic::{ImplicitMidpoint, ImplicitOptions, Symplectic, SymplecticMethod};
use noether_diffeq::{Integrator, OdeProblem, SaveAt, SolveOptions, solve};

fn kepler_start(e: f64) -> (Vec<f64>, Vec<f64>) {
    Kepler::start(e)
}

#[test]
fn verlet_energy_error_stays_bounded_over_1e5_periods() {
    let (q0, p0) = kepler_start(0.5);
    let h0 = Kepler.energy(&q0, &p0).unwrap();
    let steps_per_period = 100;
    let periods = 100_000;
    let dt = 2.0 * std::f64::consts::PI / steps_per_period as f64;
    let mut early_max = 0.0_f64;
    let mut late_max = 0.0_f64;
    let mut count = 0usize;
    // Stepped by hand through the stepping API: n steps of exactly dt.
    let n = steps_per_period * periods;
    let problem = OdeProblem::new(
        &Kepler,
        (0.0, 2.0 * dt * n as f64),
        (q0.clone(), p0.clone()),
    );
    let opts = SolveOptions::default().fixed(dt).max_steps(n + 1);
    let mut it =
        Integrator::new(&problem, Symplectic::new(SymplecticMethod::Verlet), &opts).unwrap();
    for step in 1..=n {
        it.step().unwrap().unwrap();
        // sample once per period at pericentre passage
        if step % steps_per_period == 0 {
            count += 1;
            let (q, p) = it.y();
            let err = (Kepler.energy(q, p).unwrap() - h0).abs();
            if step <= steps_per_period * 1000 {
                early_max = early_max.max(err);
            } else if step > steps_per_period * (periods - 1000) {
                late_max = late_max.max(err);
            }
        }
    }
    assert_eq!(count, periods);
    assert!(
        early_max > 0.0 && early_max < 1e-2,
        "early energy error {early_max:e}"
    );
    // No drift: the last 1000 periods are no worse than the first 1000.
    assert!(
        late_max < 2.0 * early_max,
        "late {late_max:e} vs early {early_max:e}"
    );
}

#[test]
fn symplectic_orders_on_kepler() {
    let (q0, p0) = kepler_start(0.3);
    let period = 2.0 * std::f64::consts::PI;
    for (method, expected) in [
        (SymplecticMethod::Verlet, 2.0),
        (SymplecticMethod::Yoshida4, 4.0),
    ] {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for n in [200usize, 400, 800, 1600] {
            let problem = OdeProblem::new(&Kepler, (0.0, period), (q0.clone(), p0.clone()));
            let opts = SolveOptions::default().fixed(period / n as f64);
            let sol = solve(&problem, Symplectic::new(method), opts).unwrap();
            assert_eq!(sol.stats.accepted, n);
            let (q, p) = &sol.ys[0];
            let err = ((q[0] - q0[0]).powi(2)
                + (q[1] - q0[1]).powi(2)
                + (p[0] - p0[0]).powi(2)
                + (p[1] - p0[1]).powi(2))
            .sqrt();
            xs.push((period / n as f64).ln());
            ys.push(err.ln());
        }
        let slope = noether_core::stats::fit_slope(&xs, &ys);
        assert!(
            (slope - expected).abs() < 0.2,
            "{method:?}: fitted order {slope:.3}"
        );
    }
}

#[test]
fn implicit_midpoint_conserves_quadratic_invariants() {
    // Free rigid body (Euler's equations): |m|² and the energy Σ mᵢ²/Iᵢ are quadratic
    // invariants; implicit midpoint preserves both up to round-off.
    let inertia = [2.0, 1.0, 2.0 / 3.0];
    let f = move |_t: f64, m: &Vec<f64>, dm: &mut Vec<f64>| {
        let w = [m[0] / inertia[0], m[1] / inertia[1], m[2] / inertia[2]];
        dm[0] = m[1] * w[2] - m[2] * w[1];
        dm[1] = m[2] * w[0] - m[0] * w[2];
        dm[2] = m[0] * w[1] - m[1] * w[0];
    };
    let m0 = vec![(0.8f64).cos(), 0.0, (0.8f64).sin()];
    let casimir = |m: &Vec<f64>| m.iter().map(|x| x * x).sum::<f64>();
    let energy = |m: &Vec<f64>| m.iter().zip(inertia).map(|(x, i)| x * x / i).sum::<f64>() * 0.5;
    let (c0, e0) = (casimir(&m0), energy(&m0));
    let mut worst = 0.0_f64;
    let problem = OdeProblem::new(&f, (0.0, 500.0), m0.clone());
    let opts = SolveOptions::default().fixed(0.1).save_at(SaveAt::Steps);
    let sol = solve(
        &problem,
        ImplicitMidpoint::new(ImplicitOptions::default()),
        opts,
    )
    .unwrap();
    assert_eq!(sol.ys.len(), 5001);
    for m in &sol.ys {
        worst = worst
            .max((casimir(m) - c0).abs() / c0)
            .max((energy(m) - e0).abs() / e0);
    }
    assert!(worst < 1e-12, "quadratic invariants drift by {worst:e}");
    // An explicit method of the same order does drift.
    let sol = noether_diffeq::solve(
        &noether_diffeq::OdeProblem::new(&f, (0.0, 500.0), m0.clone()),
        noether_diffeq::erk::Erk::new(&noether_diffeq::tableau::MIDPOINT),
        noether_diffeq::SolveOptions::default().fixed(0.1),
    )
    .unwrap();
    assert!((casimir(&sol.ys[0]) - c0).abs() / c0 > 1e-6);
}

#[test]
fn non_separable_hamiltonian_is_refused_by_explicit_schemes() {
    struct Coupled;
    impl Hamiltonian<Vec<f64>> for Coupled {
        fn dh_dq(&self, _q: &Vec<f64>, p: &Vec<f64>, out: &mut Vec<f64>) {
            out.copy_from_slice(p);
        }
        fn dh_dp(&self, q: &Vec<f64>, _p: &Vec<f64>, out: &mut Vec<f64>) {
            out.copy_from_slice(q);
        }
    }
    let problem = OdeProblem::new(&Coupled, (0.0, 1.0), (vec![1.0], vec![0.0]));
    let r = solve(
        &problem,
        Symplectic::new(SymplecticMethod::Verlet),
        SolveOptions::default().fixed(0.1),
    );
    assert!(matches!(
        r,
        Err(noether_diffeq::DiffeqError::InvalidArgument { .. })
    ));
}
