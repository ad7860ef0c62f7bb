//! The integration tests of noether-fem in one binary (one link, one compile of the
//! shared generics instead of one per file); each module is one former test file.

mod boundary_and_transfer;
mod common;
mod derham;
mod dolfinx_stiffness;
mod elements;
mod errors;
mod evolution;
mod maxwell;
mod mixed;
mod multigrid;
mod p1;
