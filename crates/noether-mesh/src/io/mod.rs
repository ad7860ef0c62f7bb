//! Mesh I/O: Gmsh MSH 4.1 and 2.2 (ASCII and binary) reading and writing, VTK XML
//! unstructured grids (`.vtu`) for ParaView.

pub mod msh;
pub mod vtu;
