//! # noether-diffeq
//!
//! ODE and SDE integrators written once against the noether-core traits: the same
//! code integrates a `Vec<f64>`, a faer column or a burn tensor.
//!
//! - [`tableau`]: Butcher tableaux (Euler, Heun, Midpoint, Ralston, RK4, Bosh3,
//!   Dopri5, Tsit5, Dopri8).
//! - [`erk`]: the public single step (new state, error estimate, stages).
//! - [`controller`]: the PID step-size controller and Hairer's initial step.
//! - [`solve`]: fixed and adaptive integration with [`solve::SaveAt`] output.
//! - [`events`]: zero crossings located on the dense output (direction, terminal).
//! - [`interp`]: dense output (Tsit5's and Dopri5's own interpolants, Hermite).
//! - [`esdirk`]: stiff ESDIRK methods (Kværnø 5(4), TR-BDF2).
//! - [`bdf`]: variable-order NDF/BDF (orders 1–5, the algorithm of scipy's `BDF`).
//! - [`newton`]: the Newton linear systems `(I − cJ)δ = r` of the implicit methods:
//!   dense LU (finite-difference or user Jacobian) or matrix-free GMRES
//!   (finite-difference products or a user `LinearOperator`).
//! - [`brownian`]: the virtual Brownian tree (query-order independent paths, with
//!   space-time Lévy areas).
//! - [`sde`]: Euler–Maruyama, Milstein, Euler–Heun, reversible Heun and SRA1, with
//!   Itô / Stratonovich in the types; fixed and adaptive stepping.
//! - [`fbm`]: fractional Brownian motion as a weighted sum of OU processes: optimal
//!   weights, exact path sampling, fBM-driven SDEs.
//! - [`problems`]: Lorenz, Arenstorf, Kepler, Van der Pol (μ = 1000), Robertson, HIRES.
//! - [`symplectic`]: Störmer–Verlet, Yoshida 4, implicit midpoint for
//!   [`Hamiltonian`](noether_core::Hamiltonian) systems.
//!
//! Not built yet (issue 3): Dopri8's own dense output (it uses Hermite).
//!
//! ```
//! use noether_diffeq::solve::{solve_ode, OdeOptions};
//! use noether_diffeq::tableau::DOPRI5;
//!
//! // y' = −2ty, y(0) = 1  ⇒  y(t) = exp(−t²)
//! let f = |t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| dy[0] = -2.0 * t * y[0];
//! let sol = solve_ode(&DOPRI5, &f, 0.0, 2.0, &vec![1.0], &OdeOptions::tolerances(1e-9, 1e-12)).unwrap();
//! assert!((sol.ys[0][0] - (-4.0_f64).exp()).abs() < 1e-9);
//! ```
#![deny(missing_docs)]

pub mod bdf;
pub mod brownian;
pub mod controller;
pub mod erk;
pub mod error;
pub mod esdirk;
pub mod events;
pub mod fbm;
pub mod interp;
pub mod newton;
mod output;
pub mod problems;
pub mod sde;
pub mod solve;
pub mod special;
pub mod symplectic;
pub mod tableau;

pub use error::{DiffeqError, Result};
