//! Writes small MSH files in every supported format, the seed corpus of the MSH
//! reader's fuzzer: `cargo run -p noether-mesh --example msh_seeds -- DIR`.
use noether_mesh::generate::{Diagonal, interval, unit_cube, unit_square};
use noether_mesh::io::msh::{MshFormat, write_msh};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "seeds".into());
    std::fs::create_dir_all(&dir)?;
    let meshes = [
        ("interval", interval(2, 0.0, 1.0)?),
        ("square", unit_square(1, 1, Diagonal::Right)?),
        ("cube", unit_cube(1)?),
    ];
    let formats = [
        ("v41", MshFormat::V41 { binary: false }),
        ("v41_bin", MshFormat::V41 { binary: true }),
        ("v22", MshFormat::V22 { binary: false }),
        ("v22_bin", MshFormat::V22 { binary: true }),
    ];
    for (name, mesh) in &meshes {
        for (fname, format) in formats {
            std::fs::write(format!("{dir}/{name}_{fname}.msh"), write_msh(mesh, format))?;
        }
    }
    Ok(())
}
