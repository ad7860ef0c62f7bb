//! A host copy of an [`Mlp`] with hand-written forward and backward passes over
//! the whole batch: the same network (same weights, same flat parameter layout as
//! [`NeuralField`](super::NeuralField)) without burn's per-operation overhead, for
//! small networks where that overhead dominates.

use std::cell::RefCell;

use noether_core::{HostSpace, ParamField, Space, VectorField};

use super::mlp::{Activation, Mlp, SELU_ALPHA, SELU_LAMBDA};
use crate::error::{Result, invalid};
use noether_core::fast_math;

/// `f_θ(t, x)` of an [`Mlp`] on host states holding `batch × dim` values row by
/// row (`Vec<f64>`, `HostBatch<f64>`), in f64. [`ParamField::params`] is the flat
/// vector of [`NeuralField::params`](super::NeuralField) for the same network
/// (per layer: the `[in, out]` weight row by row, then the bias), so gradients and
/// parameters move between the two unchanged.
#[derive(Debug)]
pub struct FusedMlp {
    /// `[dim (+ 1 with time), hidden…, dim]`.
    widths: Vec<usize>,
    activation: Activation,
    final_activation: Option<Activation>,
    time_input: bool,
    theta: Vec<f64>,
    /// Where each layer's parameters start in `theta`.
    offsets: Vec<usize>,
    scratch: RefCell<Scratch>,
}

/// Pre-activations and activations of each layer for the current batch, and the
/// backward pass's two gradient buffers.
#[derive(Debug, Default)]
struct Scratch {
    z: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    g: Vec<f64>,
    g_prev: Vec<f64>,
    d: Vec<f64>,
}

impl Activation {
    /// `out ← σ(z)` elementwise.
    fn apply_slice(self, z: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.resize(z.len(), 0.0);
        match self {
            Self::Tanh => fast_math::tanh(z, out),
            Self::Softplus => fast_math::softplus(z, out),
            Self::Silu => {
                fast_math::sigmoid(z, out);
                for (o, &v) in out.iter_mut().zip(z) {
                    *o *= v;
                }
            }
            Self::Relu => {
                for (o, &v) in out.iter_mut().zip(z) {
                    *o = v.max(0.0);
                }
            }
            Self::Selu => {
                for (o, &v) in out.iter_mut().zip(z) {
                    *o = v.min(0.0);
                }
                let neg = out.clone();
                fast_math::exp(&neg, out);
                for (o, &v) in out.iter_mut().zip(z) {
                    *o = if v > 0.0 {
                        SELU_LAMBDA * v
                    } else {
                        SELU_LAMBDA * SELU_ALPHA * (*o - 1.0)
                    };
                }
            }
        }
    }

    /// `g ← g ⊙ σ'(z)` given `z`, `a = σ(z)` and a scratch buffer.
    fn backprop_slice(self, z: &[f64], a: &[f64], g: &mut [f64], d: &mut Vec<f64>) {
        match self {
            Self::Tanh => {
                for (gi, &ai) in g.iter_mut().zip(a) {
                    *gi *= 1.0 - ai * ai;
                }
            }
            Self::Softplus => {
                d.clear();
                d.resize(z.len(), 0.0);
                fast_math::sigmoid(z, d);
                for (gi, &di) in g.iter_mut().zip(d.iter()) {
                    *gi *= di;
                }
            }
            Self::Silu => {
                d.clear();
                d.resize(z.len(), 0.0);
                fast_math::sigmoid(z, d);
                for ((gi, &si), &zi) in g.iter_mut().zip(d.iter()).zip(z) {
                    *gi *= si * (1.0 + zi * (1.0 - si));
                }
            }
            Self::Relu => {
                for (gi, &zi) in g.iter_mut().zip(z) {
                    if zi <= 0.0 {
                        *gi = 0.0;
                    }
                }
            }
            Self::Selu => {
                // σ' = λ above 0 and λα eᶻ = a + λα below.
                for ((gi, &zi), &ai) in g.iter_mut().zip(z).zip(a) {
                    *gi *= if zi > 0.0 {
                        SELU_LAMBDA
                    } else {
                        ai + SELU_LAMBDA * SELU_ALPHA
                    };
                }
            }
        }
    }
}

impl FusedMlp {
    /// The host copy of `mlp` (its current weights, in f64).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// when the network has no parameters.
    pub fn new(mlp: &Mlp) -> Result<Self> {
        let field = super::NeuralField::new(mlp.clone())?;
        let theta = field.params().to_f64_vec();
        let widths = mlp.widths();
        let offsets = widths
            .windows(2)
            .scan(0, |off, w| {
                let start = *off;
                *off += w[0] * w[1] + w[1];
                Some(start)
            })
            .collect();
        Ok(Self {
            offsets,
            widths,
            activation: mlp.activation(),
            final_activation: mlp.final_activation(),
            time_input: mlp.time_input(),
            theta,
            scratch: RefCell::new(Scratch::default()),
        })
    }

    /// A host-only network of the given widths (input first; no time column is
    /// appended: [`forward_rows`](Self::forward_rows) and
    /// [`vjp_rows`](Self::vjp_rows) take whatever input rows the caller builds),
    /// with `activation` between layers and a linear output. Weights and biases
    /// start `U(−1/√fan_in, 1/√fan_in)` (PyTorch's `nn.Linear`), drawn from
    /// [`SplitMix64`](noether_core::rng::SplitMix64) seeded with `seed`.
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// for fewer than two widths or a zero width.
    pub fn host(widths: &[usize], activation: Activation, seed: u64) -> Result<Self> {
        if widths.len() < 2 || widths.contains(&0) {
            return Err(invalid(
                "widths",
                format!("{widths:?}"),
                "need at least an input and an output width, all positive",
            ));
        }
        let mut rng = noether_core::rng::SplitMix64::new(seed);
        let mut theta = Vec::new();
        let mut offsets = Vec::new();
        for w in widths.windows(2) {
            offsets.push(theta.len());
            let bound = 1.0 / (w[0] as f64).sqrt();
            for _ in 0..w[0] * w[1] + w[1] {
                theta.push(bound * (2.0 * rng.uniform() - 1.0));
            }
        }
        Ok(Self {
            offsets,
            widths: widths.to_vec(),
            activation,
            final_activation: None,
            time_input: false,
            theta,
            scratch: RefCell::new(Scratch::default()),
        })
    }

    /// The state dimension.
    pub fn dim(&self) -> usize {
        self.widths[self.widths.len() - 1]
    }

    /// Checks that a state holds whole rows of this network's dimension (solves
    /// would otherwise stop at a length mismatch inside the field).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// naming the length.
    pub fn check_state(&self, x: &[f64]) -> Result<()> {
        if x.is_empty() || !x.len().is_multiple_of(self.dim()) {
            return Err(invalid(
                "y0",
                x.len(),
                "the state must hold batch × dim values (a multiple of the network's dim)",
            ));
        }
        Ok(())
    }

    /// Replaces the parameters (the layout of [`ParamField::params`]).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// when the length differs or a value is not finite.
    pub fn set_params(&mut self, theta: &[f64]) -> Result<()> {
        if theta.len() != self.theta.len() {
            return Err(invalid(
                "theta",
                theta.len(),
                "length differs from the parameter count",
            ));
        }
        if theta.iter().any(|v| !v.is_finite()) {
            return Err(invalid("theta", "non-finite", "parameters must be finite"));
        }
        self.theta.copy_from_slice(theta);
        Ok(())
    }

    /// The forward pass over a batch of `x.len() / dim` rows, keeping every layer's
    /// pre-activations and activations in the scratch (input first).
    fn forward(&self, t: f64, x: &[f64], s: &mut Scratch) {
        let dim = self.dim();
        s.a.resize_with(self.widths.len(), Vec::new);
        let input = &mut s.a[0];
        input.clear();
        for row in x.chunks_exact(dim) {
            input.extend_from_slice(row);
            if self.time_input {
                input.push(t);
            }
        }
        self.forward_layers(s);
    }

    /// The layers applied to the input rows in `s.a[0]`.
    fn forward_layers(&self, s: &mut Scratch) {
        let layers = self.widths.len() - 1;
        let batch = s.a[0].len() / self.widths[0];
        s.a.resize_with(layers + 1, Vec::new);
        s.z.resize_with(layers + 1, Vec::new);
        for l in 0..layers {
            let (nin, nout) = (self.widths[l], self.widths[l + 1]);
            let off = self.offsets[l];
            let w = &self.theta[off..off + nin * nout];
            let b = &self.theta[off + nin * nout..off + nin * nout + nout];
            let (done, rest) = s.a.split_at_mut(l + 1);
            let a_in = &done[l];
            let z = &mut s.z[l + 1];
            z.clear();
            z.resize(batch * nout, 0.0);
            for (zi, ai) in z.chunks_exact_mut(nout).zip(a_in.chunks_exact(nin)) {
                zi.copy_from_slice(b);
                for (aij, wj) in ai.iter().zip(w.chunks_exact(nout)) {
                    for (zk, wk) in zi.iter_mut().zip(wj) {
                        *zk += aij * wk;
                    }
                }
            }
            let act = if l + 1 < layers {
                Some(self.activation)
            } else {
                self.final_activation
            };
            let a_out = &mut rest[0];
            match act {
                Some(act) => act.apply_slice(z, a_out),
                None => {
                    a_out.clear();
                    a_out.extend_from_slice(z);
                }
            }
        }
    }

    /// Backpropagates the output cotangent in `s.g` (after a forward pass): writes
    /// the parameter gradient into `dp` and leaves `∂L/∂input` in `s.g`.
    fn backward_layers(&self, s: &mut Scratch, dp: &mut [f64]) {
        let layers = self.widths.len() - 1;
        let batch = s.a[0].len() / self.widths[0];
        for l in (0..layers).rev() {
            let (nin, nout) = (self.widths[l], self.widths[l + 1]);
            let act = if l + 1 < layers {
                Some(self.activation)
            } else {
                self.final_activation
            };
            // g ← ∂L/∂z of this layer.
            if let Some(act) = act {
                act.backprop_slice(&s.z[l + 1], &s.a[l + 1], &mut s.g, &mut s.d);
            }
            let off = self.offsets[l];
            let (dw, db) = dp[off..off + nin * nout + nout].split_at_mut(nin * nout);
            dw.iter_mut().for_each(|v| *v = 0.0);
            db.iter_mut().for_each(|v| *v = 0.0);
            let wts = &self.theta[off..off + nin * nout];
            s.g_prev.clear();
            s.g_prev.resize(batch * nin, 0.0);
            for ((gi, ai), gp) in
                s.g.chunks_exact(nout)
                    .zip(s.a[l].chunks_exact(nin))
                    .zip(s.g_prev.chunks_exact_mut(nin))
            {
                for (bk, gk) in db.iter_mut().zip(gi) {
                    *bk += gk;
                }
                for (((aj, dwj), wj), gpj) in ai
                    .iter()
                    .zip(dw.chunks_exact_mut(nout))
                    .zip(wts.chunks_exact(nout))
                    .zip(gp.iter_mut())
                {
                    let mut acc = 0.0;
                    for ((dwk, wk), gk) in dwj.iter_mut().zip(wj).zip(gi) {
                        *dwk += aj * gk;
                        acc += wk * gk;
                    }
                    *gpj = acc;
                }
            }
            std::mem::swap(&mut s.g, &mut s.g_prev);
        }
    }

    /// The network on explicit input rows (`input.len() / widths[0]` rows of
    /// `widths[0]` values each: whatever the caller feeds, e.g. `[x, t, label]` with
    /// a time per row) into `out` (rows of the output width).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// when `input` is empty or not whole rows.
    pub fn forward_rows(&self, input: &[f64], out: &mut Vec<f64>) -> Result<()> {
        self.check_rows(input)?;
        let mut s = self.scratch.borrow_mut();
        self.forward_input(input, &mut s);
        out.clear();
        out.extend_from_slice(&s.a[self.widths.len() - 1]);
        Ok(())
    }

    /// The vector–Jacobian product on explicit input rows: for the output
    /// cotangent `cot` (rows of the output width), `∂⟨cot, f(input)⟩/∂θ` into `dp`
    /// (length [`param_count`](Self::param_count)) and, if asked,
    /// `∂⟨cot, f(input)⟩/∂input` into `d_input` (rows of the input width). One
    /// forward and one backward pass.
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// for inputs that are not whole rows or lengths that do not match.
    pub fn vjp_rows(
        &self,
        input: &[f64],
        cot: &[f64],
        dp: &mut [f64],
        d_input: Option<&mut Vec<f64>>,
    ) -> Result<()> {
        self.check_outputs(input, cot, dp, "cot, dp")?;
        let mut guard = self.scratch.borrow_mut();
        let s = &mut *guard;
        self.forward_input(input, s);
        s.g.clear();
        s.g.extend_from_slice(cot);
        self.backward_layers(s, dp);
        if let Some(d) = d_input {
            d.clear();
            d.extend_from_slice(&s.g);
        }
        Ok(())
    }

    /// One least-squares regression pass on explicit input rows: the loss
    /// `mean((f(input) − target)²)` over all output entries, and its gradient in θ
    /// written into `dp`; one forward and one backward pass.
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// for inputs that are not whole rows or lengths that do not match.
    pub fn regress_rows(&self, input: &[f64], target: &[f64], dp: &mut [f64]) -> Result<f64> {
        self.check_outputs(input, target, dp, "target, dp")?;
        let mut guard = self.scratch.borrow_mut();
        let s = &mut *guard;
        self.forward_input(input, s);
        let out = &s.a[self.widths.len() - 1];
        let scale = 2.0 / target.len() as f64;
        let mut loss = 0.0;
        s.g.clear();
        for (o, y) in out.iter().zip(target) {
            let r = o - y;
            loss += r * r;
            s.g.push(scale * r);
        }
        self.backward_layers(s, dp);
        Ok(loss / target.len() as f64)
    }

    /// The number of parameters.
    pub fn param_count(&self) -> usize {
        self.theta.len()
    }

    /// The layer widths, input first.
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// The forward pass on explicit input rows (checked by the caller).
    fn forward_input(&self, input: &[f64], s: &mut Scratch) {
        s.a.resize_with(self.widths.len(), Vec::new);
        s.a[0].clear();
        s.a[0].extend_from_slice(input);
        self.forward_layers(s);
    }

    /// Checks whole input rows, one output row per input row in `out`, and one
    /// gradient entry per parameter in `dp`.
    fn check_outputs(
        &self,
        input: &[f64],
        out: &[f64],
        dp: &[f64],
        name: &'static str,
    ) -> Result<()> {
        self.check_rows(input)?;
        let batch = input.len() / self.widths[0];
        if out.len() != batch * self.dim() || dp.len() != self.theta.len() {
            return Err(invalid(
                name,
                format!("{}, {}", out.len(), dp.len()),
                "need batch × output width and one entry per parameter",
            ));
        }
        Ok(())
    }

    fn check_rows(&self, input: &[f64]) -> Result<()> {
        if input.is_empty() || !input.len().is_multiple_of(self.widths[0]) {
            return Err(invalid(
                "input",
                input.len(),
                "must hold whole rows of the network's input width",
            ));
        }
        Ok(())
    }
}

impl<V: HostSpace<Scalar = f64>> VectorField<V> for FusedMlp {
    fn eval(&self, t: f64, x: &V, out: &mut V) {
        let mut s = self.scratch.borrow_mut();
        self.forward(t, x.as_slice(), &mut s);
        out.as_mut_slice()
            .copy_from_slice(&s.a[self.widths.len() - 1]);
    }
}

impl<V: HostSpace<Scalar = f64>> ParamField<V> for FusedMlp {
    type Params = Vec<f64>;

    fn params(&self) -> &Vec<f64> {
        &self.theta
    }

    fn vjp(&self, t: f64, x: &V, w: &V, dx: &mut V, dp: &mut Vec<f64>) {
        let mut guard = self.scratch.borrow_mut();
        let s = &mut *guard;
        self.forward(t, x.as_slice(), s);
        let dim = self.dim();
        s.g.clear();
        s.g.extend_from_slice(w.as_slice());
        self.backward_layers(s, dp);
        // The input rows are [x, t]: drop the ∂/∂t column.
        let nin0 = self.widths[0];
        for (d, g) in dx
            .as_mut_slice()
            .chunks_exact_mut(dim)
            .zip(s.g.chunks_exact(nin0))
        {
            d.copy_from_slice(&g[..dim]);
        }
    }
}
