//! Mixed Poisson with Raviart–Thomas fluxes and DG pressures on the unit cube:
//! `cargo run --release -p noether-fem --example mixed_poisson -- [n] [degree]`.
//! Prints the errors and the largest cell-wise mass-conservation residual.
use noether_fem::mixed::solve_mixed_poisson;
use noether_fem::space::Op;
use noether_mesh::generate::unit_cube;
use std::f64::consts::PI;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(8), |s| s.parse())?;
    let degree: usize = args.next().map_or(Ok(1), |s| s.parse())?;
    let mesh = unit_cube(n)?;
    let p = |x: &[f64]| (PI * x[0]).sin() * (PI * x[1]).sin() * (PI * x[2]).sin();
    let f = |x: &[f64]| 3.0 * PI * PI * p(x);
    let t0 = std::time::Instant::now();
    let sol = solve_mixed_poisson(&mesh, degree, &f, &|_, _| 0.0)?;
    let elapsed = t0.elapsed().as_secs_f64();
    let worst = sol
        .cell_residuals
        .iter()
        .fold(0.0f64, |a, r| a.max(r.abs()));
    let ep = sol.pressure.error(&sol.p, Op::Value, &|x, o| o[0] = p(x))?;
    println!(
        "RT{}–DG{} on {} tetrahedra: {} flux + {} pressure dofs, solved in {elapsed:.2} s",
        degree - 1,
        degree - 1,
        mesh.n_cells(),
        sol.flux.ndofs(),
        sol.pressure.ndofs()
    );
    println!("  ‖p − p_h‖ = {ep:.3e}");
    println!(
        "  max_T |∫_T div σ_h − ∫_T f| = {worst:.2e}  (‖f‖ = {:.3e})",
        sol.f_norm
    );
    Ok(())
}
