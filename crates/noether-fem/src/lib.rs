//! # noether-fem
//!
//! Finite element spaces and assembly on `noether-mesh` meshes. So far: Gauss
//! quadrature of any degree on simplices, continuous P1 elements (stiffness with
//! variable coefficients, mass, load, interpolation, L² and H¹ errors) assembled in
//! parallel into faer CSR matrices, exact Dirichlet lifting, and Jacobi-CG solves.
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
