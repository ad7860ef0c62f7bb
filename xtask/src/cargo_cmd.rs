//! The cargo invocations behind `cargo xtask ci` and `cargo xtask test`.

use std::process::Command;

use crate::paths::root;
use crate::report::anyhow_lite::Result;

/// Features the full test suite and lints are built with: everything that builds
/// without a GPU or network (the burn `Space` implementation included).
pub const TEST_FEATURES: &str = "noether-core/burn,noether/burn";

/// Runs a cargo subcommand in the workspace root, failing on a non-zero exit.
pub fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .status()?;
    if !status.success() {
        return Err(format!("cargo {} failed with {status}", args.join(" ")).into());
    }
    Ok(())
}

/// The seed of the property tests' generator when the caller sets none, so that
/// a run of the suite is reproducible (set `PROPTEST_RNG_SEED` to explore others).
const PROPTEST_SEED: &str = "20261205";

/// The whole test suite: unit, integration, property and doc tests of every crate.
pub fn test() -> Result<()> {
    let seed = std::env::var("PROPTEST_RNG_SEED").unwrap_or_else(|_| PROPTEST_SEED.into());
    cargo(
        &["test", "--workspace", "--features", TEST_FEATURES],
        &[("PROPTEST_RNG_SEED", seed.as_str())],
    )
}

/// fmt check, clippy with warnings denied, the tests, and docs with warnings denied.
pub fn ci() -> Result<()> {
    cargo(&["fmt", "--all", "--", "--check"], &[])?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--features",
            TEST_FEATURES,
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    test()?;
    cargo(
        &[
            "doc",
            "--workspace",
            "--no-deps",
            "--features",
            TEST_FEATURES,
        ],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )
}
