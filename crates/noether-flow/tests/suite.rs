//! The integration tests of noether-flow in one binary.

#[cfg(feature = "burn")]
mod cfm;
mod coupling;
mod data;
mod interpolant;
#[cfg(feature = "burn")]
mod likelihood;
mod metrics;
mod ot_exact;
mod ot_sinkhorn;
mod reference;
