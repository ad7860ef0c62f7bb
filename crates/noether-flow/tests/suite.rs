//! The integration tests of noether-flow in one binary.

mod coupling;
mod metrics;
mod ot_exact;
mod ot_sinkhorn;
mod reference;
