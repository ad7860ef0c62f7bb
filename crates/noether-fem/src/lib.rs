//! # noether-fem
//!
//! Finite elements on `noether-mesh` meshes whose discrete structure mirrors the
//! continuous one.
//!
//! - [`element`]: Lagrange P1–P4 (scalar and vector), DG0–DG4, Nédélec first kind
//!   and Raviart–Thomas of degrees 1–3 on triangles and tetrahedra, built as dual
//!   bases of their degrees of freedom; [`quadrature`]: Gauss rules of any degree.
//! - [`space`]: global numbering on the ascending-vertex orientation (no sign
//!   fix-ups), Piola push-forwards, interpolation, point evaluation, errors,
//!   boundary dofs by marker.
//! - [`assemble`]: mass, stiffness, curl–curl, div–div, mixed blocks, variable
//!   coefficients, Neumann and Robin terms, in parallel into faer CSR; a
//!   matrix-free operator. [`p1`]: a specialised P1 path for large meshes.
//! - [`direct`] (sparse Cholesky and LU), [`dirichlet`] (exact lifting),
//!   [`multigrid`] (geometric V-cycle for CG), [`eigen`] (block shift-invert
//!   subspace iteration).
//! - [`derham`]: the complex `P1 → N0 → RT0 → DG0` with computed derivatives and
//!   commuting interpolants.
//! - Problems: [`maxwell`] (cavity eigenvalues without spurious modes), [`mixed`]
//!   (RT–DG Poisson with exact local conservation), [`evolution`] (wave equation as
//!   a `Hamiltonian`, heat equation as a `VectorField`).
//! - [`transfer`]: L² projection and interpolation between spaces and meshes, VTU
//!   output.
//!
//! ```
//! use noether_fem::dirichlet::{boundary_vertices, solve_dirichlet};
//! use noether_fem::p1::P1Space;
//! use noether_mesh::generate::{unit_square, Diagonal};
//!
//! // −Δu = 0 with u = x + 2y on the boundary: P1 reproduces it exactly
//! let mesh = unit_square(8, 8, Diagonal::Alternating).unwrap();
//! let space = P1Space::new(&mesh).unwrap();
//! let k = space.stiffness(None).unwrap();
//! let b = vec![0.0; space.ndofs()];
//! let bd = boundary_vertices(&mesh, &[]).unwrap();
//! let g: Vec<f64> = bd.iter().map(|&v| mesh.vertex(v)[0] + 2.0 * mesh.vertex(v)[1]).collect();
//! let (u, _) = solve_dirichlet(&k, &b, &bd, &g, 1e-12).unwrap();
//! let exact = space.interpolate(|x| x[0] + 2.0 * x[1]);
//! assert!(u.iter().zip(&exact).all(|(a, b)| (a - b).abs() < 1e-10));
//! ```
#![deny(missing_docs)]

pub mod assemble;
pub mod derham;
pub mod direct;
pub mod dirichlet;
pub mod eigen;
pub mod element;
pub mod error;
pub mod evolution;
pub mod maxwell;
pub mod mixed;
pub mod multigrid;
pub mod p1;
pub mod poly;
pub mod quadrature;
pub mod space;
pub mod transfer;

pub use error::{FemError, Result};
