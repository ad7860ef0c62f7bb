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

/// The whole test suite: unit, integration, property and doc tests of every crate.
pub fn test() -> Result<()> {
    cargo(&["test", "--workspace", "--features", TEST_FEATURES], &[])
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
