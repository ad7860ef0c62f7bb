//! Two-dimensional toy distributions of the flow-matching literature, with the
//! generators and scalings of the reference code, seeded by [`SplitMix64`]:
//!
//! | toy | source | law |
//! |---|---|---|
//! | [`Toy::Gaussian`] | — | `N(0, I)` |
//! | [`Toy::EightGaussians`] | torchcfm `sample_8gaussians` | centres `5·(cos kπ/4, sin kπ/4)`, covariance `√0.1·I` |
//! | [`Toy::Moons`] | torchcfm `sample_moons` (torchdyn `generate_moons`, noise 0.2) | evenly spaced arcs plus one uniform `[0, 0.2)` shift per point on both axes, then `3x − 1` |
//! | [`Toy::RunnerMoons`] | \[SF\]²M runner (`make_moons`, noise 0.05) | evenly spaced arcs plus `N(0, 0.05²)` noise, then `2x − (1, 0)` |
//! | [`Toy::SCurve`] | \[SF\]²M runner (`make_s_curve`, noise 0.05) | `1.5 · (sin t, sign t (cos t − 1)) + noise`, `t ~ U(−3π/2, 3π/2)` |
//! | [`Toy::Circles`] | FFJORD `toy_data` (`make_circles`, factor 0.5, noise 0.08) | two circles, radii 3 and 1.5 |
//! | [`Toy::SwissRoll`] | FFJORD (`make_swiss_roll`, noise 1.0) | `(t cos t, t sin t)/5`, `t ~ 1.5π(1 + 2U)` |
//! | [`Toy::Checkerboard`] | FFJORD | uniform on the black squares of a 4×4 board on `[−4, 4]²` |
//! | [`Toy::Pinwheel`] | FFJORD | five arms, radial sd 0.3, tangential sd 0.1, rate 0.25, scaled by 2 |
//!
//! Where the reference draws points on evenly spaced arcs (the moons, the circles)
//! the order is shuffled, so that any prefix of a sample is a sample.

use std::f64::consts::PI;

use noether_core::rng::SplitMix64;

/// A two-dimensional toy distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toy {
    /// The standard normal.
    Gaussian,
    /// Eight Gaussians on a circle of radius 5 (torchcfm).
    EightGaussians,
    /// Two half-moons (torchcfm / torchdyn).
    Moons,
    /// Two half-moons as the \[SF\]²M runner draws them (scikit-learn's
    /// `make_moons`, Gaussian noise 0.05, scaled by 2 and shifted by −1 in x).
    RunnerMoons,
    /// The S-curve projected to 2-D (\[SF\]²M runner).
    SCurve,
    /// Two concentric circles (FFJORD).
    Circles,
    /// The swiss roll projected to 2-D (FFJORD).
    SwissRoll,
    /// A checkerboard (FFJORD).
    Checkerboard,
    /// A five-armed pinwheel (FFJORD).
    Pinwheel,
}

impl Toy {
    /// Every toy.
    pub const ALL: [Toy; 9] = [
        Toy::Gaussian,
        Toy::EightGaussians,
        Toy::Moons,
        Toy::RunnerMoons,
        Toy::SCurve,
        Toy::Circles,
        Toy::SwissRoll,
        Toy::Checkerboard,
        Toy::Pinwheel,
    ];

    /// The name used on the command line and in reports (`8gaussians`, `moons`, …).
    pub fn name(self) -> &'static str {
        match self {
            Toy::Gaussian => "gaussian",
            Toy::EightGaussians => "8gaussians",
            Toy::Moons => "moons",
            Toy::RunnerMoons => "moons-runner",
            Toy::SCurve => "scurve",
            Toy::Circles => "circles",
            Toy::SwissRoll => "swissroll",
            Toy::Checkerboard => "checkerboard",
            Toy::Pinwheel => "pinwheel",
        }
    }

    /// The toy called `name`.
    pub fn from_name(name: &str) -> Option<Toy> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// `n` points, row-major `n × 2`.
    pub fn sample(self, n: usize, rng: &mut SplitMix64) -> Vec<f64> {
        self.sample_labelled(n, rng).0
    }

    /// `n` points with their component labels (the Gaussian of the eight, the moon,
    /// the circle, the arm; 0 for the unlabelled toys).
    pub fn sample_labelled(self, n: usize, rng: &mut SplitMix64) -> (Vec<f64>, Vec<usize>) {
        let mut pts = Vec::with_capacity(2 * n);
        let mut labels = Vec::with_capacity(n);
        let mut push = |p: [f64; 2], l: usize| {
            pts.extend_from_slice(&p);
            labels.push(l);
        };
        match self {
            Toy::Gaussian => {
                for _ in 0..n {
                    push([rng.normal(), rng.normal()], 0);
                }
            }
            Toy::EightGaussians => {
                let sd = 0.1f64.sqrt().sqrt();
                for _ in 0..n {
                    let k = rng.index(8);
                    let (s, c) = (k as f64 * PI / 4.0).sin_cos();
                    push(
                        [5.0 * c + sd * rng.normal(), 5.0 * s + sd * rng.normal()],
                        k,
                    );
                }
            }
            Toy::Moons | Toy::RunnerMoons => {
                let (out, inn) = (n / 2, n - n / 2);
                for (k, count) in [(0, out), (1, inn)] {
                    for i in 0..count {
                        let p = moon_point(k, i, count);
                        let q = if self == Toy::Moons {
                            // torchdyn: one uniform shift on both axes, then 3x − 1.
                            let shift = 0.2 * rng.uniform();
                            [3.0 * (p[0] + shift) - 1.0, 3.0 * (p[1] + shift) - 1.0]
                        } else {
                            // scikit-learn: Gaussian noise, then the runner's 2x − (1, 0).
                            let (e0, e1) = (0.05 * rng.normal(), 0.05 * rng.normal());
                            [2.0 * (p[0] + e0) - 1.0, 2.0 * (p[1] + e1)]
                        };
                        push(q, k);
                    }
                }
            }
            Toy::SCurve => {
                for _ in 0..n {
                    let t = 3.0 * PI * (rng.uniform() - 0.5);
                    let _depth = 2.0 * rng.uniform();
                    let (x, z) = (t.sin(), t.signum() * (t.cos() - 1.0));
                    let noise = [rng.normal(), rng.normal(), rng.normal()];
                    push(
                        [1.5 * (x + 0.05 * noise[0]), 1.5 * (z + 0.05 * noise[2])],
                        0,
                    );
                }
            }
            Toy::Circles => {
                let (out, inn) = (n / 2, n - n / 2);
                for (k, count, r) in [(0, out, 1.0), (1, inn, 0.5)] {
                    for i in 0..count {
                        let th = 2.0 * PI * i as f64 / count as f64;
                        let (s, c) = th.sin_cos();
                        push(
                            [
                                3.0 * (r * c + 0.08 * rng.normal()),
                                3.0 * (r * s + 0.08 * rng.normal()),
                            ],
                            k,
                        );
                    }
                }
            }
            Toy::SwissRoll => {
                for _ in 0..n {
                    let t = 1.5 * PI * (1.0 + 2.0 * rng.uniform());
                    let _height = 21.0 * rng.uniform();
                    let noise = [rng.normal(), rng.normal(), rng.normal()];
                    push(
                        [
                            (t * t.cos() + noise[0]) / 5.0,
                            (t * t.sin() + noise[2]) / 5.0,
                        ],
                        0,
                    );
                }
            }
            Toy::Checkerboard => {
                for _ in 0..n {
                    let x1 = 4.0 * rng.uniform() - 2.0;
                    let x2 =
                        rng.uniform() - 2.0 * rng.index(2) as f64 + (x1.floor().rem_euclid(2.0));
                    push([2.0 * x1, 2.0 * x2], 0);
                }
            }
            Toy::Pinwheel => {
                let arms = 5;
                for i in 0..n {
                    let k = i * arms / n.max(1);
                    let f0 = 0.3 * rng.normal() + 1.0;
                    let f1 = 0.1 * rng.normal();
                    let angle = 2.0 * PI * k as f64 / arms as f64 + 0.25 * f0.exp();
                    let (s, c) = angle.sin_cos();
                    push([2.0 * (f0 * c - f1 * s), 2.0 * (f0 * s + f1 * c)], k);
                }
            }
        }
        // Shuffle (Fisher–Yates) so that prefixes of structured draws are samples.
        if matches!(
            self,
            Toy::Moons | Toy::RunnerMoons | Toy::Circles | Toy::Pinwheel
        ) {
            for i in (1..n).rev() {
                let j = rng.index(i + 1);
                pts.swap(2 * i, 2 * j);
                pts.swap(2 * i + 1, 2 * j + 1);
                labels.swap(i, j);
            }
        }
        (pts, labels)
    }
}

/// Point `i` of `count` evenly spaced on moon `k` (0: the upper arc, 1: the
/// lower one), as scikit-learn's and torchdyn's `make_moons` place them.
fn moon_point(k: usize, i: usize, count: usize) -> [f64; 2] {
    let th = if count > 1 {
        PI * i as f64 / (count - 1) as f64
    } else {
        0.0
    };
    if k == 0 {
        [th.cos(), th.sin()]
    } else {
        [1.0 - th.cos(), 1.0 - th.sin() - 0.5]
    }
}

/// An isotropic Gaussian mixture in any dimension with equal weights: labelled
/// samples and the true posterior over components (for judging class-conditional
/// generation).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture {
    /// Component means (all of one dimension).
    pub means: Vec<Vec<f64>>,
    /// The common standard deviation.
    pub sd: f64,
}

impl GaussianMixture {
    /// The dimension.
    pub fn dim(&self) -> usize {
        self.means.first().map_or(0, Vec::len)
    }

    /// `n` samples (row-major) with their component labels.
    pub fn sample_labelled(&self, n: usize, rng: &mut SplitMix64) -> (Vec<f64>, Vec<usize>) {
        let mut pts = Vec::with_capacity(n * self.dim());
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let k = rng.index(self.means.len());
            pts.extend(self.means[k].iter().map(|m| m + self.sd * rng.normal()));
            labels.push(k);
        }
        (pts, labels)
    }

    /// `n` samples of component `k`.
    pub fn sample_component(&self, k: usize, n: usize, rng: &mut SplitMix64) -> Vec<f64> {
        (0..n)
            .flat_map(|_| {
                self.means[k]
                    .iter()
                    .map(|m| m + self.sd * rng.normal())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The component of largest posterior probability at `x` (equal weights and
    /// variances: the nearest mean).
    pub fn classify(&self, x: &[f64]) -> usize {
        let d2 = |m: &[f64]| m.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum::<f64>();
        (0..self.means.len())
            .min_by(|&a, &b| d2(&self.means[a]).total_cmp(&d2(&self.means[b])))
            .unwrap_or(0)
    }
}
