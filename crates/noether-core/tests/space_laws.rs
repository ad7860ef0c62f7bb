//! Every `Space` implementation agrees with the `Vec<f64>` reference on random
//! inputs: axpy, scale, fused lincomb (up to a dozen terms), elementwise product,
//! dot, and the norms used by the solvers and by step-size control.

use faer::Col;
use nalgebra::DVector;
use noether_core::space::kernels::{CHUNK, PAR_THRESHOLD};
use noether_core::{HostSpace, Real, Space, Tolerance};
use proptest::prelude::*;

/// The reference results, computed naively in f64.
struct Reference {
    axpy: Vec<f64>,
    scale: Vec<f64>,
    lincomb: Vec<f64>,
    lincomb_acc: Vec<f64>,
    mul: Vec<f64>,
    dot: f64,
    norm2: f64,
    norm_inf: f64,
    wrms: f64,
    wmax: f64,
    /// The weighted norms with `atolᵢ = atol·(1 + |x₂ᵢ|)`.
    wrms_vec: f64,
    wmax_vec: f64,
    /// `⟨x₀, xⱼ⟩` for every `j`.
    multi_dot: Vec<f64>,
}

/// The per-component absolute tolerance of the law tests.
fn atol_vector(xs: &[Vec<f64>], atol: f64) -> Vec<f64> {
    xs[2].iter().map(|v| atol * (1.0 + v.abs())).collect()
}

fn reference(
    xs: &[Vec<f64>],
    coeffs: &[f64],
    a: f64,
    beta: f64,
    atol: f64,
    rtol: f64,
) -> Reference {
    let x = &xs[0];
    let y = &xs[1];
    let n = x.len();
    let lin = |beta: f64, base: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| beta * base[i] + coeffs.iter().zip(xs).map(|(c, v)| c * v[i]).sum::<f64>())
            .collect()
    };
    let e: Vec<f64> = x.clone();
    let av = atol_vector(xs, atol);
    let wrms = |at: &dyn Fn(usize) -> f64| {
        if n == 0 {
            return 0.0;
        }
        ((0..n)
            .map(|i| (e[i] / (at(i) + rtol * y[i].abs().max(xs[2][i].abs()))).powi(2))
            .sum::<f64>()
            / n as f64)
            .sqrt()
    };
    let wmax = |at: &dyn Fn(usize) -> f64| {
        (0..n).fold(0.0, |m: f64, i| {
            m.max(e[i].abs() / (at(i) + rtol * y[i].abs()))
        })
    };
    Reference {
        wrms_vec: wrms(&|i| av[i]),
        wmax_vec: wmax(&|i| av[i]),
        multi_dot: xs
            .iter()
            .map(|v| (0..n).map(|i| x[i] * v[i]).sum())
            .collect(),
        axpy: (0..n).map(|i| y[i] + a * x[i]).collect(),
        scale: x.iter().map(|v| a * v).collect(),
        lincomb: lin(0.0, y),
        lincomb_acc: lin(beta, y),
        mul: (0..n).map(|i| x[i] * y[i]).collect(),
        dot: (0..n).map(|i| x[i] * y[i]).sum(),
        norm2: x.iter().map(|v| v * v).sum::<f64>().sqrt(),
        norm_inf: x.iter().fold(0.0, |m: f64, v| m.max(v.abs())),
        wrms: if n == 0 {
            0.0
        } else {
            ((0..n)
                .map(|i| {
                    let sc = atol + rtol * y[i].abs().max(xs[2][i].abs());
                    (e[i] / sc).powi(2)
                })
                .sum::<f64>()
                / n as f64)
                .sqrt()
        },
        wmax: (0..n).fold(0.0, |m: f64, i| {
            m.max(e[i].abs() / (atol + rtol * y[i].abs()))
        }),
    }
}

fn close(a: f64, b: f64, tol: f64, scale: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + scale.abs())
}

fn assert_vec(name: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    let scale = want.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close(*g, *w, tol, scale), "{name}[{i}]: got {g}, want {w}");
    }
}

/// Checks one implementation, built by `make` from f64 values, against the reference.
fn check<V: Space>(
    make: impl Fn(&[f64]) -> V,
    xs: &[Vec<f64>],
    coeffs: &[f64],
    a: f64,
    beta: f64,
    tol: f64,
) {
    let (atol, rtol) = (1e-3, 1e-2);
    let r = reference(xs, coeffs, a, beta, atol, rtol);
    let vs: Vec<V> = xs.iter().map(|v| make(v)).collect();
    let s = |v: f64| <V::Scalar as noether_core::Real>::of_f64(v);
    let n = xs[0].len();
    assert_eq!(vs[0].len(), n);

    let mut y = vs[1].clone();
    y.axpy(s(a), &vs[0]);
    assert_vec("axpy", &y.to_f64_vec(), &r.axpy, tol);

    let mut x = vs[0].clone();
    x.scale(s(a));
    assert_vec("scale", &x.to_f64_vec(), &r.scale, tol);

    let terms: Vec<(V::Scalar, &V)> = coeffs.iter().zip(&vs).map(|(c, v)| (s(*c), v)).collect();
    let mut z = vs[1].clone();
    z.lincomb(&terms);
    assert_vec(
        "lincomb",
        &z.to_f64_vec(),
        &r.lincomb,
        tol * coeffs.len() as f64,
    );

    let mut z = vs[1].clone();
    z.lincomb_acc(s(beta), &terms);
    assert_vec(
        "lincomb_acc",
        &z.to_f64_vec(),
        &r.lincomb_acc,
        tol * coeffs.len() as f64,
    );

    let mut m = vs[0].clone();
    m.mul_elementwise(&vs[1]);
    assert_vec("mul_elementwise", &m.to_f64_vec(), &r.mul, tol);

    let norm_scale = r.norm2 * xs[1].iter().map(|v| v * v).sum::<f64>().sqrt();
    let dot = vs[0].dot(&vs[1]).as_f64();
    assert!(
        close(dot, r.dot, tol * (n as f64).sqrt().max(1.0), norm_scale),
        "dot {dot} vs {}",
        r.dot
    );
    let n2 = vs[0].norm2().as_f64();
    assert!(
        close(n2, r.norm2, tol, r.norm2),
        "norm2 {n2} vs {}",
        r.norm2
    );
    let ni = vs[0].norm_inf().as_f64();
    assert!(
        close(ni, r.norm_inf, tol, r.norm_inf),
        "norm_inf {ni} vs {}",
        r.norm_inf
    );
    let tolerance = Tolerance::new(rtol, atol);
    let w = vs[0].wrms_norm(&vs[1], &vs[2], tolerance.view()).as_f64();
    assert!(
        close(w, r.wrms, tol * 10.0, r.wrms),
        "wrms {w} vs {}",
        r.wrms
    );
    let w = vs[0].wmax_norm(&vs[1], tolerance.view()).as_f64();
    assert!(
        close(w, r.wmax, tol * 10.0, r.wmax),
        "wmax {w} vs {}",
        r.wmax
    );
    let per_component = Tolerance::per_component(rtol, make(&atol_vector(xs, atol)));
    let w = vs[0]
        .wrms_norm(&vs[1], &vs[2], per_component.view())
        .as_f64();
    assert!(
        close(w, r.wrms_vec, tol * 10.0, r.wrms_vec),
        "wrms (vector atol) {w} vs {}",
        r.wrms_vec
    );
    let w = vs[0].wmax_norm(&vs[1], per_component.view()).as_f64();
    assert!(
        close(w, r.wmax_vec, tol * 10.0, r.wmax_vec),
        "wmax (vector atol) {w} vs {}",
        r.wmax_vec
    );
    let refs: Vec<&V> = vs.iter().collect();
    let mut dots = vec![s(0.0); vs.len()];
    vs[0].multi_dot(&refs, &mut dots);
    for (j, (d, want)) in dots.iter().zip(&r.multi_dot).enumerate() {
        let scale = r.norm2 * xs[j].iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(
            close(d.as_f64(), *want, tol * (n as f64).sqrt().max(1.0), scale),
            "multi_dot[{j}] {} vs {want}",
            d.as_f64()
        );
    }
    // The step-control norms report a non-finite state themselves.
    if n > 0 {
        let mut bad = xs[2].clone();
        bad[n / 2] = f64::INFINITY;
        let bad = make(&bad);
        assert!(
            vs[0]
                .wrms_norm(&vs[1], &bad, tolerance.view())
                .as_f64()
                .is_nan()
        );
        assert!(vs[0].wmax_norm(&bad, tolerance.view()).as_f64().is_nan());
        let mut nan = xs[1].clone();
        nan[0] = f64::NAN;
        assert!(
            vs[0]
                .wrms_norm(&make(&nan), &vs[2], per_component.view())
                .as_f64()
                .is_nan()
        );
    }

    let mut c = vs[0].zeros_like();
    assert_eq!(c.len(), n);
    assert!(c.to_f64_vec().iter().all(|v| *v == 0.0));
    c.copy_from(&vs[2]);
    assert_vec("copy_from", &c.to_f64_vec(), &xs[2], tol);
    c.fill(s(0.5));
    assert!(c.to_f64_vec().iter().all(|v| *v == 0.5));
    assert!(vs[0].all_finite());
    assert_eq!(vs[0].zeros_with_len(n + 3).len(), n + 3);
}

fn vectors(n: usize, k: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(prop::collection::vec(-10.0..10.0_f64, n), k)
}

fn case() -> impl Strategy<Value = (Vec<Vec<f64>>, Vec<f64>, f64, f64)> {
    (0usize..300, 3usize..=12).prop_flat_map(|(n, k)| {
        (
            vectors(n, k),
            prop::collection::vec(-3.0..3.0_f64, k),
            -4.0..4.0_f64,
            prop_oneof![Just(0.0), Just(1.0), -2.0..2.0_f64],
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn vec_f64_matches_reference((xs, c, a, beta) in case()) {
        check(|v| v.to_vec(), &xs, &c, a, beta, 1e-12);
    }

    #[test]
    fn vec_f32_matches_reference((xs, c, a, beta) in case()) {
        check(|v| v.iter().map(|x| *x as f32).collect::<Vec<f32>>(), &xs, &c, a, beta, 2e-5);
    }

    #[test]
    fn dvector_matches_reference((xs, c, a, beta) in case()) {
        check(DVector::from_column_slice, &xs, &c, a, beta, 1e-12);
        check(|v| DVector::<f32>::from_iterator(v.len(), v.iter().map(|x| *x as f32)), &xs, &c, a, beta, 2e-5);
    }

    #[test]
    fn faer_col_matches_reference((xs, c, a, beta) in case()) {
        check(<Col<f64> as HostSpace>::from_slice, &xs, &c, a, beta, 1e-12);
        check(|v| Col::<f32>::from_fn(v.len(), |i| v[i] as f32), &xs, &c, a, beta, 2e-5);
    }
}

#[cfg(feature = "burn")]
mod burn_tensor {
    use super::*;
    use burn::tensor::{Device, Tensor, TensorData};

    fn tensor1(v: &[f64]) -> Tensor<1> {
        let data: Vec<f32> = v.iter().map(|x| *x as f32).collect();
        Tensor::<1>::from_data(TensorData::new(data, [v.len()]), &Device::flex())
    }

    fn tensor2(v: &[f64]) -> Tensor<2> {
        let data: Vec<f32> = v.iter().map(|x| *x as f32).collect();
        Tensor::<2>::from_data(TensorData::new(data, [1, v.len()]), &Device::flex())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn burn_tensor_matches_reference((xs, c, a, beta) in case()) {
            prop_assume!(!xs[0].is_empty());
            check(tensor1, &xs, &c, a, beta, 2e-5);
            check(tensor2, &xs, &c, a, beta, 2e-5);
        }
    }
}

/// Long vectors take the parallel path; results must still match the serial
/// reference, and reductions must be bitwise reproducible run to run.
#[test]
fn parallel_path_matches_and_is_reproducible() {
    let n = 3 * PAR_THRESHOLD + CHUNK / 3;
    let x: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 1013) as f64 / 1013.0 - 0.5)
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| ((i * 104_729) % 997) as f64 / 997.0 - 0.5)
        .collect();
    let w: Vec<f64> = (0..n).map(|i| (i as f64 * 1e-4).sin()).collect();
    check(
        |v| v.to_vec(),
        &[x.clone(), y.clone(), w.clone()],
        &[0.5, -1.5, 2.0],
        0.25,
        -0.75,
        1e-12,
    );
    let d1 = x.dot(&y);
    for _ in 0..5 {
        assert_eq!(x.dot(&y).to_bits(), d1.to_bits());
    }
    // The chunked reduction is the same on the serial path: a prefix shorter than
    // the parallel threshold reduces identically in both.
    let short = PAR_THRESHOLD - 1;
    let (xs, ys) = (x[..short].to_vec(), y[..short].to_vec());
    assert_eq!(xs.dot(&ys).to_bits(), xs.dot(&ys).to_bits());
}

#[test]
fn lincomb_with_zero_beta_ignores_nan_in_output() {
    let x = vec![1.0_f64, 2.0];
    let mut y = vec![f64::NAN, f64::INFINITY];
    y.lincomb(&[(2.0, &x)]);
    assert_eq!(y, vec![2.0, 4.0]);
    let mut y = vec![f64::NAN; 2];
    y.lincomb(&[]);
    assert_eq!(y, vec![0.0, 0.0]);
}

#[test]
fn non_finite_entries_are_detected() {
    let mut x = vec![1.0_f64; 100_000];
    assert!(x.all_finite());
    x[77_777] = f64::NAN;
    assert!(!x.all_finite());
    assert!(x.norm_inf().is_nan());
}

#[test]
fn many_terms_beyond_fused_limit() {
    let n = 1000;
    let xs: Vec<Vec<f64>> = (0..20)
        .map(|k| (0..n).map(|i| ((i + k) % 7) as f64).collect())
        .collect();
    let coeffs: Vec<f64> = (0..20).map(|k| 1.0 / (k as f64 + 1.0)).collect();
    let mut out = vec![0.0; n];
    let terms: Vec<(f64, &Vec<f64>)> = coeffs.iter().copied().zip(&xs).collect();
    out.lincomb(&terms);
    for i in 0..n {
        let want: f64 = (0..20).map(|k| coeffs[k] * xs[k][i]).sum();
        assert!((out[i] - want).abs() < 1e-12);
    }
}
