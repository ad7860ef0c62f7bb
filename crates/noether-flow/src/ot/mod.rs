//! Optimal transport between discrete measures, usable without any network:
//! exact OT by the network simplex ([`emd`]), the assignment problem
//! ([`assignment()`]), entropic OT by log-domain Sinkhorn with ε-scaling
//! ([`sinkhorn()`]) and its unbalanced variant ([`sinkhorn_unbalanced`]), gradients
//! by the envelope theorem ([`EntropicPlan::gradients`]), and the minibatch
//! couplings of flow matching ([`pair`], [`pair_conditional`]).
//!
//! Costs are dense matrices ([`CostMatrix`]), built from point clouds
//! ([`Cloud`]) with a [`Ground`] cost or given directly. Weights are non-negative
//! and finite; everything else is a typed [`FlowError`](crate::FlowError).

pub mod assignment;
pub mod cost;
pub mod coupling;
pub mod simplex;
pub mod sinkhorn;

pub use assignment::{Assignment, assignment};
pub use cost::{Cloud, CostMatrix, Ground, check_weights, uniform};
pub use coupling::{Coupling, draw, pair, pair_conditional};
pub use simplex::{EmdOptions, ExactPlan, emd};
pub use sinkhorn::{EntropicPlan, SinkhornOptions, sinkhorn, sinkhorn_unbalanced};
