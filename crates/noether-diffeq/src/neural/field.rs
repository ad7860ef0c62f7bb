//! A burn network as a parameterised vector field on batch × dim tensors.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Gradients, Tensor};
use noether_core::{ParamField, VectorField};

use super::TimeModule;
use crate::error::{Result, invalid};

/// Collects the float parameters of a module in visiting order: their values (or,
/// given gradients, their gradients, zero where a parameter got none) flattened.
struct Flatten<'g> {
    grads: Option<&'g Gradients>,
    parts: Vec<Tensor<1>>,
    shapes: Vec<Vec<usize>>,
}

impl ModuleVisitor for Flatten<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        let dims = value.dims().to_vec();
        let n: usize = dims.iter().product();
        let part = match self.grads {
            None => value.without_autodiff(),
            Some(g) => value
                .grad(g)
                .unwrap_or_else(|| value.without_autodiff().zeros_like()),
        };
        self.parts.push(part.reshape([n]));
        self.shapes.push(dims);
    }
}

/// The float parameters of `module` (or their gradients in `grads`) as one flat
/// vector, and their shapes.
pub(super) fn flatten<M: Module>(
    module: &M,
    grads: Option<&Gradients>,
) -> (Tensor<1>, Vec<Vec<usize>>) {
    let mut v = Flatten {
        grads,
        parts: Vec::new(),
        shapes: Vec::new(),
    };
    module.visit(&mut v);
    (Tensor::cat(v.parts, 0), v.shapes)
}

/// Errors unless `theta` holds `n` finite values (new flat parameters).
pub(super) fn check_theta(theta: &Tensor<1>, n: usize) -> Result<()> {
    if theta.dims()[0] != n {
        return Err(invalid(
            "theta",
            theta.dims()[0],
            "length differs from the parameter count",
        ));
    }
    if !noether_core::Space::all_finite(theta) {
        return Err(invalid("theta", "non-finite", "parameters must be finite"));
    }
    Ok(())
}

/// `module` with its float parameters replaced by consecutive slices of `flat`.
pub(super) fn unflatten<M: Module>(module: M, flat: Tensor<1>) -> M {
    module.map(&mut Unflatten { flat, offset: 0 })
}

/// Writes consecutive slices of a flat vector into the float parameters, keeping
/// each parameter's id, device and gradient requirement.
struct Unflatten {
    flat: Tensor<1>,
    offset: usize,
}

impl ModuleMapper for Unflatten {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (flat, start) = (self.flat.clone(), self.offset);
        let mut n = 0;
        let param = param.map(|old| {
            let dims: [usize; D] = old.dims();
            n = dims.iter().product();
            let new = flat.slice(start..start + n).reshape(dims);
            let new = if old.is_autodiff() {
                new.autodiff()
            } else {
                new
            };
            if old.is_require_grad() {
                new.require_grad()
            } else {
                new
            }
        });
        self.offset += n;
        param
    }
}

/// A burn network `f_θ(t, x)` as a [`ParamField`] on `Tensor<2>` states of shape
/// `[batch, dim]`. States live on the plain device; the network's parameters on an
/// autodiff device (where its VJPs run). [`ParamField::params`] is the flat vector
/// of every parameter in the module's visiting order.
#[derive(Debug)]
pub struct NeuralField<M> {
    /// The network with gradients (autodiff device).
    model: M,
    /// A copy on the plain device, for forward passes without a graph.
    plain: M,
    flat: Tensor<1>,
    shapes: Vec<Vec<usize>>,
}

impl<M: TimeModule> NeuralField<M> {
    /// The field of `model`, whose parameters should live on an autodiff device
    /// (`Device::flex().autodiff()`) for [`ParamField::vjp`].
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// when the model has no float parameter.
    pub fn new(model: M) -> Result<Self> {
        let plain = model.valid();
        let (flat, shapes) = flatten(&plain, None);
        if shapes.is_empty() {
            return Err(invalid("model", "no parameters", "needs float parameters"));
        }
        Ok(Self {
            model,
            plain,
            flat,
            shapes,
        })
    }

    /// The network (with gradients).
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Consumes the field, returning the network.
    pub fn into_model(self) -> M {
        self.model
    }

    /// The state dimension.
    pub fn dim(&self) -> usize {
        self.model.dim()
    }

    /// Shapes of the parameters, in the order of the flat vector.
    pub fn param_shapes(&self) -> &[Vec<usize>] {
        &self.shapes
    }

    /// Replaces the parameters by the flat vector `theta` (the layout of
    /// [`ParamField::params`]).
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// when its length differs or it holds a non-finite value.
    pub fn set_params(&mut self, theta: &Tensor<1>) -> Result<()> {
        check_theta(theta, self.flat.dims()[0])?;
        let theta = theta.clone().without_autodiff();
        let model = unflatten(self.model.clone(), theta.clone());
        self.plain = model.valid();
        self.model = model;
        self.flat = theta;
        Ok(())
    }

    /// Checks that a state has shape `[batch, dim]` of this network.
    ///
    /// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
    /// naming the shapes.
    pub fn check_state(&self, x: &Tensor<2>) -> Result<()> {
        let [_, d] = x.dims();
        if d != self.dim() {
            return Err(invalid(
                "y0",
                format!("{:?}", x.dims()),
                "the state's second dimension must be the network's dim",
            ));
        }
        Ok(())
    }
}

impl<M: TimeModule> VectorField<Tensor<2>> for NeuralField<M> {
    fn eval(&self, t: f64, x: &Tensor<2>, out: &mut Tensor<2>) {
        *out = self.plain.forward(t, x.clone());
    }
}

impl<M: TimeModule> ParamField<Tensor<2>> for NeuralField<M> {
    type Params = Tensor<1>;

    fn params(&self) -> &Tensor<1> {
        &self.flat
    }

    fn vjp(&self, t: f64, x: &Tensor<2>, w: &Tensor<2>, dx: &mut Tensor<2>, dp: &mut Tensor<1>) {
        let xg = x.clone().without_autodiff().autodiff().require_grad();
        let out = self.model.forward(t, xg.clone());
        let grads = (out * w.clone().without_autodiff()).sum().backward();
        *dx = xg
            .grad(&grads)
            .unwrap_or_else(|| x.clone().without_autodiff().zeros_like());
        *dp = flatten(&self.model, Some(&grads)).0;
    }
}
