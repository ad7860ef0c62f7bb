//! The GP-HM paper's benchmark problems (references §3.5), set up once for the
//! tests, benches, examples and `cargo xtask reproduce gp-hm`: the exact solution,
//! its grid, the PDE source, the authors' settings and their logged errors.
//!
//! ```
//! use noether_gp::problems::{TABLE_1D, test_axis};
//! use noether_gp::gphm::{GpHmOptions, relative_l2};
//!
//! let p = &TABLE_1D[0]; // poisson_1d-sin100x
//! let mut solver = p.solver(GpHmOptions { freq_scale: p.freq_scale, ..GpHmOptions::default() })?;
//! solver.step()?;
//! let test = test_axis();
//! let err = relative_l2(&solver.predict(std::slice::from_ref(&test))?, &p.exact.values(&test));
//! assert!(err.is_finite());
//! # Ok::<(), noether_gp::error::GpError>(())
//! ```

use std::f64::consts::PI;

use crate::error::GpError;
use crate::gphm::{GpHm, GpHmOptions, Pde};

/// `n` equispaced points on `[0, length]`, ends included.
pub fn axis(n: usize, length: f64) -> Vec<f64> {
    let last = n.saturating_sub(1).max(1) as f64;
    (0..n).map(|i| length * i as f64 / last).collect()
}

/// The paper's 300 test points on `[0, 2π]` (per axis).
pub fn test_axis() -> Vec<f64> {
    axis(300, 2.0 * PI)
}

/// An exact solution of one variable with its second derivative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exact1d {
    /// `u = sin(kx)`.
    Sin {
        /// Frequency `k`.
        k: f64,
    },
    /// `u = sin(ax) cos(kx)`.
    SinCos {
        /// Low frequency `a`.
        a: f64,
        /// High frequency `k`.
        k: f64,
    },
    /// `u = x sin(kx)`.
    XSin {
        /// Frequency `k`.
        k: f64,
    },
}

impl Exact1d {
    /// `u(x)`.
    pub fn u(&self, x: f64) -> f64 {
        match *self {
            Self::Sin { k } => (k * x).sin(),
            Self::SinCos { a, k } => (a * x).sin() * (k * x).cos(),
            Self::XSin { k } => x * (k * x).sin(),
        }
    }

    /// `u''(x)`.
    pub fn u_xx(&self, x: f64) -> f64 {
        match *self {
            Self::Sin { k } => -k * k * (k * x).sin(),
            Self::SinCos { a, k } => {
                let (sa, ca, sk, ck) = ((a * x).sin(), (a * x).cos(), (k * x).sin(), (k * x).cos());
                // term by term, in the order the paper's table was computed with
                -a * a * sa * ck - 2.0 * a * k * ca * sk - k * k * sa * ck
            }
            Self::XSin { k } => 2.0 * k * (k * x).cos() - k * k * x * (k * x).sin(),
        }
    }

    /// `u` at each point.
    pub fn values(&self, xs: &[f64]) -> Vec<f64> {
        xs.iter().map(|&x| self.u(x)).collect()
    }
}

/// One 1-D problem of the paper on `[0, 2π]`.
#[derive(Debug, Clone, Copy)]
pub struct Problem1d {
    /// The paper's name (`poisson_1d-sin100x`).
    pub id: &'static str,
    /// The equation.
    pub pde: Pde,
    /// The exact solution.
    pub exact: Exact1d,
    /// Grid points.
    pub n: usize,
    /// The authors' frequency scale.
    pub freq_scale: f64,
    /// The authors' Adam steps.
    pub paper_steps: usize,
    /// The authors' logged relative L² with the StM and the GM envelope.
    pub authors: [f64; 2],
    /// The acceptance target on the relative L².
    pub target: f64,
}

impl Problem1d {
    /// The collocation grid (`n` points on `[0, 2π]`).
    pub fn grid(&self) -> Vec<f64> {
        axis(self.n, 2.0 * PI)
    }

    /// The source `f` of the PDE at the points (`u''`, plus `u(u² − 1)` for
    /// Allen–Cahn as GP-HM codes it).
    pub fn source(&self, xs: &[f64]) -> Vec<f64> {
        xs.iter()
            .map(|&x| {
                let u = self.exact.u(x);
                self.exact.u_xx(x)
                    + match self.pde {
                        Pde::AllenCahn => u * (u * u - 1.0),
                        _ => 0.0,
                    }
            })
            .collect()
    }

    /// A GP-HM solver of this problem on its grid, the boundary datum from the exact
    /// solution (`opts.pde` is set to the problem's equation).
    pub fn solver(&self, opts: GpHmOptions) -> Result<GpHm, GpError> {
        let x = self.grid();
        let f = self.source(&x);
        let exact = self.exact;
        GpHm::new(
            vec![x],
            &f,
            &|q| exact.u(q[0]),
            GpHmOptions {
                pde: self.pde,
                ..opts
            },
        )
    }
}

/// The paper's 1-D table: Poisson with sin 100x, sin 6x cos 100x, x sin 200x and
/// Allen–Cahn with sin 100x, with the authors' settings and logged errors.
pub const TABLE_1D: [Problem1d; 4] = [
    Problem1d {
        id: "poisson_1d-sin100x",
        pde: Pde::Poisson,
        exact: Exact1d::Sin { k: 100.0 },
        n: 400,
        freq_scale: 20.0,
        paper_steps: 100_000,
        authors: [6.5e-7, 4.0e-7],
        target: 1e-5,
    },
    Problem1d {
        id: "poisson_1d-sin6x_cos100x",
        pde: Pde::Poisson,
        exact: Exact1d::SinCos { a: 6.0, k: 100.0 },
        n: 400,
        freq_scale: 20.0,
        paper_steps: 100_000,
        authors: [5.5e-6, 1.5e-6],
        target: 1e-5,
    },
    Problem1d {
        id: "poisson_1d-x_sin200x",
        pde: Pde::Poisson,
        exact: Exact1d::XSin { k: 200.0 },
        n: 900,
        freq_scale: 50.0,
        paper_steps: 100_000,
        authors: [9.0e-7, 1.55e-6],
        target: 1e-5,
    },
    Problem1d {
        id: "allencahn_1d-sin100x",
        pde: Pde::AllenCahn,
        exact: Exact1d::Sin { k: 100.0 },
        n: 400,
        freq_scale: 20.0,
        paper_steps: 100_000,
        authors: [4.9e-6, 7.7e-7],
        target: 1e-5,
    },
];

/// The 2-D Poisson problem `Δu = f`, `u = sin(kx) sin(ky)` on an `n × n` grid of
/// `[0, 2π]²` (the paper: k = 100, n = 300).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Poisson2d {
    /// Frequency `k`.
    pub k: f64,
    /// Grid points per axis.
    pub n: usize,
}

impl Poisson2d {
    /// The paper's `poisson_2d-sin100x_sin100y` on the 300² grid.
    pub const PAPER: Self = Self { k: 100.0, n: 300 };

    /// `u(x, y)`.
    pub fn u(&self, x: f64, y: f64) -> f64 {
        (self.k * x).sin() * (self.k * y).sin()
    }

    /// `u` on the tensor grid `xs × ys` (row-major, `x` slowest).
    pub fn values(&self, xs: &[f64], ys: &[f64]) -> Vec<f64> {
        xs.iter()
            .flat_map(|&x| ys.iter().map(move |&y| self.u(x, y)))
            .collect()
    }

    /// A GP-HM solver on the `n × n` grid with the exact boundary datum
    /// (`opts.pde` is set to Poisson).
    pub fn solver(&self, opts: GpHmOptions) -> Result<GpHm, GpError> {
        let a = axis(self.n, 2.0 * PI);
        let me = *self;
        let f: Vec<f64> = a
            .iter()
            .flat_map(|&x| {
                a.iter()
                    .map(move |&y| -2.0 * me.k * me.k * (me.k * x).sin() * (me.k * y).sin())
            })
            .collect();
        GpHm::new(
            vec![a.clone(), a],
            &f,
            &|q| me.u(q[0], q[1]),
            GpHmOptions {
                pde: Pde::Poisson,
                ..opts
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each exact solution's `u''` against a fourth-order central difference.
    #[test]
    fn second_derivatives_match_finite_differences() {
        let cases = [
            Exact1d::Sin { k: 7.0 },
            Exact1d::SinCos { a: 6.0, k: 9.0 },
            Exact1d::XSin { k: 5.0 },
        ];
        let h = 1e-3;
        for e in cases {
            for x in [0.3, 1.1, 2.9] {
                let fd = (-e.u(x + 2.0 * h) + 16.0 * e.u(x + h) - 30.0 * e.u(x)
                    + 16.0 * e.u(x - h)
                    - e.u(x - 2.0 * h))
                    / (12.0 * h * h);
                let rel = (fd - e.u_xx(x)).abs() / e.u_xx(x).abs().max(1.0);
                assert!(rel < 1e-5, "{e:?} at {x}: fd {fd}, exact {}", e.u_xx(x));
            }
        }
    }

    #[test]
    fn axis_has_both_ends() {
        let a = axis(5, 2.0);
        assert_eq!(a, vec![0.0, 0.5, 1.0, 1.5, 2.0]);
    }
}
