//! Minibatch couplings: the exact coupling is optimal, and label-aware (C2OT)
//! pairs never cross labels.

use noether_core::rng::SplitMix64;
use noether_flow::ot::{Cloud, CostMatrix, Coupling, Ground, assignment, pair, pair_conditional};
use proptest::prelude::*;

fn cloud(rng: &mut SplitMix64, n: usize, shift: f64) -> Vec<f64> {
    (0..2 * n).map(|_| rng.normal() + shift).collect()
}

#[test]
fn exact_pairs_are_an_optimal_assignment() {
    let mut rng = SplitMix64::new(5);
    let (x0, x1) = (cloud(&mut rng, 64, 0.0), cloud(&mut rng, 64, 3.0));
    let (c0, c1) = (
        Cloud::new("x0", &x0, 2).unwrap(),
        Cloud::new("x1", &x1, 2).unwrap(),
    );
    let best = assignment(&CostMatrix::pairwise(&c0, &c1, Ground::SqEuclidean).unwrap()).unwrap();
    let pairs = pair(&c0, &c1, Coupling::Exact, &mut rng).unwrap();
    assert_eq!(pairs.len(), 64);
    for (i, j) in pairs {
        assert_eq!(
            best.cols[i], j,
            "pair ({i}, {j}) is not in the optimal permutation"
        );
    }
    let indep = pair(&c0, &c1, Coupling::Independent, &mut rng).unwrap();
    assert!(indep.iter().all(|&(i, j)| i == j));
    // Entropic pairs at small ε (here 0.01 against costs of order 20) are mostly
    // the optimal ones (chance would give one in 64).
    let ent = pair(&c0, &c1, Coupling::Entropic { reg: 0.01 }, &mut rng).unwrap();
    let hits = ent.iter().filter(|&&(i, j)| best.cols[i] == j).count();
    assert!(hits > 48, "{hits} of 64");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn conditional_pairs_never_cross_labels(seed in 0u64..10_000, n in 2usize..40, k in 1usize..4, entropic in any::<bool>()) {
        let mut rng = SplitMix64::new(seed);
        let x0 = cloud(&mut rng, n, 0.0);
        let x1 = cloud(&mut rng, n, 1.0);
        let labels1: Vec<usize> = (0..n).map(|_| rng.index(k)).collect();
        // The sources take the targets' labels, in shuffled order.
        let order = rng.sample(n, n);
        let labels0: Vec<usize> = order.iter().map(|&o| labels1[o]).collect();
        let (c0, c1) = (Cloud::new("x0", &x0, 2).unwrap(), Cloud::new("x1", &x1, 2).unwrap());
        let coupling = if entropic { Coupling::Entropic { reg: 0.5 } } else { Coupling::Exact };
        let pairs = pair_conditional(&c0, &labels0, &c1, &labels1, coupling, &mut rng).unwrap();
        prop_assert_eq!(pairs.len(), n);
        for (i, j) in pairs {
            prop_assert_eq!(labels0[i], labels1[j]);
        }
    }
}

#[test]
fn unequal_label_counts_are_an_error() {
    let x = [0.0, 0.0, 1.0, 1.0];
    let c = Cloud::new("x", &x, 2).unwrap();
    let mut rng = SplitMix64::new(0);
    assert!(pair_conditional(&c, &[0, 0], &c, &[0, 1], Coupling::Exact, &mut rng).is_err());
}
