//! Stochastic interpolants and conditional flow-matching paths (Albergo,
//! Boffi & Vanden-Eijnden 2023; Lipman et al. 2023; Tong et al. 2024):
//! `x_t = α(t)x₀ + β(t)x₁ + γ(t)z`, `z ~ N(0, I)` independent of the pair
//! `(x₀, x₁)`, and the regression targets of the fields that transport `x₀`'s law
//! to `x₁`'s:
//!
//! - the velocity `b = E[α′x₀ + β′x₁ + γ′z | x_t]` (the conditional flow-matching
//!   target `u_t`);
//! - the denoiser `η = E[z | x_t]`;
//! - the score `s = ∇log ρ_t = −η/γ` (where `γ > 0`).
//!
//! | preset | path | γ(t) |
//! |---|---|---|
//! | I-CFM / OT-CFM (σ) | linear `(1 − t, t)` | constant σ |
//! | SB-CFM / \[SF\]²M (σ) | linear | `σ√(t(1 − t))` (the Brownian bridge) |
//! | rectified flow | linear | 0 |
//! | VP-CFM | trigonometric `(cos πt/2, sin πt/2)` | 0 |
//! | FM (Lipman, σ_min) | `(1 − (1 − σ_min)t, t)` with Gaussian `x₀` | 0 |
//! | stochastic interpolant | linear or trigonometric | `√(a t(1 − t))`, `a t(1 − t)`, `a sin²(πt)` |
//!
//! With γ of the Brownian bridge the velocity target equals torchcfm's SB-CFM
//! `(1 − 2t)/(2t(1 − t))·(x_t − μ_t) + x₁ − x₀`, since `x_t − μ_t = γz`.

/// The deterministic part `α(t)x₀ + β(t)x₁`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Path {
    /// `α = 1 − t`, `β = t`.
    Linear,
    /// `α = cos(πt/2)`, `β = sin(πt/2)` (variance preserving for independent unit
    /// endpoints).
    Trigonometric,
    /// Lipman et al.'s conditional OT path `α = 1 − (1 − σ_min)t`, `β = t` (for a
    /// Gaussian `x₀`: `N(t x₁, (1 − (1 − σ_min)t)²)`, the kinetic-optimal Gaussian
    /// path).
    Lipman {
        /// The width left at `t = 1`.
        sigma_min: f64,
    },
}

/// The noise scale `γ(t)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise {
    /// No noise.
    None,
    /// A constant σ (torchcfm's I-CFM and OT-CFM).
    Constant(f64),
    /// `σ√(t(1 − t))`: the Brownian bridge of SB-CFM and \[SF\]²M.
    BrownianBridge(f64),
    /// `√(a t(1 − t))`.
    SqrtQuadratic(f64),
    /// `a t(1 − t)`.
    Quadratic(f64),
    /// `a sin²(πt)`.
    SinSquared(f64),
}

/// `α, β, γ` and their time derivatives at one `t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coefficients {
    /// `α(t)`.
    pub alpha: f64,
    /// `β(t)`.
    pub beta: f64,
    /// `γ(t)`.
    pub gamma: f64,
    /// `α′(t)`.
    pub d_alpha: f64,
    /// `β′(t)`.
    pub d_beta: f64,
    /// `γ′(t)` (finite for `t ∈ (0, 1)`; the bridge's is singular at the ends).
    pub d_gamma: f64,
}

/// What the network regresses on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// The velocity `b` (flow matching).
    Velocity,
    /// The denoiser `η = E[z | x_t]`.
    Denoiser,
}

/// A path with its noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interpolant {
    /// `α, β`.
    pub path: Path,
    /// `γ`.
    pub noise: Noise,
}

impl Interpolant {
    /// I-CFM and OT-CFM: the linear path with constant noise σ.
    pub fn cfm(sigma: f64) -> Self {
        Self {
            path: Path::Linear,
            noise: if sigma > 0.0 {
                Noise::Constant(sigma)
            } else {
                Noise::None
            },
        }
    }

    /// SB-CFM / \[SF\]²M: the Brownian bridge of diffusion σ.
    pub fn bridge(sigma: f64) -> Self {
        Self {
            path: Path::Linear,
            noise: Noise::BrownianBridge(sigma),
        }
    }

    /// The coefficients at `t ∈ [0, 1]`.
    pub fn at(&self, t: f64) -> Coefficients {
        use std::f64::consts::PI;
        let (alpha, beta, d_alpha, d_beta) = match self.path {
            Path::Linear => (1.0 - t, t, -1.0, 1.0),
            Path::Trigonometric => {
                let (s, c) = (0.5 * PI * t).sin_cos();
                (c, s, -0.5 * PI * s, 0.5 * PI * c)
            }
            Path::Lipman { sigma_min } => (1.0 - (1.0 - sigma_min) * t, t, -(1.0 - sigma_min), 1.0),
        };
        let q = t * (1.0 - t);
        let (gamma, d_gamma) = match self.noise {
            Noise::None => (0.0, 0.0),
            Noise::Constant(s) => (s, 0.0),
            Noise::BrownianBridge(s) => {
                let r = q.max(0.0).sqrt();
                (
                    s * r,
                    if r > 0.0 {
                        s * (1.0 - 2.0 * t) / (2.0 * r)
                    } else {
                        0.0
                    },
                )
            }
            Noise::SqrtQuadratic(a) => {
                let r = (a * q).max(0.0).sqrt();
                (
                    r,
                    if r > 0.0 {
                        a * (1.0 - 2.0 * t) / (2.0 * r)
                    } else {
                        0.0
                    },
                )
            }
            Noise::Quadratic(a) => (a * q, a * (1.0 - 2.0 * t)),
            Noise::SinSquared(a) => {
                let (s, c) = (PI * t).sin_cos();
                (a * s * s, 2.0 * a * PI * s * c)
            }
        };
        Coefficients {
            alpha,
            beta,
            gamma,
            d_alpha,
            d_beta,
            d_gamma,
        }
    }

    /// `x_t` and the target of `objective`, written into `xt` and `target`, for one
    /// sample `[x0, x1, z]` (all of equal length).
    pub fn sample_one(
        &self,
        t: f64,
        [x0, x1, z]: [&[f64]; 3],
        objective: Objective,
        xt: &mut [f64],
        target: &mut [f64],
    ) {
        let c = self.at(t);
        for k in 0..x0.len() {
            xt[k] = c.alpha * x0[k] + c.beta * x1[k] + c.gamma * z[k];
            target[k] = match objective {
                Objective::Velocity => c.d_alpha * x0[k] + c.d_beta * x1[k] + c.d_gamma * z[k],
                Objective::Denoiser => z[k],
            };
        }
    }
}
