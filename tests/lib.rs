//! Cross-crate integration and property tests of noether. The tests live in
//! `tests/tests/*.rs`; this library is empty.
#![deny(missing_docs)]
