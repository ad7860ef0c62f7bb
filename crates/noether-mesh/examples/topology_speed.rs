//! Times building the Kuhn unit-cube mesh with `6n³` tetrahedra and its full topology:
//! `cargo run --release -p noether-mesh --example topology_speed -- [n]` (default 55,
//! about 10⁶ cells).
use std::time::Instant;

use noether_mesh::{Topology, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map_or(Ok(55), |s| s.parse())?;
    let t0 = Instant::now();
    let mesh = generate::unit_cube(n)?;
    let t1 = Instant::now();
    let topo = Topology::new(&mesh)?;
    let t2 = Instant::now();
    println!(
        "n = {n}: {} cells, {} edges, {} faces; mesh {:.3} s, topology {:.3} s",
        mesh.n_cells(),
        topo.count(1),
        topo.count(2),
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64()
    );
    Ok(())
}
