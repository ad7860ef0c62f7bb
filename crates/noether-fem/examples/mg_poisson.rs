//! P1 Poisson on the unit cube by CG with the geometric-multigrid preconditioner:
//! `cargo run --release -p noether-fem --example mg_poisson -- [coarse n] [levels]`
//! (default 3 and 5: 96³ cubes, 912 673 vertices, 5.3·10⁶ tetrahedra).
use std::time::Instant;

use noether_core::krylov::{KrylovOptions, cg};
use noether_fem::dirichlet::{apply_dirichlet, boundary_vertices};
use noether_fem::multigrid::{Hierarchy, Multigrid, MultigridOptions};
use noether_fem::p1::P1Space;
use noether_mesh::generate::unit_cube;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(3), |s| s.parse())?;
    let levels: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let t0 = Instant::now();
    let h = Hierarchy::uniform(&unit_cube(n)?, levels)?;
    let mesh = h.finest();
    let t1 = Instant::now();
    let space = P1Space::new(mesh)?;
    let ts = Instant::now();
    let k = space.stiffness(None)?;
    let tk = Instant::now();
    let mut b = space.load(&|x: &[f64]| 1.0 + x[0] * x[1] * x[2], 2)?;
    let tl = Instant::now();
    // the cube's six faces carry markers 1–6, kept by refinement
    let bd = boundary_vertices(mesh, &[1, 2, 3, 4, 5, 6])?;
    let a = apply_dirichlet(&k, &mut b, &bd, &vec![0.0; bd.len()])?;
    let t2 = Instant::now();
    eprintln!(
        "  geometry {:.2} s, stiffness {:.2} s, load {:.2} s, Dirichlet {:.2} s",
        (ts - t1).as_secs_f64(),
        (tk - ts).as_secs_f64(),
        (tl - tk).as_secs_f64(),
        (t2 - tl).as_secs_f64()
    );
    let mg = Multigrid::new(&a, &h, &bd, MultigridOptions::default())?;
    let t3 = Instant::now();
    let mut u = vec![0.0; b.len()];
    let rep = cg(
        &a,
        &b,
        &mut u,
        Some(&mg),
        &KrylovOptions {
            rtol: 1e-8,
            ..Default::default()
        },
    )?;
    let t4 = Instant::now();
    println!(
        "{} DOFs, {} cells: meshes {:.2} s, assembly {:.2} s, multigrid setup {:.2} s, CG {} iterations {:.2} s (relative residual {:.1e})",
        space.ndofs(),
        mesh.n_cells(),
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (t3 - t2).as_secs_f64(),
        rep.iterations,
        (t4 - t3).as_secs_f64(),
        rep.relative_residual
    );
    Ok(())
}
