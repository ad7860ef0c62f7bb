//! Brownian motion that can be queried over any interval, reproducibly.
//!
//! [`VirtualBrownianTree`] (Li, Wong, Chen & Duvenaud 2020; Kidger et al. 2021)
//! never stores a path. `W(t)` is found by descending a dyadic tree over `[t0, t1]`:
//! every node's midpoint value is drawn from the Brownian bridge between its end
//! values, with a normal variate that is a pure function of `(seed, node, component)`
//! (a counter-based generator). The same seed therefore gives bitwise the same path
//! whatever the order, number or spacing of the queries.
//!
//! With [`VirtualBrownianTree::with_levy_area`] every node also carries the
//! space-time Lévy area `H = (1/h)∫(W_r − W_a − (r−a)/h·W_ab) dr` of its interval.
//! Splitting `[a, b]` (length `h`, increment `W`, area `H`) at its midpoint uses the
//! exact conditional law (derived from the Brownian bridge covariances):
//! `W_am = W/2 + 3H/2 + Z`, `H_am = H/4 − Z/2 + N`, `H_mb = H/4 − Z/2 − N` with
//! independent `Z ~ N(0, h/16)`, `N ~ N(0, h/48)`. The tree then knows
//! `(W(t), ∫W)` at every node, from which the area over any interval follows.

use noether_core::{BrownianPath, Space};

use crate::error::{Result, invalid};

/// SplitMix64 finaliser: a bijective 64-bit mixer.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A standard normal variate that depends only on `(seed, node, component)`
/// (Box–Muller on two counter-based uniforms).
#[inline]
pub(crate) fn normal(seed: u64, node: u64, component: u64) -> f64 {
    let base = mix(seed ^ mix(node ^ mix(component.wrapping_mul(0xD6E8_FEB8_6659_FD93))));
    let u1 = ((mix(base) >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64);
    let u2 = ((mix(base ^ 0x5851_F42D_4C95_7F2D) >> 11) as f64) * (1.0 / (1u64 << 53) as f64);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A `dim`-dimensional Brownian motion on `[t0, t1]`, resolved to `tol` in time.
///
/// ```
/// use noether_core::BrownianPath;
/// use noether_diffeq::brownian::VirtualBrownianTree;
///
/// let w = VirtualBrownianTree::new(0.0, 1.0, 2, 1e-6, 42).unwrap();
/// let mut a = vec![0.0_f64; 2];
/// let mut b = vec![0.0; 2];
/// let mut c = vec![0.0; 2];
/// w.increment(0.0, 0.3, &mut a);
/// w.increment(0.3, 0.7, &mut b);
/// w.increment(0.0, 0.7, &mut c);
/// assert!((a[0] + b[0] - c[0]).abs() < 1e-12); // additivity
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualBrownianTree {
    t0: f64,
    t1: f64,
    dim: usize,
    tol: f64,
    seed: u64,
    depth: u32,
    levy: bool,
}

/// Salts separating the independent normal streams of a node.
const SALT_AREA: u64 = 0xA5A5_5A5A_C3C3_3C3C;
const SALT_SPLIT: u64 = 0x1234_5678_9ABC_DEF1;

impl VirtualBrownianTree {
    /// A path on `[t0, t1]` (`t0 < t1`) of dimension `dim`, exact at dyadic points down
    /// to spacing `tol` (linear bridge mean below it).
    pub fn new(t0: f64, t1: f64, dim: usize, tol: f64, seed: u64) -> Result<Self> {
        if !(t0.is_finite() && t1.is_finite() && t1 > t0) {
            return Err(invalid(
                "t0/t1",
                format!("{t0}/{t1}"),
                "need finite t0 < t1",
            ));
        }
        if !(tol.is_finite() && tol > 0.0) {
            return Err(invalid("tol", tol, "must be positive"));
        }
        let depth = ((t1 - t0) / tol).log2().ceil().clamp(0.0, 60.0) as u32;
        Ok(Self {
            t0,
            t1,
            dim,
            tol,
            seed,
            depth,
            levy: false,
        })
    }

    /// The same kind of tree carrying space-time Lévy areas (for SRA1 and other
    /// schemes of strong order 1.5 on additive noise). Its `W` is a different (equally
    /// distributed) path from the plain tree's with the same seed. Below `tol`,
    /// `W` and `∫W` take their conditional means given the leaf's increment and area.
    pub fn with_levy_area(mut self) -> Self {
        self.levy = true;
        self
    }

    /// Whether the tree carries Lévy areas.
    pub fn has_levy_area(&self) -> bool {
        self.levy
    }

    /// `(W(t), ∫_{t0}^t W dr)` in component `c` (tree with Lévy area).
    fn value_and_integral(&self, t: f64, c: usize) -> (f64, f64) {
        let t = t.clamp(self.t0, self.t1);
        let c = c as u64;
        let (mut a, mut b) = (self.t0, self.t1);
        let mut h = b - a;
        let (mut wa, mut ia) = (0.0, 0.0);
        let mut w = h.sqrt() * normal(self.seed, 0, c);
        let mut area = (h / 12.0).sqrt() * normal(self.seed ^ SALT_AREA, 0, c);
        let mut node: u64 = 1;
        for _ in 0..self.depth {
            if t == a {
                return (wa, ia);
            }
            if t == b {
                return (wa + w, ia + h * (wa + 0.5 * w + area));
            }
            let z = (h / 16.0).sqrt() * normal(self.seed, node, c);
            let n = (h / 48.0).sqrt() * normal(self.seed ^ SALT_SPLIT, node, c);
            let w_left = 0.5 * w + 1.5 * area + z;
            let m = 0.5 * (a + b);
            h *= 0.5;
            if t < m {
                b = m;
                w = w_left;
                area = 0.25 * area - 0.5 * z + n;
                node *= 2;
            } else {
                ia += h * (wa + 0.5 * w_left + (0.25 * area - 0.5 * z + n));
                wa += w_left;
                a = m;
                w -= w_left;
                area = 0.25 * area - 0.5 * z - n;
                node = 2 * node + 1;
            }
        }
        if t == a {
            return (wa, ia);
        }
        // Conditional means of the bridge B at r = a + θh and of ∫_a^r B given the
        // leaf's area S = hH: Cov(B_r, S) = L₁L₂/2,
        // Cov(∫_a^r B, S) = L₁³/3 − L₁⁴/(4h) + L₁²L₂²/(4h), Var S = h³/12.
        let (l1, l2) = (t - a, b - t);
        let s = h * area;
        let var_s = h * h * h / 12.0;
        let m_bridge = 0.5 * l1 * l2 / var_s * s;
        let m_area =
            (l1.powi(3) / 3.0 - l1.powi(4) / (4.0 * h) + l1 * l1 * l2 * l2 / (4.0 * h)) / var_s * s;
        let wr = wa + l1 / h * w + m_bridge;
        let ir = ia + l1 * wa + w * l1 * l1 / (2.0 * h) + m_area;
        (wr, ir)
    }

    /// The space-time Lévy area over `[s, t]` of component `c`.
    fn levy_area(&self, s: f64, t: f64, c: usize) -> f64 {
        let (ws, is) = self.value_and_integral(s, c);
        let (wt, it) = self.value_and_integral(t, c);
        let h = t - s;
        // h·H = ∫_s^t W dr − h W_s − h (W_t − W_s)/2
        ((it - is) - h * ws - 0.5 * h * (wt - ws)) / h
    }

    /// Dimension of the Brownian motion.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Time resolution of the tree.
    pub fn tol(&self) -> f64 {
        self.tol
    }

    /// `W(t)` (with `W(t0) = 0`) in component `c`.
    fn value(&self, t: f64, c: usize) -> f64 {
        if self.levy {
            return self.value_and_integral(t, c).0;
        }
        let t = t.clamp(self.t0, self.t1);
        let c = c as u64;
        let (mut a, mut b) = (self.t0, self.t1);
        let (mut wa, mut wb) = (0.0, (b - a).sqrt() * normal(self.seed, 0, c));
        let mut node: u64 = 1;
        for _ in 0..self.depth {
            if t == a {
                return wa;
            }
            if t == b {
                return wb;
            }
            let m = 0.5 * (a + b);
            let wm = 0.5 * (wa + wb) + (0.25 * (b - a)).sqrt() * normal(self.seed, node, c);
            if t < m {
                b = m;
                wb = wm;
                node *= 2;
            } else {
                a = m;
                wa = wm;
                node = 2 * node + 1;
            }
        }
        wa + (t - a) / (b - a) * (wb - wa)
    }

    /// `W(t) − W(s)` for every component, written to a slice.
    pub fn increment_into(&self, s: f64, t: f64, out: &mut [f64]) {
        for (c, o) in out.iter_mut().enumerate() {
            *o = self.value(t, c) - self.value(s, c);
        }
    }
}

thread_local! {
    /// Host scratch for the per-component values of a query.
    static SCRATCH: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Evaluates `value(c)` for every component on the host and copies the result to
/// `out` on its device (one transfer per query).
fn write_components<V: Space>(out: &mut V, value: impl Fn(usize) -> f64) {
    SCRATCH.with(|cell| {
        let mut buf = cell.borrow_mut();
        buf.clear();
        buf.extend((0..out.len()).map(value));
        out.copy_from_f64(&buf);
    });
}

/// The tree answers for any [`Space`]: the path is generated on the host (it is a
/// counter-based function of the seed, so query order does not matter) and copied to
/// the state's device, so a burn tensor on any device sees the same path as a
/// `Vec<f64>`.
impl<V: Space> BrownianPath<V> for VirtualBrownianTree {
    fn interval(&self) -> (f64, f64) {
        (self.t0, self.t1)
    }

    fn increment(&self, s: f64, t: f64, out: &mut V) {
        write_components(out, |c| self.value(t, c) - self.value(s, c));
    }

    fn space_time_levy_area(&self, s: f64, t: f64, out: &mut V) -> Option<()> {
        if !self.levy {
            return None;
        }
        write_components(out, |c| self.levy_area(s, t, c));
        Some(())
    }
}
