//! The Python peer protocol of `cargo xtask bench`: the venv's interpreter runs
//! `benches/peers/SCRIPT`, which prints one JSON report; with `--serve` it stays up
//! and answers timing requests so that its timings interleave with ours.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use xtask::Result;
use xtask::paths::root;
use xtask::registry::SystemPeer;

/// Checks up front that `peer` (for area `area`) is installed, with its install
/// command in the error.
pub fn require_system_peer(area: &str, peer: SystemPeer) -> Result<()> {
    let missing: Vec<String> = peer
        .probes
        .iter()
        .filter(|probe| {
            !Command::new(probe[0])
                .args(&probe[1..])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(|probe| probe.join(" "))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the {area} benchmark compares against {}, which is not installed (failed: `{}`): \
         install it with `{}` or pass --no-peers to run ours alone",
        peer.name,
        missing.join("`, `"),
        peer.install
    )
    .into())
}

/// Runs `benches/peers/SCRIPT` with the venv's python and parses the JSON it prints.
pub fn run_peer<T: serde::de::DeserializeOwned>(
    py: &std::path::Path,
    script: &str,
    args: &[String],
) -> Result<T> {
    let out = Command::new(py)
        .arg(root().join("benches/peers").join(script))
        .args(args)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "python peer {script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// A peer script kept running after its report (`--serve`) to answer timing
/// requests, so that its timings interleave with ours under the same machine load.
pub struct PeerServer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl PeerServer {
    /// Starts `benches/peers/SCRIPT ARGS --serve` and parses its first output line.
    pub fn start<T: serde::de::DeserializeOwned>(
        py: &std::path::Path,
        script: &str,
        args: &[String],
    ) -> Result<(Self, T)> {
        let mut child = Command::new(py)
            .arg(root().join("benches/peers").join(script))
            .args(args)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(format!("python peer {script}: no pipes").into());
        };
        let mut server = Self {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        };
        let mut line = String::new();
        server.stdout.read_line(&mut line)?;
        if line.is_empty() {
            return Err(format!("python peer {script} exited before reporting").into());
        }
        Ok((server, serde_json::from_str(&line)?))
    }

    /// `n` wall times of the peer's `method` at tolerance `tol`.
    pub fn times(&mut self, method: &str, tol: f64, n: usize) -> Result<Vec<f64>> {
        writeln!(self.stdin, "{method} {tol} {n}")?;
        self.stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        Ok(serde_json::from_str(&line)?)
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}
