//! The error type of noether-fem.

use thiserror::Error;

/// What can go wrong in assembly and solves.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FemError {
    /// The mesh is unsuitable (wrong dimension, inverted cell, topology error).
    #[error("mesh: {0}")]
    Mesh(String),
    /// An argument is out of its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidArgument {
        /// Argument name.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What is required.
        reason: &'static str,
    },
    /// A coefficient, load or boundary value is NaN or infinite.
    #[error("non-finite {what} at {at:?}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Where it was evaluated.
        at: Vec<f64>,
    },
    /// A linear solve failed.
    #[error("solver: {0}")]
    Solver(String),
}

impl From<noether_mesh::MeshError> for FemError {
    fn from(e: noether_mesh::MeshError) -> Self {
        Self::Mesh(e.to_string())
    }
}

impl From<noether_core::CoreError> for FemError {
    fn from(e: noether_core::CoreError) -> Self {
        Self::Solver(e.to_string())
    }
}

/// Result alias of noether-fem.
pub type Result<T> = std::result::Result<T, FemError>;

/// An [`FemError::InvalidArgument`].
pub(crate) fn invalid(
    name: &'static str,
    value: impl std::fmt::Display,
    reason: &'static str,
) -> FemError {
    FemError::InvalidArgument {
        name,
        value: value.to_string(),
        reason,
    }
}
