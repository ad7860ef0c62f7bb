//! Dense output inside an accepted step: each method's own continuous extension
//! where it has one (Tsit5's free interpolant, Shampine's for Dopri5), cubic Hermite
//! otherwise.

#![allow(clippy::excessive_precision)] // coefficients keep the digits of their sources

use noether_core::{Real, Space};

use crate::tableau::ButcherTableau;

/// Which continuous extension a tableau uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolant {
    /// Cubic Hermite from `y₀, f₀, y₁, f₁` (order 3).
    Hermite,
    /// Tsitouras' free 4th-order interpolant.
    Tsit5,
    /// Shampine's 4th-order continuous extension of Dormand–Prince 5(4).
    Dopri5,
}

impl Interpolant {
    /// The interpolant used for `tab`.
    pub fn for_tableau(tab: &ButcherTableau) -> Self {
        match tab.name {
            "Tsit5" => Self::Tsit5,
            "Dopri5" => Self::Dopri5,
            _ => Self::Hermite,
        }
    }
}

/// Tsit5 interpolation weights `bᵢ(θ)`.
fn tsit5_weights(t: f64) -> [f64; 7] {
    let t2 = t * t;
    [
        -1.053_088_497_729_021_6
            * t
            * (t - 1.329_989_018_975_141_2)
            * (t2 - 1.436_402_854_171_635_1 * t + 0.713_981_691_707_420_9),
        0.1017 * t2 * (t2 - 2.196_656_833_824_975_4 * t + 1.294_985_250_737_463_1),
        2.490_627_285_651_252_8 * t2 * (t2 - 2.385_356_454_720_616_6 * t + 1.578_034_682_080_924_9),
        -16.548_102_889_244_903
            * (t - 1.217_129_272_955_332_4)
            * (t - 0.616_204_060_378_000_9)
            * t2,
        47.379_521_962_819_28 * (t - 1.203_071_208_372_362_6) * (t - 0.658_047_292_653_547_4) * t2,
        -34.870_657_861_496_61 * (t - 1.2) * (t - 2.0 / 3.0) * t2,
        2.5 * (t - 1.0) * (t - 0.6) * t2,
    ]
}

/// Shampine's dense-output coefficients for Dormand–Prince 5(4).
const DOPRI5_D: [f64; 7] = [
    -12715105075.0 / 11282082432.0,
    0.0,
    87487479700.0 / 32700410799.0,
    -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0,
    -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0,
];

/// `out ← y(t₀ + θh)` inside a step from `y0` to `y1` with stages `k` (before the
/// stages are recycled by the next step). `f1 = f(t₀ + h, y₁)` is needed by the
/// Hermite interpolant only (for FSAL tableaux it is the last stage).
#[allow(clippy::too_many_arguments)]
pub fn interpolate<V: Space>(
    kind: Interpolant,
    out: &mut V,
    theta: f64,
    h: f64,
    y0: &V,
    y1: &V,
    k: &[V],
    f1: &V,
) {
    let sc = V::Scalar::of_f64;
    match kind {
        Interpolant::Hermite => {
            let (t2, t3) = (theta * theta, theta * theta * theta);
            let h00 = 2.0 * t3 - 3.0 * t2 + 1.0;
            let h10 = t3 - 2.0 * t2 + theta;
            let h01 = -2.0 * t3 + 3.0 * t2;
            let h11 = t3 - t2;
            out.lincomb(&[
                (sc(h00), y0),
                (sc(h * h10), &k[0]),
                (sc(h01), y1),
                (sc(h * h11), f1),
            ]);
        }
        Interpolant::Tsit5 => {
            let b = tsit5_weights(theta);
            out.lincomb(&[
                (sc(1.0), y0),
                (sc(h * b[0]), &k[0]),
                (sc(h * b[1]), &k[1]),
                (sc(h * b[2]), &k[2]),
                (sc(h * b[3]), &k[3]),
                (sc(h * b[4]), &k[4]),
                (sc(h * b[5]), &k[5]),
                (sc(h * b[6]), &k[6]),
            ]);
        }
        Interpolant::Dopri5 => {
            let t = theta;
            let t1 = 1.0 - t;
            let q = t * t * t1 * t1;
            let d = &DOPRI5_D;
            out.lincomb(&[
                (sc(1.0 - t + t * t1 - 2.0 * t * t * t1), y0),
                (sc(t - t * t1 + 2.0 * t * t * t1), y1),
                (sc(h * (t * t1 - t * t * t1 + q * d[0])), &k[0]),
                (sc(h * q * d[2]), &k[2]),
                (sc(h * q * d[3]), &k[3]),
                (sc(h * q * d[4]), &k[4]),
                (sc(h * q * d[5]), &k[5]),
                (sc(h * (-t * t * t1 + q * d[6])), &k[6]),
            ]);
        }
    }
}
