//! The integration tests of noether-gp in one binary (one link, one compile of the
//! shared generics instead of one per file); each module is one former test file.

mod gphm;
mod grid;
mod kron;
mod scattered;
mod toeplitz;
