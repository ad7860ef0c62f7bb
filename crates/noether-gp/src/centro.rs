//! Centrosymmetric matrices (`J M J = M`, `J` the exchange matrix), such as every
//! symmetric Toeplitz matrix, its inverse and their products: a stationary kernel
//! on a uniform grid. With the orthogonal butterfly `P = [[I, J], [I, −J]]/√2` an
//! even-sized one is block diagonal, `P M Pᵀ = diag(M₊, M₋)` with the half-size
//! blocks `M± = A ± B J` of `M = [[A, B], [J B J, J A J]]`, so `M X` costs two
//! half-size products (half the flops of one full product) and two `O(nm)`
//! butterflies.
//!
//! Centro-skew matrices (`J S J = −S`, such as a skew Toeplitz matrix
//! `[k'(x_i − x_j)]` of an odd kernel derivative) have the same halves
//! `S± = A ± BJ` of `S = [[A, B], [−J B J, −J A J]]`, but swap the parts:
//! `P S Pᵀ = [[0, S₋], [S₊, 0]]`. The two kinds multiply like signs.

use faer::linalg::matmul::matmul;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Accum, Mat, MatMut, MatRef, unzip, zip};

/// The half-size blocks `M₊ = A + BJ`, `M₋ = A − BJ` of an even-sized
/// centrosymmetric (or centro-skew) matrix.
#[derive(Debug, Clone)]
pub struct CentroHalves {
    plus: Mat<f64>,
    minus: Mat<f64>,
    /// Centro-skew (`J M J = −M`): `M₊` maps the symmetric part of `x` to the
    /// skew part of `M x`, `M₋` the skew part to the symmetric part.
    skew: bool,
}

impl CentroHalves {
    /// The halves of `m`, or `None` if it is not square of even size. Only the top
    /// half of `m` is read: centrosymmetry is assumed, not checked.
    ///
    /// ```
    /// use faer::Mat;
    /// use noether_gp::centro::CentroHalves;
    /// // a symmetric Toeplitz matrix is centrosymmetric
    /// let t = [4.0, 1.0, 0.5, 0.25];
    /// let m = Mat::from_fn(4, 4, |i, j| t[i.abs_diff(j)]);
    /// let x = Mat::from_fn(4, 3, |i, j| (i * 3 + j) as f64);
    /// let mut y = Mat::zeros(4, 3);
    /// CentroHalves::new(m.as_ref()).unwrap().apply(x.as_ref(), y.as_mut());
    /// assert!((&y - &m * &x).norm_max() < 1e-12);
    /// ```
    pub fn new(m: MatRef<'_, f64>) -> Option<Self> {
        Self::from_top(m, false)
    }

    /// The halves of a centro-skew `m` (`J m J = −m`), or `None` if it is not
    /// square of even size. Only the top half is read: the symmetry is assumed,
    /// not checked.
    ///
    /// ```
    /// use faer::Mat;
    /// use noether_gp::centro::CentroHalves;
    /// // a skew Toeplitz matrix (an odd function of x_i − x_j) is centro-skew
    /// let t = [0.0, 1.0, 0.5, 0.25];
    /// let m = Mat::from_fn(4, 4, |i, j| if i >= j { t[i - j] } else { -t[j - i] });
    /// let x = Mat::from_fn(4, 3, |i, j| (i * 3 + j) as f64);
    /// let mut y = Mat::zeros(4, 3);
    /// CentroHalves::new_skew(m.as_ref()).unwrap().apply(x.as_ref(), y.as_mut());
    /// assert!((&y - &m * &x).norm_max() < 1e-12);
    /// ```
    pub fn new_skew(m: MatRef<'_, f64>) -> Option<Self> {
        Self::from_top(m, true)
    }

    fn from_top(m: MatRef<'_, f64>, skew: bool) -> Option<Self> {
        let n = m.nrows();
        if m.ncols() != n || n % 2 != 0 || n == 0 {
            return None;
        }
        let h = n / 2;
        let a = m.submatrix(0, 0, h, h);
        let bj = m.submatrix(0, h, h, h).reverse_cols();
        Some(Self {
            plus: Mat::from_fn(h, h, |i, j| a[(i, j)] + bj[(i, j)]),
            minus: Mat::from_fn(h, h, |i, j| a[(i, j)] - bj[(i, j)]),
            skew,
        })
    }

    /// Whether the matrix is centro-skew rather than centrosymmetric.
    pub fn is_skew(&self) -> bool {
        self.skew
    }

    /// The size `n` of the full matrix.
    pub fn size(&self) -> usize {
        2 * self.plus.nrows()
    }

    /// The halves of the product `M N`: in the butterfly basis a centrosymmetric
    /// matrix is `diag(M₊, M₋)` and a centro-skew one `[[0, S₋], [S₊, 0]]`, so
    /// `(MN)± = M± N±` (both centrosymmetric), `M∓ N±` (`M` centrosymmetric, `N`
    /// skew), `M± N±` (`M` skew, `N` centrosymmetric) and `M∓ N±` (both skew, a
    /// centrosymmetric product).
    pub fn product(&self, other: &Self) -> Self {
        let (left_plus, left_minus) = if other.skew {
            (&self.minus, &self.plus)
        } else {
            (&self.plus, &self.minus)
        };
        Self {
            plus: left_plus * &other.plus,
            minus: left_minus * &other.minus,
            skew: self.skew != other.skew,
        }
    }

    /// The halves of `c·M`.
    pub fn scaled(&self, c: f64) -> Self {
        Self {
            plus: Mat::from_fn(self.plus.nrows(), self.plus.ncols(), |i, j| {
                c * self.plus[(i, j)]
            }),
            minus: Mat::from_fn(self.minus.nrows(), self.minus.ncols(), |i, j| {
                c * self.minus[(i, j)]
            }),
            skew: self.skew,
        }
    }

    /// `out = M x` for `x` of `n` rows (any strides).
    pub fn apply(&self, x: MatRef<'_, f64>, out: MatMut<'_, f64>) {
        let (n, m) = (x.nrows(), x.ncols());
        assert!(
            n == self.size() && out.nrows() == n && out.ncols() == m,
            "CentroHalves::apply: shapes"
        );
        let h = n / 2;
        let (top, bottom) = (x.subrows(0, h), x.subrows(h, h).reverse_rows());
        // four h × m work matrices from a per-thread buffer: fresh allocations of
        // this size every call cost more in page faults than the butterflies
        crate::workspace::with_buffer(4 * h * m, |buf| {
            let (s, rest) = buf.split_at_mut(h * m);
            let (d, rest) = rest.split_at_mut(h * m);
            let (zs, rest) = rest.split_at_mut(h * m);
            let zd = &mut rest[..h * m];
            let mut s = MatMut::from_column_major_slice_mut(s, h, m);
            let mut d = MatMut::from_column_major_slice_mut(d, h, m);
            let mut zs = MatMut::from_column_major_slice_mut(zs, h, m);
            let mut zd = MatMut::from_column_major_slice_mut(zd, h, m);
            // P x without the 1/√2: s = top + J·bottom, d = top − J·bottom
            zip!(s.rb_mut(), d.rb_mut(), top, bottom).for_each(|unzip!(s, d, t, b)| {
                *s = *t + *b;
                *d = *t - *b;
            });
            // the two half products side by side, one thread each: half-size GEMMs
            // are too small to split further without the threads mostly waiting
            let half_product = |z: MatMut<'_, f64>, mh: &Mat<f64>, y: MatRef<'_, f64>| {
                matmul(z, Accum::Replace, mh.as_ref(), y, 1.0, faer::Par::Seq);
            };
            rayon::join(
                || half_product(zs.rb_mut(), &self.plus, s.rb()),
                || half_product(zd.rb_mut(), &self.minus, d.rb()),
            );
            // Pᵀ diag(M₊, M₋) P x = ½ [zs + zd; J (zs − zd)]; centro-skew:
            // Pᵀ [[0, M₋], [M₊, 0]] P x = ½ [zd + zs; J (zd − zs)]
            let sign = if self.skew { -0.5 } else { 0.5 };
            let (out_top, out_bottom) = out.split_at_row_mut(h);
            zip!(out_top, out_bottom.reverse_rows_mut(), zs.rb(), zd.rb()).for_each(
                |unzip!(ot, ob, a, b)| {
                    *ot = 0.5 * (*a + *b);
                    *ob = sign * (*a - *b);
                },
            );
        });
    }
}
