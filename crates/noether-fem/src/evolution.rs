//! Time-dependent problems as the shared traits of `noether-core`, so that the
//! integrators of `noether-diffeq` drive them unchanged:
//!
//! - the wave equation `u_tt = div(c² ∇u)` as a separable [`Hamiltonian`] in
//!   `q = u`, `p = M u̇`: `H = ½ pᵀM⁻¹p + ½ qᵀKq`, whose symplectic integration
//!   (leapfrog) keeps the discrete energy bounded over any number of steps;
//! - the heat equation `u_t = div(κ∇u) + f` as `M u̇ = F − K u`: a [`VectorField`]
//!   `F − K u` (no mass solve inside) with its mass matrix `M`
//!   ([`HeatEquation::mass`]), which the implicit solvers of noether-diffeq put in
//!   their Newton matrix `M − cJ`.
//!
//! Both act on the free (non-Dirichlet) degrees of freedom with homogeneous Dirichlet
//! conditions on the rest; where `M⁻¹` is needed (the wave Hamiltonian's `∂H/∂p`) the
//! consistent mass matrix is inverted by a sparse Cholesky factorisation computed
//! once.

use faer::sparse::SparseRowMat;
use noether_core::{Hamiltonian, VectorField};

use crate::assemble::{Term, bilinear, linear};
use crate::direct::{SparseCholesky, submatrix};
use crate::eigen::apply;
use crate::error::{Result, invalid};
use crate::p1::ScalarFn;
use crate::space::{FunctionSpace, Op};

/// Stiffness and mass of a scalar space restricted to its free degrees of freedom.
#[derive(Debug)]
pub struct Semidiscrete {
    /// Free dofs (global ids), ascending.
    pub free: Vec<usize>,
    /// `K` on the free dofs.
    pub stiffness: SparseRowMat<usize, f64>,
    /// `M` on the free dofs.
    pub mass: SparseRowMat<usize, f64>,
    mass_chol: SparseCholesky,
    ndofs: usize,
}

impl Semidiscrete {
    /// `K = ∫ c(x) ∇u·∇v` (`c ≡ 1` when `None`) and `M = ∫ uv` of `space`, with the
    /// dofs of the boundary facets marked `markers` (all when empty) fixed to zero.
    pub fn new(
        space: &FunctionSpace,
        coefficient: Option<ScalarFn>,
        markers: &[i32],
    ) -> Result<Self> {
        if space.element().value_dim() != 1 {
            return Err(invalid("space", "vector-valued", "needs a scalar space"));
        }
        let term = match coefficient {
            Some(c) => Term::new(Op::Grad, Op::Grad).with_coefficient(c),
            None => Term::new(Op::Grad, Op::Grad),
        };
        let k = bilinear(space, space, &[term])?;
        let m = bilinear(space, space, &[Term::new(Op::Value, Op::Value)])?;
        let fixed = space.boundary_dofs(markers)?;
        let mut is_fixed = vec![false; space.ndofs()];
        for &i in &fixed {
            is_fixed[i] = true;
        }
        let free: Vec<usize> = (0..space.ndofs()).filter(|&i| !is_fixed[i]).collect();
        let stiffness = submatrix(&k, &free, &free)?;
        let mass = submatrix(&m, &free, &free)?;
        let mass_chol = SparseCholesky::new(&mass)?;
        Ok(Self {
            free,
            stiffness,
            mass,
            mass_chol,
            ndofs: space.ndofs(),
        })
    }

    /// Number of free dofs.
    pub fn len(&self) -> usize {
        self.free.len()
    }

    /// Whether every dof is fixed.
    pub fn is_empty(&self) -> bool {
        self.free.is_empty()
    }

    /// The free part of a full coefficient vector.
    pub fn restrict(&self, full: &[f64]) -> Vec<f64> {
        self.free.iter().map(|&i| full[i]).collect()
    }

    /// The full coefficient vector (zeros on fixed dofs) of free values.
    pub fn extend(&self, free: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.ndofs];
        for (&i, &v) in self.free.iter().zip(free) {
            out[i] = v;
        }
        out
    }

    /// `M⁻¹ x` by the sparse Cholesky factors; a solve that fails (non-finite
    /// input) yields NaN, which the
    /// integrators report as a non-finite state.
    pub fn mass_solve(&self, x: &[f64]) -> Vec<f64> {
        self.mass_chol
            .solve(x)
            .unwrap_or_else(|_| vec![f64::NAN; x.len()])
    }

    /// `M u̇` for a velocity `u̇` (free dofs): the momentum of the wave Hamiltonian.
    pub fn momentum(&self, velocity: &[f64]) -> Vec<f64> {
        apply(&self.mass, velocity)
    }
}

/// The wave equation `M ü + K u = 0` as the separable Hamiltonian
/// `H(q, p) = ½ pᵀM⁻¹p + ½ qᵀKq`.
#[derive(Debug)]
pub struct WaveHamiltonian(pub Semidiscrete);

impl Hamiltonian<Vec<f64>> for WaveHamiltonian {
    fn dh_dq(&self, q: &Vec<f64>, _p: &Vec<f64>, out: &mut Vec<f64>) {
        *out = apply(&self.0.stiffness, q);
    }

    fn dh_dp(&self, _q: &Vec<f64>, p: &Vec<f64>, out: &mut Vec<f64>) {
        *out = self.0.mass_solve(p);
    }

    fn energy(&self, q: &Vec<f64>, p: &Vec<f64>) -> Option<f64> {
        let kq = apply(&self.0.stiffness, q);
        let mp = self.0.mass_solve(p);
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        Some(0.5 * dot(p, &mp) + 0.5 * dot(q, &kq))
    }

    fn is_separable(&self) -> bool {
        true
    }
}

/// The heat equation `M u̇ = F − K u` on the free dofs: the vector field is
/// `f(u) = F − K u` and [`mass`](HeatEquation::mass) is `M`.
///
/// ```
/// use noether_diffeq::esdirk::{Esdirk, KVAERNO5};
/// use noether_diffeq::newton::KrylovNewton;
/// use noether_diffeq::{solve, OdeProblem, SolveOptions};
/// use noether_fem::element::Element;
/// use noether_fem::evolution::HeatEquation;
/// use noether_fem::space::FunctionSpace;
/// use noether_mesh::generate::{unit_square, Diagonal};
///
/// let mesh = unit_square(8, 8, Diagonal::Alternating).unwrap();
/// let space = FunctionSpace::new(&mesh, Element::lagrange(2, 1).unwrap()).unwrap();
/// let heat = HeatEquation::new(&space, None, None, &[]).unwrap();
/// let u0 = vec![1.0; heat.semi.len()];
/// let newton = KrylovNewton::finite_difference(KrylovNewton::<Vec<f64>>::default_options())
///     .with_mass(heat.mass());
/// let problem = OdeProblem::new(&heat, (0.0, 0.05), u0).tolerances(1e-6, 1e-8);
/// let sol = solve(&problem, Esdirk::new(&KVAERNO5, newton), SolveOptions::default()).unwrap();
/// assert!(sol.ys[0].iter().all(|&u| u < 1.0)); // it cools
/// ```
#[derive(Debug)]
pub struct HeatEquation {
    /// The spatial discretisation.
    pub semi: Semidiscrete,
    /// The load `F` on the free dofs.
    pub load: Vec<f64>,
}

impl HeatEquation {
    /// Heat equation on `space` with conductivity `kappa` (1 when `None`), source
    /// `f(x)` (time-independent) and homogeneous Dirichlet conditions on `markers`
    /// (the whole boundary when empty).
    pub fn new(
        space: &FunctionSpace,
        kappa: Option<ScalarFn>,
        f: Option<ScalarFn>,
        markers: &[i32],
    ) -> Result<Self> {
        let semi = Semidiscrete::new(space, kappa, markers)?;
        let load = match f {
            Some(f) => semi.restrict(&linear(space, Op::Value, &|x, o| o[0] = f(x))?),
            None => vec![0.0; semi.len()],
        };
        Ok(Self { semi, load })
    }
}

impl HeatEquation {
    /// The mass matrix `M` of `M u̇ = F − K u` (a copy, to hand to a Newton solver).
    pub fn mass(&self) -> SparseRowMat<usize, f64> {
        self.semi.mass.clone()
    }
}

/// `f(u) = F − K u` (the right-hand side of `M u̇ = f`).
impl VectorField<Vec<f64>> for HeatEquation {
    fn eval(&self, _t: f64, u: &Vec<f64>, out: &mut Vec<f64>) {
        let ku = apply(&self.semi.stiffness, u);
        for ((o, f), k) in out.iter_mut().zip(&self.load).zip(&ku) {
            *o = f - k;
        }
    }
}
