//! # noether-mesh
//!
//! Simplicial meshes, topology, discrete exterior calculus and mesh I/O.
//!
//! Status: planned (issue 4). The crate currently holds only its documentation; the meshes, incidence matrices, DEC operators and Gmsh/VTK I/O land with its issue.
#![deny(missing_docs)]
