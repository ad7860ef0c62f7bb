//! Polynomials on the reference simplex in the monomial basis: evaluation, gradients
//! and products with coordinates, the raw material of the element constructions in
//! [`crate::element`].

/// The monomials `x^a y^b z^c` of total degree ≤ `degree` in `dim` variables, ordered
/// by total degree and then lexicographically by exponent (descending in `x`).
#[derive(Debug, Clone, PartialEq)]
pub struct Monomials {
    dim: usize,
    degree: usize,
    exps: Vec<[u32; 3]>,
}

impl Monomials {
    /// All monomials of degree ≤ `degree` in `dim ∈ {1, 2, 3}` variables.
    pub fn new(dim: usize, degree: usize) -> Self {
        let mut exps = Vec::new();
        for total in 0..=degree as u32 {
            push_homogeneous(dim, total, &mut exps);
        }
        Self { dim, degree, exps }
    }

    /// Number of variables.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Highest total degree.
    pub fn degree(&self) -> usize {
        self.degree
    }

    /// Number of monomials, `C(degree + dim, dim)`.
    pub fn len(&self) -> usize {
        self.exps.len()
    }

    /// Whether there are none (never: the constant is always present).
    pub fn is_empty(&self) -> bool {
        self.exps.is_empty()
    }

    /// Exponents of monomial `i`.
    pub fn exponents(&self, i: usize) -> [u32; 3] {
        self.exps[i]
    }

    /// Indices of the monomials of total degree exactly `total`.
    pub fn homogeneous(&self, total: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.exps.len()).filter(move |&i| self.exps[i].iter().sum::<u32>() as usize == total)
    }

    /// Indices of the monomials of total degree ≤ `total`: a prefix.
    pub fn up_to(&self, total: usize) -> std::ops::Range<usize> {
        let n = self
            .exps
            .iter()
            .take_while(|e| e.iter().sum::<u32>() as usize <= total)
            .count();
        0..n
    }

    /// Index of the monomial `i` multiplied by `x_j`, when its degree stays in range.
    pub fn times(&self, i: usize, j: usize) -> Option<usize> {
        let mut e = self.exps[i];
        e[j] += 1;
        self.exps.iter().position(|f| *f == e)
    }

    /// Values of every monomial at `x` into `out` (length [`Self::len`]).
    pub fn eval(&self, x: &[f64], out: &mut [f64]) {
        for (o, e) in out.iter_mut().zip(&self.exps) {
            *o = (0..self.dim).map(|j| x[j].powi(e[j] as i32)).product();
        }
    }

    /// Gradients of every monomial at `x` into `out`, `dim` entries per monomial.
    pub fn eval_grad(&self, x: &[f64], out: &mut [f64]) {
        let d = self.dim;
        for (m, e) in self.exps.iter().enumerate() {
            for k in 0..d {
                out[m * d + k] = if e[k] == 0 {
                    0.0
                } else {
                    (0..d)
                        .map(|j| {
                            if j == k {
                                e[j] as f64 * x[j].powi(e[j] as i32 - 1)
                            } else {
                                x[j].powi(e[j] as i32)
                            }
                        })
                        .product()
                };
            }
        }
    }
}

/// Appends the exponents of total degree `total` in `dim` variables, lexicographically
/// descending.
fn push_homogeneous(dim: usize, total: u32, out: &mut Vec<[u32; 3]>) {
    match dim {
        1 => out.push([total, 0, 0]),
        2 => {
            for a in (0..=total).rev() {
                out.push([a, total - a, 0]);
            }
        }
        _ => {
            for a in (0..=total).rev() {
                for b in (0..=total - a).rev() {
                    out.push([a, b, total - a - b]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_gradients() {
        for dim in 1..=3 {
            for deg in 0..=4 {
                let m = Monomials::new(dim, deg);
                let binom = (1..=dim).fold(1, |acc, i| acc * (deg + i) / i);
                assert_eq!(m.len(), binom);
                assert_eq!(m.up_to(deg), 0..m.len());
                let x = [0.3, 0.7, 0.2];
                let mut g = vec![0.0; m.len() * dim];
                m.eval_grad(&x, &mut g);
                let h = 1e-6;
                for k in 0..dim {
                    let (mut xp, mut xm) = (x, x);
                    xp[k] += h;
                    xm[k] -= h;
                    let (mut vp, mut vm) = (vec![0.0; m.len()], vec![0.0; m.len()]);
                    m.eval(&xp, &mut vp);
                    m.eval(&xm, &mut vm);
                    for i in 0..m.len() {
                        let fd = (vp[i] - vm[i]) / (2.0 * h);
                        assert!((fd - g[i * dim + k]).abs() < 1e-8);
                    }
                }
            }
        }
    }
}
