//! Adam on host parameter vectors (Kingma & Ba 2015), the workspace's one copy:
//! GP-HM's training and grid-GP hyperparameter learning (noether-gp) and the
//! neural training workflow (noether-diffeq's `neural::train`) use it.

/// Adam (default β₁ = 0.9, β₂ = 0.999, ε = 1e-8) on a flat parameter vector of
/// fixed length. A step may update the parameters in several slices (`offset` says
/// where a slice starts in the flat layout). Its whole state (moments and step
/// count) can be read and restored, for checkpoints.
///
/// ```
/// use noether_core::optim::Adam;
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
    beta1: f64,
    beta2: f64,
    eps: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Adam {
    /// Adam for `n` parameters with learning rate `lr` and the default β and ε.
    pub fn new(n: usize, lr: f64) -> Self {
        Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    /// With these β₁, β₂ and ε.
    pub fn with_betas(mut self, beta1: f64, beta2: f64, eps: f64) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self.eps = eps;
        self
    }

    /// Sets the learning rate of the coming steps (for a schedule).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// The moments `(m, v)`.
    pub fn moments(&self) -> (&[f64], &[f64]) {
        (&self.m, &self.v)
    }

    /// Restores the moments and the step count of a saved state.
    ///
    /// Errors: [`CoreError::DimensionMismatch`](crate::CoreError::DimensionMismatch) when a moment's length is not the
    /// parameter count.
    pub fn restore(&mut self, m: Vec<f64>, v: Vec<f64>, steps: usize) -> crate::Result<()> {
        for x in [&m, &v] {
            if x.len() != self.m.len() {
                return Err(crate::CoreError::DimensionMismatch {
                    context: "Adam::restore",
                    expected: self.m.len(),
                    got: x.len(),
                });
            }
        }
        self.m = m;
        self.v = v;
        self.t = i32::try_from(steps).unwrap_or(i32::MAX);
        Ok(())
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
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        let (c1, c2) = (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t));
        let lr = self.lr;
        let end = offset + params.len();
        let (m, v) = (&mut self.m[offset..end], &mut self.v[offset..end]);
        for (((pi, mi), vi), g) in params.iter_mut().zip(m).zip(v).zip(grad) {
            *mi = b1 * *mi + (1.0 - b1) * g;
            *vi = b2 * *vi + (1.0 - b2) * g * g;
            *pi -= lr * (*mi / c1) / ((*vi / c2).sqrt() + eps);
        }
    }
}
