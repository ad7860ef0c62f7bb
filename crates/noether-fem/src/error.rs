//! The error type of noether-fem.

use thiserror::Error;

/// What can go wrong in assembly and solves.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum FemError {
    /// The mesh is unsuitable for this space or form (a degenerate cell, moved
    /// coordinates); the message says what.
    #[error("mesh: {0}")]
    Mesh(String),
    /// An error of noether-mesh (topology, geometry, I/O), kept typed.
    #[error(transparent)]
    MeshError(#[from] noether_mesh::MeshError),
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
    /// A solve failed for a reason of its own (an eigen-iteration that did not
    /// converge, a singular dual matrix); the message says which.
    #[error("solver: {0}")]
    Solver(String),
    /// A Krylov solver or operator of noether-core failed: match the
    /// [`CoreError`](noether_core::CoreError) (`NotConverged`, `Breakdown`,
    /// `NonFinite`, ...).
    #[error(transparent)]
    Core(#[from] noether_core::CoreError),
    /// Building a sparse matrix failed (an index out of bounds, or faer ran out of
    /// memory or index range).
    #[error("{context}: sparse matrix construction failed: {error}")]
    Sparse {
        /// What was being built.
        context: &'static str,
        /// faer's error.
        error: faer::sparse::CreationError,
    },
    /// A sparse factorisation failed.
    #[error("{context}: {failure}")]
    Factorization {
        /// Which factorisation ("Cholesky", "LU").
        context: &'static str,
        /// Why.
        failure: Factorization,
    },
}

/// Why a sparse factorisation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Factorization {
    /// Cholesky met a non-positive pivot: the matrix is not symmetric positive
    /// definite.
    #[error("matrix not symmetric positive definite")]
    NotPositiveDefinite,
    /// LU found no pivot at this elimination step: the sparsity pattern is
    /// structurally singular.
    #[error("structurally singular at elimination step {index}")]
    StructurallySingular {
        /// The step without a pivot.
        index: usize,
    },
    /// faer ran out of memory or index range.
    #[error("faer: {0}")]
    Resources(faer::sparse::FaerError),
}

impl From<faer::sparse::linalg::LltError> for Factorization {
    fn from(e: faer::sparse::linalg::LltError) -> Self {
        match e {
            faer::sparse::linalg::LltError::Numeric(_) => Self::NotPositiveDefinite,
            faer::sparse::linalg::LltError::Generic(g) => Self::Resources(g),
        }
    }
}

impl From<faer::sparse::linalg::LuError> for Factorization {
    fn from(e: faer::sparse::linalg::LuError) -> Self {
        match e {
            faer::sparse::linalg::LuError::SymbolicSingular { index } => {
                Self::StructurallySingular { index }
            }
            faer::sparse::linalg::LuError::Generic(g) => Self::Resources(g),
        }
    }
}

/// A [`FemError::Sparse`] for `context`.
pub(crate) fn sparse(context: &'static str) -> impl Fn(faer::sparse::CreationError) -> FemError {
    move |error| FemError::Sparse { context, error }
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
