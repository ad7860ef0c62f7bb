//! Events: zero crossings of `g(t, y(t))`, detected from a sign change over an
//! accepted step and located by root finding on the step's dense output (each
//! method's own interpolant), so locating an event costs no vector-field
//! evaluations.

use noether_core::Space;

/// Which sign changes of `g` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventDirection {
    /// Any sign change.
    Both,
    /// `g` goes from negative to non-negative.
    Rising,
    /// `g` goes from positive to non-positive.
    Falling,
}

/// An event function `g(t, y)`.
pub type EventFn<'a, V> = Box<dyn Fn(f64, &V) -> f64 + 'a>;

/// An event function with its direction and whether it stops the integration.
pub struct Event<'a, V> {
    /// The event function `g(t, y)`; events are its zeros.
    pub g: EventFn<'a, V>,
    /// Which crossings count.
    pub direction: EventDirection,
    /// Stop the integration at the first such crossing (the solution then ends at
    /// the event time and state).
    pub terminal: bool,
}

impl<'a, V> Event<'a, V> {
    /// A non-terminal event on every sign change of `g`.
    pub fn new(g: impl Fn(f64, &V) -> f64 + 'a) -> Self {
        Self {
            g: Box::new(g),
            direction: EventDirection::Both,
            terminal: false,
        }
    }

    /// Only crossings in `direction`.
    pub fn direction(mut self, direction: EventDirection) -> Self {
        self.direction = direction;
        self
    }

    /// Stop at the first crossing.
    pub fn terminal(mut self) -> Self {
        self.terminal = true;
        self
    }
}

impl<V> std::fmt::Debug for Event<'_, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Event")
            .field("direction", &self.direction)
            .field("terminal", &self.terminal)
            .finish()
    }
}

/// A located event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventHit<V> {
    /// Index of the event in the list passed to the solver.
    pub index: usize,
    /// Time of the zero of `g`.
    pub t: f64,
    /// State at that time (from the dense output).
    pub y: V,
}

fn crosses(direction: EventDirection, g0: f64, g1: f64) -> bool {
    match direction {
        EventDirection::Both => (g0 < 0.0 && g1 >= 0.0) || (g0 > 0.0 && g1 <= 0.0),
        EventDirection::Rising => g0 < 0.0 && g1 >= 0.0,
        EventDirection::Falling => g0 > 0.0 && g1 <= 0.0,
    }
}

/// Finds the events in the accepted step `(t, t_new]` given `g` at its start
/// (`g_old`, updated to the values at `t_new` on return). `interp(τ, out)` is the
/// step's dense output. Returns the hits in order of time, cut after the first
/// terminal one.
pub(crate) fn locate<V: Space>(
    events: &[Event<'_, V>],
    g_old: &mut [f64],
    t: f64,
    t_new: f64,
    y_new: &V,
    mut interp: impl FnMut(f64, &mut V),
) -> Vec<EventHit<V>> {
    let mut hits = Vec::new();
    let mut buf: Option<V> = None;
    for (index, ev) in events.iter().enumerate() {
        let g1 = (ev.g)(t_new, y_new);
        let g0 = g_old[index];
        g_old[index] = g1;
        if !(g0.is_finite() && g1.is_finite() && crosses(ev.direction, g0, g1)) {
            continue;
        }
        let tau = if g1 == 0.0 {
            t_new
        } else {
            let buf = buf.get_or_insert_with(|| y_new.zeros_like());
            let mut g = |s: f64| {
                interp(s, buf);
                (ev.g)(s, buf)
            };
            illinois(&mut g, t, g0, t_new, g1)
        };
        let mut y = y_new.zeros_like();
        if tau == t_new {
            y.copy_from(y_new);
        } else {
            interp(tau, &mut y);
        }
        hits.push(EventHit { index, t: tau, y });
    }
    let dir = if t_new >= t { 1.0 } else { -1.0 };
    hits.sort_by(|a, b| (dir * a.t).total_cmp(&(dir * b.t)));
    if let Some(first_terminal) = hits.iter().position(|h| events[h.index].terminal) {
        hits.truncate(first_terminal + 1);
    }
    hits
}

/// A root of `g` bracketed by `(a, ga)`, `(b, gb)` with a sign change, by the
/// Illinois variant of regula falsi, to a bracket of a few ulps of `max(|a|, |b|)`.
/// Returns the end of the final bracket on the far side of the crossing, so that
/// the event state has crossed.
fn illinois(
    g: &mut impl FnMut(f64) -> f64,
    mut a: f64,
    mut ga: f64,
    mut b: f64,
    mut gb: f64,
) -> f64 {
    let tol = 4.0 * f64::EPSILON * a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
    let mut side = 0i8;
    for _ in 0..200 {
        if (b - a).abs() <= tol {
            break;
        }
        let mut c = (a * gb - b * ga) / (gb - ga);
        if !(c.is_finite()) || c == a || c == b {
            c = 0.5 * (a + b);
        }
        let gc = g(c);
        if gc == 0.0 {
            return c;
        }
        if (gc > 0.0) == (gb > 0.0) {
            b = c;
            gb = gc;
            if side == -1 {
                ga *= 0.5;
            }
            side = -1;
        } else {
            a = c;
            ga = gc;
            if side == 1 {
                gb *= 0.5;
            }
            side = 1;
        }
    }
    b
}

/// The events of a solve with their values at the last step's end and the hits
/// found so far.
pub(crate) struct EventTracker<'a, 'e, V> {
    events: &'a [Event<'e, V>],
    g_old: Vec<f64>,
    pub(crate) hits: Vec<EventHit<V>>,
}

impl<'a, 'e, V: Space> EventTracker<'a, 'e, V> {
    /// Starts tracking `events` from `(t0, y0)`.
    pub(crate) fn new(events: &'a [Event<'e, V>], t0: f64, y0: &V) -> Self {
        Self {
            events,
            g_old: events.iter().map(|e| (e.g)(t0, y0)).collect(),
            hits: Vec::new(),
        }
    }

    /// Whether there are events to locate.
    pub(crate) fn any(&self) -> bool {
        !self.events.is_empty()
    }

    /// Event location and output for one accepted step `(t, t_new]` (`span`) with
    /// dense output `dense`: hits are appended, output times recorded up to the
    /// step's end or the first terminal event, whose `(time, state)` is returned.
    pub(crate) fn handle_step<D: Fn(f64, &mut V) + Copy>(
        &mut self,
        rec: &mut crate::output::Recorder<'_, V>,
        (t, t_new): (f64, f64),
        y_old: &V,
        y_new: &V,
        dense: D,
    ) -> Option<(f64, V)> {
        let events = self.events;
        let mut terminal = None;
        if !events.is_empty() {
            let found = locate(events, &mut self.g_old, t, t_new, y_new, dense);
            if let Some(last) = found.last()
                && events[last.index].terminal
            {
                terminal = Some((last.t, last.y.clone()));
            }
            self.hits.extend(found);
        }
        let t_end = terminal.as_ref().map_or(t_new, |(te, _)| *te);
        if rec.wants_before(t_end) {
            rec.record_inside(t_end, y_old, dense);
        }
        terminal
    }
}
