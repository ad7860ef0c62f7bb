//! Bad input gives typed errors, not panics.

use faer::sparse::{SparseRowMat, Triplet};
use noether_core::CoreError;
use noether_core::krylov::KrylovOptions;
use noether_fem::FemError;
use noether_fem::assemble::{Term, bilinear, boundary_mass, linear};
use noether_fem::direct::{SparseCholesky, SparseLu, block};
use noether_fem::dirichlet::{solve_cg, solve_cg_with};
use noether_fem::element::Element;
use noether_fem::error::Factorization;
use noether_fem::space::{FunctionSpace, Op};
use noether_mesh::generate::{Diagonal, unit_cube, unit_square};

fn csr(n: usize, t: &[(usize, usize, f64)]) -> SparseRowMat<usize, f64> {
    let t: Vec<Triplet<usize, usize, f64>> =
        t.iter().map(|&(r, c, v)| Triplet::new(r, c, v)).collect();
    SparseRowMat::try_new_from_triplets(n, n, &t).unwrap()
}

#[test]
fn spaces_and_forms_reject_bad_input() {
    let square = unit_square(3, 3, Diagonal::Right).unwrap();
    let cube = unit_cube(1).unwrap();
    // element of the wrong dimension
    assert!(matches!(
        FunctionSpace::new(&square, Element::lagrange(3, 1).unwrap()),
        Err(FemError::InvalidArgument { .. })
    ));
    let p1 = FunctionSpace::new(&square, Element::lagrange(2, 1).unwrap()).unwrap();
    let n0 = FunctionSpace::new(&square, Element::nedelec(2, 1).unwrap()).unwrap();
    let rt = FunctionSpace::new(&square, Element::raviart_thomas(2, 1).unwrap()).unwrap();
    // operators that are not defined for an element
    assert!(bilinear(&n0, &n0, &[Term::new(Op::Grad, Op::Grad)]).is_err());
    assert!(bilinear(&n0, &n0, &[Term::new(Op::Div, Op::Div)]).is_err());
    assert!(bilinear(&rt, &rt, &[Term::new(Op::Curl, Op::Curl)]).is_err());
    // mismatched operator sizes
    assert!(bilinear(&p1, &n0, &[Term::new(Op::Value, Op::Value)]).is_err());
    // spaces on different meshes
    let q1 = FunctionSpace::new(&cube, Element::lagrange(3, 1).unwrap()).unwrap();
    assert!(bilinear(&p1, &q1, &[Term::new(Op::Value, Op::Value)]).is_err());
    // non-finite coefficient and load
    let nan = |_: &[f64]| f64::NAN;
    assert!(matches!(
        bilinear(
            &p1,
            &p1,
            &[Term::new(Op::Grad, Op::Grad).with_coefficient(&nan)]
        ),
        Err(FemError::NonFinite { .. })
    ));
    assert!(matches!(
        linear(&p1, Op::Value, &|_, o| o[0] = f64::INFINITY),
        Err(FemError::NonFinite { .. })
    ));
    assert!(matches!(
        p1.interpolate(&|_, o| o[0] = f64::NAN),
        Err(FemError::NonFinite { .. })
    ));
    // boundary mass needs a scalar space; markers must name facets of the mesh
    assert!(boundary_mass(&n0, &[], &|_| 1.0).is_err());
    // evaluation: wrong coefficient length, cell out of range, point outside
    let u = vec![0.0; p1.ndofs()];
    assert!(p1.evaluate(&u[1..], Op::Value, &[0.5, 0.5]).is_err());
    assert!(
        p1.evaluate_in_cell(&u, Op::Value, 10_000, &[0.2, 0.2])
            .is_err()
    );
    assert!(p1.evaluate(&u, Op::Value, &[2.0, 2.0]).is_err());
    assert!(p1.error(&u[1..], Op::Value, &|_, o| o[0] = 0.0).is_err());
}

#[test]
fn solvers_reject_bad_matrices() {
    // indefinite: Cholesky fails with a typed error
    let indefinite = csr(2, &[(0, 0, 1.0), (0, 1, 2.0), (1, 0, 2.0), (1, 1, 1.0)]);
    assert!(matches!(
        SparseCholesky::new(&indefinite),
        Err(FemError::Factorization {
            failure: Factorization::NotPositiveDefinite,
            ..
        })
    ));
    // structurally singular: LU fails or its solve reports a non-finite result
    let singular = csr(2, &[(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0)]);
    let lu = SparseLu::new(&singular);
    assert!(lu.is_err() || lu.unwrap().solve(&[1.0, 0.0]).is_err());
    // non-finite entries
    let bad = csr(1, &[(0, 0, f64::NAN)]);
    assert!(matches!(
        SparseCholesky::new(&bad),
        Err(FemError::NonFinite { .. })
    ));
    // wrong right-hand side length
    let id = csr(2, &[(0, 0, 1.0), (1, 1, 1.0)]);
    assert!(SparseCholesky::new(&id).unwrap().solve(&[1.0]).is_err());
    // blocks of disagreeing sizes
    let one = csr(1, &[(0, 0, 1.0)]);
    assert!(block(&[vec![Some(&id), Some(&one)]]).is_err());
}

/// A CG that cannot reach its tolerance within its iteration cap surfaces as the
/// typed `CoreError::NotConverged` inside `FemError::Core`, so callers can match it.
#[test]
fn cg_that_cannot_converge_is_a_typed_core_error() {
    let square = unit_square(12, 12, Diagonal::Right).unwrap();
    let space = FunctionSpace::new(&square, Element::lagrange(2, 1).unwrap()).unwrap();
    let terms = [
        Term::new(Op::Grad, Op::Grad),
        Term::new(Op::Value, Op::Value),
    ];
    let k = bilinear(&space, &space, &terms).unwrap();
    let b = vec![1.0; space.ndofs()];
    let capped = KrylovOptions {
        rtol: 1e-10,
        max_iters: 5,
        ..KrylovOptions::default()
    };
    match solve_cg_with(&k, &b, &capped) {
        Err(FemError::Core(CoreError::NotConverged {
            method, iterations, ..
        })) => {
            assert_eq!(method, "CG");
            assert_eq!(iterations, 5);
        }
        other => panic!("expected FemError::Core(NotConverged), got {other:?}"),
    }
    // With room to iterate it converges.
    assert!(solve_cg(&k, &b, 1e-10).is_ok());
}
