//! The integration tests of noether-core in one binary (one link, one compile of the
//! shared generics instead of one per file); each module is one former test file.

mod batch_laws;
mod common;
mod gmres_orthogonality;
mod krylov_solvers;
mod operator_laws;
mod space_laws;
