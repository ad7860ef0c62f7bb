//! The error type of noether-diffeq.

use noether_core::CoreError;

/// What can go wrong in an integration; each variant carries the time `t` and the
/// step size `h` at which it happened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DiffeqError {
    /// The step budget was exhausted before reaching the end of the interval.
    #[error("maximum number of steps ({max_steps}) reached at t = {t}, h = {h:e}")]
    MaxSteps {
        /// The budget.
        max_steps: usize,
        /// Time reached.
        t: f64,
        /// Last step size tried.
        h: f64,
    },
    /// The controller asked for a step smaller than `dt_min` (or below the
    /// resolution of `t`): the problem is probably stiff or singular here.
    #[error("step size underflow at t = {t}: h = {h:e} < {h_min:e}")]
    StepSizeUnderflow {
        /// Time reached.
        t: f64,
        /// Step size requested.
        h: f64,
        /// The smallest admissible step.
        h_min: f64,
    },
    /// The state or the vector field became NaN or infinite and step rejection could
    /// not recover.
    #[error("non-finite state or vector field at t = {t}, h = {h:e}")]
    NonFinite {
        /// Time reached.
        t: f64,
        /// Step size.
        h: f64,
    },
    /// The nonlinear iteration of an implicit step did not converge.
    #[error("implicit step did not converge at t = {t}, h = {h:e} after {iterations} iterations")]
    ImplicitSolve {
        /// Time of the step.
        t: f64,
        /// Step size.
        h: f64,
        /// Iterations made.
        iterations: usize,
    },
    /// The Newton matrix `I − c·J` is singular (a zero or non-finite pivot, or a
    /// non-finite solution); integrators treat it as a failed Newton iteration and
    /// shrink the step.
    #[error("Newton matrix I - c*J is singular (c = {shift:e})")]
    SingularNewtonMatrix {
        /// The shift `c`.
        shift: f64,
    },
    /// An argument or option is outside its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidArgument {
        /// Option name.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// Training met a non-finite loss or gradient (stopped before it reached the
    /// weights).
    #[error("non-finite loss or gradient at training step {step} (loss {loss})")]
    NonFiniteLoss {
        /// Optimiser steps taken before.
        step: u64,
        /// The loss reported.
        loss: f64,
    },
    /// A training checkpoint could not be written or read, or does not fit the
    /// model.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// An error from noether-core (dimension mismatch, linear solver failure, ...).
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// Result alias of noether-diffeq.
pub type Result<T> = std::result::Result<T, DiffeqError>;

pub(crate) fn invalid(
    name: &'static str,
    value: impl ToString,
    reason: &'static str,
) -> DiffeqError {
    DiffeqError::InvalidArgument {
        name,
        value: value.to_string(),
        reason,
    }
}
