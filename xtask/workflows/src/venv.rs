//! The Python virtual environment for peer libraries, created on first use.

use std::path::PathBuf;
use std::process::Command;

use xtask::Result;
use xtask::paths::{noether_dir, root};

/// Ensures `target/noether/venv` exists with `benches/peers/requirements.txt`
/// installed, and returns its Python interpreter.
pub fn python() -> Result<PathBuf> {
    let venv = noether_dir().join("venv");
    let py = venv.join("bin").join("python");
    let req = root()
        .join("benches")
        .join("peers")
        .join("requirements.txt");
    let stamp = venv.join(".requirements");
    let wanted = std::fs::read_to_string(&req)?;
    if py.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(py);
    }
    println!(
        "creating the peer venv in {} (first run only)",
        venv.display()
    );
    let system_python = std::env::var("NOETHER_PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(&system_python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&py).args(["-m", "pip", "install", "--quiet", "--upgrade", "pip"]))?;
    run(Command::new(&py)
        .args(["-m", "pip", "install", "--quiet", "-r"])
        .arg(&req))?;
    std::fs::write(&stamp, wanted)?;
    Ok(py)
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status()?;
    if !status.success() {
        return Err(format!("{cmd:?} failed with {status}").into());
    }
    Ok(())
}
