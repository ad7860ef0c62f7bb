//! The options, output and counters of a solve, shared by every solver and by the
//! stepping [`Integrator`](crate::Integrator).

use noether_core::{Space, Tolerance};

use crate::controller::PidController;
use crate::error::{DiffeqError, Result, invalid};
use crate::events::{Event, EventHit};

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

/// Options of a solve ([`solve`](crate::solve())) or a stepping
/// [`Integrator`](crate::Integrator): steps, output, budget and events. Built from
/// [`Default`] with the builder methods (the struct is `#[non_exhaustive]`).
///
/// ```
/// use noether_diffeq::{SaveAt, SolveOptions};
///
/// let opts: SolveOptions<'_, Vec<f64>> = SolveOptions::default()
///     .save_at(SaveAt::Times(vec![0.5, 1.0]))
///     .max_steps(10_000);
/// assert_eq!(opts.max_steps, 10_000);
/// ```
#[non_exhaustive]
pub struct SolveOptions<'e, V> {
    /// Fixed or adaptive steps.
    pub step: StepSize,
    /// Output times.
    pub save_at: SaveAt,
    /// Largest number of attempted steps.
    pub max_steps: usize,
    /// Events located on the dense output after each accepted step (see
    /// [`events`](crate::events)).
    pub events: Vec<Event<'e, V>>,
}

impl<V> Default for SolveOptions<'_, V> {
    fn default() -> Self {
        Self {
            step: StepSize::Adaptive {
                h0: None,
                controller: PidController::default(),
            },
            save_at: SaveAt::End,
            max_steps: 100_000,
            events: Vec::new(),
        }
    }
}

impl<V> std::fmt::Debug for SolveOptions<'_, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions")
            .field("step", &self.step)
            .field("save_at", &self.save_at)
            .field("max_steps", &self.max_steps)
            .field("events", &self.events)
            .finish()
    }
}

impl<'e, V> SolveOptions<'e, V> {
    /// Fixed steps of size `|h|` (the last one shortened to land on `t1`).
    pub fn fixed(mut self, h: f64) -> Self {
        self.step = StepSize::Fixed(h);
        self
    }

    /// Adaptive steps starting with `|h0|` instead of the initial-step heuristic
    /// (keeps the controller).
    pub fn h0(mut self, h0: f64) -> Self {
        let controller = match self.step {
            StepSize::Adaptive { controller, .. } => controller,
            StepSize::Fixed(_) => PidController::default(),
        };
        self.step = StepSize::Adaptive {
            h0: Some(h0),
            controller,
        };
        self
    }

    /// Adaptive steps with `controller` (keeps `h0`).
    pub fn controller(mut self, controller: PidController) -> Self {
        let h0 = match self.step {
            StepSize::Adaptive { h0, .. } => h0,
            StepSize::Fixed(_) => None,
        };
        self.step = StepSize::Adaptive { h0, controller };
        self
    }

    /// Where the solution is recorded.
    pub fn save_at(mut self, save_at: SaveAt) -> Self {
        self.save_at = save_at;
        self
    }

    /// The step budget (attempted steps).
    pub fn max_steps(mut self, max_steps: usize) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// Adds an event.
    pub fn event(mut self, event: Event<'e, V>) -> Self {
        self.events.push(event);
        self
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

/// Output of a solve: the recorded times and states, counters and located events.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution<V> {
    /// Output times.
    pub ts: Vec<f64>,
    /// States at `ts`.
    pub ys: Vec<V>,
    /// Counters.
    pub stats: SolveStats,
    /// Events located, in order of time; a terminal event ends the solution at
    /// the event (its last output is the event state).
    pub events: Vec<EventHit<V>>,
}

/// Checks the interval, the initial state and the options of a solve with a method
/// called `name` that has (or lacks) an embedded error estimate.
pub(crate) fn validate<V: Space>(
    name: &'static str,
    embedded: bool,
    t0: f64,
    t1: f64,
    y0: &V,
    tol: &Tolerance<V>,
    opts: &SolveOptions<'_, V>,
) -> Result<()> {
    if !t0.is_finite() || !t1.is_finite() {
        return Err(invalid("t0/t1", format!("{t0}/{t1}"), "must be finite"));
    }
    if !y0.all_finite() {
        return Err(DiffeqError::NonFinite { t: t0, h: 0.0 });
    }
    // The implicit methods use the tolerances at fixed steps too (Newton tests).
    tol.validate(y0.len())?;
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
