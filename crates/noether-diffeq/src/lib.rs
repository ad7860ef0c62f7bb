//! # noether-diffeq
//!
//! ODE/SDE integrators, Brownian paths, adjoints and neural differential equations.
//!
//! Status: planned (issue 3). Integrators are written against `noether_core::Space` and `noether_core::VectorField`.
#![deny(missing_docs)]
