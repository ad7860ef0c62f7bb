//! The error type of noether-flow.

use noether_diffeq::DiffeqError;

/// What can go wrong in optimal transport, training or sampling.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// A point cloud or weight vector has no entries.
    #[error("{which} is empty")]
    Empty {
        /// Which input.
        which: &'static str,
    },
    /// Two inputs that must agree in size do not.
    #[error("{what}: expected {expected}, found {found}")]
    Mismatch {
        /// What was compared.
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// A weight is negative or not finite, or the weights do not sum to a positive
    /// finite mass.
    #[error("{which}[{index}] = {value}: {reason}")]
    InvalidWeight {
        /// Which weight vector.
        which: &'static str,
        /// The offending entry (the length for a bad total).
        index: usize,
        /// Its value (the total for a bad total).
        value: f64,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// A point coordinate or a cost entry is not finite.
    #[error("{which} has a non-finite entry at index {index}")]
    NonFinite {
        /// Which input.
        which: &'static str,
        /// The flat index of the entry.
        index: usize,
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
    /// Sinkhorn's iterates became non-finite.
    #[error(
        "Sinkhorn diverged at iteration {iteration} (reg = {reg:e}): marginal error {marginal_error:e}"
    )]
    SinkhornDiverged {
        /// The iteration at which it was detected.
        iteration: usize,
        /// The regularisation in use then.
        reg: f64,
        /// The last finite marginal error (L1), or NaN.
        marginal_error: f64,
    },
    /// Sinkhorn ran out of iterations before the marginal error fell below the
    /// threshold.
    #[error(
        "Sinkhorn did not converge in {iterations} iterations: marginal error {marginal_error:e} > {tol:e}"
    )]
    SinkhornNotConverged {
        /// Iterations made.
        iterations: usize,
        /// The marginal error (L1) reached.
        marginal_error: f64,
        /// The threshold asked for.
        tol: f64,
    },
    /// The network simplex hit its pivot limit before optimality.
    #[error("network simplex stopped after {pivots} pivots without reaching optimality")]
    SimplexPivotLimit {
        /// Pivots made.
        pivots: usize,
    },
    /// An error from the integrators or the training workflow of noether-diffeq
    /// (a failed solve, a non-finite loss, a corrupt checkpoint).
    #[error(transparent)]
    Diffeq(#[from] DiffeqError),
}

/// Result alias of noether-flow.
pub type Result<T> = std::result::Result<T, FlowError>;

/// An [`FlowError::InvalidArgument`].
pub(crate) fn invalid(
    name: &'static str,
    value: impl std::fmt::Display,
    reason: &'static str,
) -> FlowError {
    FlowError::InvalidArgument {
        name,
        value: value.to_string(),
        reason,
    }
}
