//! Conditional flow matching and stochastic-interpolant training (feature
//! `burn`): a velocity (or denoiser) network regressed on the targets of an
//! [`Interpolant`] over minibatch pairs from a [`Coupling`], trained with
//! noether-diffeq's [`Trainer`] (Adam, schedule, EMA, seeded data generator,
//! resumable checkpoints), and sampled by integrating the learnt velocity with any
//! noether-diffeq Runge–Kutta method, fixed-step or adaptive.
//!
//! The network is a [`FusedMlp`] on the host: input rows `[x, t]`, output the
//! field at `(t, x)`.
//!
//! ```
//! use noether_flow::cfm::{FlowConfig, FlowModel, Sampler};
//! use noether_flow::data::Toy;
//! use noether_diffeq::neural::train::{TrainConfig, Trainer};
//!
//! // A few hundred OT-CFM steps from N(0, I) to the 8 Gaussians.
//! let cfg = FlowConfig::ot_cfm(0.1).hidden(&[32, 32]).batch(64).seed(1);
//! let mut model = FlowModel::new(2, cfg)?;
//! let mut trainer = Trainer::new(model.param_count(), TrainConfig::adam(1e-2).seed(2))?;
//! let mut last = f64::NAN;
//! for _ in 0..300 {
//!     last = model.train_step(&mut trainer, |n, rng| Toy::Gaussian.sample(n, rng), |n, rng| Toy::EightGaussians.sample(n, rng))?;
//! }
//! assert!(last.is_finite());
//! let x0 = Toy::Gaussian.sample(100, &mut noether_core::rng::SplitMix64::new(3));
//! let x1 = model.sample(&x0, Sampler::Euler { steps: 20 })?;
//! // The samples moved out towards the circle of radius 5.
//! let mean_r: f64 = x1.chunks(2).map(|p| (p[0] * p[0] + p[1] * p[1]).sqrt()).sum::<f64>() / 100.0;
//! assert!(mean_r > 3.0, "{mean_r}");
//! # Ok::<(), noether_flow::FlowError>(())
//! ```

use std::cell::RefCell;

use noether_core::VectorField;
use noether_core::rng::SplitMix64;
use noether_diffeq::erk::Erk;
use noether_diffeq::neural::FusedMlp;
use noether_diffeq::neural::mlp::Activation;
use noether_diffeq::neural::train::Trainer;
use noether_diffeq::tableau::{DOPRI5, EULER, RK4};
use noether_diffeq::{OdeProblem, SolveOptions, solve};

use crate::error::{FlowError, Result, invalid};
use crate::interpolant::{Interpolant, Objective};
use crate::ot::{Cloud, Coupling, pair, pair_conditional};

/// What a flow model is and how it is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowConfig {
    /// The interpolant whose targets are regressed.
    pub interpolant: Interpolant,
    /// How minibatches are paired.
    pub coupling: Coupling,
    /// What the network predicts (the velocity for sampling by ODE).
    pub objective: Objective,
    /// Minibatch size.
    pub batch: usize,
    /// Hidden widths of the MLP.
    pub hidden: Vec<usize>,
    /// Its activation.
    pub activation: Activation,
    /// Seed of the initial weights.
    pub seed: u64,
    /// Number of classes for class-conditional generation (0: unconditional).
    /// The network then reads a one-hot label after `t`; the all-zero label is
    /// "no class", used for classifier-free guidance.
    pub classes: usize,
    /// Probability of dropping a training label to "no class" (classifier-free
    /// guidance's unconditional model).
    pub label_dropout: f64,
}

impl FlowConfig {
    /// Shared defaults: velocity objective, batch 256, a 3×64 SELU MLP (the 2-D
    /// networks of torchcfm and \[SF\]²M), seed 0.
    fn with(interpolant: Interpolant, coupling: Coupling) -> Self {
        Self {
            interpolant,
            coupling,
            objective: Objective::Velocity,
            batch: 256,
            hidden: vec![64, 64, 64],
            activation: Activation::Selu,
            seed: 0,
            classes: 0,
            label_dropout: 0.0,
        }
    }

    /// I-CFM: independent pairs, linear path, constant noise σ.
    pub fn i_cfm(sigma: f64) -> Self {
        Self::with(Interpolant::cfm(sigma), Coupling::Independent)
    }

    /// OT-CFM: exact minibatch OT pairs, linear path, constant noise σ.
    pub fn ot_cfm(sigma: f64) -> Self {
        Self::with(Interpolant::cfm(sigma), Coupling::Exact)
    }

    /// SB-CFM: entropic OT pairs at ε = 2σ², the Brownian bridge of σ.
    pub fn sb_cfm(sigma: f64) -> Self {
        Self::with(
            Interpolant::bridge(sigma),
            Coupling::Entropic {
                reg: 2.0 * sigma * sigma,
            },
        )
    }

    /// A stochastic interpolant with independent pairs.
    pub fn interpolant(interpolant: Interpolant) -> Self {
        Self::with(interpolant, Coupling::Independent)
    }

    /// With these hidden widths.
    pub fn hidden(mut self, hidden: &[usize]) -> Self {
        self.hidden = hidden.to_vec();
        self
    }

    /// With this batch size.
    pub fn batch(mut self, batch: usize) -> Self {
        self.batch = batch;
        self
    }

    /// With this weight seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Class-conditional with `classes` labels, each dropped to "no class" with
    /// probability `dropout` in training (0.1–0.2 is usual for guidance).
    pub fn classes(mut self, classes: usize, dropout: f64) -> Self {
        self.classes = classes;
        self.label_dropout = dropout;
        self
    }

    /// With this activation.
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }
}

/// How [`FlowModel::sample`] integrates the learnt velocity from `t = 0` to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// Explicit Euler with this many equal steps (the \[SF\]²M protocol: 100).
    Euler {
        /// Number of steps.
        steps: usize,
    },
    /// Classical RK4 with this many equal steps.
    Rk4 {
        /// Number of steps.
        steps: usize,
    },
    /// Dormand–Prince 5(4) with error control.
    Adaptive {
        /// Relative tolerance.
        rtol: f64,
        /// Absolute tolerance.
        atol: f64,
    },
}

/// A trained (or training) flow: the network and its configuration.
#[derive(Debug)]
pub struct FlowModel {
    net: FusedMlp,
    dim: usize,
    config: FlowConfig,
    buffers: RefCell<Buffers>,
}

#[derive(Debug, Default)]
struct Buffers {
    input: Vec<f64>,
    target: Vec<f64>,
    out: Vec<f64>,
}

impl FlowModel {
    /// A fresh model of data dimension `dim`.
    ///
    /// Errors: a zero dimension or batch, or invalid widths.
    pub fn new(dim: usize, config: FlowConfig) -> Result<Self> {
        if dim == 0 {
            return Err(invalid("dim", 0, "must be at least 1"));
        }
        if config.batch == 0 {
            return Err(invalid("batch", 0, "must be at least 1"));
        }
        if !(0.0..=1.0).contains(&config.label_dropout) {
            return Err(invalid(
                "label_dropout",
                config.label_dropout,
                "must lie in [0, 1]",
            ));
        }
        let mut widths = vec![dim + 1 + config.classes];
        widths.extend_from_slice(&config.hidden);
        widths.push(dim);
        let net = FusedMlp::host(&widths, config.activation, config.seed)?;
        Ok(Self {
            net,
            dim,
            config,
            buffers: RefCell::new(Buffers::default()),
        })
    }

    /// The data dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The configuration.
    pub fn config(&self) -> &FlowConfig {
        &self.config
    }

    /// The number of network parameters.
    pub fn param_count(&self) -> usize {
        self.net.param_count()
    }

    /// The network's parameters (flat).
    pub fn params(&self) -> &[f64] {
        noether_core::ParamField::<Vec<f64>>::params(&self.net)
    }

    /// Replaces the parameters (e.g. with a trainer's EMA or a checkpoint's).
    ///
    /// Errors: a wrong length or a non-finite value.
    pub fn set_params(&mut self, theta: &[f64]) -> Result<()> {
        Ok(self.net.set_params(theta)?)
    }

    /// The regression loss on one minibatch of sources `x0` and targets `x1`
    /// (row-major, `batch × dim` each), paired by the coupling, with times and
    /// noise drawn from `rng`; and its gradient in the parameters.
    ///
    /// Errors: mismatched batches, or the coupling's errors.
    pub fn loss_and_gradient(
        &self,
        x0: &[f64],
        x1: &[f64],
        rng: &mut SplitMix64,
    ) -> Result<(f64, Vec<f64>)> {
        self.loss_and_gradient_labelled(x0, x1, None, rng)
    }

    /// [`loss_and_gradient`](Self::loss_and_gradient) with a class label per
    /// target (for a class-conditional model). Each source takes the label of the
    /// target in its batch position, and plan-based couplings pair within labels
    /// only (C2OT).
    ///
    /// Errors: labels missing or out of range for a conditional model, given to an
    /// unconditional one, or the errors of the unlabelled version.
    pub fn loss_and_gradient_labelled(
        &self,
        x0: &[f64],
        x1: &[f64],
        labels: Option<&[usize]>,
        rng: &mut SplitMix64,
    ) -> Result<(f64, Vec<f64>)> {
        let d = self.dim;
        let k = self.config.classes;
        let c0 = Cloud::new("x0", x0, d)?;
        let c1 = Cloud::new("x1", x1, d)?;
        let pairs = match (k, labels) {
            (0, None) => pair(&c0, &c1, self.config.coupling, rng)?,
            (0, Some(_)) => return Err(invalid("labels", "given", "the model is unconditional")),
            (_, None) => {
                return Err(invalid(
                    "labels",
                    "missing",
                    "the model is class-conditional",
                ));
            }
            (_, Some(l)) => {
                self.check_labels(l, c1.len())?;
                pair_conditional(&c0, l, &c1, l, self.config.coupling, rng)?
            }
        };
        let mut buf = self.buffers.borrow_mut();
        let Buffers { input, target, .. } = &mut *buf;
        input.clear();
        target.clear();
        let (mut xt, mut tg, mut z) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        for &(i, j) in &pairs {
            // Times away from the ends, where the bridge's γ′ is singular.
            let t = 1e-5 + (1.0 - 2e-5) * rng.uniform();
            z.iter_mut().for_each(|v| *v = rng.normal());
            self.config.interpolant.sample_one(
                t,
                [c0.point(i), c1.point(j), &z],
                self.config.objective,
                &mut xt,
                &mut tg,
            );
            input.extend_from_slice(&xt);
            input.push(t);
            if k > 0 {
                let keep = rng.uniform() >= self.config.label_dropout;
                let class = labels.map_or(k, |l| l[j]);
                input.extend((0..k).map(|c| if keep && c == class { 1.0 } else { 0.0 }));
            }
            target.extend_from_slice(&tg);
        }
        let mut grad = vec![0.0; self.net.param_count()];
        let loss = self.net.regress_rows(input, target, &mut grad)?;
        Ok((loss, grad))
    }

    /// One training step: draws a batch from each side with the trainer's
    /// generator (`source(n, rng)`, `target(n, rng)` return `n × dim` row-major
    /// samples), pairs it, and takes one optimiser step. Returns the loss.
    ///
    /// Errors: samplers returning the wrong size, a non-finite loss
    /// ([`DiffeqError::NonFiniteLoss`](noether_diffeq::DiffeqError::NonFiniteLoss)).
    pub fn train_step<S, T>(
        &mut self,
        trainer: &mut Trainer,
        mut source: S,
        mut target: T,
    ) -> Result<f64>
    where
        S: FnMut(usize, &mut SplitMix64) -> Vec<f64>,
        T: FnMut(usize, &mut SplitMix64) -> Vec<f64>,
    {
        let b = self.config.batch;
        let x0 = source(b, trainer.rng());
        let x1 = target(b, trainer.rng());
        self.step_on(trainer, &x0, &x1, None)
    }

    /// [`train_step`](Self::train_step) for a class-conditional model: `target`
    /// returns the samples and one label per sample.
    ///
    /// Errors: as [`train_step`](Self::train_step) and
    /// [`loss_and_gradient_labelled`](Self::loss_and_gradient_labelled).
    pub fn train_step_labelled<S, T>(
        &mut self,
        trainer: &mut Trainer,
        mut source: S,
        mut target: T,
    ) -> Result<f64>
    where
        S: FnMut(usize, &mut SplitMix64) -> Vec<f64>,
        T: FnMut(usize, &mut SplitMix64) -> (Vec<f64>, Vec<usize>),
    {
        let b = self.config.batch;
        let x0 = source(b, trainer.rng());
        let (x1, labels) = target(b, trainer.rng());
        if labels.len() != b {
            return Err(FlowError::Mismatch {
                what: "one label per target sample",
                expected: b,
                found: labels.len(),
            });
        }
        self.step_on(trainer, &x0, &x1, Some(&labels))
    }

    fn step_on(
        &mut self,
        trainer: &mut Trainer,
        x0: &[f64],
        x1: &[f64],
        labels: Option<&[usize]>,
    ) -> Result<f64> {
        let b = self.config.batch;
        for (name, x) in [("source batch", x0), ("target batch", x1)] {
            if x.len() != b * self.dim {
                return Err(FlowError::Mismatch {
                    what: name,
                    expected: b * self.dim,
                    found: x.len(),
                });
            }
        }
        let (loss, grad) = self.loss_and_gradient_labelled(x0, x1, labels, trainer.rng())?;
        let mut theta = self.params().to_vec();
        trainer.step_host(&mut theta, &grad, loss)?;
        self.net.set_params(&theta)?;
        Ok(loss)
    }

    /// `wᵀ ∂v/∂x` per row at `(t, x)` (rows of `dim`), by one backward pass.
    pub(crate) fn input_vjp(&self, t: f64, x: &[f64], w: &[f64]) -> Vec<f64> {
        let d = self.dim;
        let input: Vec<f64> = x
            .chunks_exact(d)
            .flat_map(|r| r.iter().copied().chain(std::iter::once(t)))
            .collect();
        let mut dp = vec![0.0; self.net.param_count()];
        let mut din = Vec::new();
        if self
            .net
            .vjp_rows(&input, w, &mut dp, Some(&mut din))
            .is_err()
        {
            return vec![f64::NAN; x.len()];
        }
        din.chunks_exact(d + 1)
            .flat_map(|r| r[..d].to_vec())
            .collect()
    }

    /// One label per row, each below the number of classes.
    fn check_labels(&self, labels: &[usize], rows: usize) -> Result<()> {
        if labels.len() != rows {
            return Err(FlowError::Mismatch {
                what: "one label per row",
                expected: rows,
                found: labels.len(),
            });
        }
        if let Some(bad) = labels.iter().find(|&&c| c >= self.config.classes) {
            return Err(invalid("label", bad, "must be below the number of classes"));
        }
        Ok(())
    }

    /// The learnt velocity as a field on row-major batches (`Vec<f64>` of
    /// `batch × dim`), for any noether-diffeq solver.
    pub fn velocity(&self) -> Velocity<'_> {
        Velocity {
            model: self,
            labels: None,
            guidance: 0.0,
        }
    }

    /// The class-conditional velocity with classifier-free guidance of weight
    /// `w`: `ṽ = (1 + w) v(t, x, c) − w v(t, x, ∅)` (`w = 0`: the conditional
    /// model alone), one label per row of the states it will be evaluated on
    /// (`rows`).
    ///
    /// Errors: an unconditional model, labels out of range or not one per row, or
    /// a non-finite `w`.
    pub fn guided_velocity<'m>(
        &'m self,
        labels: &'m [usize],
        rows: usize,
        w: f64,
    ) -> Result<Velocity<'m>> {
        if self.config.classes == 0 {
            return Err(invalid("labels", "given", "the model is unconditional"));
        }
        self.check_labels(labels, rows)?;
        if !w.is_finite() {
            return Err(invalid("guidance", w, "must be finite"));
        }
        Ok(Velocity {
            model: self,
            labels: Some(labels),
            guidance: w,
        })
    }

    /// Samples of the given classes (one label per row of `x0`) with classifier-free
    /// guidance of weight `w`.
    ///
    /// Errors: an unconditional model, labels out of range or not one per row, or
    /// the errors of [`sample`](Self::sample).
    pub fn sample_guided(
        &self,
        x0: &[f64],
        labels: &[usize],
        w: f64,
        sampler: Sampler,
    ) -> Result<Vec<f64>> {
        let rows = Cloud::new("x0", x0, self.dim)?.len();
        let field = self.guided_velocity(labels, rows, w)?;
        integrate(&field, x0.to_vec(), (0.0, 1.0), sampler)
    }

    /// Transports the rows of `x0` from `t = 0` to `t = 1` along the learnt
    /// velocity.
    ///
    /// Errors: `x0` not whole rows, a bad step count or tolerance, or a failed
    /// solve.
    pub fn sample(&self, x0: &[f64], sampler: Sampler) -> Result<Vec<f64>> {
        Cloud::new("x0", x0, self.dim)?;
        integrate(&self.velocity(), x0.to_vec(), (0.0, 1.0), sampler)
    }
}

/// Integrates `field` from `span.0` to `span.1` (either direction) with `sampler`
/// and returns the final state.
pub(crate) fn integrate<F: VectorField<Vec<f64>>>(
    field: &F,
    y0: Vec<f64>,
    span: (f64, f64),
    sampler: Sampler,
) -> Result<Vec<f64>> {
    let problem = OdeProblem::new(field, span, y0);
    let length = (span.1 - span.0).abs();
    let sol = match sampler {
        Sampler::Euler { steps } | Sampler::Rk4 { steps } => {
            if steps == 0 {
                return Err(invalid("steps", 0, "must be at least 1"));
            }
            let tab = if matches!(sampler, Sampler::Euler { .. }) {
                &EULER
            } else {
                &RK4
            };
            let opts = SolveOptions::default()
                .fixed(length / steps as f64)
                .max_steps(steps + 1);
            solve(&problem, Erk::new(tab), opts)?
        }
        Sampler::Adaptive { rtol, atol } => {
            let problem = problem.tolerances(rtol, atol);
            solve(&problem, Erk::new(&DOPRI5), SolveOptions::default())?
        }
    };
    sol.ys
        .into_iter()
        .last()
        .ok_or_else(|| invalid("solve", "no state", "the solver saved nothing"))
}

/// The learnt velocity `v_θ(t, x)` of a [`FlowModel`] on row-major batches.
#[derive(Debug)]
pub struct Velocity<'m> {
    model: &'m FlowModel,
    labels: Option<&'m [usize]>,
    guidance: f64,
}

impl Velocity<'_> {
    /// The network at `(t, x)` with each row's class (`None`: "no class").
    fn eval_class(&self, t: f64, x: &[f64], class: Option<&[usize]>, out: &mut [f64]) {
        let d = self.model.dim;
        let k = self.model.config.classes;
        let mut buf = self.model.buffers.borrow_mut();
        let Buffers { input, out: o, .. } = &mut *buf;
        input.clear();
        for (r, row) in x.chunks_exact(d).enumerate() {
            input.extend_from_slice(row);
            input.push(t);
            let c = class.map(|l| l[r]);
            input.extend((0..k).map(|j| if Some(j) == c { 1.0 } else { 0.0 }));
        }
        // Whole rows by construction: the solver keeps the state's length.
        if self.model.net.forward_rows(input, o).is_ok() {
            out.copy_from_slice(o);
        } else {
            out.fill(f64::NAN);
        }
    }
}

impl VectorField<Vec<f64>> for Velocity<'_> {
    fn eval(&self, t: f64, x: &Vec<f64>, out: &mut Vec<f64>) {
        self.eval_class(t, x, self.labels, out);
        if self.labels.is_some() && self.guidance != 0.0 {
            let mut uncond = vec![0.0; x.len()];
            self.eval_class(t, x, None, &mut uncond);
            let w = self.guidance;
            for (o, u) in out.iter_mut().zip(&uncond) {
                *o = (1.0 + w) * *o - w * u;
            }
        }
    }
}
