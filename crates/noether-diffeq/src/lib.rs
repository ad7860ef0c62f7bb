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
//!   weights, exact path sampling, fBM-driven SDEs on the product state `(X, Y)` of
//!   any `Space`.
//! - [`problems`]: Lorenz, Arenstorf, Kepler, Van der Pol (μ = 1000), Robertson, HIRES.
//! - [`symplectic`]: Störmer–Verlet, Yoshida 4, implicit midpoint for
//!   [`Hamiltonian`](noether_core::Hamiltonian) systems.
//!
//! SDE schemes ([`sde::Scheme`] on an [`sde::SdeSystem`]) and the symplectic
//! schemes ([`symplectic::Symplectic`] on `(q, p)`, [`symplectic::ImplicitMidpoint`])
//! run on the same loop; the implicit methods take a mass matrix `M y' = f` through
//! their Newton strategy ([`newton::DenseNewton::with_mass`],
//! [`newton::KrylovNewton::with_mass`]).
//!
//! Gradients through a solve are in [`adjoint`] (discretise-then-optimise with
//! checkpoints, the backsolve adjoint, reversible-Heun and Euler–Maruyama SDE
//! tapes, on any [`noether_core::ParamField`]), per-sample step control on a
//! [`noether_core::BatchSpace`] in [`batch`]. Not built yet (planned): the
//! fBM-driven SDE on device states.
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
//!
//! Stepping by hand (training loops, co-simulation): take steps, stop on a
//! condition of your own, and read the method's dense output between steps.
//!
//! ```
//! use noether_diffeq::{Integrator, OdeProblem, SolveOptions};
//! use noether_diffeq::erk::Erk;
//! use noether_diffeq::problems::lorenz;
//! use noether_diffeq::tableau::TSIT5;
//!
//! let problem = OdeProblem::new(&lorenz, (0.0, 50.0), vec![1.0, 1.0, 1.0]).tolerances(1e-9, 1e-9);
//! let mut it = Integrator::new(&problem, Erk::new(&TSIT5), &SolveOptions::default()).unwrap();
//! // Step until z first exceeds 40, then find the crossing inside the last step.
//! let mut z = vec![0.0; 3];
//! while let Some(step) = it.step().unwrap() {
//!     if it.y()[2] > 40.0 {
//!         let (mut lo, mut hi) = (step.t_prev, step.t);
//!         for _ in 0..60 {
//!             let mid = 0.5 * (lo + hi);
//!             it.interpolate(mid, &mut z).unwrap();
//!             if z[2] > 40.0 { hi = mid } else { lo = mid }
//!         }
//!         it.interpolate(hi, &mut z).unwrap();
//!         assert!((z[2] - 40.0).abs() < 1e-6);
//!         break;
//!     }
//! }
//! assert!(it.t() < 50.0);
//! ```
#![deny(missing_docs)]

pub mod adjoint;
pub mod batch;
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
#[cfg(feature = "burn")]
pub mod neural;
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
