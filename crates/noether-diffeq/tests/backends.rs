//! The backend matrix: the same solvers, written once against `Space`, on every
//! state type: `Vec<f32>`, `Vec<f64>`, nalgebra `DVector<f64>`, faer `Col<f64>` and
//! burn `Tensor<2>` on the Flex device in f32 and f64.
//!
//! - every explicit tableau on a 10-dimensional linear ODE and on Lorenz over
//!   t ∈ [0, 1]: the f64 types agree with `Vec<f64>` to 1e-12 and take identical
//!   step counts at rtol = atol = 1e-9 (fixed steps for the tableaux without an
//!   error estimate); the f32 types agree with `Vec<f32>` to 1e-4 at rtol 1e-5;
//! - Kvaerno5 and BDF on Robertson: the f64 host types with a dense Newton agree
//!   with each other, and burn f64 with matrix-free Newton–GMRES agrees with
//!   `Vec<f64>` with the same matrix-free Newton;
//! - Euler–Maruyama and reversible Heun on `Vec<f64>` and burn f64 with the same
//!   Brownian path give the same solution to 1e-12.

#![allow(clippy::ptr_arg)]

use burn::tensor::{DType, Device, Tensor, TensorData};
use faer::Col;
use nalgebra::DVector;
use noether_core::{Ito, NoiseShape, Real, Sde, Space, Stratonovich};
use noether_diffeq::bdf::Bdf;
use noether_diffeq::brownian::VirtualBrownianTree;
use noether_diffeq::erk::Erk;
use noether_diffeq::esdirk::{Esdirk, KVAERNO5};
use noether_diffeq::newton::{DenseNewton, KrylovNewton};
use noether_diffeq::sde::{EulerMaruyama, ReversibleHeun, Scheme, SdeSystem};
use noether_diffeq::tableau::{ALL, ButcherTableau};
use noether_diffeq::{OdeProblem, Solution, SolveOptions, solve};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// A state type of the matrix, with the component-wise fields it needs.
trait Backend: Space {
    /// The state holding `values`.
    fn make(values: &[f64]) -> Self;
    /// `out ← A x` for a row-major `n × n` matrix `a`.
    fn matvec(a: &[f64], x: &Self, out: &mut Self);
    /// Lorenz's field.
    fn lorenz(x: &Self, out: &mut Self);
    /// Robertson's kinetics.
    fn robertson(x: &Self, out: &mut Self);
}

macro_rules! host_backend {
    ($t:ty, $s:ty, $from:expr) => {
        impl Backend for $t {
            fn make(values: &[f64]) -> Self {
                let v: Vec<$s> = values.iter().map(|x| <$s>::of_f64(*x)).collect();
                $from(&v)
            }
            fn matvec(a: &[f64], x: &Self, out: &mut Self) {
                let n = x.len();
                let x = noether_core::HostSpace::as_slice(x);
                for (i, o) in noether_core::HostSpace::as_mut_slice(out)
                    .iter_mut()
                    .enumerate()
                {
                    let mut acc = <$s>::of_f64(0.0);
                    for j in 0..n {
                        acc += <$s>::of_f64(a[i * n + j]) * x[j];
                    }
                    *o = acc;
                }
            }
            fn lorenz(x: &Self, out: &mut Self) {
                let y = noether_core::HostSpace::as_slice(x);
                let (s, r, b) = (
                    <$s>::of_f64(10.0),
                    <$s>::of_f64(28.0),
                    <$s>::of_f64(8.0 / 3.0),
                );
                let d = [
                    s * (y[1] - y[0]),
                    y[0] * (r - y[2]) - y[1],
                    y[0] * y[1] - b * y[2],
                ];
                noether_core::HostSpace::as_mut_slice(out).copy_from_slice(&d);
            }
            fn robertson(x: &Self, out: &mut Self) {
                let y = noether_core::HostSpace::as_slice(x);
                let c = <$s>::of_f64;
                let (r1, r2, r3) = (c(0.04) * y[0], c(3e7) * y[1] * y[1], c(1e4) * y[1] * y[2]);
                let d = [-r1 + r3, r1 - r2 - r3, r2];
                noether_core::HostSpace::as_mut_slice(out).copy_from_slice(&d);
            }
        }
    };
}

host_backend!(Vec<f64>, f64, |v: &[f64]| v.to_vec());
host_backend!(Vec<f32>, f32, |v: &[f32]| v.to_vec());
host_backend!(DVector<f64>, f64, |v: &[f64]| DVector::from_column_slice(v));
host_backend!(Col<f64>, f64, |v: &[f64]| Col::from_fn(v.len(), |i| v[i]));

// Burn tensors of shape `[1, n]` (a batch of one) in the dtype of the thread's
// setting.
thread_local! {
    static BURN_DTYPE: std::cell::Cell<DType> = const { std::cell::Cell::new(DType::F64) };
}

fn burn_options() -> (Device, DType) {
    (Device::flex(), BURN_DTYPE.with(|d| d.get()))
}

/// Component `i` of a `[1, n]` tensor as a `[1, 1]` tensor.
fn col(x: &Tensor<2>, i: usize) -> Tensor<2> {
    x.clone().slice([0..1, i..i + 1])
}

impl Backend for Tensor<2> {
    fn make(values: &[f64]) -> Self {
        let (device, dtype) = burn_options();
        let data = TensorData::new(values.to_vec(), [1, values.len()]);
        Tensor::from_data(data, (&device, dtype))
    }
    fn matvec(a: &[f64], x: &Self, out: &mut Self) {
        let n = Space::len(x);
        // x A^T as a [1, n] × [n, n] product.
        let at: Vec<f64> = (0..n * n).map(|k| a[(k % n) * n + k / n]).collect();
        let data = TensorData::new(at, [n, n]);
        let at = Tensor::<2>::from_data(data, (&x.device(), x.dtype()));
        *out = x.clone().matmul(at);
    }
    fn lorenz(x: &Self, out: &mut Self) {
        let (y0, y1, y2) = (col(x, 0), col(x, 1), col(x, 2));
        let d0 = (y1.clone() - y0.clone()).mul_scalar(10.0);
        let d1 = y0.clone() * (y2.clone().neg().add_scalar(28.0)) - y1.clone();
        let d2 = y0 * y1 - y2.mul_scalar(8.0 / 3.0);
        *out = Tensor::cat(vec![d0, d1, d2], 1);
    }
    fn robertson(x: &Self, out: &mut Self) {
        let (y0, y1, y2) = (col(x, 0), col(x, 1), col(x, 2));
        let r1 = y0.mul_scalar(0.04);
        let r2 = (y1.clone() * y1.clone()).mul_scalar(3e7);
        let r3 = (y1 * y2).mul_scalar(1e4);
        let d0 = r3.clone() - r1.clone();
        let d1 = r1 - r2.clone() - r3;
        *out = Tensor::cat(vec![d0, d1, r2], 1);
    }
}

/// The seeded 10 × 10 test matrix `G/√10 − I/2` and `y₀ = 1`.
fn linear_system() -> (Vec<f64>, Vec<f64>) {
    let mut r = StdRng::seed_from_u64(11);
    let n = 10;
    let a: Vec<f64> = (0..n * n)
        .map(|k| {
            let g: f64 = StandardNormal.sample(&mut r);
            g / 10f64.sqrt() - if k % (n + 1) == 0 { 0.5 } else { 0.0 }
        })
        .collect();
    (a, vec![1.0; n])
}

/// The named problems of the matrix.
#[derive(Clone, Copy, Debug)]
enum Named {
    Linear10,
    Lorenz,
}

/// Solves `problem` with `tableau` on backend `V`: adaptive at `tol` where the
/// tableau has an error estimate, 200 fixed steps otherwise.
fn erk_solve<V: Backend>(problem: Named, tableau: &ButcherTableau, tol: f64) -> Solution<V> {
    let tol = if tableau.order < 3 {
        tol.max(1e-6)
    } else {
        tol
    };
    let (a, y_lin) = linear_system();
    let lin = move |_t: f64, x: &V, out: &mut V| V::matvec(&a, x, out);
    let lor = |_t: f64, x: &V, out: &mut V| V::lorenz(x, out);
    let opts = if tableau.b_err.is_some() {
        SolveOptions::default().max_steps(10_000_000)
    } else {
        SolveOptions::default().fixed(1.0 / 200.0)
    };
    let solver = Erk::new(tableau);
    match problem {
        Named::Linear10 => {
            let p = OdeProblem::new(&lin, (0.0, 1.0), V::make(&y_lin)).tolerances(tol, tol);
            solve(&p, solver, opts)
        }
        Named::Lorenz => {
            let p =
                OdeProblem::new(&lor, (0.0, 1.0), V::make(&[1.0, 1.0, 1.0])).tolerances(tol, tol);
            solve(&p, solver, opts)
        }
    }
    .unwrap_or_else(|e| panic!("{} on {problem:?}: {e}", tableau.name))
}

fn rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    let n: f64 = b.iter().map(|y| y * y).sum();
    (d / n.max(1e-300)).sqrt()
}

fn end<V: Space>(sol: &Solution<V>) -> Vec<f64> {
    sol.ys.last().expect("an end state").to_f64_vec()
}

#[test]
fn every_explicit_method_agrees_across_f64_backends() {
    for problem in [Named::Linear10, Named::Lorenz] {
        for tab in ALL {
            let reference = erk_solve::<Vec<f64>>(problem, tab, 1e-9);
            let want = end(&reference);
            let others = [
                ("DVector<f64>", {
                    let s = erk_solve::<DVector<f64>>(problem, tab, 1e-9);
                    (end(&s), s.stats)
                }),
                ("Col<f64>", {
                    let s = erk_solve::<Col<f64>>(problem, tab, 1e-9);
                    (end(&s), s.stats)
                }),
                ("Tensor<2> f64", {
                    BURN_DTYPE.with(|d| d.set(DType::F64));
                    let s = erk_solve::<Tensor<2>>(problem, tab, 1e-9);
                    (end(&s), s.stats)
                }),
            ];
            for (name, (got, stats)) in others {
                let d = rel_diff(&got, &want);
                assert!(d < 1e-12, "{} {problem:?} on {name}: {d:e}", tab.name);
                assert_eq!(
                    (stats.accepted, stats.rejected),
                    (reference.stats.accepted, reference.stats.rejected),
                    "{} {problem:?} on {name}: step counts",
                    tab.name
                );
            }
        }
    }
}

#[test]
fn every_explicit_method_agrees_across_f32_backends() {
    for problem in [Named::Linear10, Named::Lorenz] {
        for tab in ALL {
            let want = end(&erk_solve::<Vec<f64>>(problem, tab, 1e-5));
            let reference = end(&erk_solve::<Vec<f32>>(problem, tab, 1e-5));
            // f32 itself is close to the f64 solution at this tolerance...
            assert!(
                rel_diff(&reference, &want) < 1e-3,
                "{} {problem:?}",
                tab.name
            );
            BURN_DTYPE.with(|d| d.set(DType::F32));
            let got = end(&erk_solve::<Tensor<2>>(problem, tab, 1e-5));
            // ...and the f32 tensor agrees with Vec<f32>.
            let d = rel_diff(&got, &reference);
            assert!(d < 1e-4, "{} {problem:?} on Tensor<2> f32: {d:e}", tab.name);
        }
    }
}

/// A vector field behind a reference.
type DynField<'a, V> = dyn Fn(f64, &V, &mut V) + 'a;

fn robertson_problem<'a, V: Backend>(f: &'a DynField<'a, V>) -> OdeProblem<'a, V, DynField<'a, V>> {
    OdeProblem::new(f, (0.0, 1e3), V::make(&[1.0, 0.0, 0.0])).tolerances(1e-6, 1e-10)
}

fn krylov<V: Space>() -> KrylovNewton<V> {
    KrylovNewton::finite_difference(KrylovNewton::<V>::default_options())
}

#[test]
fn stiff_solvers_agree_across_backends() {
    fn host<V: Backend<Scalar = f64> + noether_core::HostSpace + 'static>() -> [(Vec<f64>, usize); 2]
    {
        let f = |_t: f64, x: &V, out: &mut V| V::robertson(x, out);
        let p = robertson_problem::<V>(&f);
        let kv = solve(
            &p,
            Esdirk::new(&KVAERNO5, DenseNewton::finite_difference()),
            SolveOptions::default(),
        )
        .unwrap();
        let bdf = solve(
            &p,
            Bdf::new(DenseNewton::finite_difference()),
            SolveOptions::default(),
        )
        .unwrap();
        [
            (end(&kv), kv.stats.accepted),
            (end(&bdf), bdf.stats.accepted),
        ]
    }
    let reference = host::<Vec<f64>>();
    for (name, got) in [
        ("DVector", host::<DVector<f64>>()),
        ("Col", host::<Col<f64>>()),
    ] {
        for ((g, gs), (w, ws)) in got.iter().zip(&reference) {
            assert!(rel_diff(g, w) < 1e-12, "{name}: {:e}", rel_diff(g, w));
            assert_eq!(gs, ws, "{name}: steps");
        }
    }
    // Matrix-free Newton–GMRES: burn f64 against Vec<f64> running the same algorithm.
    fn matrix_free<V: Backend>() -> [(Vec<f64>, usize); 2] {
        let f = |_t: f64, x: &V, out: &mut V| V::robertson(x, out);
        let p = robertson_problem::<V>(&f);
        let kv = solve(
            &p,
            Esdirk::new(&KVAERNO5, krylov::<V>()),
            SolveOptions::default(),
        )
        .unwrap();
        let bdf = solve(&p, Bdf::new(krylov::<V>()), SolveOptions::default()).unwrap();
        [
            (end(&kv), kv.stats.accepted),
            (end(&bdf), bdf.stats.accepted),
        ]
    }
    BURN_DTYPE.with(|d| d.set(DType::F64));
    let vec_mf = matrix_free::<Vec<f64>>();
    let burn_mf = matrix_free::<Tensor<2>>();
    for (label, ((g, gs), (w, ws))) in ["Kvaerno5", "BDF"].iter().zip(burn_mf.iter().zip(&vec_mf)) {
        let d = rel_diff(g, w);
        eprintln!("{label} matrix-free: burn vs Vec {d:.2e}, steps {gs} vs {ws}");
        assert!(d < 1e-9, "{label}: {d:e}");
        assert_eq!(gs, ws, "{label}: steps");
    }
    // And the matrix-free solution is the dense one within the tolerance.
    for ((g, _), (w, _)) in vec_mf.iter().zip(&reference) {
        assert!(rel_diff(g, w) < 1e-5);
    }
}

/// Ornstein–Uhlenbeck `dX = −θX dt + σ dW` in either calculus (additive noise,
/// so both agree), on any `Space`.
struct Ou<C>(std::marker::PhantomData<C>);

impl<V: Space, C: noether_core::Calculus> Sde<V> for Ou<C> {
    type Calculus = C;
    fn noise_shape(&self) -> NoiseShape {
        NoiseShape::Diagonal
    }
    fn drift(&self, _t: f64, x: &V, out: &mut V) {
        out.lincomb(&[(V::Scalar::of_f64(-1.5), x)]);
    }
    fn diffusion_times(&self, _t: f64, _x: &V, dw: &V, out: &mut V) {
        out.lincomb(&[(V::Scalar::of_f64(0.4), dw)]);
    }
}

#[test]
fn sde_schemes_agree_on_vec_and_burn_with_one_brownian_path() {
    let y0: Vec<f64> = (0..8).map(|i| 1.0 - 0.2 * i as f64).collect();
    let path = VirtualBrownianTree::new(0.0, 1.0, 8, 1e-6, 2024).unwrap();
    BURN_DTYPE.with(|d| d.set(DType::F64));
    fn run<V: Backend, C: noether_core::Calculus, M>(
        method: M,
        path: &VirtualBrownianTree,
        y0: &[f64],
    ) -> Vec<f64>
    where
        M: noether_diffeq::sde::SdeSolver<V, Calculus = C>,
        M::State: Clone,
    {
        let sde = Ou::<C>(Default::default());
        let system = SdeSystem::new(&sde, path);
        let p = OdeProblem::new(&system, (0.0, 1.0), V::make(y0));
        let sol = solve(
            &p,
            Scheme::new(method),
            SolveOptions::default().fixed(1.0 / 256.0),
        )
        .unwrap();
        assert_eq!(sol.stats.accepted, 256);
        end(&sol)
    }
    let em_vec = run::<Vec<f64>, Ito, _>(EulerMaruyama, &path, &y0);
    let em_burn = run::<Tensor<2>, Ito, _>(EulerMaruyama, &path, &y0);
    let d = rel_diff(&em_burn, &em_vec);
    assert!(d < 1e-12, "Euler–Maruyama: {d:e}");
    let rh_vec = run::<Vec<f64>, Stratonovich, _>(ReversibleHeun, &path, &y0);
    let rh_burn = run::<Tensor<2>, Stratonovich, _>(ReversibleHeun, &path, &y0);
    let d = rel_diff(&rh_burn, &rh_vec);
    assert!(d < 1e-12, "reversible Heun: {d:e}");
    // The path is really in use: the two schemes and the noise-free decay differ.
    let decay: Vec<f64> = y0.iter().map(|y| y * (-1.5f64).exp()).collect();
    assert!(rel_diff(&em_vec, &decay) > 1e-2);
}

/// The fBM-driven SDE on the product state `(X, Y)` runs on burn tensors as on
/// host vectors: the same Brownian path gives the same augmented state.
#[test]
fn fbm_driven_sde_agrees_on_vec_and_burn() {
    use noether_diffeq::fbm::{FbmSde, MarkovFbm};
    use noether_diffeq::sde::EulerHeun;
    let fbm = MarkovFbm::type2_optimal(0.7, 5, 1.0).unwrap();
    let path = VirtualBrownianTree::new(0.0, 1.0, 1, 1e-6, 77).unwrap();
    BURN_DTYPE.with(|d| d.set(DType::F64));
    fn run<V: Backend>(fbm: &MarkovFbm, path: &VirtualBrownianTree) -> (Vec<f64>, f64) {
        // dX = −X dt + 0.5 dB̂^H
        let sde: FbmSde<'_, V, Stratonovich, _, _> = FbmSde::new(
            fbm,
            |_t, x: &V, out: &mut V| out.lincomb(&[(V::Scalar::of_f64(-1.0), x)]),
            |_t, x: &V, out: &mut V| {
                out.copy_from(x);
                out.fill(V::Scalar::of_f64(0.5));
            },
        );
        let system = SdeSystem::new(&sde, path);
        let p = OdeProblem::new(&system, (0.0, 1.0), sde.initial_state(&V::make(&[1.0])));
        let sol = solve(
            &p,
            Scheme::new(EulerHeun),
            SolveOptions::default().fixed(1.0 / 128.0),
        )
        .unwrap();
        let y = &sol.ys[0];
        (y.to_f64_vec(), sde.fbm_value(y))
    }
    let (host, host_b) = run::<Vec<f64>>(&fbm, &path);
    let (burn, burn_b) = run::<Tensor<2>>(&fbm, &path);
    assert_eq!(host.len(), 6);
    let d = rel_diff(&burn, &host);
    assert!(d < 1e-12, "fBM SDE burn vs Vec: {d:e}");
    assert!((burn_b - host_b).abs() < 1e-12);
}
