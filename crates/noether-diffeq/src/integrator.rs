//! The one step loop: a stepping [`Integrator`] (step, interpolate, stop time,
//! state access) for training loops and co-simulation, and [`solve`], which drives
//! it to the end with output times and events.

use noether_core::Space;

use crate::error::{Result, invalid};
use crate::events::EventTracker;
use crate::options::{Solution, SolveOptions, SolveStats, StepSize, check_budget, validate};
use crate::output::Recorder;
use crate::problem::OdeProblem;
use crate::solver::{Attempt, OdeSolver, StepControl};

/// An accepted step `[t_prev, t]` taken by [`Integrator::step`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Start of the step.
    pub t_prev: f64,
    /// End of the step (the integrator's current time).
    pub t: f64,
}

/// Steps an ODE solve by hand: [`step`](Integrator::step) takes one accepted step
/// (retrying rejected attempts), [`interpolate`](Integrator::interpolate) evaluates
/// the method's dense output inside the last step, and
/// [`set_stop_time`](Integrator::set_stop_time) moves the end of the interval.
///
/// ```
/// use noether_diffeq::{Integrator, OdeProblem, SolveOptions};
/// use noether_diffeq::erk::Erk;
/// use noether_diffeq::problems::lorenz;
/// use noether_diffeq::tableau::TSIT5;
///
/// // Step Lorenz by hand and stop the first time x changes sign.
/// let problem = OdeProblem::new(&lorenz, (0.0, 100.0), vec![1.0, 1.0, 1.0])
///     .tolerances(1e-8, 1e-8);
/// let mut it = Integrator::new(&problem, Erk::new(&TSIT5), &SolveOptions::default()).unwrap();
/// let mut y_mid = vec![0.0; 3];
/// while let Some(step) = it.step().unwrap() {
///     // The state between the step's ends, by Tsit5's own interpolant.
///     it.interpolate(0.5 * (step.t_prev + step.t), &mut y_mid).unwrap();
///     if it.y()[0] < 0.0 {
///         break;
///     }
/// }
/// assert!(it.y()[0] < 0.0 && it.t() < 100.0);
/// assert!(it.stats().accepted > 10);
/// ```
pub struct Integrator<'f, V: Space, F: ?Sized, S> {
    f: &'f F,
    solver: S,
    ctl: StepControl<V>,
    max_steps: usize,
    /// Time and state at the start of the pending step (or the current ones).
    t: f64,
    y: V,
    /// End of the accepted step not yet committed to the solver.
    pending: Option<f64>,
    t_stop: f64,
    stats: SolveStats,
}

/// A snapshot of the whole integration (state, solver, controller memory,
/// counters): stepping the copy takes exactly the steps the original would, which
/// is what checkpointed gradients replay.
impl<V: Space, F: ?Sized, S: Clone> Clone for Integrator<'_, V, F, S> {
    fn clone(&self) -> Self {
        Self {
            f: self.f,
            solver: self.solver.clone(),
            ctl: self.ctl.clone(),
            max_steps: self.max_steps,
            t: self.t,
            y: self.y.clone(),
            pending: self.pending,
            t_stop: self.t_stop,
            stats: self.stats,
        }
    }
}

impl<V: Space, F: ?Sized, S> std::fmt::Debug for Integrator<'_, V, F, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Integrator")
            .field("t", &self.pending.unwrap_or(self.t))
            .field("t_stop", &self.t_stop)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<'f, V, F, S> Integrator<'f, V, F, S>
where
    V: Space,
    F: ?Sized,
    S: OdeSolver<V, F>,
{
    /// Validates `problem` and `opts` and prepares `solver` at `(t0, y0)`; the stop
    /// time is `problem.t1`. Events and output times of `opts` are not used here
    /// (they are [`solve`]'s).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument) (interval, tolerances, step options,
    /// a fixed step for a method that chooses its own), [`DiffeqError::NonFinite`](crate::DiffeqError::NonFinite)
    /// for a non-finite `y0`, and the solver's own set-up errors.
    pub fn new(
        problem: &OdeProblem<'f, V, F>,
        mut solver: S,
        opts: &SolveOptions<'_, V>,
    ) -> Result<Self> {
        let (t0, t1) = (problem.t0, problem.t1);
        validate(
            solver.name(),
            solver.has_error_estimate(),
            t0,
            t1,
            &problem.y0,
            &problem.tol,
            opts,
        )?;
        let dir = if t1 >= t0 { 1.0 } else { -1.0 };
        let ctl = match &opts.step {
            StepSize::Fixed(h) => {
                if solver.adaptive_only() {
                    return Err(invalid(
                        "step",
                        "Fixed",
                        "this method chooses its own steps (use StepSize::Adaptive)",
                    ));
                }
                StepControl {
                    tol: problem.tol.clone(),
                    adaptive: false,
                    controller: Default::default(),
                    h0: Some(h.abs()),
                    dir,
                }
            }
            StepSize::Adaptive { h0, controller } => StepControl {
                tol: problem.tol.clone(),
                adaptive: true,
                controller: controller.clone(),
                h0: h0.map(f64::abs),
                dir,
            },
        };
        let mut stats = SolveStats::default();
        solver.init(problem.f, t0, &problem.y0, t1, &ctl, &mut stats)?;
        Ok(Self {
            f: problem.f,
            solver,
            ctl,
            max_steps: opts.max_steps,
            t: t0,
            y: problem.y0.clone(),
            pending: None,
            t_stop: t1,
            stats,
        })
    }

    /// Takes one accepted step towards the stop time, retrying rejected attempts.
    /// Returns `None` once the stop time is reached.
    ///
    /// Errors: [`DiffeqError::MaxSteps`](crate::DiffeqError::MaxSteps) (attempts counted over the whole solve),
    /// [`DiffeqError::StepSizeUnderflow`](crate::DiffeqError::StepSizeUnderflow), [`DiffeqError::NonFinite`](crate::DiffeqError::NonFinite),
    /// [`DiffeqError::ImplicitSolve`](crate::DiffeqError::ImplicitSolve).
    pub fn step(&mut self) -> Result<Option<Step>> {
        self.commit();
        let dir = self.ctl.dir;
        if (self.t_stop - self.t) * dir <= 0.0 {
            return Ok(None);
        }
        loop {
            check_budget(
                self.stats.steps,
                self.max_steps,
                self.t,
                self.solver.next_step(),
            )?;
            self.stats.steps += 1;
            match self.solver.attempt(
                self.f,
                self.t,
                &self.y,
                self.t_stop,
                &self.ctl,
                &mut self.stats,
            )? {
                Attempt::Rejected => self.stats.rejected += 1,
                Attempt::Accepted { t_new } => {
                    self.stats.accepted += 1;
                    self.pending = Some(t_new);
                    return Ok(Some(Step {
                        t_prev: self.t,
                        t: t_new,
                    }));
                }
            }
        }
    }

    /// Commits a pending step to the solver.
    fn commit(&mut self) {
        if let Some(t_new) = self.pending.take() {
            self.solver.accept(&mut self.y, &self.ctl);
            self.t = t_new;
        }
    }

    /// The current time (the end of the last step).
    pub fn t(&self) -> f64 {
        self.pending.unwrap_or(self.t)
    }

    /// The current state.
    pub fn y(&self) -> &V {
        match self.pending {
            Some(_) => self.solver.proposal(),
            None => &self.y,
        }
    }

    /// `out ← y(τ)` by the method's dense output, for `τ` inside the last step
    /// (`τ` equal to the current time gives the current state).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument) when `τ` lies outside the last step
    /// or no step has been taken yet.
    pub fn interpolate(&mut self, tau: f64, out: &mut V) -> Result<()> {
        let Some(t_new) = self.pending else {
            if tau == self.t {
                out.copy_from(&self.y);
                return Ok(());
            }
            return Err(invalid(
                "tau",
                tau,
                "outside the last step (no step pending)",
            ));
        };
        let (lo, hi) = (self.t.min(t_new), self.t.max(t_new));
        if !(lo..=hi).contains(&tau) {
            return Err(invalid("tau", tau, "outside the last step"));
        }
        self.solver
            .prepare_dense(self.f, self.t, &self.y, &mut self.stats);
        self.solver.interpolate(self.t, &self.y, tau, out);
        Ok(())
    }

    /// Moves the end of the interval to `t_stop` (in the direction of
    /// integration, not behind the current time). Steps are clipped to land on it.
    pub fn set_stop_time(&mut self, t_stop: f64) -> Result<()> {
        if !t_stop.is_finite() || (t_stop - self.t()) * self.ctl.dir < 0.0 {
            return Err(invalid(
                "t_stop",
                t_stop,
                "must be finite and not behind the current time",
            ));
        }
        self.t_stop = t_stop;
        Ok(())
    }

    /// The stop time.
    pub fn stop_time(&self) -> f64 {
        self.t_stop
    }

    /// Counters so far.
    pub fn stats(&self) -> SolveStats {
        let mut s = self.stats;
        self.solver.finish_stats(&mut s);
        s
    }

    /// The solver (for its own diagnostics, e.g. Newton counters).
    pub fn solver(&self) -> &S {
        &self.solver
    }

    /// Ends the integration, returning the current time and state.
    pub fn into_state(mut self) -> (f64, V) {
        self.commit();
        (self.t, self.y)
    }
}

/// Solves `problem` with `solver`: one step loop for every method, recording the
/// output times of `opts.save_at` by the method's dense output and locating
/// `opts.events` on it (a terminal event ends the solution at the event).
///
/// ```
/// use noether_diffeq::{solve, OdeProblem, SaveAt, SolveOptions};
/// use noether_diffeq::events::{Event, EventDirection};
/// use noether_diffeq::erk::Erk;
/// use noether_diffeq::tableau::TSIT5;
///
/// // A ball dropped from 10 m: stop when it reaches the ground.
/// let f = |_t: f64, y: &Vec<f64>, dy: &mut Vec<f64>| { dy[0] = y[1]; dy[1] = -9.81; };
/// let ground = Event::new(|_t, y: &Vec<f64>| y[0]).direction(EventDirection::Falling).terminal();
/// let problem = OdeProblem::new(&f, (0.0, 10.0), vec![10.0, 0.0]).tolerances(1e-8, 1e-8);
/// let sol = solve(&problem, Erk::new(&TSIT5), SolveOptions::default().event(ground)).unwrap();
/// let t_hit = (2.0 * 10.0 / 9.81_f64).sqrt();
/// assert!((sol.events[0].t - t_hit).abs() < 1e-10);
/// assert_eq!(*sol.ts.last().unwrap(), sol.events[0].t);
/// ```
///
/// Errors: those of [`Integrator::new`] and [`Integrator::step`].
pub fn solve<V, F, S>(
    problem: &OdeProblem<'_, V, F>,
    solver: S,
    opts: SolveOptions<'_, V>,
) -> Result<Solution<V>>
where
    V: Space,
    F: ?Sized,
    S: OdeSolver<V, F>,
{
    let mut it = Integrator::new(problem, solver, &opts)?;
    let (t0, y0) = (problem.t0, &problem.y0);
    let mut rec = Recorder::new(&opts.save_at, t0, y0, it.ctl.dir);
    let mut events = EventTracker::new(&opts.events, t0, y0);
    while let Some(step) = it.step()? {
        let t_new = step.t;
        if rec.wants_before(t_new) || events.any() {
            it.solver.prepare_dense(it.f, it.t, &it.y, &mut it.stats);
            let (solver, y_old, t_old) = (&it.solver, &it.y, it.t);
            let dense = |tau: f64, out: &mut V| solver.interpolate(t_old, y_old, tau, out);
            let terminal =
                events.handle_step(&mut rec, (t_old, t_new), y_old, solver.proposal(), dense);
            if let Some((t_end, y_event)) = terminal {
                rec.after_step(t_end, &y_event);
                let (ts, ys) = rec.finish(t_end, y_event);
                return Ok(Solution {
                    ts,
                    ys,
                    stats: it.stats(),
                    events: events.hits,
                });
            }
        }
        rec.after_step(t_new, it.y());
    }
    let stats = it.stats();
    let (t, y) = it.into_state();
    let (ts, ys) = rec.finish(t, y);
    Ok(Solution {
        ts,
        ys,
        stats,
        events: events.hits,
    })
}
