//! Exact optimal transport between two discrete measures by the primal network
//! simplex on the bipartite transportation graph (Dantzig; Ahuja, Magnanti & Orlin,
//! *Network Flows*, ch. 11), the algorithm of POT's `ot.emd` and LEMON.
//!
//! **Graph.** Sources `i` (supply `aᵢ`) and sinks `j` (demand `bⱼ`), an arc `i → j`
//! of cost `Cᵢⱼ` and unbounded capacity for every pair. Arcs are never stored: the
//! basis is a spanning tree whose arcs are identified by their child node (a tree
//! arc joins a source and a sink, so its orientation relative to the tree follows
//! from the child's kind), and only tree arcs carry flow, so memory is `O(n + m)`
//! beyond the cost matrix.
//!
//! **Initial basis.** The north-west-corner rule: a staircase path through the cost
//! matrix, feasible and rooted at source 0, with every zero-flow (degenerate) arc
//! pointing from a source child to its sink parent. No artificial arcs and hence no
//! big-M costs in the potentials, which keeps the reduced costs accurate to the
//! round-off of the costs themselves.
//!
//! **Pivots.** Block-search pricing (LEMON's rule: scan arcs cyclically in blocks of
//! `⌈√(nm)⌉`, enter the most negative reduced cost of the first block that has one),
//! the cycle closed through the lowest common ancestor, and the leaving arc chosen
//! by Cunningham's rule (the last blocking arc met when walking the cycle in its
//! direction from the apex), which keeps the tree *strongly feasible*: degenerate
//! pivots cannot cycle. The subtree that changes sides is re-hung by reversing the
//! parent pointers on the path from the entering arc to the leaving one, and its
//! potentials and depths are updated by one traversal.
//!
//! **Output.** The optimal cost `Σ Pᵢⱼ Cᵢⱼ` summed from the flows, the plan's
//! non-zero entries (at most `n + m − 1`), and dual potentials `uᵢ + vⱼ ≤ Cᵢⱼ` with
//! `Σ aᵢuᵢ + Σ bⱼvⱼ` equal to the cost at optimality.

use std::borrow::Cow;

use crate::error::{FlowError, Result, invalid};
use crate::ot::cost::{CostMatrix, check_weights};

const NONE: u32 = u32::MAX;

/// Settings of [`emd`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmdOptions {
    /// The most pivots before giving up with [`FlowError::SimplexPivotLimit`].
    pub max_pivots: usize,
    /// Relative tolerance on the total masses: `|Σa − Σb| ≤ mass_tol · Σa`, after
    /// which `b` is rescaled to the mass of `a` (as POT does).
    pub mass_tol: f64,
}

impl Default for EmdOptions {
    fn default() -> Self {
        Self {
            max_pivots: 1_000_000_000,
            mass_tol: 1e-9,
        }
    }
}

/// An optimal transport plan from [`emd`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExactPlan {
    /// The optimal cost `Σ Pᵢⱼ Cᵢⱼ`.
    pub cost: f64,
    /// The plan's non-zero entries `(i, j, Pᵢⱼ)`, at most `n + m − 1`.
    pub entries: Vec<(usize, usize, f64)>,
    /// Dual potentials of the sources.
    pub u: Vec<f64>,
    /// Dual potentials of the sinks.
    pub v: Vec<f64>,
    /// Simplex pivots made.
    pub pivots: usize,
}

impl ExactPlan {
    /// The plan as a dense row-major `rows × cols` matrix.
    pub fn dense(&self, rows: usize, cols: usize) -> Vec<f64> {
        let mut p = vec![0.0; rows * cols];
        for &(i, j, w) in &self.entries {
            p[i * cols + j] += w;
        }
        p
    }
}

/// Exact optimal transport between `a` (one weight per row of `cost`) and `b` (one
/// per column): the minimum of `Σ Pᵢⱼ Cᵢⱼ` over plans with marginals `a` and `b`.
///
/// Errors: empty or mismatched inputs, negative or non-finite weights, masses that
/// differ by more than `opts.mass_tol`, or the pivot limit.
///
/// ```
/// use noether_flow::ot::{CostMatrix, EmdOptions, emd};
///
/// // Two points each on a line: 0, 1 → 0.5, 2. Monotone matching is optimal.
/// let c = CostMatrix::new(2, 2, vec![0.25, 4.0, 0.25, 1.0])?;
/// let plan = emd(&[0.5, 0.5], &[0.5, 0.5], &c, &EmdOptions::default())?;
/// assert!((plan.cost - 0.5 * (0.25 + 1.0)).abs() < 1e-15);
/// # Ok::<(), noether_flow::FlowError>(())
/// ```
pub fn emd(a: &[f64], b: &[f64], cost: &CostMatrix, opts: &EmdOptions) -> Result<ExactPlan> {
    let (rows, cols) = (cost.rows(), cost.cols());
    let mass_a = check_weights("a", a, rows)?;
    let mass_b = check_weights("b", b, cols)?;
    if opts.mass_tol.is_nan() || opts.mass_tol < 0.0 {
        return Err(invalid("mass_tol", opts.mass_tol, "must be >= 0"));
    }
    if (mass_a - mass_b).abs() > opts.mass_tol * mass_a.max(mass_b) {
        return Err(invalid(
            "total masses",
            format!("{mass_a} vs {mass_b}"),
            "exact OT needs equal masses (use unbalanced Sinkhorn otherwise)",
        ));
    }
    // Only the points with positive weight take part.
    let ia: Vec<usize> = (0..rows).filter(|&i| a[i] > 0.0).collect();
    let jb: Vec<usize> = (0..cols).filter(|&j| b[j] > 0.0).collect();
    let scale = mass_a / mass_b;
    let sa: Vec<f64> = ia.iter().map(|&i| a[i]).collect();
    let sb: Vec<f64> = jb.iter().map(|&j| b[j] * scale).collect();
    let c: Cow<'_, [f64]> = if ia.len() == rows && jb.len() == cols {
        Cow::Borrowed(cost.as_slice())
    } else {
        Cow::Owned(
            ia.iter()
                .flat_map(|&i| jb.iter().map(move |&j| cost.get(i, j)))
                .collect(),
        )
    };
    let mut tree = Tree::north_west(&sa, &sb, &c);
    let pivots = tree.optimise(opts.max_pivots)?;
    let (n, m) = (ia.len(), jb.len());
    let mut entries = Vec::with_capacity(n + m);
    let mut total = 0.0;
    for v in 1..n + m {
        let (s, t) = tree.arc(v);
        let f = tree.flow[v];
        if f > 0.0 {
            total += f * c[s * m + t];
            entries.push((ia[s], jb[t], f));
        }
    }
    entries.sort_unstable_by_key(|&(i, j, _)| (i, j));
    // Duals: uᵢ = −πᵢ, vⱼ = π_{n+j}; points with zero weight get the tightest value.
    let mut v = vec![f64::NAN; cols];
    for (k, &j) in jb.iter().enumerate() {
        v[j] = tree.pi[n + k];
    }
    let mut u = vec![f64::NAN; rows];
    for (k, &i) in ia.iter().enumerate() {
        u[i] = -tree.pi[k];
    }
    for i in (0..rows).filter(|&i| a[i] <= 0.0) {
        u[i] = jb
            .iter()
            .map(|&j| cost.get(i, j) - v[j])
            .fold(f64::INFINITY, f64::min);
    }
    for j in (0..cols).filter(|&j| b[j] <= 0.0) {
        v[j] = (0..rows)
            .map(|i| cost.get(i, j) - u[i])
            .fold(f64::INFINITY, f64::min);
    }
    Ok(ExactPlan {
        cost: total,
        entries,
        u,
        v,
        pivots,
    })
}

/// The spanning-tree basis. Nodes `0..n` are sources, `n..n+m` sinks; node 0 is the
/// root. The tree arc of a node joins it to its parent and carries `flow`; it points
/// up (child → parent) when the child is a source and down when it is a sink.
struct Tree<'c> {
    n: usize,
    m: usize,
    cost: &'c [f64],
    parent: Vec<u32>,
    flow: Vec<f64>,
    depth: Vec<u32>,
    /// Potentials: the reduced cost of arc `i → j` is `Cᵢⱼ + πᵢ − π_{n+j}`.
    pi: Vec<f64>,
    first_child: Vec<u32>,
    next_sibling: Vec<u32>,
    prev_sibling: Vec<u32>,
    /// Where pricing resumes.
    next_arc: usize,
    block: usize,
    tol: f64,
    stack: Vec<u32>,
    path: Vec<u32>,
}

impl<'c> Tree<'c> {
    /// The north-west-corner basis, rooted at source 0.
    fn north_west(a: &[f64], b: &[f64], cost: &'c [f64]) -> Self {
        let (n, m) = (a.len(), b.len());
        let nodes = n + m;
        let mut t = Self {
            n,
            m,
            cost,
            parent: vec![NONE; nodes],
            flow: vec![0.0; nodes],
            depth: vec![0; nodes],
            pi: vec![0.0; nodes],
            first_child: vec![NONE; nodes],
            next_sibling: vec![NONE; nodes],
            prev_sibling: vec![NONE; nodes],
            next_arc: 0,
            block: ((n * m) as f64).sqrt().ceil().max(10.0) as usize,
            tol: 0.0,
            stack: Vec::new(),
            path: Vec::new(),
        };
        let (mut i, mut j) = (0, 0);
        let (mut ra, mut rb) = (a[0], b[0]);
        // The node that the current arc (i, j) brings into the tree: sink 0 first.
        let mut child = n;
        loop {
            // The last row and column absorb the round-off of unequal float sums.
            let f = if i == n - 1 {
                rb
            } else if j == m - 1 {
                ra
            } else {
                ra.min(rb)
            };
            let parent = if child < n { n + j } else { i };
            t.attach(child, parent, f);
            ra -= f;
            rb -= f;
            if i == n - 1 && j == m - 1 {
                break;
            }
            if (ra <= rb && i < n - 1) || j == m - 1 {
                i += 1;
                ra = a[i];
                child = i;
            } else {
                j += 1;
                rb = b[j];
                child = n + j;
            }
        }
        let scale = cost.iter().fold(0.0f64, |s, c| s.max(c.abs()));
        let pi_scale = t.pi.iter().fold(0.0f64, |s, p| s.max(p.abs()));
        t.tol = 64.0 * f64::EPSILON * (scale + pi_scale).max(f64::MIN_POSITIVE);
        t
    }

    /// The arc of node `v` as (source, sink index).
    fn arc(&self, v: usize) -> (usize, usize) {
        let p = self.parent[v] as usize;
        if v < self.n {
            (v, p - self.n)
        } else {
            (p, v - self.n)
        }
    }

    fn arc_cost(&self, s: usize, t: usize) -> f64 {
        self.cost[s * self.m + t]
    }

    /// Makes `v` a child of `p` with `flow`, and sets its potential and depth.
    fn attach(&mut self, v: usize, p: usize, flow: f64) {
        self.parent[v] = p as u32;
        self.flow[v] = flow;
        self.depth[v] = self.depth[p] + 1;
        self.link(v, p);
        let (s, t) = self.arc(v);
        let c = self.arc_cost(s, t);
        self.pi[v] = if v < self.n {
            self.pi[p] - c
        } else {
            self.pi[p] + c
        };
    }

    fn link(&mut self, v: usize, p: usize) {
        let first = self.first_child[p];
        self.next_sibling[v] = first;
        self.prev_sibling[v] = NONE;
        if first != NONE {
            self.prev_sibling[first as usize] = v as u32;
        }
        self.first_child[p] = v as u32;
    }

    fn unlink(&mut self, v: usize) {
        let p = self.parent[v] as usize;
        let (prev, next) = (self.prev_sibling[v], self.next_sibling[v]);
        if prev == NONE {
            self.first_child[p] = next;
        } else {
            self.next_sibling[prev as usize] = next;
        }
        if next != NONE {
            self.prev_sibling[next as usize] = prev;
        }
    }

    /// Pivots until no arc has a negative reduced cost; returns the pivot count.
    fn optimise(&mut self, max_pivots: usize) -> Result<usize> {
        let mut pivots = 0;
        while let Some((s, t, rc)) = self.entering() {
            if pivots == max_pivots {
                return Err(FlowError::SimplexPivotLimit { pivots });
            }
            self.pivot(s, t, rc);
            pivots += 1;
        }
        Ok(pivots)
    }

    /// Block-search pricing: `(source, sink index, reduced cost)` of the entering
    /// arc, or `None` at optimality.
    fn entering(&mut self) -> Option<(usize, usize, f64)> {
        let (n, m) = (self.n, self.m);
        let total = n * m;
        let (pi_src, pi_snk) = self.pi.split_at(n);
        let mut best = (0, 0);
        let mut min = -self.tol;
        let (mut in_block, mut examined, mut k) = (0, 0, self.next_arc);
        while examined < total {
            let (i, j0) = (k / m, k % m);
            let len = (m - j0).min(self.block - in_block).min(total - examined);
            let row = &self.cost[k..k + len];
            let pis = pi_src[i];
            for (jj, (c, pt)) in row.iter().zip(&pi_snk[j0..j0 + len]).enumerate() {
                let rc = c + pis - pt;
                if rc < min {
                    min = rc;
                    best = (i, j0 + jj);
                }
            }
            in_block += len;
            examined += len;
            k = (k + len) % total;
            if in_block == self.block {
                if min < -self.tol {
                    self.next_arc = k;
                    return Some((best.0, best.1, min));
                }
                in_block = 0;
            }
        }
        (min < -self.tol).then(|| {
            self.next_arc = k;
            (best.0, best.1, min)
        })
    }

    /// One pivot on the entering arc `s → n+t` of reduced cost `rc < 0`.
    fn pivot(&mut self, s: usize, t: usize, rc: f64) {
        let (first, second) = (s, self.n + t);
        // The apex: the lowest common ancestor.
        let (mut x, mut y) = (first, second);
        while x != y {
            if self.depth[x] >= self.depth[y] {
                x = self.parent[x] as usize;
            } else {
                y = self.parent[y] as usize;
            }
        }
        let join = x;
        // Leaving arc (Cunningham): on the source side, blocking arcs are those of
        // source nodes (flow pushed against their direction), the first met wins; on
        // the sink side those of sink nodes, the last met (nearest the apex) wins, and
        // the sink side wins ties.
        let mut delta = f64::INFINITY;
        let (mut u_out, mut on_first) = (NONE as usize, true);
        let mut w = first;
        while w != join {
            if w < self.n && self.flow[w] < delta {
                delta = self.flow[w];
                u_out = w;
            }
            w = self.parent[w] as usize;
        }
        let mut w = second;
        while w != join {
            if w >= self.n && self.flow[w] <= delta {
                delta = self.flow[w];
                u_out = w;
                on_first = false;
            }
            w = self.parent[w] as usize;
        }
        debug_assert!(
            u_out != NONE as usize,
            "a transportation cycle always blocks"
        );
        // Push delta round the cycle.
        if delta > 0.0 {
            let mut w = first;
            while w != join {
                self.flow[w] += if w < self.n { -delta } else { delta };
                w = self.parent[w] as usize;
            }
            let mut w = second;
            while w != join {
                self.flow[w] += if w < self.n { delta } else { -delta };
                w = self.parent[w] as usize;
            }
        }
        // Re-hang the subtree under u_out from u_in through the entering arc.
        let (u_in, v_in) = if on_first {
            (first, second)
        } else {
            (second, first)
        };
        self.path.clear();
        let mut w = u_in;
        loop {
            self.path.push(w as u32);
            if w == u_out {
                break;
            }
            w = self.parent[w] as usize;
        }
        self.unlink(u_out);
        let mut carried = delta;
        let mut new_parent = v_in;
        for k in 0..self.path.len() {
            let w = self.path[k] as usize;
            if k + 1 < self.path.len() {
                self.unlink(w);
            }
            let old_flow = self.flow[w];
            self.parent[w] = new_parent as u32;
            self.flow[w] = carried;
            self.link(w, new_parent);
            carried = old_flow;
            new_parent = w;
        }
        // Potentials and depths of the moved subtree.
        let shift = if u_in == first { -rc } else { rc };
        self.stack.clear();
        self.stack.push(u_in as u32);
        while let Some(w) = self.stack.pop() {
            let w = w as usize;
            self.pi[w] += shift;
            self.depth[w] = self.depth[self.parent[w] as usize] + 1;
            let mut c = self.first_child[w];
            while c != NONE {
                self.stack.push(c);
                c = self.next_sibling[c as usize];
            }
        }
    }
}
