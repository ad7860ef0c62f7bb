//! The thin half of `cargo xtask`: the area registry, the workspace paths and the
//! cargo invocations behind `ci` and `test`. It depends on nothing heavy, so that
//! `cargo xtask test` builds in seconds before the tests; the demo, bench and
//! reproduce workflows live in the `xtask-workflows` package (`xtask/workflows`),
//! which this launcher runs.

pub mod cargo_cmd;
pub mod paths;
pub mod registry;

/// Boxed error of the task runner: any error becomes a message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result with a boxed error.
pub type Result<T> = std::result::Result<T, Error>;
