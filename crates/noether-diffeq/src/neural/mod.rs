//! Neural vector fields (feature `burn`): a burn network `f_θ(t, x)` on batch × dim
//! states ([`Tensor<2>`](burn::tensor::Tensor)) as a parameterised field
//! ([`ParamField`](noether_core::ParamField)), so that every solver of this crate
//! integrates it and [`adjoint`](crate::adjoint) differentiates through the solve.
//!
//! - [`TimeModule`]: what a network provides (`forward(t, x)`, its state dimension).
//! - [`NeuralField`]: the network as a field. Its forward passes run on the plain
//!   device (no autodiff graph); its vector–Jacobian products run one backward pass
//!   of the autodiff copy. The parameters are seen as one flat tensor, in the
//!   module's visiting order.
//! - [`NeuralSde`]: a drift and a diffusion network as a Stratonovich SDE with
//!   diagonal noise and parameter VJPs, for the SDE adjoints.
//! - [`FusedMlp`]: the same MLP on host batches with hand-written backpropagation,
//!   for small networks where burn's per-operation overhead dominates.
//! - [`mlp`]: an MLP with time input, configurable widths and activation, seeded.
//! - [`fit`]: the trajectory loss and one fitting step (solve, gradient, Adam).
//! - [`train`]: Adam, a learning-rate schedule, an EMA of the weights, a seeded
//!   data generator and atomic, exactly resumable checkpoints (safetensors).
//!
//! ```
//! use burn::tensor::{DType, Device, Tensor, TensorData};
//! use noether_core::{ParamField, Space, VectorField};
//! use noether_diffeq::neural::NeuralField;
//! use noether_diffeq::neural::mlp::MlpConfig;
//!
//! let device = Device::flex().autodiff();
//! let net = MlpConfig::new(2, &[8]).dtype(DType::F64).seed(1).init(&device)?;
//! let field = NeuralField::new(net)?;
//! let x = Tensor::<2>::from_data(TensorData::new(vec![0.5_f64, -0.5, 1.0, 0.0], [2, 2]), (&Device::flex(), DType::F64));
//! let mut dx = x.zeros_like();
//! field.eval(0.0, &x, &mut dx);
//! assert_eq!(dx.dims(), [2, 2]);
//! assert_eq!(field.params().len(), 3 * 8 + 8 + 8 * 2 + 2);
//! # Ok::<(), noether_diffeq::DiffeqError>(())
//! ```

mod field;
pub mod fit;
mod fused;
pub mod mlp;
mod sde;
pub mod train;

pub use field::NeuralField;
pub use fused::FusedMlp;
pub use sde::NeuralSde;

use burn::module::Module;
use burn::tensor::Tensor;

/// A burn network usable as a vector field: `forward(t, x)` maps a batch × dim
/// state to its time derivative (same shape).
pub trait TimeModule: Module + std::fmt::Debug {
    /// `f_θ(t, x)` for `x` of shape `[batch, dim]`.
    fn forward(&self, t: f64, x: Tensor<2>) -> Tensor<2>;
    /// The state dimension `dim`.
    fn dim(&self) -> usize;
}
