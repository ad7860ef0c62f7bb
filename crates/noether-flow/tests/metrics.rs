//! Sample distances: closed forms and invariances.

use noether_core::rng::SplitMix64;
use noether_flow::metrics::{energy_distance, mmd2, sinkhorn_divergence, wasserstein};
use noether_flow::ot::Cloud;

fn normal_cloud(rng: &mut SplitMix64, n: usize, mean: [f64; 2], sd: f64) -> Vec<f64> {
    (0..n)
        .flat_map(|_| [mean[0] + sd * rng.normal(), mean[1] + sd * rng.normal()])
        .collect()
}

#[test]
fn w1_and_w2_of_translations_and_scalings() {
    let mut rng = SplitMix64::new(1);
    let x = normal_cloud(&mut rng, 300, [0.0, 0.0], 1.0);
    let y: Vec<f64> = x.chunks(2).flat_map(|p| [p[0] + 0.3, p[1] - 0.4]).collect();
    let (cx, cy) = (
        Cloud::new("x", &x, 2).unwrap(),
        Cloud::new("y", &y, 2).unwrap(),
    );
    // A translation by t is optimal for W₂ (cyclical monotonicity), so W₂ = |t|;
    // W₁ = |t| too (a lower bound by the means and attained by the translation).
    assert!((wasserstein(&cx, &cy, 2).unwrap() - 0.5).abs() < 1e-10);
    assert!((wasserstein(&cx, &cy, 1).unwrap() - 0.5).abs() < 1e-10);
    // Dilation about the centroid: W₂(x, λx) = |λ − 1| · rms radius.
    let (mx, my) = x
        .chunks(2)
        .fold((0.0, 0.0), |(a, b), p| (a + p[0] / 300.0, b + p[1] / 300.0));
    let z: Vec<f64> = x
        .chunks(2)
        .flat_map(|p| [mx + 2.0 * (p[0] - mx), my + 2.0 * (p[1] - my)])
        .collect();
    let rms = (x
        .chunks(2)
        .map(|p| (p[0] - mx).powi(2) + (p[1] - my).powi(2))
        .sum::<f64>()
        / 300.0)
        .sqrt();
    let cz = Cloud::new("z", &z, 2).unwrap();
    assert!((wasserstein(&cx, &cz, 2).unwrap() - rms).abs() < 1e-10);
    assert!(wasserstein(&cx, &cy, 3).is_err());
}

#[test]
fn divergences_vanish_on_equal_clouds_and_grow_with_the_shift() {
    let mut rng = SplitMix64::new(2);
    let x = normal_cloud(&mut rng, 200, [0.0, 0.0], 1.0);
    let cx = Cloud::new("x", &x, 2).unwrap();
    assert!(sinkhorn_divergence(&cx, &cx, 0.1).unwrap().abs() < 1e-8);
    assert!(energy_distance(&cx, &cx).unwrap().abs() < 1e-12);
    let mut last = [0.0; 3];
    for shift in [0.5, 1.0, 2.0] {
        let y: Vec<f64> = x.chunks(2).flat_map(|p| [p[0] + shift, p[1]]).collect();
        let cy = Cloud::new("y", &y, 2).unwrap();
        let now = [
            sinkhorn_divergence(&cx, &cy, 0.1).unwrap(),
            energy_distance(&cx, &cy).unwrap(),
            mmd2(&cx, &cy, &[0.5, 1.0, 2.0]).unwrap(),
        ];
        for k in 0..3 {
            assert!(
                now[k] > last[k],
                "metric {k} at shift {shift}: {} after {}",
                now[k],
                last[k]
            );
        }
        // The Sinkhorn divergence of a translation lies below W₂² = shift².
        assert!(
            now[0] <= shift * shift + 1e-7,
            "{} > {}",
            now[0],
            shift * shift
        );
        last = now;
    }
}

#[test]
fn energy_distance_of_two_point_masses_and_unbiased_mmd() {
    let (x, y) = ([0.0, 0.0], [3.0, 4.0]);
    let (cx, cy) = (
        Cloud::new("x", &x, 2).unwrap(),
        Cloud::new("y", &y, 2).unwrap(),
    );
    assert!((energy_distance(&cx, &cy).unwrap() - 10.0).abs() < 1e-12);
    // Unbiased MMD² between two samples of one law averages to zero: over 40
    // independent pairs the mean is within 3 standard errors of 0.
    let mut rng = SplitMix64::new(3);
    let vals: Vec<f64> = (0..40)
        .map(|_| {
            let a = normal_cloud(&mut rng, 50, [0.0, 0.0], 1.0);
            let b = normal_cloud(&mut rng, 50, [0.0, 0.0], 1.0);
            mmd2(
                &Cloud::new("a", &a, 2).unwrap(),
                &Cloud::new("b", &b, 2).unwrap(),
                &[1.0],
            )
            .unwrap()
        })
        .collect();
    let mean = vals.iter().sum::<f64>() / 40.0;
    let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 39.0).sqrt();
    assert!(
        mean.abs() < 3.0 * sd / 40f64.sqrt(),
        "mean {mean:e}, sd {sd:e}"
    );
}
