//! # noether
//!
//! Scientific machine learning for physics, as a set of crates that compose through
//! the shared traits of [`core`] (`noether-core`). This facade re-exports each crate
//! behind a feature of the same name, so that a dependency on `noether` compiles only
//! what is asked for:
//!
//! | feature | crate | what it holds |
//! |---|---|---|
//! | `core` (default) | `noether-core` | `Space`, `LinearOperator`, vector fields, Krylov solvers |
//! | `mesh` | `noether-mesh` | simplicial meshes, topology, DEC, mesh I/O |
//! | `fem` | `noether-fem` | finite element spaces and structure-preserving discretisations |
//! | `gp` | `noether-gp` | kernels, Kronecker algebra, GP PDE solvers |
//! | `diffeq` | `noether-diffeq` | ODE/SDE integrators, Brownian paths (neural DEs: planned) |
//! | `flow` | `noether-flow` | planned: PFGM++, stochastic interpolants, Schrödinger bridges (empty today) |
//! | `kernels` | `noether-kernels` | planned: cubecl GPU kernels behind the core traits (empty today) |
//! | `burn` | — | `Space` for burn tensors (`noether-core/burn`) |
//!
//! ```
//! use noether::core::{Space, krylov::{cg, KrylovOptions}, operator::Diagonal};
//!
//! // Solve diag(1, 2, 4) x = (1, 1, 1) with conjugate gradients.
//! let a = Diagonal::new(vec![1.0_f64, 2.0, 4.0]);
//! let b = vec![1.0_f64; 3];
//! let mut x = b.zeros_like();
//! let report = cg(&a, &b, &mut x, None, &KrylovOptions::default()).unwrap();
//! assert!(report.relative_residual <= 1e-8);
//! assert!((x[2] - 0.25).abs() < 1e-12);
//! ```
#![deny(missing_docs)]

pub use noether_core as core;
#[cfg(feature = "diffeq")]
pub use noether_diffeq as diffeq;
#[cfg(feature = "fem")]
pub use noether_fem as fem;
#[cfg(feature = "flow")]
pub use noether_flow as flow;
#[cfg(feature = "gp")]
pub use noether_gp as gp;
#[cfg(feature = "kernels")]
pub use noether_kernels as kernels;
#[cfg(feature = "mesh")]
pub use noether_mesh as mesh;
