//! The error type of noether-mesh.

use thiserror::Error;

/// What can be wrong with a mesh or a mesh operation's input.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum MeshError {
    /// The topological or geometric dimension is not supported.
    #[error(
        "unsupported dimensions: topological {dim}, geometric {gdim} (need 1 ≤ dim ≤ gdim ≤ 3)"
    )]
    Dimension {
        /// Topological dimension asked for.
        dim: usize,
        /// Geometric dimension asked for.
        gdim: usize,
    },
    /// A flat array's length is not a multiple of its record size.
    #[error("{what}: length {len} is not a multiple of {per}")]
    Ragged {
        /// Which array.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The record size it must be a multiple of.
        per: usize,
    },
    /// A vertex coordinate is NaN or infinite.
    #[error("vertex {vertex} has a non-finite coordinate")]
    NonFinite {
        /// The vertex.
        vertex: usize,
    },
    /// A cell or facet refers to a vertex that does not exist.
    #[error("{what} {index} refers to vertex {vertex}, but the mesh has {n_vertices} vertices")]
    VertexOutOfRange {
        /// "cell" or "facet".
        what: &'static str,
        /// The cell or facet.
        index: usize,
        /// The vertex id it holds.
        vertex: usize,
        /// Number of vertices.
        n_vertices: usize,
    },
    /// A cell or facet repeats a vertex.
    #[error("{what} {index} repeats vertex {vertex}")]
    RepeatedVertex {
        /// "cell" or "facet".
        what: &'static str,
        /// The cell or facet.
        index: usize,
        /// The repeated vertex.
        vertex: usize,
    },
    /// A cell has zero (or, where orientation matters, negative) volume.
    #[error("cell {cell} is {kind} (signed volume {volume:e})")]
    BadCell {
        /// The cell.
        cell: usize,
        /// "degenerate" or "inverted".
        kind: &'static str,
        /// Its signed volume.
        volume: f64,
    },
    /// Markers do not match the entities they mark.
    #[error("{what}: {got} markers for {expected} entities")]
    MarkerCount {
        /// Cell or facet markers.
        what: &'static str,
        /// Number of markers given.
        got: usize,
        /// Number of entities.
        expected: usize,
    },
    /// A facet is shared by more than two cells (the mesh is not a manifold).
    #[error("facet {facet:?} is shared by {count} cells")]
    NonManifold {
        /// The facet's vertices (ascending).
        facet: Vec<usize>,
        /// How many cells share it.
        count: usize,
    },
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
    /// A mesh file could not be parsed.
    #[error("{format} parse error in section {section}, line {line}: {message}")]
    Parse {
        /// File format ("MSH 4.1", ...).
        format: &'static str,
        /// Section of the file (`$Nodes`, ...).
        section: String,
        /// 1-based line number (for binary data, of the section start).
        line: usize,
        /// What was wrong.
        message: String,
    },
    /// A nonlinear solve inside a mesh operation failed (the message says which).
    #[error("solver failed: {0}")]
    Solver(String),
    /// A Krylov solver or operator of noether-core failed inside a mesh operation
    /// (match the [`CoreError`](noether_core::CoreError), e.g. `NotConverged`).
    #[error(transparent)]
    Core(#[from] noether_core::CoreError),
    /// Reading or writing a file failed.
    #[error("I/O error: {0}")]
    Io(String),
}

impl From<std::io::Error> for MeshError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}

/// Result alias of noether-mesh.
pub type Result<T> = std::result::Result<T, MeshError>;

/// An [`MeshError::InvalidArgument`].
pub(crate) fn invalid(
    name: &'static str,
    value: impl std::fmt::Display,
    reason: &'static str,
) -> MeshError {
    MeshError::InvalidArgument {
        name,
        value: value.to_string(),
        reason,
    }
}
