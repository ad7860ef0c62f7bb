//! Where things live: the workspace root and the report folders under `target/noether`.

use std::path::PathBuf;

/// The workspace root (the parent of `xtask/`, where this package lives).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// `target/noether` under the workspace root (reports always go here, whatever
/// `CARGO_TARGET_DIR` says, so that their paths are stable).
pub fn noether_dir() -> PathBuf {
    root().join("target").join("noether")
}

/// `target/noether/bench`.
pub fn bench_dir() -> PathBuf {
    noether_dir().join("bench")
}

/// `target/noether/reports`.
pub fn reports_dir() -> PathBuf {
    noether_dir().join("reports")
}
