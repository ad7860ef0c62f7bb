//! The error type of noether-core.

/// Everything a caller of noether-core can get wrong, or that can go wrong in a solve.
///
/// Every variant says what was wrong and with which value, so that a message is
/// actionable without a debugger.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// Two objects that must have matching sizes do not.
    #[error("dimension mismatch in {context}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// Where the mismatch was found.
        context: &'static str,
        /// The size that was required.
        expected: usize,
        /// The size that was given.
        got: usize,
    },
    /// An input (right-hand side, initial guess, operator output) holds NaN or ±∞.
    #[error("non-finite value in {context}")]
    NonFinite {
        /// Which input or intermediate quantity was not finite.
        context: &'static str,
    },
    /// A Krylov method broke down: a quantity it divides by vanished or has the wrong
    /// sign (for CG this means the operator or the preconditioner is not SPD).
    #[error("{method} broke down at iteration {iteration}: {reason} (value {value:e})")]
    Breakdown {
        /// The solver.
        method: &'static str,
        /// Iteration at which it happened.
        iteration: usize,
        /// What went wrong, for example "p·Ap <= 0: operator not positive definite".
        reason: &'static str,
        /// The offending value.
        value: f64,
    },
    /// An iterative method ran out of iterations before reaching its tolerance.
    #[error(
        "{method} did not converge in {iterations} iterations: relative residual {residual:e} > tolerance {tolerance:e}"
    )]
    NotConverged {
        /// The solver.
        method: &'static str,
        /// Iterations performed.
        iterations: usize,
        /// Relative residual reached.
        residual: f64,
        /// Relative residual requested.
        tolerance: f64,
    },
    /// A matrix given to a factorisation or preconditioner is not usable by it.
    #[error("invalid matrix for {context}: {reason} (at index {index}, value {value:e})")]
    InvalidMatrix {
        /// The consumer, for example "IC(0)".
        context: &'static str,
        /// What is wrong, for example "non-positive pivot: matrix not SPD".
        reason: &'static str,
        /// The row or column where it was found.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// An argument or option is outside its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidArgument {
        /// Parameter name.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// An operator was asked for something it does not provide (e.g. a transpose).
    #[error("operation not supported: {0}")]
    Unsupported(&'static str),
}

/// Result alias of noether-core.
pub type Result<T> = std::result::Result<T, CoreError>;
