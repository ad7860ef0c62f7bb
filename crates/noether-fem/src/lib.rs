//! # noether-fem
//!
//! Finite element spaces, assembly and structure-preserving discretisations.
//!
//! Status: planned (issue 5). Builds on `noether-mesh` for geometry and on `noether-core` for operators and Krylov solvers.
#![deny(missing_docs)]
