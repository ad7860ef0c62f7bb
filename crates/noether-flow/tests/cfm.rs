//! Flow-matching training: exact gradients, a transport with a known answer, and
//! checkpoints.

use noether_core::rng::SplitMix64;
use noether_diffeq::DiffeqError;
use noether_diffeq::neural::train::{TrainConfig, Trainer};
use noether_flow::FlowError;
use noether_flow::cfm::{FlowConfig, FlowModel, Sampler};
use noether_flow::data::Toy;

#[test]
fn loss_gradient_equals_finite_differences() {
    for cfg in [
        FlowConfig::i_cfm(0.1),
        FlowConfig::ot_cfm(0.1),
        FlowConfig::sb_cfm(0.5),
    ] {
        let mut model = FlowModel::new(2, cfg.hidden(&[16, 16]).batch(32).seed(4)).unwrap();
        let mut data = SplitMix64::new(8);
        let x0 = Toy::Gaussian.sample(32, &mut data);
        let x1 = Toy::Moons.sample(32, &mut data);
        let rng = SplitMix64::new(21);
        let (_, grad) = model.loss_and_gradient(&x0, &x1, &mut rng.clone()).unwrap();
        let theta = model.params().to_vec();
        let h = 1e-6;
        for k in [0, 17, 100, theta.len() - 1] {
            let mut loss_at = |v: f64| {
                let mut p = theta.clone();
                p[k] = v;
                model.set_params(&p).unwrap();
                model
                    .loss_and_gradient(&x0, &x1, &mut rng.clone())
                    .unwrap()
                    .0
            };
            let fd = (loss_at(theta[k] + h) - loss_at(theta[k] - h)) / (2.0 * h);
            assert!(
                (fd - grad[k]).abs() < 1e-6 * (1.0 + fd.abs()),
                "param {k}: fd {fd} vs {}",
                grad[k]
            );
        }
        model.set_params(&theta).unwrap();
    }
}

/// N(0, I) → N(m, s²I) with σ = 0 under the OT coupling: the OT map is affine,
/// x ↦ m + s x, so the learnt flow must carry the moments across.
#[test]
fn gaussian_to_gaussian_moments_are_transported() {
    let (m, s) = ([3.0, -2.0], 0.5);
    let target = move |n: usize, rng: &mut SplitMix64| -> Vec<f64> {
        (0..n)
            .flat_map(|_| [m[0] + s * rng.normal(), m[1] + s * rng.normal()])
            .collect()
    };
    let mut model = FlowModel::new(
        2,
        FlowConfig::ot_cfm(0.0).hidden(&[32, 32]).batch(128).seed(2),
    )
    .unwrap();
    let mut trainer = Trainer::new(
        model.param_count(),
        TrainConfig::adam(3e-3).ema(0.99).seed(5),
    )
    .unwrap();
    for _ in 0..1500 {
        model
            .train_step(&mut trainer, |n, r| Toy::Gaussian.sample(n, r), target)
            .unwrap();
    }
    model.set_params(trainer.ema_host().unwrap()).unwrap();
    let x0 = Toy::Gaussian.sample(4000, &mut SplitMix64::new(77));
    for sampler in [
        Sampler::Euler { steps: 50 },
        Sampler::Adaptive {
            rtol: 1e-5,
            atol: 1e-5,
        },
    ] {
        let x1 = model.sample(&x0, sampler).unwrap();
        for k in 0..2 {
            let col: Vec<f64> = x1.chunks(2).map(|p| p[k]).collect();
            let mean = col.iter().sum::<f64>() / col.len() as f64;
            let sd =
                (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / col.len() as f64).sqrt();
            assert!((mean - m[k]).abs() < 0.08, "{sampler:?} mean[{k}] {mean}");
            assert!((sd - s).abs() < 0.08, "{sampler:?} sd[{k}] {sd}");
        }
    }
    // The OT map is x ↦ m + s x: each sample lands near its own image.
    let x1 = model.sample(&x0, Sampler::Rk4 { steps: 20 }).unwrap();
    let err = x0
        .chunks(2)
        .zip(x1.chunks(2))
        .map(|(a, b)| ((b[0] - m[0] - s * a[0]).powi(2) + (b[1] - m[1] - s * a[1]).powi(2)).sqrt())
        .sum::<f64>()
        / 4000.0;
    assert!(err < 0.15, "mean distance to the OT map's image {err}");
}

#[test]
fn bad_input_and_corrupt_checkpoints_are_typed_errors() {
    let mut model = FlowModel::new(2, FlowConfig::i_cfm(0.1).hidden(&[8]).batch(4)).unwrap();
    let mut trainer = Trainer::new(model.param_count(), TrainConfig::adam(1e-3)).unwrap();
    let short = |n: usize, r: &mut SplitMix64| Toy::Gaussian.sample(n - 1, r);
    assert!(matches!(
        model.train_step(&mut trainer, short, |n, r| Toy::Moons.sample(n, r)),
        Err(FlowError::Mismatch {
            what: "source batch",
            ..
        })
    ));
    assert!(matches!(
        model.sample(&[1.0, 2.0, 3.0], Sampler::Euler { steps: 10 }),
        Err(FlowError::Mismatch { .. })
    ));
    assert!(
        model
            .sample(&[1.0, 2.0], Sampler::Euler { steps: 0 })
            .is_err()
    );
    assert!(FlowModel::new(0, FlowConfig::i_cfm(0.1)).is_err());
    let dir = std::env::temp_dir().join(format!("noether-flow-ckpt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.safetensors");
    trainer.save_host(&path, model.params()).unwrap();
    let (_, theta) = Trainer::load_host(&path, model.param_count()).unwrap();
    assert_eq!(theta, model.params());
    std::fs::write(&path, b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}").unwrap();
    let err = Trainer::load_host(&path, model.param_count()).map_err(FlowError::from);
    assert!(
        matches!(err, Err(FlowError::Diffeq(DiffeqError::Checkpoint { .. }))),
        "{err:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Classifier-free guidance on a class-conditional mixture of three overlapping
/// Gaussians: the share of samples that the true posterior assigns to the asked
/// class rises with the guidance weight over {0, 1, 3}.
#[test]
fn guidance_sharpens_class_conditional_samples() {
    use noether_flow::data::GaussianMixture;
    let mix = GaussianMixture {
        means: vec![vec![-1.2, 0.0], vec![1.2, 0.0], vec![0.0, 2.0]],
        sd: 1.1,
    };
    let cfg = FlowConfig::i_cfm(0.0)
        .hidden(&[32, 32])
        .batch(128)
        .seed(6)
        .classes(3, 0.2);
    let mut model = FlowModel::new(2, cfg).unwrap();
    let mut trainer = Trainer::new(
        model.param_count(),
        TrainConfig::adam(3e-3).ema(0.99).seed(7),
    )
    .unwrap();
    for _ in 0..2000 {
        model
            .train_step_labelled(
                &mut trainer,
                |n, r| Toy::Gaussian.sample(n, r),
                |n, r| mix.sample_labelled(n, r),
            )
            .unwrap();
    }
    model.set_params(trainer.ema_host().unwrap()).unwrap();
    let n = 1500;
    let x0 = Toy::Gaussian.sample(3 * n, &mut SplitMix64::new(8));
    let labels: Vec<usize> = (0..3 * n).map(|i| i / n).collect();
    // The same share for true samples of each class (what w = 0 should give).
    let truth: f64 = (0..3)
        .map(|k| {
            let s = mix.sample_component(k, n, &mut SplitMix64::new(9 + k as u64));
            s.chunks(2).filter(|p| mix.classify(p) == k).count() as f64
        })
        .sum::<f64>()
        / (3 * n) as f64;
    let mut shares = Vec::new();
    for w in [0.0, 1.0, 3.0] {
        let x1 = model
            .sample_guided(&x0, &labels, w, Sampler::Euler { steps: 50 })
            .unwrap();
        let hits = x1
            .chunks(2)
            .zip(&labels)
            .filter(|(p, l)| mix.classify(p) == **l)
            .count();
        shares.push(hits as f64 / (3 * n) as f64);
    }
    println!("posterior-assigned share: true samples {truth:.3}, guidance 0/1/3: {shares:?}");
    assert!(
        (shares[0] - truth).abs() < 0.05,
        "unguided {} vs true {truth}",
        shares[0]
    );
    assert!(shares[0] < shares[1] && shares[1] < shares[2], "{shares:?}");
    // Bad labels.
    assert!(
        model
            .sample_guided(&x0[..4], &[0, 3], 1.0, Sampler::Euler { steps: 5 })
            .is_err()
    );
    assert!(
        model
            .sample_guided(&x0[..4], &[0], 1.0, Sampler::Euler { steps: 5 })
            .is_err()
    );
}
