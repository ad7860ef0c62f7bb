//! # noether-mesh
//!
//! Simplicial meshes in 1-D, 2-D and 3-D (and triangles in 3-D): generators, the full
//! topology with signed incidence matrices, geometry and quality measures, uniform
//! refinement with parent maps, and discrete exterior calculus.
//!
//! ```
//! use noether_mesh::{generate, geometry, Topology};
//!
//! let mesh = generate::annulus(4, 24, 0.5, 1.0).unwrap();
//! let topo = Topology::new(&mesh).unwrap();
//! assert_eq!(topo.euler_characteristic(), 0); // one hole
//! assert_eq!(topo.betti_numbers(), vec![1, 1, 0]);
//! let area = geometry::total_volume(&mesh);
//! assert!(area > 0.0 && area < std::f64::consts::PI * 0.75);
//! ```
#![deny(missing_docs)]

pub mod dec;
pub mod error;
pub mod generate;
pub mod geometry;
pub mod io;
pub mod mesh;
pub mod mover;
pub mod refine;
pub mod topology;

pub use error::{MeshError, Result};
pub use mesh::Mesh;
pub use topology::Topology;
