//! # noether-flow
//!
//! Transport-based generative modelling. What exists today:
//!
//! - [`ot`]: optimal transport between discrete measures — exact OT by the
//!   network simplex, the assignment problem, log-domain Sinkhorn with ε-scaling,
//!   unbalanced Sinkhorn, envelope-theorem gradients, and minibatch couplings
//!   (independent, exact, entropic, label-aware C2OT) for flow matching;
//! - [`metrics`]: W₁/W₂ by exact OT, the Sinkhorn divergence, MMD and the energy
//!   distance.
//!
//! Planned (not built yet): flow-matching and stochastic-interpolant training with
//! burn, sampling through noether-diffeq, PFGM++ and Schrödinger bridges.
#![deny(missing_docs)]

pub mod error;
pub mod metrics;
pub mod ot;

pub use error::{FlowError, Result};
