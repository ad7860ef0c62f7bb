//! # noether-flow
//!
//! Physics-inspired generative flows: PFGM++, stochastic interpolants, Schrödinger bridges.
//!
//! Status: planned. Sampling goes through `noether-diffeq`; training through burn.
#![deny(missing_docs)]
