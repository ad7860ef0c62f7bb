//! Times P1 stiffness assembly (space geometry + matrix) on the Kuhn unit cube:
//! `cargo run --release -p noether-fem --example p1_assembly -- [n] [repeats]`
//! (default n = 99: 10⁶ vertices, 5.8·10⁶ tetrahedra).
use std::time::Instant;

use noether_fem::p1::P1Space;
use noether_mesh::generate::unit_cube;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(99), |s| s.parse())?;
    let repeats: usize = args.next().map_or(Ok(3), |s| s.parse())?;
    let mesh = unit_cube(n)?;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let space = P1Space::new(&mesh)?;
        let t1 = Instant::now();
        let k = space.stiffness(None)?;
        let t2 = Instant::now();
        println!(
            "{} dofs, {} nonzeros: geometry {:.3} s, stiffness {:.3} s, total {:.3} s",
            space.ndofs(),
            k.val().len(),
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            (t2 - t0).as_secs_f64()
        );
    }
    Ok(())
}
