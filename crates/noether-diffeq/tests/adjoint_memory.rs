//! Memory of gradients through a solve, measured by a counting global allocator:
//! the peak of live heap bytes during `Tape::record` + `Tape::vjp`, above what was
//! live before, for 10², 10³ and 10⁴ steps of a 64-dimensional linear field. The
//! fitted slope of log peak memory against log steps is at most 0.6 for the
//! checkpointed adjoint (√n snapshots) and at most 0.1 for the backsolve adjoint.
//! The same for gradients through a reversible Heun SDE solve (`SdeTape`, a
//! 64-component `StochasticRing`): at most 0.6 checkpointed and at most 0.1 for the
//! reversible adjoint, which rebuilds the states backwards.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use noether_core::stats::fit_slope;
use noether_core::{ParamField, VectorField};
use noether_diffeq::adjoint::{Adjoint, SdeAdjoint, SdeTape, Tape};
use noether_diffeq::brownian::VirtualBrownianTree;
use noether_diffeq::problems::StochasticRing;
use noether_diffeq::tableau::TSIT5;
use noether_diffeq::{OdeProblem, SolveOptions};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The counters are process-wide: the tests of this binary take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `y' = −θ₀ y + θ₁ sin(y)` componentwise, 64 components.
struct Damped(Vec<f64>);

impl VectorField<Vec<f64>> for Damped {
    fn eval(&self, _t: f64, y: &Vec<f64>, out: &mut Vec<f64>) {
        for (o, v) in out.iter_mut().zip(y) {
            *o = -self.0[0] * v + self.0[1] * v.sin();
        }
    }
}

impl ParamField<Vec<f64>> for Damped {
    type Params = Vec<f64>;
    fn params(&self) -> &Vec<f64> {
        &self.0
    }
    fn vjp(&self, _t: f64, y: &Vec<f64>, w: &Vec<f64>, dx: &mut Vec<f64>, dp: &mut Vec<f64>) {
        dp[0] = 0.0;
        dp[1] = 0.0;
        for ((d, v), wi) in dx.iter_mut().zip(y).zip(w) {
            *d = (-self.0[0] + self.0[1] * v.cos()) * wi;
            dp[0] -= v * wi;
            dp[1] += v.sin() * wi;
        }
    }
}

/// Peak live bytes above the baseline while recording and differentiating a solve
/// of `n` fixed steps.
fn peak_bytes(adjoint: Adjoint, n: usize) -> usize {
    let field = Damped(vec![0.5, 0.3]);
    let y0: Vec<f64> = (0..64).map(|i| (i as f64 * 0.1).cos()).collect();
    let problem = OdeProblem::new(&field, (0.0, 1.0), y0);
    let opts = SolveOptions::default()
        .fixed(1.0 / n as f64)
        .max_steps(10 * n);
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let tape = Tape::record(&problem, &TSIT5, &opts, &[1.0], adjoint).unwrap();
    let g = tape.vjp(&[vec![1.0; 64]]).unwrap();
    assert!(g.params.iter().all(|v| v.is_finite()));
    drop((tape, g));
    PEAK.load(Ordering::Relaxed) - base
}

#[test]
fn memory_grows_like_sqrt_n_checkpointed_and_not_at_all_backsolve() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (adjoint, limit) in [
        (Adjoint::Checkpointed, 0.6),
        (
            Adjoint::Backsolve {
                rtol: 1e-8,
                atol: 1e-8,
            },
            0.1,
        ),
    ] {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for n in [100usize, 1000, 10_000] {
            let bytes = peak_bytes(adjoint, n);
            eprintln!("{adjoint:?}, {n} steps: peak {bytes} bytes above baseline");
            xs.push((n as f64).ln());
            ys.push((bytes as f64).ln());
        }
        let slope = fit_slope(&xs, &ys);
        eprintln!(
            "{adjoint:?}: fitted slope of log memory vs log steps {slope:.3} (limit {limit})"
        );
        assert!(slope <= limit, "{adjoint:?}: slope {slope}");
    }
}

/// Peak live bytes above the baseline while recording and differentiating a
/// reversible Heun solve of `n` steps.
fn sde_peak_bytes(adjoint: SdeAdjoint, n: usize) -> usize {
    let sde = StochasticRing::new([0.5, 0.3, 0.1, 0.2, 0.1]);
    let path = VirtualBrownianTree::new(0.0, 1.0, 64, 1e-9, 5).unwrap();
    let y0: Vec<f64> = (0..64).map(|i| (i as f64 * 0.1).cos()).collect();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let tape = SdeTape::record(&sde, &path, (0.0, 1.0), y0, n, &[1.0], adjoint).unwrap();
    let g = tape.vjp(&[vec![1.0; 64]]).unwrap();
    assert!(g.params.iter().all(|v| v.is_finite()));
    drop((tape, g));
    PEAK.load(Ordering::Relaxed) - base
}

#[test]
fn sde_memory_grows_like_sqrt_n_checkpointed_and_not_at_all_reversible() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (adjoint, limit) in [
        (SdeAdjoint::Checkpointed, 0.6),
        (SdeAdjoint::Reversible, 0.1),
    ] {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for n in [100usize, 1000, 10_000] {
            let bytes = sde_peak_bytes(adjoint, n);
            eprintln!("SDE {adjoint:?}, {n} steps: peak {bytes} bytes above baseline");
            xs.push((n as f64).ln());
            ys.push((bytes as f64).ln());
        }
        let slope = fit_slope(&xs, &ys);
        eprintln!(
            "SDE {adjoint:?}: fitted slope of log memory vs log steps {slope:.3} (limit {limit})"
        );
        assert!(slope <= limit, "{adjoint:?}: slope {slope}");
    }
}
