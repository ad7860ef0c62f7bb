//! A multilayer perceptron with time input, `f_θ(t, x) = MLP([x, t])`, seeded.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{DType, Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::TimeModule;
use crate::error::{Result, invalid};

/// The activation between hidden layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// `tanh` (the default: smooth, what neural-ODE papers use).
    #[default]
    Tanh,
    /// `softplus(x) = ln(1 + eˣ)`.
    Softplus,
    /// `x σ(x)` (SiLU / swish).
    Silu,
    /// `max(x, 0)` (not smooth: adaptive solvers step badly across its kinks).
    Relu,
    /// `λ x` for `x > 0`, `λα(eˣ − 1)` otherwise, with Klambauer et al.'s
    /// `α ≈ 1.6733`, `λ ≈ 1.0507` (SELU: the 2-D flow-matching networks of
    /// torchcfm).
    Selu,
}

/// SELU's `α`.
pub(super) const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
/// SELU's `λ`.
pub(super) const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;

impl Activation {
    fn apply(self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Self::Tanh => x.tanh(),
            Self::Softplus => burn::tensor::activation::softplus(x, 1.0),
            Self::Silu => burn::tensor::activation::silu(x),
            Self::Relu => burn::tensor::activation::relu(x),
            Self::Selu => {
                let neg = (x.clone().clamp_max(0.0).exp() - 1.0) * SELU_ALPHA;
                (x.clamp_min(0.0) + neg) * SELU_LAMBDA
            }
        }
    }
}

/// Widths, activation, seed and dtype of an [`Mlp`].
#[derive(Debug, Clone, PartialEq)]
pub struct MlpConfig {
    /// State dimension (input `dim + 1` with time, output `dim`).
    pub dim: usize,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Activation between layers.
    pub activation: Activation,
    /// Whether `t` is an input.
    pub time_input: bool,
    /// An activation after the last layer (`None`: linear output).
    pub final_activation: Option<Activation>,
    /// Seed of the initial weights (`U(−1/√fan_in, 1/√fan_in)`, as PyTorch and
    /// equinox initialise linear layers).
    pub seed: u64,
    /// Element type of the weights (`F32` or `F64`).
    pub dtype: DType,
}

impl MlpConfig {
    /// `dim → hidden… → dim` with time input, tanh, seed 0, f32.
    pub fn new(dim: usize, hidden: &[usize]) -> Self {
        Self {
            dim,
            hidden: hidden.to_vec(),
            activation: Activation::Tanh,
            time_input: true,
            final_activation: None,
            seed: 0,
            dtype: DType::F32,
        }
    }

    /// With this activation.
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// With (or without) time as an input.
    pub fn time_input(mut self, yes: bool) -> Self {
        self.time_input = yes;
        self
    }

    /// With this activation after the last layer (e.g. `tanh` to bound the field,
    /// as diffrax's neural-ODE benchmark does).
    pub fn final_activation(mut self, activation: Activation) -> Self {
        self.final_activation = Some(activation);
        self
    }

    /// With this seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// With this element type.
    pub fn dtype(mut self, dtype: DType) -> Self {
        self.dtype = dtype;
        self
    }

    /// The network on `device` (an autodiff device to train it).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// for a zero width or an element type other than f32/f64.
    pub fn init(&self, device: &Device) -> Result<Mlp> {
        if self.dim == 0 {
            return Err(invalid("dim", self.dim, "must be at least 1"));
        }
        if let Some(w) = self.hidden.iter().find(|&&w| w == 0) {
            return Err(invalid("hidden", w, "every width must be at least 1"));
        }
        if !matches!(self.dtype, DType::F32 | DType::F64) {
            return Err(invalid(
                "dtype",
                format!("{:?}", self.dtype),
                "must be F32 or F64",
            ));
        }
        let mut widths = vec![self.dim + usize::from(self.time_input)];
        widths.extend(&self.hidden);
        widths.push(self.dim);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let layers = widths
            .windows(2)
            .map(|w| {
                let (nin, nout) = (w[0], w[1]);
                let bound = 1.0 / (nin as f64).sqrt();
                let mut draw = |n: usize| -> Vec<f64> {
                    (0..n)
                        .map(|_| bound * (2.0 * rng.random::<f64>() - 1.0))
                        .collect()
                };
                let weight = Tensor::<2>::from_data(
                    TensorData::new(draw(nin * nout), [nin, nout]),
                    (device, self.dtype),
                );
                let bias = Tensor::<1>::from_data(
                    TensorData::new(draw(nout), [nout]),
                    (device, self.dtype),
                );
                Linear {
                    weight: Param::from_tensor(weight),
                    bias: Some(Param::from_tensor(bias)),
                }
            })
            .collect();
        Ok(Mlp {
            layers,
            activation: self.activation,
            final_activation: self.final_activation,
            time_input: self.time_input,
            dim: self.dim,
        })
    }
}

/// `MLP([x, t])`: linear layers with an activation between them (and optionally
/// one after the last), on batch × dim states.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    final_activation: Option<Activation>,
    #[module(skip)]
    time_input: bool,
    #[module(skip)]
    dim: usize,
}

impl Mlp {
    /// Layer widths `[input, hidden…, dim]` (the input includes `t` when it is an
    /// input).
    pub fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.layers.iter().map(|l| l.weight.dims()[0]).collect();
        w.push(self.dim);
        w
    }

    /// The activation between layers.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The activation after the last layer, if any.
    pub fn final_activation(&self) -> Option<Activation> {
        self.final_activation
    }

    /// Whether `t` is an input.
    pub fn time_input(&self) -> bool {
        self.time_input
    }
}

impl TimeModule for Mlp {
    fn forward(&self, t: f64, x: Tensor<2>) -> Tensor<2> {
        let mut h = if self.time_input {
            let [b, _] = x.dims();
            let tt = Tensor::<2>::full([b, 1], t, (&x.device(), x.dtype()));
            Tensor::cat(vec![x, tt], 1)
        } else {
            x
        };
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i < last {
                h = self.activation.apply(h);
            }
        }
        match self.final_activation {
            Some(act) => act.apply(h),
            None => h,
        }
    }

    fn dim(&self) -> usize {
        self.dim
    }
}
