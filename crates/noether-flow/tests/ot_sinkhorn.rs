//! Log-domain Sinkhorn against POT (`ot.sinkhorn2`, `ot.sinkhorn_log`,
//! `ot.unbalanced.sinkhorn_unbalanced2`), the small-ε regime where POT's kernel
//! form fails, the envelope gradient against finite differences, and typed errors.

use noether_flow::FlowError;
use noether_flow::ot::{
    Cloud, CostMatrix, EmdOptions, Ground, SinkhornOptions, emd, sinkhorn, sinkhorn_unbalanced,
};

use crate::reference::{load, num, rel, vec};

fn problem(section: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let r = load();
    let s = &r[section];
    (vec(&s["x"]), vec(&s["y"]), vec(&s["a"]), vec(&s["b"]))
}

fn costs(x: &[f64], y: &[f64]) -> CostMatrix {
    let (cx, cy) = (
        Cloud::new("x", x, 2).unwrap(),
        Cloud::new("y", y, 2).unwrap(),
    );
    CostMatrix::pairwise(&cx, &cy, Ground::SqEuclidean).unwrap()
}

#[test]
fn balanced_costs_equal_pot_to_1e8_at_several_reg() {
    let r = load();
    let (x, y, a, b) = problem("sinkhorn");
    let c = costs(&x, &y);
    for case in r["sinkhorn"]["cases"].as_array().unwrap() {
        let reg = num(&case["reg"]);
        // Plain, over-relaxed and ε-scaled runs, in the log domain and in the
        // kernel form, all reach the same fixed point.
        for opts in [
            SinkhornOptions::new(reg)
                .tol(1e-13)
                .relax(false)
                .kernel(false),
            SinkhornOptions::new(reg).tol(1e-13).kernel(false),
            SinkhornOptions::new(reg).tol(1e-13).relax(false),
            SinkhornOptions::new(reg).tol(1e-13),
            SinkhornOptions::new(reg).tol(1e-13).scaling(0.5),
        ] {
            let sol = sinkhorn(&a, &b, &c, &opts).unwrap();
            for key in ["sinkhorn2", "sinkhorn_log_linear"] {
                let want = num(&case[key]);
                assert!(
                    rel(sol.transport_cost, want) < 1e-8,
                    "reg {reg} {key}: {} vs {want} ({opts:?})",
                    sol.transport_cost
                );
            }
            for key in ["objective", "objective_log"] {
                let want = num(&case[key]);
                assert!(
                    rel(sol.objective, want) < 1e-8,
                    "reg {reg} {key}: {} vs {want}",
                    sol.objective
                );
            }
            // The plan's marginals: rows exact, columns within the threshold.
            let p = sol.plan(&c);
            let m = c.cols();
            for (i, ai) in a.iter().enumerate() {
                let row: f64 = p[i * m..(i + 1) * m].iter().sum();
                assert!((row - ai).abs() < 1e-14);
            }
            let col_err: f64 = (0..m)
                .map(|j| {
                    let s: f64 = (0..c.rows()).map(|i| p[i * m + j]).sum();
                    (s - b[j]).powi(2)
                })
                .sum::<f64>()
                .sqrt();
            assert!(col_err < 1e-12, "{col_err:e}");
        }
    }
}

#[test]
fn over_relaxation_takes_fewer_iterations() {
    let (x, y, a, b) = problem("sinkhorn");
    let c = costs(&x, &y);
    let plain = sinkhorn(
        &a,
        &b,
        &c,
        &SinkhornOptions::new(0.05).tol(1e-12).relax(false),
    )
    .unwrap();
    let relaxed = sinkhorn(&a, &b, &c, &SinkhornOptions::new(0.05).tol(1e-12)).unwrap();
    assert!(
        2 * relaxed.iterations < plain.iterations,
        "{} vs {}",
        relaxed.iterations,
        plain.iterations
    );
}

#[test]
fn converges_at_reg_1e4_of_the_cost_scale_where_pot_kernel_fails() {
    let r = load();
    let s = &r["small_reg"];
    let (x, y, a, b) = problem("sinkhorn");
    let c = costs(&x, &y);
    let reg = num(&s["reg"]);
    assert!(rel(reg, 1e-4 * c.max_abs()) < 1e-12);
    // What POT's kernel form did at this reg (stored): a warning at iteration 0 and
    // a plan that lost its mass.
    let warned = s["warnings"].as_array().unwrap();
    assert!(
        warned
            .iter()
            .any(|w| w.as_str().unwrap().contains("numerical errors"))
    );
    assert!(num(&s["kernel_plan_mass"]) < 1e-2 || s["kernel_plan_has_nan"].as_bool().unwrap());
    let sol = sinkhorn(
        &a,
        &b,
        &c,
        &SinkhornOptions::new(reg).tol(1e-9).scaling(0.5),
    )
    .unwrap();
    assert!(sol.error < 1e-9);
    // Entropic cost between the exact one and exact + ε (H(a) + H(b)).
    let exact = num(&s["emd2"]);
    let ours = emd(&a, &b, &c, &EmdOptions::default()).unwrap().cost;
    assert!(rel(ours, exact) < 1e-10);
    let entropy = |w: &[f64]| -w.iter().map(|v| v * v.ln()).sum::<f64>();
    let bound = exact + reg * (entropy(&a) + entropy(&b));
    assert!(sol.transport_cost >= exact - 1e-9 && sol.objective <= bound + 1e-9);
    assert!(sol.transport_cost <= sol.objective + 1e-12);
}

#[test]
fn unbalanced_equals_pot() {
    let r = load();
    let (x, y, a, b) = problem("unbalanced");
    let c = costs(&x, &y);
    for case in r["unbalanced"]["cases"].as_array().unwrap() {
        let (reg, rho) = (num(&case["reg"]), num(&case["reg_m"]));
        let sol = sinkhorn_unbalanced(
            &a,
            &b,
            &c,
            (rho, rho),
            &SinkhornOptions::new(reg).tol(1e-14),
        )
        .unwrap();
        let (lin, obj) = (num(&case["linear"]), num(&case["objective"]));
        assert!(
            rel(sol.transport_cost, lin) < 1e-8,
            "reg {reg}, ρ {rho}: {} vs {lin}",
            sol.transport_cost
        );
        assert!(
            rel(sol.objective, obj) < 1e-8,
            "reg {reg}, ρ {rho}: {} vs {obj}",
            sol.objective
        );
    }
    // ρ → ∞ on both sides is the balanced problem (equal masses).
    let (xb, yb, ab, bb) = problem("sinkhorn");
    let cb = costs(&xb, &yb);
    let opts = SinkhornOptions::new(0.5).tol(1e-13);
    let bal = sinkhorn(&ab, &bb, &cb, &opts).unwrap();
    let inf = sinkhorn_unbalanced(&ab, &bb, &cb, (f64::INFINITY, f64::INFINITY), &opts).unwrap();
    assert!(rel(inf.objective, bal.objective) < 1e-10);
}

#[test]
fn envelope_gradient_equals_finite_differences() {
    let (x, y, a, b) = problem("sinkhorn");
    let opts = SinkhornOptions::new(0.5).tol(1e-14);
    let objective = |x: &[f64], y: &[f64]| sinkhorn(&a, &b, &costs(x, y), &opts).unwrap().objective;
    let c = costs(&x, &y);
    let sol = sinkhorn(&a, &b, &c, &opts).unwrap();
    let (cx, cy) = (
        Cloud::new("x", &x, 2).unwrap(),
        Cloud::new("y", &y, 2).unwrap(),
    );
    let (gx, gy) = sol.gradients(&c, &cx, &cy, Ground::SqEuclidean).unwrap();
    let h = 1e-5;
    for k in [0, 7, 33, 101] {
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[k] += h;
        xm[k] -= h;
        let fd = (objective(&xp, &y) - objective(&xm, &y)) / (2.0 * h);
        assert!(
            (fd - gx[k]).abs() < 1e-7 * (1.0 + fd.abs()),
            "x[{k}]: fd {fd} vs {}",
            gx[k]
        );
    }
    for k in [0, 19, 64, 99] {
        let (mut yp, mut ym) = (y.clone(), y.clone());
        yp[k] += h;
        ym[k] -= h;
        let fd = (objective(&x, &yp) - objective(&x, &ym)) / (2.0 * h);
        assert!(
            (fd - gy[k]).abs() < 1e-7 * (1.0 + fd.abs()),
            "y[{k}]: fd {fd} vs {}",
            gy[k]
        );
    }
}

#[test]
fn bad_input_and_failures_are_typed_errors() {
    let c = CostMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0]).unwrap();
    let w = [0.5, 0.5];
    for reg in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            sinkhorn(&w, &w, &c, &SinkhornOptions::new(reg)),
            Err(FlowError::InvalidArgument { name: "reg", .. })
        ));
    }
    assert!(matches!(
        sinkhorn(&[0.5, -0.5], &w, &c, &SinkhornOptions::new(0.1)),
        Err(FlowError::InvalidWeight {
            which: "a",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        sinkhorn(&w, &[0.5, 0.5, 0.0], &c, &SinkhornOptions::new(0.1)),
        Err(FlowError::Mismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    assert!(matches!(
        sinkhorn(&w, &[1.0, 1.0], &c, &SinkhornOptions::new(0.1)),
        Err(FlowError::InvalidArgument {
            name: "total masses",
            ..
        })
    ));
    assert!(matches!(
        sinkhorn_unbalanced(&w, &w, &c, (0.0, 1.0), &SinkhornOptions::new(0.1)),
        Err(FlowError::InvalidArgument { name: "reg_m", .. })
    ));
    // Too few iterations: not converged, with the count and the error reached.
    let (x, y, a, b) = problem("sinkhorn");
    let cc = costs(&x, &y);
    match sinkhorn(&a, &b, &cc, &SinkhornOptions::new(0.05).max_iter(3)) {
        Err(FlowError::SinkhornNotConverged {
            iterations: 3,
            marginal_error,
            tol,
        }) => {
            assert!(marginal_error > tol && marginal_error.is_finite());
        }
        other => panic!("{other:?}"),
    }
    // ε so small that C/ε overflows: the iterates are not finite.
    match sinkhorn(&a, &b, &cc, &SinkhornOptions::new(1e-308)) {
        Err(FlowError::SinkhornDiverged { iteration, reg, .. }) => {
            assert!(iteration <= 1 && reg == 1e-308);
        }
        other => panic!("{other:?}"),
    }
}
