//! A counting allocator shows that the implicit solvers allocate nothing per step
//! (hence per Newton iteration) once the first step has sized their buffers: the
//! Newton matrices, the GMRES workspace of matrix-free Newton, the BDF
//! differences and the stage vectors are all reused.

#![allow(clippy::ptr_arg)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use noether_diffeq::bdf::Bdf;
use noether_diffeq::erk::Erk;
use noether_diffeq::esdirk::{Esdirk, KVAERNO5};
use noether_diffeq::newton::{DenseNewton, KrylovNewton, NewtonLinearSolver};
use noether_diffeq::problems::robertson;
use noether_diffeq::tableau::TSIT5;
use noether_diffeq::{Integrator, OdeProblem, OdeSolver, SolveOptions};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(|c| c.get())
}

/// Steps Robertson with `solver`: returns the allocations made by the steps after
/// the first and the Newton iterations they took.
fn steps_after_the_first<S>(solver: S, steps: usize) -> (usize, usize)
where
    S: OdeSolver<Vec<f64>, fn(f64, &Vec<f64>, &mut Vec<f64>)>,
{
    let f: fn(f64, &Vec<f64>, &mut Vec<f64>) = robertson;
    let problem = OdeProblem::new(&f, (0.0, 1e5), vec![1.0, 0.0, 0.0]).tolerances(1e-8, 1e-12);
    let opts = SolveOptions::default();
    let mut it = Integrator::new(&problem, solver, &opts).unwrap();
    it.step().unwrap();
    let (before, iters) = (allocations(), it.stats().newton_iterations);
    for _ in 0..steps {
        assert!(it.step().unwrap().is_some());
    }
    (allocations() - before, it.stats().newton_iterations - iters)
}

#[test]
fn implicit_steps_do_not_allocate() {
    let dense = || DenseNewton::finite_difference();
    let krylov = || KrylovNewton::finite_difference(KrylovNewton::<Vec<f64>>::default_options());
    let cases: [(&str, (usize, usize)); 4] = [
        (
            "Kvaerno5, dense Newton",
            steps_after_the_first(Esdirk::new(&KVAERNO5, dense()), 40),
        ),
        (
            "Kvaerno5, Newton–GMRES",
            steps_after_the_first(Esdirk::new(&KVAERNO5, krylov()), 40),
        ),
        (
            "BDF, dense Newton",
            steps_after_the_first(Bdf::new(dense()), 40),
        ),
        (
            "BDF, Newton–GMRES",
            steps_after_the_first(Bdf::new(krylov()), 40),
        ),
    ];
    for (name, (allocs, newton)) in &cases {
        eprintln!("{name}: {allocs} allocations in 40 steps ({newton} Newton iterations)");
    }
    for (name, (allocs, newton)) in cases {
        assert!(newton > 40, "{name}: the steps should iterate");
        assert_eq!(allocs, 0, "{name}");
    }
    // The explicit solver too.
    let f: fn(f64, &Vec<f64>, &mut Vec<f64>) = noether_diffeq::problems::lorenz;
    let problem = OdeProblem::new(&f, (0.0, 100.0), vec![1.0, 1.0, 1.0]);
    let opts = SolveOptions::default();
    let mut it = Integrator::new(&problem, Erk::new(&TSIT5), &opts).unwrap();
    it.step().unwrap();
    let before = allocations();
    for _ in 0..1000 {
        it.step().unwrap();
    }
    assert_eq!(allocations() - before, 0, "Tsit5");
    let _ = <DenseNewton as NewtonLinearSolver<Vec<f64>>>::counts;
}
