//! The integration tests of noether-mesh in one binary (one link, one compile of the
//! shared generics instead of one per file); each module is one former test file.

mod generate_errors;
mod io;
mod mover;
mod refine_dec;
mod topology;
