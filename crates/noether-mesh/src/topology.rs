//! Topology of a simplicial mesh: every k-simplex (vertices, edges, faces, cells),
//! the incidences between them, the signed incidence (coboundary) matrices
//! `d₀, d₁, d₂`, boundary facets, Euler characteristic and Betti numbers.
//!
//! Every simplex is oriented by ascending vertex id and numbered in lexicographic
//! order of its sorted vertices; cells keep their mesh numbering.

use faer::sparse::{SparseRowMat, SymbolicSparseRowMat};
use rayon::prelude::*;

use crate::error::{MeshError, Result};
use crate::mesh::{Mesh, without};

/// The local k-faces of a d-simplex: the (k+1)-subsets of `{0, …, d}` in
/// lexicographic order. This is the local numbering of [`Topology::cell_entities`]
/// (positions in the cell's ascending vertex list).
///
/// ```
/// use noether_mesh::topology::local_faces;
/// assert_eq!(local_faces(2, 1), vec![vec![0, 1], vec![0, 2], vec![1, 2]]);
/// ```
pub fn local_faces(d: usize, k: usize) -> Vec<Vec<usize>> {
    fn rec(start: usize, d: usize, left: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if left == 0 {
            out.push(cur.clone());
            return;
        }
        for i in start..=d {
            if d + 1 - i < left {
                break;
            }
            cur.push(i);
            rec(i + 1, d, left - 1, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    rec(0, d, k + 1, &mut Vec::new(), &mut out);
    out
}

/// Position of `subset` in `local_faces(d, subset.len() − 1)`.
fn local_index(d: usize, subset: &[usize]) -> usize {
    local_faces(d, subset.len() - 1)
        .iter()
        .position(|s| s == subset)
        .unwrap_or(usize::MAX)
}

/// All simplices of a mesh and their incidences.
///
/// ```
/// use noether_mesh::{generate, Topology};
/// let mesh = generate::unit_square(4, 4, generate::Diagonal::Right).unwrap();
/// let topo = Topology::new(&mesh).unwrap();
/// assert_eq!(topo.count(0), 25);
/// assert_eq!(topo.euler_characteristic(), 1);
/// // d₁·d₀ = 0
/// let d0 = topo.incidence(0).unwrap();
/// let d1 = topo.incidence(1).unwrap();
/// let prod = &d1 * &d0;
/// assert!(prod.val().iter().all(|&v| v == 0.0));
/// ```
#[derive(Debug, Clone)]
pub struct Topology {
    dim: usize,
    n_vertices: usize,
    /// `simplices[k]`: the k-simplices, `k + 1` ascending vertex ids each (k ≥ 1).
    simplices: Vec<Vec<usize>>,
    /// `cell_entities[k]`: per cell, the ids of its k-faces in local lexicographic
    /// order (C(d+1, k+1) per cell; k ≥ 1).
    cell_entities: Vec<Vec<usize>>,
    /// `faces[k]`: per k-simplex, its k+1 (k−1)-faces, the i-th omitting vertex i.
    faces: Vec<Vec<usize>>,
    /// Number of cells sharing each facet.
    facet_cells: Vec<u8>,
}

impl Topology {
    /// Builds the topology. Fails when two cells have the same vertices or a facet is
    /// shared by more than two cells.
    pub fn new(mesh: &Mesh) -> Result<Self> {
        let d = mesh.dim();
        let n_cells = mesh.n_cells();
        let sorted: Vec<usize> = mesh
            .cells()
            .par_chunks(d + 1)
            .flat_map_iter(|c| {
                let mut s = c.to_vec();
                s.sort_unstable();
                s
            })
            .collect();
        let n_vertices = mesh.n_vertices();
        let mut simplices = vec![Vec::new(); d + 1];
        let mut cell_entities = vec![Vec::new(); d + 1];
        for k in 1..d {
            let (s, ce) = enumerate(&sorted, d, k, n_vertices);
            simplices[k] = s;
            cell_entities[k] = ce;
        }
        // cells are the d-simplices, in mesh order
        simplices[d] = sorted.clone();
        cell_entities[d] = (0..n_cells).collect();
        check_duplicate_cells(&sorted, d)?;
        // faces of each k-simplex via one cell containing it
        let faces: Vec<Vec<usize>> = (0..=d)
            .map(|k| {
                if k == 0 {
                    Vec::new()
                } else {
                    face_map(&simplices, &cell_entities, &sorted, d, k)
                }
            })
            .collect();
        // facet multiplicities
        let n_facets = if d == 1 {
            n_vertices
        } else {
            simplices[d - 1].len() / d
        };
        let mut facet_cells = vec![0u8; n_facets];
        for &f in &faces[d] {
            facet_cells[f] = facet_cells[f].saturating_add(1);
        }
        if let Some(f) = facet_cells.iter().position(|&m| m > 2) {
            let facet = if d == 1 {
                vec![f]
            } else {
                simplices[d - 1][f * d..(f + 1) * d].to_vec()
            };
            return Err(MeshError::NonManifold {
                facet,
                count: facet_cells[f] as usize,
            });
        }
        Ok(Self {
            dim: d,
            n_vertices,
            simplices,
            cell_entities,
            faces,
            facet_cells,
        })
    }

    /// Topological dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of k-simplices (k = 0: vertices, …, k = dim: cells).
    pub fn count(&self, k: usize) -> usize {
        if k == 0 {
            self.n_vertices
        } else {
            self.simplices[k].len() / (k + 1)
        }
    }

    /// The ascending vertex ids of k-simplex `i` (k ≥ 1).
    pub fn simplex(&self, k: usize, i: usize) -> &[usize] {
        &self.simplices[k][i * (k + 1)..(i + 1) * (k + 1)]
    }

    /// Id of the k-simplex with the ascending vertices `verts` (binary search in the
    /// lexicographic numbering), or `None` when the mesh has no such simplex.
    pub fn find(&self, k: usize, verts: &[usize]) -> Option<usize> {
        if k == 0 {
            return verts.first().copied().filter(|&v| v < self.n_vertices);
        }
        let (mut lo, mut hi) = (0, self.count(k));
        while lo < hi {
            let m = (lo + hi) / 2;
            if self.simplex(k, m) < verts {
                lo = m + 1;
            } else {
                hi = m;
            }
        }
        (lo < self.count(k) && self.simplex(k, lo) == verts).then_some(lo)
    }

    /// Ids of the k-faces of cell `c` (k ≥ 1), in lexicographic order of their local
    /// vertex positions in the sorted cell.
    pub fn cell_entities(&self, k: usize, c: usize) -> &[usize] {
        let per = binom(self.dim + 1, k + 1);
        &self.cell_entities[k][c * per..(c + 1) * per]
    }

    /// The (k−1)-faces of k-simplex `i` (k ≥ 1); the j-th omits the j-th vertex and
    /// carries the sign (−1)ʲ in the boundary.
    pub fn faces(&self, k: usize, i: usize) -> &[usize] {
        &self.faces[k][i * (k + 1)..(i + 1) * (k + 1)]
    }

    /// The upward incidence of k-simplices (k < dim): for each k-simplex, the
    /// (k+1)-simplices that contain it, as CSR-style `(offsets, ids)` with the ids of
    /// simplex `i` in `ids[offsets[i]..offsets[i + 1]]`, ascending. With the
    /// downward maps ([`Self::faces`], [`Self::cell_entities`]) and compositions of
    /// these, every incidence relation (vertex → cells, edge → faces, facet → cells,
    /// …) is available. Fails with [`MeshError::InvalidArgument`] unless `k < dim`.
    pub fn cofaces(&self, k: usize) -> Result<(Vec<usize>, Vec<usize>)> {
        if k >= self.dim {
            return Err(crate::error::invalid("k", k, "cofaces need k < dim"));
        }
        Ok(invert(self.count(k), k + 2, &self.faces[k + 1]))
    }

    /// The cells containing each vertex, as `(offsets, ids)` (see [`Self::cofaces`]).
    pub fn vertex_cells(&self) -> (Vec<usize>, Vec<usize>) {
        invert(self.n_vertices, self.dim + 1, &self.simplices[self.dim])
    }

    /// The signed incidence matrix `d_k` (coboundary on k-cochains): rows are the
    /// (k+1)-simplices, columns the k-simplices, entry (−1)ʲ where the column is
    /// the face omitting vertex j. `d₀` is the discrete gradient, `d₁` the curl (3-D)
    /// or rot (2-D), `d₂` the divergence (3-D). `d_{k+1} d_k = 0` exactly.
    /// Fails with [`MeshError::InvalidArgument`] unless `k < dim`.
    pub fn incidence(&self, k: usize) -> Result<SparseRowMat<usize, f64>> {
        if k >= self.dim {
            return Err(crate::error::invalid("k", k, "d_k needs k < dim"));
        }
        let rows = self.count(k + 1);
        let per = k + 2;
        let faces = &self.faces[k + 1];
        let mut row_ptr = Vec::with_capacity(rows + 1);
        let mut col_idx = Vec::with_capacity(rows * per);
        let mut vals = Vec::with_capacity(rows * per);
        row_ptr.push(0);
        let mut entries: Vec<(usize, f64)> = Vec::with_capacity(per);
        for r in 0..rows {
            entries.clear();
            for (j, &f) in faces[r * per..(r + 1) * per].iter().enumerate() {
                entries.push((f, if j % 2 == 0 { 1.0 } else { -1.0 }));
            }
            entries.sort_unstable_by_key(|e| e.0);
            for &(c, v) in &entries {
                col_idx.push(c);
                vals.push(v);
            }
            row_ptr.push(col_idx.len());
        }
        let symbolic =
            SymbolicSparseRowMat::new_checked(rows, self.count(k), row_ptr, None, col_idx);
        Ok(SparseRowMat::new(symbolic, vals))
    }

    /// Ids of the facets ((dim−1)-simplices; vertices in 1-D) on the boundary: those
    /// that belong to exactly one cell.
    pub fn boundary_facets(&self) -> Vec<usize> {
        (0..self.facet_cells.len())
            .filter(|&f| self.facet_cells[f] == 1)
            .collect()
    }

    /// The vertex ids of facet `f` (ascending; the vertex itself in 1-D).
    pub fn facet_vertices(&self, f: usize) -> Vec<usize> {
        if self.dim == 1 {
            vec![f]
        } else {
            self.simplex(self.dim - 1, f).to_vec()
        }
    }

    /// Euler characteristic `Σ_k (−1)^k n_k`.
    pub fn euler_characteristic(&self) -> i64 {
        (0..=self.dim)
            .map(|k| if k % 2 == 0 { 1 } else { -1 } * self.count(k) as i64)
            .sum()
    }

    /// Betti numbers `b₀ … b_dim` (over ℤ₂) of the mesh, for meshes that are
    /// manifolds with boundary and, when `dim = 3` (or `dim = 2` in the plane),
    /// embedded in ℝ^dim. `b₀` counts connected components; the top number counts
    /// components without boundary (0 for domains in ℝ^dim); for 3-D domains
    /// `b₂ = #boundary components − #components` (Alexander duality; closed 3-D
    /// components are not covered); the remaining number follows from the Euler
    /// characteristic.
    pub fn betti_numbers(&self) -> Vec<i64> {
        let d = self.dim;
        // components of cells, joined across shared facets
        let mut uf = UnionFind::new(self.count(d));
        let mut first_cell = vec![usize::MAX; self.facet_cells.len()];
        for c in 0..self.count(d) {
            for &f in self.faces(d, c) {
                if first_cell[f] == usize::MAX {
                    first_cell[f] = c;
                } else {
                    uf.union(first_cell[f], c);
                }
            }
        }
        let b0 = uf.components() as i64;
        let chi = self.euler_characteristic();
        let boundary = self.boundary_facets();
        // components that have a boundary
        let mut with_boundary = std::collections::HashSet::new();
        for &f in &boundary {
            with_boundary.insert(uf.find(first_cell[f]));
        }
        let closed = b0 - with_boundary.len() as i64;
        match d {
            1 => vec![b0, b0 - chi],
            2 => {
                let b2 = closed;
                vec![b0, b0 + b2 - chi, b2]
            }
            _ => {
                // boundary components: boundary faces joined across shared edges
                let mut ub = UnionFind::new(boundary.len());
                let mut first_face = vec![usize::MAX; self.count(1)];
                for (i, &f) in boundary.iter().enumerate() {
                    for &e in self.faces(2, f) {
                        if first_face[e] == usize::MAX {
                            first_face[e] = i;
                        } else {
                            ub.union(first_face[e], i);
                        }
                    }
                }
                let b3 = closed;
                let b2 = ub.components() as i64 - with_boundary.len() as i64;
                vec![b0, b0 + b2 - b3 - chi, b2, b3]
            }
        }
    }
}

/// Inverts a fixed-width relation: `lists` holds `per` targets (< `n`) for each
/// source; returns, per target, its sources in ascending order as `(offsets, ids)`.
fn invert(n: usize, per: usize, lists: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut offsets = vec![0usize; n + 1];
    for &t in lists {
        offsets[t + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut ids = vec![0usize; lists.len()];
    for (src, ts) in lists.chunks_exact(per).enumerate() {
        for &t in ts {
            ids[fill[t]] = src;
            fill[t] += 1;
        }
    }
    (offsets, ids)
}

/// Binomial coefficient.
fn binom(n: usize, k: usize) -> usize {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

/// The k-simplices of the cells (sorted vertex lists `sorted`) and, per cell, the
/// ids of its k-faces: all local k-faces are keyed by their packed vertex ids (in
/// 64 bits when they fit, else 128), sorted in parallel and numbered in key order.
fn enumerate(sorted: &[usize], d: usize, k: usize, n_vertices: usize) -> (Vec<usize>, Vec<usize>) {
    let bits = usize::BITS - n_vertices.max(1).leading_zeros();
    if (bits as usize) * (k + 1) <= 64 {
        enumerate_keyed(sorted, d, k, |verts| {
            verts.iter().fold(0u64, |key, &v| (key << bits) | v as u64)
        })
    } else {
        let nv = n_vertices as u128;
        enumerate_keyed(sorted, d, k, |verts| {
            verts.iter().fold(0u128, |key, &v| key * nv + v as u128)
        })
    }
}

fn enumerate_keyed<K, P>(sorted: &[usize], d: usize, k: usize, pack: P) -> (Vec<usize>, Vec<usize>)
where
    K: Ord + Copy + Send + Sync,
    P: Fn(&[usize]) -> K + Sync,
{
    let subsets = local_faces(d, k);
    let per = subsets.len();
    let n_cells = sorted.len() / (d + 1);
    let mut items: Vec<(K, usize)> = (0..n_cells * per)
        .into_par_iter()
        .map(|i| {
            let (c, l) = (i / per, i % per);
            let cell = &sorted[c * (d + 1)..(c + 1) * (d + 1)];
            let mut verts = [0usize; 4];
            for (slot, &j) in verts.iter_mut().zip(&subsets[l]) {
                *slot = cell[j];
            }
            (pack(&verts[..k + 1]), i)
        })
        .collect();
    items.par_sort_unstable_by_key(|it| it.0);
    let mut simplices = Vec::new();
    let mut cell_entities = vec![0usize; n_cells * per];
    let mut last: Option<K> = None;
    let mut id = 0usize;
    for &(key, i) in &items {
        if last != Some(key) {
            if last.is_some() {
                id += 1;
            }
            last = Some(key);
            let (c, l) = (i / per, i % per);
            let cell = &sorted[c * (d + 1)..(c + 1) * (d + 1)];
            simplices.extend(subsets[l].iter().map(|&j| cell[j]));
        }
        cell_entities[i] = id;
    }
    (simplices, cell_entities)
}

/// For each k-simplex, its k+1 (k−1)-faces (the j-th omitting vertex j), found
/// through one cell containing it.
fn face_map(
    simplices: &[Vec<usize>],
    cell_entities: &[Vec<usize>],
    sorted: &[usize],
    d: usize,
    k: usize,
) -> Vec<usize> {
    let subsets = local_faces(d, k);
    let per = subsets.len();
    let n = simplices[k].len() / (k + 1);
    // one (cell, local) owner per k-simplex
    let mut owner = vec![usize::MAX; n];
    for (i, &s) in cell_entities[k].iter().enumerate() {
        if owner[s] == usize::MAX {
            owner[s] = i;
        }
    }
    // local index of each face of each local k-subset
    let sub_index: Vec<Vec<usize>> = subsets
        .iter()
        .map(|s| {
            (0..=k)
                .map(|j| {
                    let f = without(s, j);
                    if k == 1 { f[0] } else { local_index(d, &f) }
                })
                .collect()
        })
        .collect();
    let per_lower = binom(d + 1, k);
    let mut out = vec![0usize; n * (k + 1)];
    out.par_chunks_mut(k + 1).enumerate().for_each(|(s, dst)| {
        let (c, l) = (owner[s] / per, owner[s] % per);
        for (j, slot) in dst.iter_mut().enumerate() {
            let m = sub_index[l][j];
            *slot = if k == 1 {
                sorted[c * (d + 1) + m]
            } else {
                cell_entities[k - 1][c * per_lower + m]
            };
        }
    });
    out
}

fn check_duplicate_cells(sorted: &[usize], d: usize) -> Result<()> {
    let mut cells: Vec<&[usize]> = sorted.chunks_exact(d + 1).collect();
    cells.par_sort_unstable();
    if let Some(w) = cells.windows(2).find(|w| w[0] == w[1]) {
        return Err(MeshError::NonManifold {
            facet: w[0].to_vec(),
            count: 2,
        });
    }
    Ok(())
}

/// Disjoint sets with path halving and union by size.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }

    fn components(&mut self) -> usize {
        (0..self.parent.len())
            .filter(|&x| self.find(x) == x)
            .count()
    }
}
