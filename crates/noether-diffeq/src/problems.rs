//! Standard test problems (Hairer, Nørsett & Wanner I; Lorenz 1963), used by the
//! tests, the demo and the benchmarks, and handy for checking a new method.
#![allow(clippy::ptr_arg)] // vector fields over Vec<f64> take &Vec by signature

use noether_core::Hamiltonian;

/// The Lorenz system with σ = 10, ρ = 28, β = 8/3.
pub fn lorenz(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    dy[0] = 10.0 * (y[1] - y[0]);
    dy[1] = y[0] * (28.0 - y[2]) - y[1];
    dy[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
}

/// Mass ratio of the Arenstorf orbit (earth–moon).
pub const ARENSTORF_MU: f64 = 0.012277471;

/// Period of the Arenstorf orbit started at [`ARENSTORF_Y0`].
pub const ARENSTORF_PERIOD: f64 = 17.065_216_560_157_96;

/// Initial state `(x, y, x', y')` of the periodic Arenstorf orbit.
pub const ARENSTORF_Y0: [f64; 4] = [0.994, 0.0, 0.0, -2.001_585_106_379_082_5];

/// The restricted three-body problem of the Arenstorf orbit (HNW I, §II.0).
pub fn arenstorf(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    let mu = ARENSTORF_MU;
    let mup = 1.0 - mu;
    let d1 = ((y[0] + mu).powi(2) + y[1] * y[1]).powf(1.5);
    let d2 = ((y[0] - mup).powi(2) + y[1] * y[1]).powf(1.5);
    dy[0] = y[2];
    dy[1] = y[3];
    dy[2] = y[0] + 2.0 * y[3] - mup * (y[0] + mu) / d1 - mu * (y[0] - mup) / d2;
    dy[3] = y[1] - 2.0 * y[2] - mup * y[1] / d1 - mu * y[1] / d2;
}

/// The Kepler problem `H = |p|²/2 − 1/|q|` in the plane (period 2π for the orbits
/// of [`Kepler::start`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Kepler;

impl Kepler {
    /// `(q, p)` at pericentre of the orbit with eccentricity `e ∈ [0, 1)`.
    pub fn start(e: f64) -> (Vec<f64>, Vec<f64>) {
        (
            vec![1.0 - e, 0.0],
            vec![0.0, ((1.0 + e) / (1.0 - e)).sqrt()],
        )
    }

    /// The first-order form `y = (q, p)`, `y' = (p, −q/|q|³)`.
    pub fn vector_field(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
        let r3 = (y[0] * y[0] + y[1] * y[1]).powf(1.5);
        dy[0] = y[2];
        dy[1] = y[3];
        dy[2] = -y[0] / r3;
        dy[3] = -y[1] / r3;
    }
}

impl Hamiltonian<Vec<f64>> for Kepler {
    fn dh_dq(&self, q: &Vec<f64>, _p: &Vec<f64>, out: &mut Vec<f64>) {
        let r3 = (q[0] * q[0] + q[1] * q[1]).powf(1.5);
        out[0] = q[0] / r3;
        out[1] = q[1] / r3;
    }
    fn dh_dp(&self, _q: &Vec<f64>, p: &Vec<f64>, out: &mut Vec<f64>) {
        out.copy_from_slice(p);
    }
    fn energy(&self, q: &Vec<f64>, p: &Vec<f64>) -> Option<f64> {
        Some(0.5 * (p[0] * p[0] + p[1] * p[1]) - 1.0 / (q[0] * q[0] + q[1] * q[1]).sqrt())
    }
    fn is_separable(&self) -> bool {
        true
    }
}

/// `‖a − b‖₂ / ‖b‖₂`.
pub fn relative_l2_error(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    num / b.iter().map(|y| y * y).sum::<f64>().sqrt()
}

/// Stiffness parameter of the Van der Pol test ([`van_der_pol`]).
pub const VDP_MU: f64 = 1000.0;

/// The Van der Pol oscillator `y₁' = y₂`, `y₂' = μ(1 − y₁²)y₂ − y₁` with μ =
/// [`VDP_MU`] = 1000 (stiff; the relaxation period is ≈ (3 − 2 ln 2)μ), usually from
/// `y(0) = (2, 0)` over `[0, 3000]`.
pub fn van_der_pol(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    dy[0] = y[1];
    dy[1] = VDP_MU * (1.0 - y[0] * y[0]) * y[1] - y[0];
}

/// Jacobian of [`van_der_pol`] (row-major 2 × 2).
pub fn van_der_pol_jacobian(y: &[f64]) -> [[f64; 2]; 2] {
    [
        [0.0, 1.0],
        [
            -2.0 * VDP_MU * y[0] * y[1] - 1.0,
            VDP_MU * (1.0 - y[0] * y[0]),
        ],
    ]
}

/// Robertson's chemical kinetics (HNW II, §IV.1): rate constants 0.04, 3·10⁷, 10⁴,
/// from `y(0) = (1, 0, 0)`; mass `y₁ + y₂ + y₃ = 1` is conserved.
pub fn robertson(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    let r1 = 0.04 * y[0];
    let r2 = 3e7 * y[1] * y[1];
    let r3 = 1e4 * y[1] * y[2];
    dy[0] = -r1 + r3;
    dy[1] = r1 - r2 - r3;
    dy[2] = r2;
}

/// Jacobian of [`robertson`] (row-major 3 × 3).
pub fn robertson_jacobian(y: &[f64]) -> [[f64; 3]; 3] {
    [
        [-0.04, 1e4 * y[2], 1e4 * y[1]],
        [0.04, -6e7 * y[1] - 1e4 * y[2], -1e4 * y[1]],
        [0.0, 6e7 * y[1], 0.0],
    ]
}

/// End of the HIRES interval.
pub const HIRES_T1: f64 = 321.8122;

/// Initial state of HIRES.
pub const HIRES_Y0: [f64; 8] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057];

/// HIRES, the "high irradiance response" of plant morphogenesis (Schäfer 1975;
/// HNW II, §IV.10; the IVP test set of Mazzia & Magherini): 8 stiff equations over
/// `[0, 321.8122]` from [`HIRES_Y0`].
pub fn hires(_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>) {
    let r = 280.0 * y[5] * y[7];
    dy[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
    dy[1] = 1.71 * y[0] - 8.75 * y[1];
    dy[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
    dy[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
    dy[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
    dy[5] = -r + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
    dy[6] = r - 1.81 * y[6];
    dy[7] = -r + 1.81 * y[6];
}
