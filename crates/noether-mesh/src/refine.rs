//! Uniform refinement with parent maps: intervals halved, triangles split into four
//! (red refinement), tetrahedra into eight (Bey's subdivision); tagged facets and
//! markers follow.

use crate::error::Result;
use crate::geometry::simplex_volume;
use crate::mesh::Mesh;
use crate::topology::Topology;

/// A uniformly refined mesh with its relation to the coarse one.
#[derive(Debug, Clone)]
pub struct Refinement {
    /// The fine mesh. Coarse vertices keep their ids; the midpoint of coarse edge `e`
    /// (in [`Topology`] numbering) is vertex `n_coarse_vertices + e`.
    pub mesh: Mesh,
    /// For each fine cell, the coarse cell it lies in.
    pub parent_cell: Vec<usize>,
    /// For each fine vertex, the two coarse vertices whose average it is (a coarse
    /// vertex lists itself twice): the P1 prolongation for geometric multigrid.
    pub vertex_parents: Vec<[usize; 2]>,
}

/// Refines every cell of `mesh` uniformly: 2^dim children per cell, similar to the
/// parent in 1-D and 2-D (red refinement); Bey's subdivision in 3-D (four corner
/// tetrahedra and the octahedron cut along its diagonal between the midpoints of
/// edges 02 and 13), which keeps at most three similarity classes. Children keep the
/// parent's orientation and marker; tagged facets are refined with their markers.
pub fn refine_uniform(mesh: &Mesh) -> Result<Refinement> {
    let topo = Topology::new(mesh)?;
    let d = mesh.dim();
    let g = mesh.gdim();
    let nv = mesh.n_vertices();
    let ne = topo.count(1);
    let mut coords = Vec::with_capacity((nv + ne) * g);
    coords.extend_from_slice(mesh.coords());
    let mut vertex_parents: Vec<[usize; 2]> = (0..nv).map(|v| [v, v]).collect();
    for e in 0..ne {
        let s = topo.simplex(1, e);
        let (a, b) = (mesh.vertex(s[0]), mesh.vertex(s[1]));
        coords.extend(a.iter().zip(b).map(|(x, y)| 0.5 * (x + y)));
        vertex_parents.push([s[0], s[1]]);
    }
    // midpoint id of the edge between two coarse vertices, via the edge list of a
    // cell (edges of a cell in lexicographic order of its sorted vertices)
    let edge_of = |cell_sorted: &[usize], edges: &[usize], a: usize, b: usize| -> usize {
        let (i, j) = {
            let ia = cell_sorted.iter().position(|&v| v == a).unwrap_or(0);
            let ib = cell_sorted.iter().position(|&v| v == b).unwrap_or(0);
            (ia.min(ib), ia.max(ib))
        };
        // lexicographic index of the pair (i, j) among pairs of {0..=d}
        let idx = (0..i).map(|r| d - r).sum::<usize>() + (j - i - 1);
        nv + edges[idx]
    };
    let mut cells = Vec::with_capacity(mesh.cells().len() << d);
    let mut parent_cell = Vec::with_capacity(mesh.n_cells() << d);
    let mut markers = Vec::with_capacity(mesh.n_cells() << d);
    for c in 0..mesh.n_cells() {
        let x = mesh.cell(c);
        let mut sorted = x.to_vec();
        sorted.sort_unstable();
        let edges: &[usize] = if d == 1 {
            &[c]
        } else {
            topo.cell_entities(1, c)
        };
        let m = |i: usize, j: usize| {
            if d == 1 {
                nv + c
            } else {
                edge_of(&sorted, edges, x[i], x[j])
            }
        };
        let children: Vec<Vec<usize>> = match d {
            1 => vec![vec![x[0], m(0, 1)], vec![m(0, 1), x[1]]],
            2 => vec![
                vec![x[0], m(0, 1), m(0, 2)],
                vec![m(0, 1), x[1], m(1, 2)],
                vec![m(0, 2), m(1, 2), x[2]],
                vec![m(0, 1), m(1, 2), m(0, 2)],
            ],
            _ => vec![
                vec![x[0], m(0, 1), m(0, 2), m(0, 3)],
                vec![m(0, 1), x[1], m(1, 2), m(1, 3)],
                vec![m(0, 2), m(1, 2), x[2], m(2, 3)],
                vec![m(0, 3), m(1, 3), m(2, 3), x[3]],
                vec![m(0, 1), m(0, 2), m(0, 3), m(1, 3)],
                vec![m(0, 1), m(0, 2), m(1, 2), m(1, 3)],
                vec![m(0, 2), m(0, 3), m(1, 3), m(2, 3)],
                vec![m(0, 2), m(1, 2), m(1, 3), m(2, 3)],
            ],
        };
        cells.extend(children.into_iter().flatten());
        parent_cell.extend(std::iter::repeat_n(c, 1 << d));
        markers.extend(std::iter::repeat_n(mesh.cell_markers()[c], 1 << d));
    }
    let fine = Mesh::new_unchecked(d, g, coords, cells, markers);
    // children of interior octahedra may come out negatively oriented: match the
    // parent's orientation
    let fine = if d == 3 && g == 3 {
        orient_like_parents(fine, mesh, &parent_cell)
    } else {
        fine
    };
    // refine the tagged facets
    let (facets, facet_markers) = refine_facets(mesh, &topo, nv);
    let fine = fine.with_facet_markers(facets, facet_markers)?;
    Ok(Refinement {
        mesh: fine,
        parent_cell,
        vertex_parents,
    })
}

fn orient_like_parents(fine: Mesh, coarse: &Mesh, parent: &[usize]) -> Mesh {
    let mut cells = fine.cells().to_vec();
    for (c, cell) in cells.chunks_exact_mut(4).enumerate() {
        let want = simplex_volume(coarse, coarse.cell(parent[c])) > 0.0;
        let have = simplex_volume(&fine, cell) > 0.0;
        if want != have {
            cell.swap(1, 3);
        }
    }
    let markers = fine.cell_markers().to_vec();
    let (d, g) = (fine.dim(), fine.gdim());
    Mesh::new_unchecked(d, g, fine.coords().to_vec(), cells, markers)
}

/// The tagged facets of `mesh` refined like their cells (halved edges, red-refined
/// triangles; vertices stay), with their markers.
fn refine_facets(mesh: &Mesh, topo: &Topology, nv: usize) -> (Vec<usize>, Vec<i32>) {
    let d = mesh.dim();
    let mut facets = Vec::new();
    let mut markers = Vec::new();
    let mid =
        |a: usize, b: usize| -> usize { nv + topo.find(1, &[a.min(b), a.max(b)]).unwrap_or(0) };
    for (f, &mk) in mesh
        .tagged_facets()
        .chunks_exact(d)
        .zip(mesh.facet_markers())
    {
        match d {
            1 => {
                facets.push(f[0]);
                markers.push(mk);
            }
            2 => {
                let m = mid(f[0], f[1]);
                facets.extend([f[0], m, m, f[1]]);
                markers.extend([mk, mk]);
            }
            _ => {
                let (m01, m12, m02) = (mid(f[0], f[1]), mid(f[1], f[2]), mid(f[0], f[2]));
                facets.extend([
                    f[0], m01, m02, m01, f[1], m12, m02, m12, f[2], m01, m12, m02,
                ]);
                markers.extend([mk; 4]);
            }
        }
    }
    (facets, markers)
}

/// Reorders the vertices of every triangle cyclically (keeping its orientation) so
/// that its longest edge comes first: the starting point of newest-vertex bisection
/// ([`refine_marked`]), which reads each triangle `[v₀, v₁, v₂]` as refinement edge
/// `v₀v₁` opposite the newest vertex `v₂`. Fails for meshes that are not triangular.
pub fn longest_edge_first(mesh: &Mesh) -> Result<Mesh> {
    if mesh.dim() != 2 {
        return Err(crate::error::invalid(
            "dim",
            mesh.dim(),
            "newest-vertex bisection is for triangles",
        ));
    }
    let mut cells = mesh.cells().to_vec();
    for t in cells.chunks_exact_mut(3) {
        let len = |a: usize, b: usize| crate::mesh::dist(mesh.vertex(t[a]), mesh.vertex(t[b]));
        let l = [len(0, 1), len(1, 2), len(2, 0)];
        let k = (0..3).max_by(|&a, &b| l[a].total_cmp(&l[b])).unwrap_or(0);
        t.rotate_left(k);
    }
    let out = Mesh::new_unchecked(
        2,
        mesh.gdim(),
        mesh.coords().to_vec(),
        cells,
        mesh.cell_markers().to_vec(),
    );
    out.with_facet_markers(mesh.tagged_facets().to_vec(), mesh.facet_markers().to_vec())
}

/// Newest-vertex bisection of the triangles `marked` (ids), with the closure that
/// keeps the mesh conforming: every triangle `[v₀, v₁, v₂]` has refinement edge
/// `v₀v₁`; an edge to be split forces the refinement edge of each triangle that
/// contains it; each triangle is then bisected once, twice or three times
/// (Funken, Praetorius & Wissgott, CMAM 11 (2011) 460–490). Children are again in
/// newest-vertex order, so repeated calls keep finitely many similarity classes.
/// Start from [`longest_edge_first`]. Returns the fine mesh and parent maps as
/// [`refine_uniform`] does (the midpoint of coarse edge `e`, when split, gets the
/// next free vertex id, in edge order).
pub fn refine_marked(mesh: &Mesh, marked: &[usize]) -> Result<Refinement> {
    if mesh.dim() != 2 {
        return Err(crate::error::invalid(
            "dim",
            mesh.dim(),
            "newest-vertex bisection is for triangles",
        ));
    }
    if let Some(&c) = marked.iter().find(|&&c| c >= mesh.n_cells()) {
        return Err(crate::error::invalid(
            "marked cell",
            c,
            "is not a cell of the mesh",
        ));
    }
    let topo = Topology::new(mesh)?;
    let nv = mesh.n_vertices();
    // edge id of the pair (a, b), via the cell's local edge list
    let edge = |c: usize, a: usize, b: usize| -> usize {
        let t = mesh.cell(c);
        let mut s = [t[0], t[1], t[2]];
        s.sort_unstable();
        let ia = s.iter().position(|&v| v == a).unwrap_or(0);
        let ib = s.iter().position(|&v| v == b).unwrap_or(0);
        let (i, j) = (ia.min(ib), ia.max(ib));
        topo.cell_entities(1, c)[if i == 0 { j - 1 } else { 2 }]
    };
    let ref_edge = |c: usize| {
        let t = mesh.cell(c);
        edge(c, t[0], t[1])
    };
    let mut split = vec![false; topo.count(1)];
    for &c in marked {
        split[ref_edge(c)] = true;
    }
    // closure: a triangle with any split edge splits its refinement edge too
    loop {
        let mut changed = false;
        for c in 0..mesh.n_cells() {
            let t = mesh.cell(c);
            let any = split[edge(c, t[0], t[1])]
                || split[edge(c, t[1], t[2])]
                || split[edge(c, t[2], t[0])];
            let r = ref_edge(c);
            if any && !split[r] {
                split[r] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // new vertices at the midpoints of split edges
    let g = mesh.gdim();
    let mut coords = mesh.coords().to_vec();
    let mut vertex_parents: Vec<[usize; 2]> = (0..nv).map(|v| [v, v]).collect();
    let mut mid = vec![usize::MAX; topo.count(1)];
    for e in (0..topo.count(1)).filter(|&e| split[e]) {
        let s = topo.simplex(1, e);
        mid[e] = coords.len() / g;
        let (a, b) = (mesh.vertex(s[0]).to_vec(), mesh.vertex(s[1]).to_vec());
        coords.extend(a.iter().zip(&b).map(|(x, y)| 0.5 * (x + y)));
        vertex_parents.push([s[0], s[1]]);
    }
    let mut cells = Vec::new();
    let mut parent_cell = Vec::new();
    let mut markers = Vec::new();
    for c in 0..mesh.n_cells() {
        let t = mesh.cell(c);
        let (v0, v1, v2) = (t[0], t[1], t[2]);
        let e01 = edge(c, v0, v1);
        let mut children: Vec<[usize; 3]> = Vec::with_capacity(4);
        if !split[e01] {
            children.push([v0, v1, v2]);
        } else {
            let m = mid[e01];
            // children [v₂, v₀, m] and [v₁, v₂, m], bisected again when their
            // refinement edges (v₂v₀, v₁v₂) are split
            for (a, b) in [(v2, v0), (v1, v2)] {
                let e = edge(c, a, b);
                if split[e] {
                    let mm = mid[e];
                    children.push([m, a, mm]);
                    children.push([b, m, mm]);
                } else {
                    children.push([a, b, m]);
                }
            }
        }
        for ch in children {
            cells.extend(ch);
            parent_cell.push(c);
            markers.push(mesh.cell_markers()[c]);
        }
    }
    // tagged boundary edges follow their splits
    let mut facets = Vec::new();
    let mut facet_markers = Vec::new();
    for (f, &mk) in mesh
        .tagged_facets()
        .chunks_exact(2)
        .zip(mesh.facet_markers())
    {
        let e = topo.find(1, &[f[0].min(f[1]), f[0].max(f[1])]);
        if let Some(lo) = e.filter(|&e| split[e]) {
            facets.extend([f[0], mid[lo], mid[lo], f[1]]);
            facet_markers.extend([mk, mk]);
        } else {
            facets.extend_from_slice(f);
            facet_markers.push(mk);
        }
    }
    let fine = Mesh::new_unchecked(2, g, coords, cells, markers)
        .with_facet_markers(facets, facet_markers)?;
    Ok(Refinement {
        mesh: fine,
        parent_cell,
        vertex_parents,
    })
}
