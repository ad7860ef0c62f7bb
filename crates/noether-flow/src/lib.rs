//! # noether-flow
//!
//! Transport-based generative modelling. What exists today:
//!
//! - [`ot`]: optimal transport between discrete measures — exact OT by the
//!   network simplex, the assignment problem, log-domain Sinkhorn with ε-scaling,
//!   unbalanced Sinkhorn, envelope-theorem gradients, and minibatch couplings
//!   (independent, exact, entropic, label-aware C2OT) for flow matching;
//! - [`metrics`]: W₁/W₂ by exact OT, the Sinkhorn divergence, MMD and the energy
//!   distance;
//! - [`data`]: the 2-D toy distributions of the flow-matching literature with the
//!   reference generators' scalings.
//!
//! - [`interpolant`]: stochastic interpolants and conditional flow-matching paths
//!   (`x_t = α x₀ + β x₁ + γ z`) with their regression targets;
//! - `cfm` (feature `burn`): flow-matching training (I-CFM, OT-CFM, SB-CFM,
//!   stochastic interpolants) with noether-diffeq's trainer, and sampling through
//!   its ODE solvers.
//!
//! - `likelihood` (feature `burn`): log-densities by the instantaneous change of
//!   variables in the same solve as the samples, with exact or Hutchinson
//!   divergences.
//!
//! Planned (not built yet): class conditioning and guidance, PFGM++ and
//! Schrödinger bridges.
#![deny(missing_docs)]

#[cfg(feature = "burn")]
pub mod cfm;
pub mod data;
pub mod error;
pub mod interpolant;
#[cfg(feature = "burn")]
pub mod likelihood;
pub mod metrics;
pub mod ot;

pub use error::{FlowError, Result};
