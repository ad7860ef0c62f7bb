//! # noether-gp
//!
//! Kernels, Kronecker algebra, Gaussian-process regression and GP PDE solvers.
//!
//! Status: planned (issue 6). Kronecker products will implement `noether_core::LinearOperator` so that the core Krylov solvers apply unchanged.
#![deny(missing_docs)]
