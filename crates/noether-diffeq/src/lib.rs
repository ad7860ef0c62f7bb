//! # noether-diffeq
//!
//! ODE and SDE integrators written once against the noether-core traits: the same
//! code integrates a `Vec<f64>`, a faer column or a burn tensor.
//!
//! One step loop drives every ODE method: build an [`OdeProblem`] (field, span,
//! `y0`, tolerances, scalar or per-component `atol`), pick a solver implementing
//! [`OdeSolver`] ([`erk::Erk`], [`esdirk::Esdirk`], [`bdf::Bdf`]) and call
//! [`solve()`] with [`SolveOptions`] (steps, [`SaveAt`], events, budget), or step by
//! hand with an [`Integrator`] (step, interpolate, stop time, state access).
//!
//! - [`tableau`]: Butcher tableaux (Euler, Heun, Midpoint, Ralston, RK4, Bosh3,
//!   Dopri5, Tsit5, Dopri8, DOP853).
//! - [`erk`]: explicit Runge–Kutta: the [`erk::Erk`] solver and its single step.
//! - [`controller`]: the PID step-size controller and Hairer's initial step.
//! - [`solver`]: the [`OdeSolver`] trait between the step loop and the methods.
//! - [`events`]: zero crossings located on the dense output (direction, terminal).
//! - [`interp`]: dense output (Tsit5's, Dopri5's, Dopri8's and DOP853's own
//!   interpolants; cubic Hermite otherwise).
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
//! Not built yet (issue 16): the SDE and symplectic solvers still have their own
//! loops (`sde::solve_sde`, `sde::solve_sde_adaptive`,
//! `symplectic::integrate_separable`); parameterised fields with adjoint VJPs,
//! mass matrices and the batch view are planned.
//!
//! ```
//! use noether_diffeq::{solve, OdeProblem, SolveOptions};
//! use noether_diffeq::erk::Erk;
//! use noether_diffeq::tableau::DOPRI5;
//!
//! // y' = −2ty, y(0) = 1  ⇒  y(t) = exp(−t²)
//! let f = |t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| dy[0] = -2.0 * t * y[0];
//! let problem = OdeProblem::new(&f, (0.0, 2.0), vec![1.0]).tolerances(1e-9, 1e-12);
//! let sol = solve(&problem, Erk::new(&DOPRI5), SolveOptions::default()).unwrap();
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
mod integrator;
pub mod interp;
pub mod newton;
mod options;
mod output;
mod problem;
pub mod problems;
pub mod sde;
pub mod solver;
pub mod special;
pub mod symplectic;
pub mod tableau;

pub use error::{DiffeqError, Result};
pub use integrator::{Integrator, Step, solve};
pub use options::{SaveAt, Solution, SolveOptions, SolveStats, StepSize};
pub use problem::OdeProblem;
pub use solver::{Attempt, OdeSolver, StepControl};
