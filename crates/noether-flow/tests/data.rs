//! The toy generators: names, component geometry and the checkerboard's squares.

use noether_core::rng::SplitMix64;
use noether_flow::data::Toy;

#[test]
fn names_round_trip_and_samples_have_the_asked_size() {
    for toy in Toy::ALL {
        assert_eq!(Toy::from_name(toy.name()), Some(toy));
        let (x, l) = toy.sample_labelled(101, &mut SplitMix64::new(1));
        assert_eq!((x.len(), l.len()), (202, 101));
        assert!(x.iter().all(|v| v.is_finite()));
    }
    assert_eq!(Toy::from_name("nope"), None);
}

#[test]
fn eight_gaussians_have_torchcfm_centres_and_spread() {
    let n = 40_000;
    let (x, l) = Toy::EightGaussians.sample_labelled(n, &mut SplitMix64::new(2));
    let sd = 0.1f64.powf(0.25);
    for k in 0..8 {
        let pts: Vec<&[f64]> = x
            .chunks(2)
            .zip(&l)
            .filter(|(_, c)| **c == k)
            .map(|(p, _)| p)
            .collect();
        let m = pts.len() as f64;
        assert!((m / n as f64 - 0.125).abs() < 0.01);
        let (s, c) = (k as f64 * std::f64::consts::PI / 4.0).sin_cos();
        let mean = [
            pts.iter().map(|p| p[0]).sum::<f64>() / m,
            pts.iter().map(|p| p[1]).sum::<f64>() / m,
        ];
        assert!(
            (mean[0] - 5.0 * c).abs() < 0.03 && (mean[1] - 5.0 * s).abs() < 0.03,
            "{k}: {mean:?}"
        );
        let var = pts.iter().map(|p| (p[0] - mean[0]).powi(2)).sum::<f64>() / m;
        assert!((var.sqrt() - sd).abs() < 0.02, "{k}: sd {}", var.sqrt());
    }
}

#[test]
fn checkerboard_points_lie_on_even_squares_and_moons_are_shuffled() {
    let x = Toy::Checkerboard.sample(5000, &mut SplitMix64::new(3));
    for p in x.chunks(2) {
        assert!(p[0] >= -4.0 && p[0] < 4.0 && p[1] >= -4.0 && p[1] < 4.0);
        let parity = ((p[0] / 2.0).floor() + (p[1] / 2.0).floor()).rem_euclid(2.0);
        assert_eq!(parity, 0.0, "{p:?}");
    }
    for toy in [Toy::Moons, Toy::RunnerMoons] {
        let (_, l) = toy.sample_labelled(1000, &mut SplitMix64::new(4));
        let first: usize = l[..100].iter().sum();
        assert!(
            first > 30 && first < 70,
            "{toy:?}: {first} of the first 100 are moon 1"
        );
    }
}
