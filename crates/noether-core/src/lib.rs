//! # noether-core
//!
//! The shared interfaces of noether and the algorithms written once against them.
//!
//! - [`Real`]: the scalar types (`f32`, `f64`).
//! - [`Space`]: vectors the algorithms run on (`Vec`, nalgebra `DVector`, faer `Col`,
//!   burn tensors with feature `burn`; GPU buffers in noether-kernels are planned),
//!   with fused linear combinations, inner products and the step-control norm;
//!   product spaces, the [`space::Seminorm`] pair and the batch view
//!   ([`BatchSpace`]).
//! - [`LinearOperator`]: matrices, matrix-free operators and their algebra
//!   ([`operator`]).
//! - [`krylov`]: CG, MINRES, restarted GMRES and Lanczos, with Jacobi and IC(0)
//!   preconditioners ([`precond`]).
//! - [`VectorField`], [`Sde`], [`BrownianPath`], [`Hamiltonian`], [`Sampler`]: the
//!   interfaces between models and integrators ([`field`]).
//! - [`stats`] (slope fits, relative L²), [`optim`] (Adam on host vectors),
//!   [`rng`] (the seeded `SplitMix64` generator) and [`fast_math`] (vectorised
//!   `exp`, softplus, sigmoid, `tanh` and one-pass sums of exponentials): the
//!   workspace's one copy of each.
//!
//! Nothing here depends on burn, cubecl or wgpu unless the `burn` feature is on.
//!
//! ```
//! use noether_core::krylov::{cg, KrylovOptions};
//! use noether_core::operator::Laplacian2d;
//!
//! // −Δu = 1 on a 64 × 64 grid, matrix-free, unpreconditioned CG.
//! let a = Laplacian2d::new(64, 64).unwrap();
//! let b = vec![1.0_f64; 64 * 64];
//! let mut u = vec![0.0_f64; 64 * 64];
//! let opts = KrylovOptions { rtol: 1e-10, ..Default::default() };
//! let report = cg(&a, &b, &mut u, None, &opts).unwrap();
//! assert!(report.relative_residual <= 1e-10);
//! // The centre value of the torsion function of the unit square is ≈ 0.07367.
//! assert!((u[32 * 64 + 32] - 0.0737).abs() < 1e-3);
//! ```
#![deny(missing_docs)]

pub mod error;
pub mod fast_math;
pub mod field;
pub mod krylov;
pub mod operator;
pub mod optim;
pub mod precond;
pub mod real;
pub mod rng;
pub mod space;
pub mod stats;

pub use error::{CoreError, Result};
pub use field::{
    BrownianPath, Calculus, Hamiltonian, Ito, NoiseShape, ParamField, ParamSde, Sampler, Sde,
    Stratonovich, VectorField, VectorFieldJvp,
};
pub use operator::LinearOperator;
pub use real::Real;
pub use space::{Atol, AtolRef, BatchSpace, HostBatch, HostSpace, Space, TolRef, Tolerance};
