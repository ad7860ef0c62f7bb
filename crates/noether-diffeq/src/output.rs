//! Recording a solution at the times [`SaveAt`] asks for: shared by the explicit,
//! ESDIRK and BDF integrators.

use noether_core::Space;

use crate::options::SaveAt;

/// Collects `(t, y)` pairs during an integration.
pub(crate) struct Recorder<'a, V> {
    save_times: &'a [f64],
    next: usize,
    every_step: bool,
    at_end: bool,
    dir: f64,
    pub(crate) ts: Vec<f64>,
    pub(crate) ys: Vec<V>,
}

impl<'a, V: Space> Recorder<'a, V> {
    /// Starts recording; stores `(t0, y0)` where `save_at` includes it.
    pub(crate) fn new(save_at: &'a SaveAt, t0: f64, y0: &V, dir: f64) -> Self {
        let save_times: &[f64] = match save_at {
            SaveAt::Times(v) => v,
            _ => &[],
        };
        let mut rec = Self {
            save_times,
            next: 0,
            every_step: *save_at == SaveAt::Steps,
            at_end: *save_at == SaveAt::End,
            dir,
            ts: Vec::new(),
            ys: Vec::new(),
        };
        while rec.next < save_times.len() && save_times[rec.next] == t0 {
            rec.push(t0, y0.clone());
            rec.next += 1;
        }
        if rec.every_step {
            rec.push(t0, y0.clone());
        }
        rec
    }

    /// Whether an output time lies in the step ending at `t_new`.
    pub(crate) fn wants_before(&self, t_new: f64) -> bool {
        self.next < self.save_times.len() && (self.save_times[self.next] - t_new) * self.dir <= 0.0
    }

    /// Records every output time up to `t_new`, evaluating the dense output
    /// `interp(τ, out)`.
    pub(crate) fn record_inside(
        &mut self,
        t_new: f64,
        template: &V,
        mut interp: impl FnMut(f64, &mut V),
    ) {
        while self.wants_before(t_new) {
            let tau = self.save_times[self.next];
            let mut out = template.zeros_like();
            interp(tau, &mut out);
            self.push(tau, out);
            self.next += 1;
        }
    }

    /// Called after each accepted step.
    pub(crate) fn after_step(&mut self, t_new: f64, y_new: &V) {
        if self.every_step {
            self.push(t_new, y_new.clone());
        }
    }

    fn push(&mut self, t: f64, y: V) {
        self.ts.push(t);
        self.ys.push(y);
    }

    /// Ends the recording at `(t, y)`.
    pub(crate) fn finish(mut self, t: f64, y: V) -> (Vec<f64>, Vec<V>) {
        if self.at_end {
            self.push(t, y);
        }
        (self.ts, self.ys)
    }
}
