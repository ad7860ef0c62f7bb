//! The linear assignment problem (a permutation of least total cost) by shortest
//! augmenting paths with dual potentials: the Hungarian method in the O(n²) per row
//! form of Jonker & Volgenant (1987). Exact OT between two equal-size uniform
//! clouds is an assignment (Birkhoff), so minibatch OT couplings use this.

use crate::error::{FlowError, Result};
use crate::ot::cost::CostMatrix;

/// An optimal assignment of rows to columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// `cols[i]`: the column assigned to row `i` (all distinct).
    pub cols: Vec<usize>,
    /// `Σᵢ C[i, cols[i]]`.
    pub cost: f64,
}

/// The assignment of least total cost of every row to a distinct column; needs
/// `rows ≤ cols` (every row is assigned, some columns stay free).
///
/// ```
/// use noether_flow::ot::{CostMatrix, assignment};
///
/// let c = CostMatrix::new(3, 3, vec![4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0])?;
/// let a = assignment(&c)?;
/// assert_eq!(a.cols, vec![1, 0, 2]);
/// assert_eq!(a.cost, 5.0);
/// # Ok::<(), noether_flow::FlowError>(())
/// ```
pub fn assignment(cost: &CostMatrix) -> Result<Assignment> {
    let (n, m) = (cost.rows(), cost.cols());
    if n > m {
        return Err(FlowError::Mismatch {
            what: "assignment needs at most as many rows as columns; columns",
            expected: n,
            found: m,
        });
    }
    let c = cost.as_slice();
    // 1-based as in the textbook form: column 0 and row 0 are the virtual start.
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; m + 1];
    let mut row_of = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    let mut minv = vec![0.0; m + 1];
    let mut used = vec![false; m + 1];
    for i in 1..=n {
        row_of[0] = i;
        let mut j0 = 0;
        minv.fill(f64::INFINITY);
        used.fill(false);
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let ui0 = u[i0];
            let row = &c[(i0 - 1) * m..i0 * m];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = row[j - 1] - ui0 - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut cols = vec![0; n];
    for j in 1..=m {
        if row_of[j] != 0 {
            cols[row_of[j] - 1] = j - 1;
        }
    }
    let total = cols.iter().enumerate().map(|(i, &j)| cost.get(i, j)).sum();
    Ok(Assignment { cols, cost: total })
}
