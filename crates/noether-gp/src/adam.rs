//! Adam on host parameter vectors (Kingma & Ba 2015), the one copy used by the GP
//! fits: GP-HM's training and grid-GP hyperparameter learning.

/// Adam with β₁ = 0.9, β₂ = 0.999, ε = 1e-8 on a flat parameter vector of fixed
/// length. A step may update the parameters in several slices (`offset` says where
/// a slice starts in the flat layout).
///
/// ```
/// use noether_gp::adam::Adam;
///
/// // Minimise (x − 3)²: Adam moves by about lr per step towards 3.
/// let mut x = [0.0];
/// let mut adam = Adam::new(1, 0.1);
/// for _ in 0..200 {
///     adam.next_step();
///     let g = [2.0 * (x[0] - 3.0)];
///     adam.descend(0, &mut x, &g);
/// }
/// assert!((x[0] - 3.0).abs() < 0.05);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Adam {
    lr: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

const B1: f64 = 0.9;
const B2: f64 = 0.999;
const EPS: f64 = 1e-8;

impl Adam {
    /// Adam for `n` parameters with learning rate `lr`.
    pub fn new(n: usize, lr: f64) -> Self {
        Self {
            lr,
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.m.len()
    }

    /// `true` for zero parameters.
    pub fn is_empty(&self) -> bool {
        self.m.is_empty()
    }

    /// Steps begun so far.
    pub fn steps(&self) -> usize {
        self.t as usize
    }

    /// Begins the next step (its bias corrections); then call
    /// [`descend`](Adam::descend) on every slice of the parameters.
    pub fn next_step(&mut self) {
        self.t += 1;
    }

    /// `params ← params − lr·m̂/(√v̂ + ε)` for the slice of the flat layout that
    /// starts at `offset`, with its gradient `grad` (ascent: pass `−grad`).
    ///
    /// Panics when the slice runs past the parameter count or `grad` is shorter.
    pub fn descend(&mut self, offset: usize, params: &mut [f64], grad: &[f64]) {
        let (c1, c2) = (1.0 - B1.powi(self.t), 1.0 - B2.powi(self.t));
        let lr = self.lr;
        let end = offset + params.len();
        let (m, v) = (&mut self.m[offset..end], &mut self.v[offset..end]);
        for (((pi, mi), vi), g) in params.iter_mut().zip(m).zip(v).zip(grad) {
            *mi = B1 * *mi + (1.0 - B1) * g;
            *vi = B2 * *vi + (1.0 - B2) * g * g;
            *pi -= lr * (*mi / c1) / ((*vi / c2).sqrt() + EPS);
        }
    }
}
