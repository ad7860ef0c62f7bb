//! Per-sample step control: `B` independent samples in one batched state
//! ([`BatchSpace`]), each with its own time, step size, controller memory and
//! accept/reject decisions (as torchode), while every vector-field evaluation
//! covers the whole batch. Each sample takes exactly the steps a solve of that
//! sample alone takes with [`Erk`](crate::erk::Erk), up to rounding in the batched
//! arithmetic.
//!
//! ```
//! use noether_core::{HostBatch, Tolerance};
//! use noether_diffeq::batch::{Autonomous, BatchOptions, solve_batch};
//! use noether_diffeq::tableau::TSIT5;
//!
//! // y' = −λ y for λ = 1 and λ = 50: the stiffer sample takes more steps.
//! let f = |_t: f64, y: &HostBatch<f64>, dy: &mut HostBatch<f64>| {
//!     let (a, b) = (y.sample(0)[0], y.sample(1)[0]);
//!     *dy = HostBatch::new(vec![-a, -50.0 * b], 2);
//! };
//! let y0 = HostBatch::new(vec![1.0, 1.0], 2);
//! let sol = solve_batch(&Autonomous(&f), &TSIT5, (0.0, 1.0), y0, &BatchOptions::new(1e-8, 1e-8))?;
//! assert!(sol.accepted[1] > sol.accepted[0]);
//! assert!((sol.y.sample(0)[0] - (-1.0f64).exp()).abs() < 1e-7);
//! # Ok::<(), noether_diffeq::DiffeqError>(())
//! ```

use noether_core::{BatchSpace, Space, Tolerance, VectorField};

use crate::controller::{ControllerState, PidController, check_underflow};
use crate::erk::next_step_size;
use crate::error::{DiffeqError, Result, invalid};
use crate::options::clip_step;
use crate::solver::StepControl;
use crate::tableau::ButcherTableau;

/// A vector field evaluated on a batch at one time per sample.
pub trait BatchField<V> {
    /// `out ← f(t_b, x_b)` for every sample `b`.
    fn eval_batch(&self, t: &[f64], x: &V, out: &mut V);
}

/// An autonomous field (time ignored) as a [`BatchField`]: any [`VectorField`] on
/// the batched state whose samples do not interact.
#[derive(Debug, Clone, Copy)]
pub struct Autonomous<'f, F: ?Sized>(pub &'f F);

impl<V: Space, F: VectorField<V> + ?Sized> BatchField<V> for Autonomous<'_, F> {
    fn eval_batch(&self, t: &[f64], x: &V, out: &mut V) {
        self.0.eval(t.first().copied().unwrap_or(0.0), x, out);
    }
}

/// Tolerances, controller and budget of a batched solve.
#[derive(Debug, Clone)]
pub struct BatchOptions<V> {
    /// Error tolerances, per sample.
    pub tol: Tolerance<V>,
    /// The PID controller (diffrax's defaults).
    pub controller: PidController,
    /// A fixed step for every sample instead of adaptive control.
    pub fixed: Option<f64>,
    /// Most attempted steps of any one sample.
    pub max_steps: usize,
}

impl<V> BatchOptions<V> {
    /// Adaptive steps at `rtol`/`atol` with the default controller.
    pub fn new(rtol: f64, atol: f64) -> Self {
        Self {
            tol: Tolerance::new(rtol, atol),
            controller: PidController::default(),
            fixed: None,
            max_steps: 100_000,
        }
    }
}

/// The end states and each sample's counters.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSolution<V> {
    /// The states at the end time.
    pub y: V,
    /// Accepted steps per sample.
    pub accepted: Vec<usize>,
    /// Rejected steps per sample.
    pub rejected: Vec<usize>,
    /// Evaluations of the batched field.
    pub batch_evals: usize,
    /// Field evaluations of samples still integrating, summed over the batch
    /// evaluations (the work a per-sample solver does; a shared step does
    /// `B · batch_evals`).
    pub sample_evals: usize,
}

/// Solves every sample of `y0` over `span` with the explicit method `tab`, each
/// sample with its own step size and controller.
///
/// Errors: [`DiffeqError::InvalidArgument`] for a bad span, tolerance or a method
/// without an error estimate at adaptive steps; [`DiffeqError::MaxSteps`],
/// [`DiffeqError::StepSizeUnderflow`] or [`DiffeqError::NonFinite`] for the first
/// sample that fails (with its `t` and `h`).
pub fn solve_batch<V, F>(
    f: &F,
    tab: &ButcherTableau,
    (t0, t1): (f64, f64),
    y0: V,
    opts: &BatchOptions<V>,
) -> Result<BatchSolution<V>>
where
    V: BatchSpace,
    F: BatchField<V> + ?Sized,
{
    if !(t0.is_finite() && t1.is_finite()) {
        return Err(invalid("span", format!("({t0}, {t1})"), "must be finite"));
    }
    // (a per-component atol covers the whole batch)
    opts.tol.validate(y0.len())?;
    opts.controller.validate()?;
    let adaptive = opts.fixed.is_none();
    if adaptive && tab.b_err.is_none() {
        return Err(invalid(
            "tab",
            tab.name,
            "adaptive steps need an embedded error estimate",
        ));
    }
    let b = y0.batch_size();
    let dir = if t1 >= t0 { 1.0 } else { -1.0 };
    let ctl = StepControl {
        tol: opts.tol.clone(),
        adaptive,
        controller: opts.controller.clone(),
        h0: opts.fixed.map(f64::abs),
        dir,
    };
    let s = tab.stages();
    let order = tab.error_order().unwrap_or(tab.order);
    let mut run = Run {
        f,
        b,
        batch_evals: 0,
        sample_evals: 0,
    };
    let mut t = vec![t0; b];
    let mut done = vec![t0 == t1; b];
    let mut y = y0;
    let mut k: Vec<V> = (0..s).map(|_| y.zeros_like()).collect();
    let (mut y_new, mut err) = (y.zeros_like(), y.zeros_like());
    run.eval(&t, &done, &y, &mut k[0]);
    let mut h = match opts.fixed {
        Some(h) => vec![dir * h.abs(); b],
        None => initial_steps(&mut run, &t, &done, &y, &k[0], order, &ctl)?,
    };
    let mut cstate = vec![ControllerState::default(); b];
    let (mut accepted, mut rejected, mut attempts) = (vec![0; b], vec![0; b], vec![0usize; b]);
    let mut step = vec![0.0; b];
    let mut t_new = vec![0.0; b];
    let mut e = vec![0.0; b];
    let mut tt = vec![0.0; b];
    while done.iter().any(|d| !d) {
        for i in 0..b {
            if done[i] {
                step[i] = 0.0;
                t_new[i] = t[i];
                continue;
            }
            if attempts[i] >= opts.max_steps {
                return Err(DiffeqError::MaxSteps {
                    max_steps: opts.max_steps,
                    t: t[i],
                    h: h[i],
                });
            }
            attempts[i] += 1;
            (step[i], t_new[i]) = clip_step(t[i], t1, h[i]);
        }
        // the stages, sample by sample step sizes
        for st in 1..s {
            let fsal_last = tab.fsal && st == s - 1;
            let (done_k, rest) = k.split_at_mut(st);
            let target = if fsal_last { &mut y_new } else { &mut err };
            combine(target, Some(&y), &step, tab.a[st - 1], done_k);
            for i in 0..b {
                tt[i] = t[i] + tab.c[st] * step[i];
            }
            let target: &V = if fsal_last { &y_new } else { &err };
            run.eval(&tt, &done, target, &mut rest[0]);
        }
        if !tab.fsal {
            combine(&mut y_new, Some(&y), &step, tab.b, &k);
        }
        let mut accept = vec![true; b];
        if adaptive {
            let weights = tab.b_err.unwrap_or(tab.b);
            combine(&mut err, None, &step, weights, &k);
            err.wrms_norm_per_sample(&y, &y_new, ctl.tol.view(), &mut e);
            if let Some(low) = tab.b_err_low {
                let mut el = vec![0.0; b];
                let mut errl = y.zeros_like();
                combine(&mut errl, None, &step, low, &k);
                errl.wrms_norm_per_sample(&y, &y_new, ctl.tol.view(), &mut el);
                for (ei, li) in e.iter_mut().zip(&el) {
                    if *ei != 0.0 {
                        *ei = *ei * *ei / (*ei * *ei + 0.01 * li * li).sqrt();
                    }
                }
            }
            for i in (0..b).filter(|&i| !done[i]) {
                let (ok, factor) = ctl.controller.decide(&mut cstate[i], e[i], order);
                if ok {
                    h[i] = dir * next_step_size(h[i], step[i], factor, &ctl);
                    if h[i].abs() < ctl.controller.dtmin && t_new[i] != t1 {
                        return Err(DiffeqError::StepSizeUnderflow {
                            t: t_new[i],
                            h: h[i],
                            h_min: ctl.controller.dtmin,
                        });
                    }
                } else {
                    accept[i] = false;
                    h[i] = step[i] * factor;
                    check_underflow(t[i], h[i], &ctl.controller, e[i].is_finite())?;
                }
            }
        } else if !y_new.all_finite() {
            let i = (0..b).find(|&i| !done[i]).unwrap_or(0);
            return Err(DiffeqError::NonFinite {
                t: t[i],
                h: step[i],
            });
        }
        // commit the accepted samples, keep the rejected ones
        let keep: Vec<f64> = (0..b)
            .map(|i| if accept[i] && !done[i] { 0.0 } else { 1.0 })
            .collect();
        let take: Vec<f64> = keep.iter().map(|k| 1.0 - k).collect();
        y.lincomb_per_sample(&keep, &[(&take, &y_new)]);
        if tab.fsal {
            let (first, rest) = k.split_at_mut(1);
            first[0].lincomb_per_sample(&keep, &[(&take, &rest[s - 2])]);
        }
        for i in 0..b {
            if done[i] {
                continue;
            }
            if accept[i] {
                accepted[i] += 1;
                t[i] = t_new[i];
                done[i] = t[i] == t1;
            } else {
                rejected[i] += 1;
            }
        }
        if !tab.fsal && done.iter().any(|d| !d) {
            // k₀ = f(t, y) anew for the accepted samples (unchanged for the others)
            let mut k0 = y.zeros_like();
            let fresh: Vec<bool> = (0..b).map(|i| done[i] || !accept[i]).collect();
            run.eval(&t, &fresh, &y, &mut k0);
            k[0].lincomb_per_sample(&keep, &[(&take, &k0)]);
        }
    }
    Ok(BatchSolution {
        y,
        accepted,
        rejected,
        batch_evals: run.batch_evals,
        sample_evals: run.sample_evals,
    })
}

/// The field with its counters.
struct Run<'f, F: ?Sized> {
    f: &'f F,
    b: usize,
    batch_evals: usize,
    sample_evals: usize,
}

impl<F: ?Sized> Run<'_, F> {
    /// Evaluates the batch, counting the samples not `idle`.
    fn eval<V>(&mut self, t: &[f64], idle: &[bool], x: &V, out: &mut V)
    where
        F: BatchField<V>,
    {
        self.f.eval_batch(t, x, out);
        self.batch_evals += 1;
        self.sample_evals += self.b - idle.iter().filter(|&&d| d).count();
    }
}

/// `target ← base + Σⱼ step_b wⱼ kⱼ` sample by sample (or without `base`).
fn combine<V: BatchSpace>(target: &mut V, base: Option<&V>, step: &[f64], w: &[f64], k: &[V]) {
    let ones = vec![1.0; step.len()];
    let coeffs: Vec<Vec<f64>> = w
        .iter()
        .map(|wj| step.iter().map(|h| h * wj).collect())
        .collect();
    let mut terms: Vec<(&[f64], &V)> = Vec::with_capacity(w.len() + 1);
    if let Some(y) = base {
        terms.push((&ones, y));
    }
    for ((wj, c), kj) in w.iter().zip(&coeffs).zip(k) {
        if *wj != 0.0 {
            terms.push((c, kj));
        }
    }
    let zeros = vec![0.0; step.len()];
    target.lincomb_per_sample(&zeros, &terms);
}

/// Hairer's initial step per sample (as [`initial_step`](crate::controller::initial_step)
/// computes it for one sample), capped at `dtmax`.
fn initial_steps<V, F>(
    run: &mut Run<'_, F>,
    t: &[f64],
    done: &[bool],
    y0: &V,
    f0: &V,
    order: u32,
    ctl: &StepControl<V>,
) -> Result<Vec<f64>>
where
    V: BatchSpace,
    F: BatchField<V> + ?Sized,
{
    let b = run.b;
    let tol = ctl.tol.view();
    let (mut d0, mut d1, mut d2) = (vec![0.0; b], vec![0.0; b], vec![0.0; b]);
    y0.wrms_norm_per_sample(y0, y0, tol, &mut d0);
    f0.wrms_norm_per_sample(y0, y0, tol, &mut d1);
    let h0: Vec<f64> = (0..b)
        .map(|i| {
            if d0[i] < 1e-5 || d1[i] < 1e-5 {
                1e-6
            } else {
                0.01 * d0[i] / d1[i]
            }
        })
        .collect();
    let ones = vec![1.0; b];
    let dh: Vec<f64> = h0.iter().map(|h| ctl.dir * h).collect();
    let mut y1 = y0.zeros_like();
    y1.lincomb_per_sample(&vec![0.0; b], &[(&ones, y0), (&dh, f0)]);
    let mut f1 = y0.zeros_like();
    let t1: Vec<f64> = t.iter().zip(&dh).map(|(t, h)| t + h).collect();
    run.eval(&t1, done, &y1, &mut f1);
    let minus: Vec<f64> = vec![-1.0; b];
    f1.lincomb_per_sample(&ones, &[(&minus, f0)]);
    f1.wrms_norm_per_sample(y0, y0, tol, &mut d2);
    Ok((0..b)
        .map(|i| {
            let d2 = d2[i] / h0[i];
            let dmax = d1[i].max(d2);
            let h1 = if dmax <= 1e-15 {
                (h0[i] * 1e-3).max(1e-6)
            } else {
                (0.01 / dmax).powf(1.0 / order.max(1) as f64)
            };
            let h = (100.0 * h0[i]).min(h1);
            let h = if h.is_finite() && h > 0.0 { h } else { 1e-6 };
            ctl.dir * h.min(ctl.controller.dtmax)
        })
        .collect())
}
