//! Integrating an ODE `y' = f(t, y)` over an interval with an explicit Runge–Kutta
//! method, fixed or adaptive steps, and the output times of [`SaveAt`].

use noether_core::{Space, VectorField};

use crate::controller::{
    ControllerState, PidController, check_underflow, decide_step, initial_step,
};
use crate::erk::{ErkWorkspace, accept, dense_output_stages, erk_step};
use crate::error::{DiffeqError, Result, invalid};
use crate::events::{Event, EventHit, handle_step};
use crate::interp::{Interpolant, interpolate};
use crate::output::Recorder;
use crate::tableau::ButcherTableau;

/// Where the solution is recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveAt {
    /// Only the final state at `t1`.
    End,
    /// At the given times (monotone in the direction of integration, within
    /// `[t0, t1]`), by each method's own interpolant inside the accepted steps
    /// (see [`interp`](crate::interp)).
    Times(Vec<f64>),
    /// At `t0` and after every accepted step.
    Steps,
}

/// How step sizes are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum StepSize {
    /// Constant step `|h|` (the last step is shortened to land on `t1`).
    Fixed(f64),
    /// Error-controlled steps; `h0 = None` uses Hairer's initial-step heuristic.
    Adaptive {
        /// First step size (absolute value), or `None` for the heuristic.
        h0: Option<f64>,
        /// The PID controller.
        controller: PidController,
    },
}

/// Options of [`solve_ode`].
#[derive(Debug, Clone, PartialEq)]
pub struct OdeOptions {
    /// Relative tolerance of the error control.
    pub rtol: f64,
    /// Absolute tolerance of the error control.
    pub atol: f64,
    /// Fixed or adaptive steps.
    pub step: StepSize,
    /// Output times.
    pub save_at: SaveAt,
    /// Largest number of attempted steps.
    pub max_steps: usize,
}

impl Default for OdeOptions {
    fn default() -> Self {
        Self {
            rtol: 1e-6,
            atol: 1e-6,
            step: StepSize::Adaptive {
                h0: None,
                controller: PidController::default(),
            },
            save_at: SaveAt::End,
            max_steps: 100_000,
        }
    }
}

impl OdeOptions {
    /// Adaptive stepping at the given tolerances, saving the final state.
    pub fn tolerances(rtol: f64, atol: f64) -> Self {
        Self {
            rtol,
            atol,
            ..Default::default()
        }
    }

    /// Fixed steps of size `h`, saving the final state.
    pub fn fixed(h: f64) -> Self {
        Self {
            step: StepSize::Fixed(h),
            ..Default::default()
        }
    }
}

/// Counters of a solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SolveStats {
    /// Vector-field evaluations.
    pub nfev: usize,
    /// Steps attempted.
    pub steps: usize,
    /// Steps accepted.
    pub accepted: usize,
    /// Steps rejected.
    pub rejected: usize,
    /// Jacobian evaluations (implicit methods).
    pub jacobians: usize,
    /// Factorisations of the Newton matrix (implicit methods; for matrix-free
    /// Newton, GMRES solves).
    pub factorisations: usize,
    /// Newton iterations (implicit methods).
    pub newton_iterations: usize,
}

/// Output of a solve.
#[derive(Debug, Clone, PartialEq)]
pub struct OdeSolution<V> {
    /// Output times.
    pub ts: Vec<f64>,
    /// States at `ts`.
    pub ys: Vec<V>,
    /// Counters.
    pub stats: SolveStats,
    /// Events located, in order of time (see [`solve_ode_with_events`]).
    pub events: Vec<EventHit<V>>,
}

/// Integrates `y' = f(t, y)` from `(t0, y0)` to `t1` (forwards or backwards) with the
/// explicit Runge–Kutta method `method`.
///
/// ```
/// use noether_diffeq::solve::{solve_ode, OdeOptions};
/// use noether_diffeq::tableau::TSIT5;
///
/// // Harmonic oscillator over one period returns to its start.
/// let f = |_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| {
///     dy[0] = y[1];
///     dy[1] = -y[0];
/// };
/// let tau = 2.0 * std::f64::consts::PI;
/// let sol = solve_ode(&TSIT5, &f, 0.0, tau, &vec![1.0, 0.0], &OdeOptions::tolerances(1e-10, 1e-10)).unwrap();
/// let y = &sol.ys[0];
/// assert!((y[0] - 1.0).abs() < 1e-8 && y[1].abs() < 1e-8);
/// ```
pub fn solve_ode<V, F>(
    method: &ButcherTableau,
    f: &F,
    t0: f64,
    t1: f64,
    y0: &V,
    opts: &OdeOptions,
) -> Result<OdeSolution<V>>
where
    V: Space,
    F: VectorField<V> + ?Sized,
{
    solve_ode_with_events(method, f, t0, t1, y0, opts, &[])
}

/// [`solve_ode`] with events: after each accepted step every event function is
/// checked for a sign change and its zero located on the step's dense output
/// (see [`events`](crate::events)). Hits are returned in
/// [`OdeSolution::events`]; a terminal event ends the integration at the event,
/// and the solution's last output (for `SaveAt::End`, its only one) is the event
/// state.
///
/// ```
/// use noether_diffeq::events::{Event, EventDirection};
/// use noether_diffeq::solve::{solve_ode_with_events, OdeOptions};
/// use noether_diffeq::tableau::TSIT5;
///
/// // A ball dropped from 10 m: stop when it reaches the ground.
/// let f = |_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| { dy[0] = y[1]; dy[1] = -9.81; };
/// let ground = Event::new(|_t, y: &Vec<f64>| y[0]).direction(EventDirection::Falling).terminal();
/// let sol = solve_ode_with_events(&TSIT5, &f, 0.0, 10.0, &vec![10.0, 0.0],
///                                 &OdeOptions::tolerances(1e-8, 1e-8), &[ground]).unwrap();
/// let t_hit = (2.0 * 10.0 / 9.81_f64).sqrt();
/// assert!((sol.events[0].t - t_hit).abs() < 1e-10);
/// assert_eq!(*sol.ts.last().unwrap(), sol.events[0].t);
/// ```
pub fn solve_ode_with_events<V, F>(
    method: &ButcherTableau,
    f: &F,
    t0: f64,
    t1: f64,
    y0: &V,
    opts: &OdeOptions,
    events: &[Event<'_, V>],
) -> Result<OdeSolution<V>>
where
    V: Space,
    F: VectorField<V> + ?Sized,
{
    validate(method.name, method.b_err.is_some(), t0, t1, y0, opts)?;
    let dir = if t1 >= t0 { 1.0 } else { -1.0 };
    let mut stats = SolveStats::default();
    let mut ws = ErkWorkspace::new(method, y0);
    let mut y = y0.clone();
    let mut t = t0;
    let mut rec = Recorder::new(&opts.save_at, t0, y0, dir);
    let has_times = matches!(&opts.save_at, SaveAt::Times(v) if !v.is_empty());
    let interp = Interpolant::for_tableau(method);
    let needs_f_new =
        (has_times || !events.is_empty()) && !method.fsal && interp == Interpolant::Hermite;
    let mut g_old: Vec<f64> = events.iter().map(|e| (e.g)(t0, y0)).collect();
    let mut hits = Vec::new();
    let mut f_new = if needs_f_new {
        Some(y0.zeros_like())
    } else {
        None
    };

    let k = method.error_order().unwrap_or(method.order);
    let mut cstate = ControllerState::default();
    let (adaptive, controller, mut h) = step_plan(opts, dir, || {
        f.eval(t, &y, &mut ws.k[0]);
        stats.nfev += 1;
        ws.set_k0_valid(true);
        let (h, n) = initial_step(f, t, &y, &ws.k[0], k, opts.rtol, opts.atol, dir);
        stats.nfev += n;
        h
    });

    while (t1 - t) * dir > 0.0 {
        check_budget(stats.steps, opts.max_steps, t, h)?;
        let (step, t_new) = clip_step(t, t1, h);
        stats.nfev += erk_step(method, f, t, step, &y, &mut ws);
        stats.steps += 1;
        let (ok, factor) = decide_step(
            adaptive.then_some((&controller, &mut cstate)),
            &ws.y_new,
            || ws.error_norm(&y, opts.atol, opts.rtol),
            k,
            t,
            step,
        )?;
        if !ok {
            stats.rejected += 1;
            ws.set_k0_valid(true); // k[0] = f(t, y) is untouched by a step
            h = step * factor;
            check_underflow(t, h, &controller, ws.y_new.all_finite())?;
            continue;
        }
        // Events and output inside the accepted step.
        let mut f_new_fresh = false;
        let mut terminal = None;
        if rec.wants_before(t_new) || !events.is_empty() {
            stats.nfev += dense_output_stages(method, f, t, step, &y, &mut ws);
            let f1: &V = match f_new.as_mut() {
                Some(buf) => {
                    f.eval(t_new, &ws.y_new, buf);
                    stats.nfev += 1;
                    f_new_fresh = true;
                    buf
                }
                None => &ws.k[method.stages() - 1],
            };
            let (y_old, y_new, k) = (&y, &ws.y_new, &ws.k);
            let dense = |tau: f64, out: &mut V| {
                interpolate(interp, out, (tau - t) / step, step, y_old, y_new, k, f1)
            };
            terminal = handle_step(
                events, &mut g_old, &mut hits, &mut rec, t, t_new, y_old, y_new, dense,
            );
        }
        if let Some((t_end, y_event)) = terminal {
            stats.accepted += 1;
            rec.after_step(t_end, &y_event);
            let (ts, ys) = rec.finish(t_end, y_event);
            return Ok(OdeSolution {
                ts,
                ys,
                stats,
                events: hits,
            });
        }
        rec.after_step(t_new, &ws.y_new);
        accept(method, &mut y, &mut ws);
        if let Some(buf) = f_new.as_mut()
            && f_new_fresh
        {
            // f(t_new, y_new) was computed for the output: reuse it as the next k₀.
            std::mem::swap(buf, &mut ws.k[0]);
            ws.set_k0_valid(true);
        }
        stats.accepted += 1;
        t = t_new;
        if adaptive {
            h = dir * (step.abs() * factor).min(controller.dtmax);
            if h.abs() < controller.dtmin {
                return Err(DiffeqError::StepSizeUnderflow {
                    t,
                    h,
                    h_min: controller.dtmin,
                });
            }
        }
    }
    let (ts, ys) = rec.finish(t, y);
    Ok(OdeSolution {
        ts,
        ys,
        stats,
        events: hits,
    })
}

/// Checks the interval, the initial state and the options of a solve with a method
/// called `name` that has (or lacks) an embedded error estimate.
pub(crate) fn validate<V: Space>(
    name: &'static str,
    embedded: bool,
    t0: f64,
    t1: f64,
    y0: &V,
    opts: &OdeOptions,
) -> Result<()> {
    if !t0.is_finite() || !t1.is_finite() {
        return Err(invalid("t0/t1", format!("{t0}/{t1}"), "must be finite"));
    }
    if !y0.all_finite() {
        return Err(DiffeqError::NonFinite { t: t0, h: 0.0 });
    }
    match &opts.step {
        StepSize::Fixed(h) => {
            if !(h.is_finite() && *h != 0.0) {
                return Err(invalid("h", h, "fixed step must be finite and nonzero"));
            }
        }
        StepSize::Adaptive { h0, controller } => {
            if !embedded {
                return Err(invalid(
                    "step",
                    name,
                    "adaptive stepping needs a method with an embedded error estimate",
                ));
            }
            if !(opts.rtol >= 0.0 && opts.atol >= 0.0 && opts.rtol + opts.atol > 0.0) {
                return Err(invalid(
                    "rtol/atol",
                    format!("{}/{}", opts.rtol, opts.atol),
                    "must be >= 0, not both zero",
                ));
            }
            if let Some(h) = h0
                && !(h.is_finite() && *h != 0.0)
            {
                return Err(invalid("h0", h, "must be finite and nonzero"));
            }
            controller.validate()?;
        }
    }
    if let SaveAt::Times(ts) = &opts.save_at {
        let dir = if t1 >= t0 { 1.0 } else { -1.0 };
        for w in ts.windows(2) {
            if (w[1] - w[0]) * dir < 0.0 {
                return Err(invalid(
                    "save_at",
                    format!("{} then {}", w[0], w[1]),
                    "times must be monotone in the direction of integration",
                ));
            }
        }
        for &tau in ts {
            if (tau - t0) * dir < 0.0 || (tau - t1) * dir > 0.0 || !tau.is_finite() {
                return Err(invalid("save_at", tau, "time outside [t0, t1]"));
            }
        }
    }
    Ok(())
}

/// Whether steps are adaptive, the controller (the default one for fixed steps) and
/// the signed first step: the fixed step, the given `h0`, or `heuristic()` (Hairer's
/// initial step), capped at the controller's `dtmax`.
pub(crate) fn step_plan(
    opts: &OdeOptions,
    dir: f64,
    heuristic: impl FnOnce() -> f64,
) -> (bool, PidController, f64) {
    match &opts.step {
        StepSize::Fixed(h) => (false, PidController::default(), dir * h.abs()),
        StepSize::Adaptive { h0, controller } => {
            let h = h0.map_or_else(heuristic, |h| h);
            (
                true,
                controller.clone(),
                dir * h.abs().min(controller.dtmax),
            )
        }
    }
}

/// The step from `t` towards `t1` for a proposed `h`: `(step, t_new)`, landing
/// exactly on `t1` when it is within `h` (up to a relative 1e-10).
pub(crate) fn clip_step(t: f64, t1: f64, h: f64) -> (f64, f64) {
    let remaining = t1 - t;
    if remaining.abs() <= h.abs() * (1.0 + 1e-10) {
        (remaining, t1)
    } else {
        (h, t + h)
    }
}

/// Fails with [`DiffeqError::MaxSteps`] once `steps` attempted steps reach the budget.
pub(crate) fn check_budget(steps: usize, max_steps: usize, t: f64, h: f64) -> Result<()> {
    if steps >= max_steps {
        return Err(DiffeqError::MaxSteps { max_steps, t, h });
    }
    Ok(())
}
