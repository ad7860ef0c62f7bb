//! The simplicial mesh: vertices, cells, markers.

use crate::error::{MeshError, Result, invalid};
use crate::geometry::signed_volume;

/// A simplicial mesh of topological dimension `dim` (1: intervals, 2: triangles,
/// 3: tetrahedra) with vertices in `gdim ≥ dim` dimensions (so triangles may live in
/// 3-D), with integer markers on cells and on a set of tagged facets (Gmsh physical
/// groups).
///
/// Cells keep the vertex order they were given (their orientation). The topology
/// ([`crate::Topology`]) orients every simplex by ascending vertex id instead.
///
/// ```
/// use noether_mesh::Mesh;
/// // two triangles forming the unit square
/// let mesh = Mesh::new(2, 2, vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0], vec![0, 1, 2, 0, 2, 3]).unwrap();
/// assert_eq!(mesh.n_cells(), 2);
/// assert!(Mesh::new(2, 2, vec![0.0, 0.0, 1.0, 0.0], vec![0, 1, 2]).is_err()); // vertex 2 missing
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    dim: usize,
    gdim: usize,
    coords: Vec<f64>,
    cells: Vec<usize>,
    cell_markers: Vec<i32>,
    facets: Vec<usize>,
    facet_markers: Vec<i32>,
}

impl Mesh {
    /// A mesh from flat vertex coordinates (`gdim` per vertex) and cells (`dim + 1`
    /// vertex ids each). Fails on unsupported dimensions, ragged arrays, non-finite
    /// coordinates, out-of-range or repeated vertex ids and degenerate cells (zero
    /// volume relative to the cell's size). Cell markers start at 0; no facets are
    /// tagged.
    pub fn new(dim: usize, gdim: usize, coords: Vec<f64>, cells: Vec<usize>) -> Result<Self> {
        if !(1..=3).contains(&dim) || gdim < dim || gdim > 3 {
            return Err(MeshError::Dimension { dim, gdim });
        }
        if !coords.len().is_multiple_of(gdim) {
            return Err(MeshError::Ragged {
                what: "coordinates",
                len: coords.len(),
                per: gdim,
            });
        }
        if !cells.len().is_multiple_of(dim + 1) {
            return Err(MeshError::Ragged {
                what: "cells",
                len: cells.len(),
                per: dim + 1,
            });
        }
        if let Some(i) = coords.iter().position(|x| !x.is_finite()) {
            return Err(MeshError::NonFinite { vertex: i / gdim });
        }
        let n_vertices = coords.len() / gdim;
        check_simplices("cell", &cells, dim + 1, n_vertices)?;
        let n_cells = cells.len() / (dim + 1);
        let mesh = Self {
            dim,
            gdim,
            coords,
            cells,
            cell_markers: vec![0; n_cells],
            facets: Vec::new(),
            facet_markers: Vec::new(),
        };
        for c in 0..n_cells {
            let v = signed_volume(&mesh, c);
            if v.abs() <= 1e-13 * mesh.cell_diameter(c).powi(dim as i32) {
                return Err(MeshError::BadCell {
                    cell: c,
                    kind: "degenerate",
                    volume: v,
                });
            }
        }
        Ok(mesh)
    }

    /// A mesh from data known to be valid (built by this crate's own operations).
    pub(crate) fn new_unchecked(
        dim: usize,
        gdim: usize,
        coords: Vec<f64>,
        cells: Vec<usize>,
        cell_markers: Vec<i32>,
    ) -> Self {
        Self {
            dim,
            gdim,
            coords,
            cells,
            cell_markers,
            facets: Vec::new(),
            facet_markers: Vec::new(),
        }
    }

    /// Sets the cell markers (one per cell).
    pub fn with_cell_markers(mut self, markers: Vec<i32>) -> Result<Self> {
        if markers.len() != self.n_cells() {
            return Err(MeshError::MarkerCount {
                what: "cell markers",
                got: markers.len(),
                expected: self.n_cells(),
            });
        }
        self.cell_markers = markers;
        Ok(self)
    }

    /// Sets the tagged facets (`dim` vertex ids each) and their markers.
    pub fn with_facet_markers(mut self, facets: Vec<usize>, markers: Vec<i32>) -> Result<Self> {
        if !facets.len().is_multiple_of(self.dim) {
            return Err(MeshError::Ragged {
                what: "facets",
                len: facets.len(),
                per: self.dim,
            });
        }
        check_simplices("facet", &facets, self.dim, self.n_vertices())?;
        if markers.len() != facets.len() / self.dim {
            return Err(MeshError::MarkerCount {
                what: "facet markers",
                got: markers.len(),
                expected: facets.len() / self.dim,
            });
        }
        self.facets = facets;
        self.facet_markers = markers;
        Ok(self)
    }

    /// Replaces the vertex coordinates (same number of vertices), keeping the
    /// connectivity; for mesh movement. Fails on non-finite values and on a length
    /// mismatch (it does not check for inverted cells: see
    /// [`crate::geometry::inverted_cells`]).
    pub fn set_coords(&mut self, coords: Vec<f64>) -> Result<()> {
        if coords.len() != self.coords.len() {
            return Err(invalid(
                "coords",
                coords.len(),
                "must keep the number of vertices",
            ));
        }
        if let Some(i) = coords.iter().position(|x| !x.is_finite()) {
            return Err(MeshError::NonFinite {
                vertex: i / self.gdim,
            });
        }
        self.coords = coords;
        Ok(())
    }

    /// Topological dimension (1, 2 or 3).
    #[inline]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Geometric dimension (number of coordinates per vertex).
    #[inline]
    pub fn gdim(&self) -> usize {
        self.gdim
    }

    /// Number of vertices.
    #[inline]
    pub fn n_vertices(&self) -> usize {
        self.coords.len() / self.gdim
    }

    /// Number of cells.
    #[inline]
    pub fn n_cells(&self) -> usize {
        self.cells.len() / (self.dim + 1)
    }

    /// Coordinates of vertex `v`.
    #[inline]
    pub fn vertex(&self, v: usize) -> &[f64] {
        &self.coords[v * self.gdim..(v + 1) * self.gdim]
    }

    /// All coordinates, `gdim` per vertex.
    #[inline]
    pub fn coords(&self) -> &[f64] {
        &self.coords
    }

    /// The vertex ids of cell `c`, in its given order.
    #[inline]
    pub fn cell(&self, c: usize) -> &[usize] {
        &self.cells[c * (self.dim + 1)..(c + 1) * (self.dim + 1)]
    }

    /// All cells, `dim + 1` vertex ids each.
    #[inline]
    pub fn cells(&self) -> &[usize] {
        &self.cells
    }

    /// The cell markers (one per cell).
    pub fn cell_markers(&self) -> &[i32] {
        &self.cell_markers
    }

    /// The tagged facets, `dim` vertex ids each.
    pub fn tagged_facets(&self) -> &[usize] {
        &self.facets
    }

    /// The markers of the tagged facets.
    pub fn facet_markers(&self) -> &[i32] {
        &self.facet_markers
    }

    /// Longest edge of cell `c`.
    pub fn cell_diameter(&self, c: usize) -> f64 {
        let cell = self.cell(c);
        let mut h: f64 = 0.0;
        for (i, &a) in cell.iter().enumerate() {
            for &b in &cell[i + 1..] {
                h = h.max(dist(self.vertex(a), self.vertex(b)));
            }
        }
        h
    }
}

/// The face of the simplex `verts` opposite its `skip`-th vertex (order kept).
pub(crate) fn without(verts: &[usize], skip: usize) -> Vec<usize> {
    let mut f = verts.to_vec();
    f.remove(skip);
    f
}

/// Euclidean distance.
pub(crate) fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

fn check_simplices(
    what: &'static str,
    flat: &[usize],
    per: usize,
    n_vertices: usize,
) -> Result<()> {
    for (index, s) in flat.chunks_exact(per).enumerate() {
        for (i, &vertex) in s.iter().enumerate() {
            if vertex >= n_vertices {
                return Err(MeshError::VertexOutOfRange {
                    what,
                    index,
                    vertex,
                    n_vertices,
                });
            }
            if s[..i].contains(&vertex) {
                return Err(MeshError::RepeatedVertex {
                    what,
                    index,
                    vertex,
                });
            }
        }
    }
    Ok(())
}
