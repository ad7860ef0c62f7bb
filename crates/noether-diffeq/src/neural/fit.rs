//! Fitting a neural ODE to trajectories: the mean-squared trajectory loss and one
//! training step (forward solve, gradient through the solve, Adam step).

use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use noether_core::{ParamField, Space, VectorField};

use super::{NeuralField, TimeModule};
use crate::adjoint::{Adjoint, AdjointStats, Tape};
use crate::erk::Erk;
use crate::error::{Result, invalid};
use crate::integrator::solve;
use crate::options::{SaveAt, SolveOptions, SolveStats};
use crate::problem::OdeProblem;
use crate::tableau::{ButcherTableau, TSIT5};

use super::train::Trainer;

/// `L = mean over entries of ½(y(tᵢ) − dataᵢ)²` summed over the save times (the
/// mean is over batch × dim, the sum over times) and its cotangents `∂L/∂y(tᵢ)`.
///
/// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
/// when the counts or shapes differ.
pub fn mse(ys: &[Tensor<2>], targets: &[Tensor<2>]) -> Result<(f64, Vec<Tensor<2>>)> {
    if ys.len() != targets.len() {
        return Err(invalid("targets", targets.len(), "need one per save time"));
    }
    let mut loss = 0.0;
    let mut cot = Vec::with_capacity(ys.len());
    for (y, g) in ys.iter().zip(targets) {
        if y.dims() != g.dims() {
            return Err(invalid(
                "targets",
                format!("{:?}", g.dims()),
                "shape differs from the solution's",
            ));
        }
        let scale = 1.0 / y.len() as f64;
        let d = y.clone() - g.clone();
        loss += 0.5 * scale * d.dot(&d);
        cot.push(d.mul_scalar(scale));
    }
    Ok((loss, cot))
}

/// Training data from a known host field `f`: the solutions from each initial state
/// in `y0s` (all of one dimension), observed at `times` (Tsit5 at `rtol = atol`),
/// batched as `[n, dim]` tensors on `device` in `dtype`; returns the initial states
/// and one tensor per time.
///
/// Errors: [`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)
/// for no initial state or mixed dimensions; whatever a solve returns.
pub fn observe<F: VectorField<Vec<f64>>>(
    f: &F,
    y0s: &[Vec<f64>],
    times: &[f64],
    rtol: f64,
    (device, dtype): (&Device, DType),
) -> Result<(Tensor<2>, Vec<Tensor<2>>)> {
    let dim = y0s
        .first()
        .map(Vec::len)
        .ok_or_else(|| invalid("y0s", "[]", "need at least one initial state"))?;
    if let Some(bad) = y0s.iter().find(|y| y.len() != dim) {
        return Err(invalid(
            "y0s",
            bad.len(),
            "every initial state must have the first one's dimension",
        ));
    }
    let t1 = times.last().copied().unwrap_or(0.0);
    let mut ys = vec![Vec::with_capacity(y0s.len() * dim); times.len()];
    for y0 in y0s {
        let p = OdeProblem::new(f, (0.0, t1), y0.clone()).tolerances(rtol, rtol);
        let opts = SolveOptions::default()
            .save_at(SaveAt::Times(times.to_vec()))
            .max_steps(10_000_000);
        let sol = solve(&p, Erk::new(&TSIT5), opts)?;
        for (k, y) in sol.ys.iter().enumerate() {
            ys[k].extend_from_slice(y);
        }
    }
    let n = y0s.len();
    let tensor =
        |v: Vec<f64>| Tensor::<2>::from_data(TensorData::new(v, [n, dim]), (device, dtype));
    Ok((tensor(y0s.concat()), ys.into_iter().map(tensor).collect()))
}

/// The rows `idx` of a batch (a minibatch of a data set held as one tensor).
pub fn rows(x: &Tensor<2>, idx: &[usize]) -> Tensor<2> {
    let ids: Vec<i64> = idx.iter().map(|&i| i as i64).collect();
    let ids = Tensor::<1, Int>::from_data(TensorData::new(ids, [idx.len()]), &x.device());
    x.clone().select(0, ids)
}

/// How a fitting step solves and differentiates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitSolver {
    /// The explicit method (e.g. [`DOPRI5`](crate::tableau::DOPRI5)).
    pub tableau: &'static ButcherTableau,
    /// Relative tolerance of the forward solve.
    pub rtol: f64,
    /// Absolute tolerance of the forward solve.
    pub atol: f64,
    /// How the gradient flows through the solve.
    pub adjoint: Adjoint,
}

impl FitSolver {
    /// `tableau` at `rtol = atol = tol`, with the checkpointed adjoint.
    pub fn new(tableau: &'static ButcherTableau, tol: f64) -> Self {
        Self {
            tableau,
            rtol: tol,
            atol: tol,
            adjoint: Adjoint::Checkpointed,
        }
    }

    /// With this adjoint.
    pub fn adjoint(mut self, adjoint: Adjoint) -> Self {
        self.adjoint = adjoint;
        self
    }
}

/// What one fitting step did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitStep {
    /// The loss before the update.
    pub loss: f64,
    /// The forward solve's counters.
    pub forward: SolveStats,
    /// The backward pass's counters.
    pub backward: AdjointStats,
}

/// The [`mse`] loss of `field` from `y0` (at `t = 0`) against `targets` at
/// `times`, without gradients (a held-out evaluation).
///
/// Errors: as [`fit_step`]'s forward solve and loss.
pub fn evaluate<M: TimeModule>(
    field: &NeuralField<M>,
    y0: Tensor<2>,
    times: &[f64],
    targets: &[Tensor<2>],
    solver: FitSolver,
) -> Result<f64> {
    field.check_state(&y0)?;
    let problem = OdeProblem::new(field, (0.0, times.last().copied().unwrap_or(0.0)), y0)
        .tolerances(solver.rtol, solver.atol);
    // the backsolve tape keeps no snapshots: a plain forward solve
    let forward_only = Adjoint::Backsolve {
        rtol: solver.rtol,
        atol: solver.atol,
    };
    let tape = Tape::record(
        &problem,
        solver.tableau,
        &SolveOptions::default(),
        times,
        forward_only,
    )?;
    Ok(mse(tape.ys(), targets)?.0)
}

/// One training step of `field` on trajectories from `y0` (`[batch, dim]`, at
/// `t = 0`) observed
/// as `targets` at `times`: solve, [`mse`] loss, gradient through the solve, and
/// `trainer`'s Adam step written back into the field.
///
/// Errors: a bad state shape, targets or times
/// ([`DiffeqError::InvalidArgument`](crate::DiffeqError::InvalidArgument)); a
/// failed forward solve (with `t` and `h`); a non-finite loss
/// ([`DiffeqError::NonFiniteLoss`](crate::DiffeqError::NonFiniteLoss)).
pub fn fit_step<M: TimeModule>(
    field: &mut NeuralField<M>,
    trainer: &mut Trainer,
    y0: Tensor<2>,
    times: &[f64],
    targets: &[Tensor<2>],
    solver: FitSolver,
) -> Result<FitStep> {
    field.check_state(&y0)?;
    let (theta, grad, step) = {
        let problem = OdeProblem::new(&*field, (0.0, times.last().copied().unwrap_or(0.0)), y0)
            .tolerances(solver.rtol, solver.atol);
        let tape = Tape::record(
            &problem,
            solver.tableau,
            &SolveOptions::default(),
            times,
            solver.adjoint,
        )?;
        let (loss, cot) = mse(tape.ys(), targets)?;
        if !loss.is_finite() {
            return Err(crate::DiffeqError::NonFiniteLoss {
                step: trainer.steps(),
                loss,
            });
        }
        let g = tape.vjp(&cot)?;
        (
            field.params().clone(),
            g.params,
            FitStep {
                loss,
                forward: tape.stats(),
                backward: g.stats,
            },
        )
    };
    let new = trainer.step(&theta, &grad, step.loss)?;
    field.set_params(&new)?;
    Ok(step)
}
