//! # noether-diffeq
//!
//! ODE integrators written once against the noether-core traits: the same code
//! integrates a `Vec<f64>`, a faer column or a burn tensor.
//!
//! - [`tableau`]: Butcher tableaux (Euler, Heun, Midpoint, Ralston, RK4, Bosh3,
//!   Dopri5, Tsit5, Dopri8).
//! - [`erk`]: the public single step (new state, error estimate, stages).
//! - [`controller`]: the PID step-size controller and Hairer's initial step.
//! - [`solve`]: fixed and adaptive integration with [`solve::SaveAt`] output.
//! - [`interp`]: dense output (Tsit5's and Dopri5's own interpolants, Hermite).
//! - [`brownian`]: the virtual Brownian tree (query-order independent paths).
//! - [`sde`]: Euler–Maruyama, Milstein, Euler–Heun and reversible Heun, with Itô /
//!   Stratonovich in the types.
//! - [`fbm`]: fractional Brownian motion as a weighted sum of OU processes.
//! - [`problems`]: Lorenz, Arenstorf, Kepler.
//! - [`symplectic`]: Störmer–Verlet, Yoshida 4, implicit midpoint for
//!   [`Hamiltonian`](noether_core::Hamiltonian) systems.
//!
//! Status (issue 3): stiff solvers, SRA1, adaptive SDE stepping, Lévy areas, fBM
//! simulation and events are not built yet; Dopri8 uses Hermite dense output.
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
