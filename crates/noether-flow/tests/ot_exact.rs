//! Exact OT (network simplex) and the assignment problem against POT's `ot.emd2`,
//! brute force and duality.

use noether_flow::FlowError;
use noether_flow::ot::{Cloud, CostMatrix, EmdOptions, Ground, assignment, emd, uniform};
use proptest::prelude::*;

use crate::reference::{load, num, rel, vec};

fn check_optimality(a: &[f64], b: &[f64], c: &CostMatrix, plan: &noether_flow::ot::ExactPlan) {
    // Marginals.
    let p = plan.dense(c.rows(), c.cols());
    for i in 0..c.rows() {
        let r: f64 = p[i * c.cols()..(i + 1) * c.cols()].iter().sum();
        assert!((r - a[i]).abs() < 1e-12, "row {i}: {r} vs {}", a[i]);
    }
    for j in 0..c.cols() {
        let s: f64 = (0..c.rows()).map(|i| p[i * c.cols() + j]).sum();
        assert!((s - b[j]).abs() < 1e-12, "column {j}: {s} vs {}", b[j]);
    }
    // Dual feasibility and no duality gap: the plan is optimal.
    let scale = c.max_abs();
    for i in 0..c.rows() {
        for j in 0..c.cols() {
            assert!(plan.u[i] + plan.v[j] <= c.get(i, j) + 1e-11 * scale);
        }
    }
    let dual: f64 = a.iter().zip(&plan.u).map(|(w, u)| w * u).sum::<f64>()
        + b.iter().zip(&plan.v).map(|(w, v)| w * v).sum::<f64>();
    assert!(
        (dual - plan.cost).abs() <= 1e-11 * scale,
        "gap {}",
        dual - plan.cost
    );
}

#[test]
fn emd_equals_pot_emd2_to_1e10() {
    let r = load();
    let e = &r["emd"];
    let (x, y, a, b) = (vec(&e["x"]), vec(&e["y"]), vec(&e["a"]), vec(&e["b"]));
    let (cx, cy) = (
        Cloud::new("x", &x, 2).unwrap(),
        Cloud::new("y", &y, 2).unwrap(),
    );
    for (name, ground) in [
        ("sqeuclidean", Ground::SqEuclidean),
        ("euclidean", Ground::Euclidean),
    ] {
        assert!(e[name]["warning"].is_null(), "POT reported optimality");
        let c = CostMatrix::pairwise(&cx, &cy, ground).unwrap();
        let plan = emd(&a, &b, &c, &EmdOptions::default()).unwrap();
        let want = num(&e[name]["emd2"]);
        assert!(
            rel(plan.cost, want) < 1e-10,
            "{name}: {} vs POT {want}",
            plan.cost
        );
        assert!(plan.entries.len() < a.len() + b.len());
        check_optimality(&a, &b, &c, &plan);
    }
}

#[test]
fn uniform_clouds_emd_and_assignment_equal_pot() {
    let r = load();
    let u = &r["uniform"];
    let (x, y) = (vec(&u["x"]), vec(&u["y"]));
    let (cx, cy) = (
        Cloud::new("x", &x, 2).unwrap(),
        Cloud::new("y", &y, 2).unwrap(),
    );
    let c = CostMatrix::pairwise(&cx, &cy, Ground::SqEuclidean).unwrap();
    let want = num(&u["emd2"]);
    let w = uniform(cx.len());
    let plan = emd(&w, &w, &c, &EmdOptions::default()).unwrap();
    assert!(rel(plan.cost, want) < 1e-10, "{} vs {want}", plan.cost);
    let asg = assignment(&c).unwrap();
    assert!(rel(asg.cost / cx.len() as f64, want) < 1e-10);
    let mut seen = asg.cols.clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..cx.len()).collect::<Vec<_>>(), "a permutation");
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for p in permutations(n - 1) {
        for k in 0..=p.len() {
            let mut q = p.clone();
            q.insert(k, n - 1);
            out.push(q);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Exact OT between uniform measures of equal size is attained at a permutation
    /// (Birkhoff): both solvers equal the brute-force minimum.
    #[test]
    fn small_problems_equal_brute_force(n in 1usize..7, seed in 0u64..1000) {
        let mut rng = noether_core::rng::SplitMix64::new(seed);
        let c: Vec<f64> = (0..n * n).map(|_| rng.uniform() * 10.0 - 2.0).collect();
        let cm = CostMatrix::new(n, n, c.clone()).unwrap();
        let best = permutations(n)
            .iter()
            .map(|p| p.iter().enumerate().map(|(i, &j)| c[i * n + j]).sum::<f64>())
            .fold(f64::INFINITY, f64::min);
        let asg = assignment(&cm).unwrap();
        prop_assert!((asg.cost - best).abs() < 1e-12 * (1.0 + best.abs()));
        let w = uniform(n);
        let plan = emd(&w, &w, &cm, &EmdOptions::default()).unwrap();
        prop_assert!((plan.cost * n as f64 - best).abs() < 1e-11 * (1.0 + best.abs()));
    }

    /// Non-uniform weights with zeros: the plan is feasible and optimal by duality.
    #[test]
    fn weighted_problems_are_optimal(n in 1usize..12, m in 1usize..12, seed in 0u64..1000) {
        let mut rng = noether_core::rng::SplitMix64::new(seed);
        let mut w = |k: usize| -> Vec<f64> {
            let mut v: Vec<f64> = (0..k).map(|_| if rng.uniform() < 0.2 { 0.0 } else { rng.uniform() }).collect();
            if v.iter().all(|x| *x == 0.0) { v[0] = 1.0; }
            let s: f64 = v.iter().sum();
            v.iter().map(|x| x / s).collect()
        };
        let (a, b) = (w(n), w(m));
        let c: Vec<f64> = (0..n * m).map(|_| rng.uniform() * 5.0).collect();
        let cm = CostMatrix::new(n, m, c).unwrap();
        let plan = emd(&a, &b, &cm, &EmdOptions::default()).unwrap();
        check_optimality(&a, &b, &cm, &plan);
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    let c = CostMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0]).unwrap();
    let opts = EmdOptions::default();
    assert!(matches!(
        emd(&[], &[0.5, 0.5], &c, &opts),
        Err(FlowError::Empty { which: "a" })
    ));
    assert!(matches!(
        emd(&[1.0], &[0.5, 0.5], &c, &opts),
        Err(FlowError::Mismatch {
            expected: 2,
            found: 1,
            ..
        })
    ));
    assert!(matches!(
        emd(&[1.5, -0.5], &[0.5, 0.5], &c, &opts),
        Err(FlowError::InvalidWeight {
            which: "a",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        emd(&[0.5, f64::NAN], &[0.5, 0.5], &c, &opts),
        Err(FlowError::InvalidWeight {
            which: "a",
            index: 1,
            ..
        })
    ));
    assert!(matches!(
        emd(&[0.5, 0.5], &[0.5, 0.6], &c, &opts),
        Err(FlowError::InvalidArgument {
            name: "total masses",
            ..
        })
    ));
    assert!(matches!(
        CostMatrix::new(1, 2, vec![0.0, f64::INFINITY]),
        Err(FlowError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        Cloud::new("x", &[], 2),
        Err(FlowError::Empty { which: "x" })
    ));
    assert!(matches!(
        Cloud::new("x", &[1.0, 2.0, 3.0], 2),
        Err(FlowError::Mismatch { .. })
    ));
    let x = [0.0, 0.0];
    let y = [0.0, 0.0, 0.0];
    assert!(matches!(
        CostMatrix::pairwise(
            &Cloud::new("x", &x, 2).unwrap(),
            &Cloud::new("y", &y, 3).unwrap(),
            Ground::SqEuclidean
        ),
        Err(FlowError::Mismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    assert!(matches!(
        assignment(&CostMatrix::new(3, 2, vec![0.0; 6]).unwrap()),
        Err(FlowError::Mismatch { .. })
    ));
    // A pivot limit of zero on a problem that needs pivots.
    let mut rng = noether_core::rng::SplitMix64::new(1);
    let big = CostMatrix::new(20, 20, (0..400).map(|_| rng.uniform()).collect()).unwrap();
    let w = uniform(20);
    assert!(matches!(
        emd(
            &w,
            &w,
            &big,
            &EmdOptions {
                max_pivots: 0,
                ..opts
            }
        ),
        Err(FlowError::SimplexPivotLimit { pivots: 0 })
    ));
}
