//! Two burn networks as a parameterised Stratonovich SDE with diagonal noise,
//! `dX = μ_θ(t, X) dt + σ_φ(t, X) ∘ dW`, on batch × dim tensors.

use burn::tensor::Tensor;
use noether_core::{NoiseShape, ParamSde, Sde, Stratonovich};

use super::TimeModule;
use super::field::{check_theta, flatten, unflatten};
use crate::error::{Result, invalid};

/// A neural SDE with diagonal noise: drift network `μ_θ(t, x)` and diffusion
/// network `σ_φ(t, x)` (both `[batch, dim] → [batch, dim]`), Stratonovich. Its
/// parameters ([`ParamSde::params`]) are the drift's flat parameters followed by the
/// diffusion's; its [`ParamSde::vjp`] runs one backward pass through both.
#[derive(Debug)]
pub struct NeuralSde<M, G> {
    drift: M,
    diffusion: G,
    plain: (M, G),
    flat: Tensor<1>,
    n_drift: usize,
}

impl<M: TimeModule, G: TimeModule> NeuralSde<M, G> {
    /// The SDE of the two networks (parameters on an autodiff device, as for
    /// [`NeuralField`](super::NeuralField)).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// when the dimensions differ or a network has no float parameter.
    pub fn new(drift: M, diffusion: G) -> Result<Self> {
        if drift.dim() != diffusion.dim() {
            return Err(invalid(
                "diffusion",
                diffusion.dim(),
                "the diffusion network's dim must equal the drift's",
            ));
        }
        let plain = (drift.valid(), diffusion.valid());
        let (fd, sd) = flatten(&plain.0, None);
        let (fs, ss) = flatten(&plain.1, None);
        if sd.is_empty() || ss.is_empty() {
            return Err(invalid("model", "no parameters", "needs float parameters"));
        }
        let n_drift = fd.dims()[0];
        Ok(Self {
            drift,
            diffusion,
            plain,
            flat: Tensor::cat(vec![fd, fs], 0),
            n_drift,
        })
    }

    /// The state dimension.
    pub fn dim(&self) -> usize {
        self.drift.dim()
    }

    /// The drift network (with gradients).
    pub fn drift_model(&self) -> &M {
        &self.drift
    }

    /// The diffusion network (with gradients).
    pub fn diffusion_model(&self) -> &G {
        &self.diffusion
    }

    /// Replaces the parameters by the flat vector `theta` (the layout of
    /// [`ParamSde::params`]).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// when its length differs or it holds a non-finite value.
    pub fn set_params(&mut self, theta: &Tensor<1>) -> Result<()> {
        let n = self.flat.dims()[0];
        check_theta(theta, n)?;
        let theta = theta.clone().without_autodiff();
        let drift = unflatten(self.drift.clone(), theta.clone().slice(0..self.n_drift));
        let diffusion = unflatten(self.diffusion.clone(), theta.clone().slice(self.n_drift..n));
        self.plain = (drift.valid(), diffusion.valid());
        self.drift = drift;
        self.diffusion = diffusion;
        self.flat = theta;
        Ok(())
    }
}

impl<M: TimeModule, G: TimeModule> Sde<Tensor<2>> for NeuralSde<M, G> {
    type Calculus = Stratonovich;

    fn noise_shape(&self) -> NoiseShape {
        NoiseShape::Diagonal
    }

    fn drift(&self, t: f64, x: &Tensor<2>, out: &mut Tensor<2>) {
        *out = self.plain.0.forward(t, x.clone());
    }

    fn diffusion_times(&self, t: f64, x: &Tensor<2>, dw: &Tensor<2>, out: &mut Tensor<2>) {
        *out = self.plain.1.forward(t, x.clone()) * dw.clone();
    }

    fn diffusion_diagonal(&self, t: f64, x: &Tensor<2>, out: &mut Tensor<2>) -> Option<()> {
        *out = self.plain.1.forward(t, x.clone());
        Some(())
    }
}

impl<M: TimeModule, G: TimeModule> ParamSde<Tensor<2>> for NeuralSde<M, G> {
    type Params = Tensor<1>;

    fn params(&self) -> &Tensor<1> {
        &self.flat
    }

    fn vjp(
        &self,
        t: f64,
        x: &Tensor<2>,
        dw: &Tensor<2>,
        w_mu: &Tensor<2>,
        w_sigma: &Tensor<2>,
        dx: &mut Tensor<2>,
        dp: &mut Tensor<1>,
    ) {
        let plain = |v: &Tensor<2>| v.clone().without_autodiff();
        let xg = plain(x).autodiff().require_grad();
        let mu = self.drift.forward(t, xg.clone());
        let sigma = self.diffusion.forward(t, xg.clone());
        let weight_sigma = plain(dw) * plain(w_sigma);
        let grads = (mu * plain(w_mu) + sigma * weight_sigma).sum().backward();
        *dx = xg.grad(&grads).unwrap_or_else(|| plain(x).zeros_like());
        *dp = Tensor::cat(
            vec![
                flatten(&self.drift, Some(&grads)).0,
                flatten(&self.diffusion, Some(&grads)).0,
            ],
            0,
        );
    }
}
