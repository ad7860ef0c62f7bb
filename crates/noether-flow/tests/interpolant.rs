//! Interpolant targets: the velocity target is the time derivative of the path.

use noether_flow::interpolant::{Interpolant, Noise, Objective, Path};

#[test]
fn velocity_target_is_the_time_derivative_of_the_path() {
    let (x0, x1, z) = ([0.3, -1.2], [2.0, 0.5], [-0.7, 0.9]);
    let paths = [
        Path::Linear,
        Path::Trigonometric,
        Path::Lipman { sigma_min: 0.01 },
    ];
    let noises = [
        Noise::None,
        Noise::Constant(0.1),
        Noise::BrownianBridge(0.8),
        Noise::SqrtQuadratic(0.5),
        Noise::Quadratic(2.0),
        Noise::SinSquared(0.3),
    ];
    let xt = |it: &Interpolant, t: f64| {
        let (mut x, mut tg) = ([0.0; 2], [0.0; 2]);
        it.sample_one(t, [&x0, &x1, &z], Objective::Velocity, &mut x, &mut tg);
        (x, tg)
    };
    for path in paths {
        for noise in noises {
            let it = Interpolant { path, noise };
            for t in [0.05, 0.3, 0.5, 0.77, 0.95] {
                let h = 1e-6;
                let (p, _) = xt(&it, t + h);
                let (m, _) = xt(&it, t - h);
                let (_, target) = xt(&it, t);
                for k in 0..2 {
                    let fd = (p[k] - m[k]) / (2.0 * h);
                    assert!(
                        (fd - target[k]).abs() < 1e-7,
                        "{path:?} {noise:?} t {t}: {fd} vs {}",
                        target[k]
                    );
                }
            }
            // Endpoints: x₀ at t = 0 and x₁ at t = 1 unless the noise is constant.
            if !matches!(noise, Noise::Constant(_)) {
                let (a, _) = xt(&it, 0.0);
                assert!((a[0] - x0[0]).abs() < 1e-15 && (a[1] - x0[1]).abs() < 1e-15);
                let (b, _) = xt(&it, 1.0);
                let scale = if let Path::Lipman { sigma_min } = path {
                    sigma_min
                } else {
                    0.0
                };
                assert!(
                    (b[0] - x1[0] - scale * x0[0]).abs() < 1e-12,
                    "{path:?} {noise:?}"
                );
            }
        }
    }
}

#[test]
fn bridge_velocity_equals_torchcfm_sb_cfm_target() {
    let (x0, x1, z) = ([0.3, -1.2], [2.0, 0.5], [-0.7, 0.9]);
    let sigma = 0.7;
    let it = Interpolant::bridge(sigma);
    for t in [0.1, 0.4, 0.6, 0.9] {
        let (mut x, mut u) = ([0.0; 2], [0.0; 2]);
        it.sample_one(t, [&x0, &x1, &z], Objective::Velocity, &mut x, &mut u);
        for k in 0..2 {
            let mu = t * x1[k] + (1.0 - t) * x0[k];
            let torchcfm = (1.0 - 2.0 * t) / (2.0 * t * (1.0 - t)) * (x[k] - mu) + x1[k] - x0[k];
            assert!((u[k] - torchcfm).abs() < 1e-12);
        }
        let mut eta = [0.0; 2];
        it.sample_one(t, [&x0, &x1, &z], Objective::Denoiser, &mut x, &mut eta);
        assert_eq!(eta, z);
    }
}
