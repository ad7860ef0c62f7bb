//! The cargo invocations behind `cargo xtask ci` and `cargo xtask test`, and the
//! launch of the workflows binary.

use std::process::Command;

use crate::Result;
use crate::paths::root;

/// Features the full test suite and lints are built with: everything that builds
/// without a GPU or network (the burn `Space` implementation included).
pub const TEST_FEATURES: &str =
    "noether-core/burn,noether/burn,noether-diffeq/wgpu,noether-flow/burn";

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

/// The package of the demo, bench and reproduce workflows (heavy: every crate and
/// plotters, built in release).
pub const WORKFLOWS: &str = "xtask-workflows";

/// The benchmark package (criterion and the Rust halves of the peer comparisons).
pub const BENCHES: &str = "noether-benches";

/// The whole test suite: unit, integration, property and doc tests of every crate
/// and of this launcher. The workflows and benchmark packages have no tests of
/// their own (what they measure is checked by the crates' tests) and are left out
/// so that their dependencies (plotters, criterion) stay out of the test build;
/// `ci` lints them.
pub fn test() -> Result<()> {
    let seed = std::env::var("PROPTEST_RNG_SEED").unwrap_or_else(|_| PROPTEST_SEED.into());
    cargo(
        &[
            "test",
            "--workspace",
            "--exclude",
            WORKFLOWS,
            "--exclude",
            BENCHES,
            "--features",
            TEST_FEATURES,
        ],
        &[("PROPTEST_RNG_SEED", seed.as_str())],
    )
}

/// Runs `cargo xtask demo|bench|reproduce ...` in the workflows package (built in
/// release on first use), forwarding the arguments.
pub fn workflows(args: &[String]) -> Result<()> {
    let mut all = vec!["run", "--release", "--quiet", "--package", WORKFLOWS, "--"];
    all.extend(args.iter().map(String::as_str));
    cargo(&all, &[])
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
