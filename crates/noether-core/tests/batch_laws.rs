//! The batch view agrees with the per-sample reference: per-sample weighted norms
//! equal `wrms_norm` of each sample alone, and per-sample linear combinations equal
//! `lincomb` of each sample with its own coefficients, on the host batch and on
//! burn `[B, n]` tensors.

use noether_core::{BatchSpace, HostBatch, Space, Tolerance};
use proptest::prelude::*;

fn rows(data: &[f64], b: usize) -> Vec<Vec<f64>> {
    let m = data.len() / b;
    (0..b).map(|i| data[i * m..(i + 1) * m].to_vec()).collect()
}

/// Reference norms and combination, sample by sample on `Vec<f64>`.
fn reference(
    e: &[f64],
    y: &[f64],
    b: usize,
    beta: &[f64],
    coeffs: &[Vec<f64>],
) -> (Vec<f64>, Vec<f64>) {
    let tol = Tolerance::new(1e-2, 1e-3);
    let (er, yr) = (rows(e, b), rows(y, b));
    let norms: Vec<f64> = er
        .iter()
        .zip(&yr)
        .map(|(e, y)| e.wrms_norm(y, y, tol.view()))
        .collect();
    let mut out = Vec::new();
    for s in 0..b {
        let mut acc = yr[s].clone();
        let terms: Vec<(f64, &Vec<f64>)> = vec![(coeffs[0][s], &er[s]), (coeffs[1][s], &yr[s])];
        acc.lincomb_acc(beta[s], &terms);
        out.extend(acc);
    }
    (norms, out)
}

/// `(B, e, y, β, [c₀, c₁])`: a batch size, two batches and per-sample coefficients.
type Case = (usize, Vec<f64>, Vec<f64>, Vec<f64>, Vec<Vec<f64>>);

fn case() -> impl Strategy<Value = Case> {
    (1usize..6, 1usize..40).prop_flat_map(|(b, m)| {
        (
            Just(b),
            prop::collection::vec(-5.0..5.0_f64, b * m),
            prop::collection::vec(-5.0..5.0_f64, b * m),
            prop::collection::vec(-2.0..2.0_f64, b),
            prop::collection::vec(prop::collection::vec(-2.0..2.0_f64, b), 2),
        )
    })
}

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn host_batch_matches_per_sample_reference((b, e, y, beta, coeffs) in case()) {
        let (norms, comb) = reference(&e, &y, b, &beta, &coeffs);
        let (eb, yb) = (HostBatch::new(e.clone(), b), HostBatch::new(y.clone(), b));
        let mut got = vec![0.0; b];
        eb.wrms_norm_per_sample(&yb, &yb, Tolerance::new(1e-2, 1e-3).view(), &mut got);
        prop_assert!(close(&got, &norms, 1e-14), "{got:?} vs {norms:?}");
        let mut acc = yb.clone();
        acc.lincomb_per_sample(&beta, &[(&coeffs[0], &eb), (&coeffs[1], &yb)]);
        prop_assert!(close(acc.data(), &comb, 1e-14));
        // The whole-batch norm is the RMS of the per-sample ones.
        let all = eb.wrms_norm(&yb, &yb, Tolerance::new(1e-2, 1e-3).view());
        let rms = (norms.iter().map(|n| n * n).sum::<f64>() / b as f64).sqrt();
        prop_assert!((all - rms).abs() <= 1e-12 * (1.0 + rms));
    }
}

#[cfg(feature = "burn")]
mod burn_batch {
    use super::*;
    use burn::tensor::{DType, Device, Tensor, TensorData};

    fn tensor(v: &[f64], b: usize) -> Tensor<2> {
        let data = TensorData::new(v.to_vec(), [b, v.len() / b]);
        Tensor::from_data(data, (&Device::flex(), DType::F64))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn burn_rows_match_per_sample_reference((b, e, y, beta, coeffs) in case()) {
            let (norms, comb) = reference(&e, &y, b, &beta, &coeffs);
            let (et, yt) = (tensor(&e, b), tensor(&y, b));
            prop_assert_eq!(et.batch_size(), b);
            let mut got = vec![0.0; b];
            et.wrms_norm_per_sample(&yt, &yt, Tolerance::new(1e-2, 1e-3).view(), &mut got);
            prop_assert!(close(&got, &norms, 1e-12), "{got:?} vs {norms:?}");
            let mut acc = yt.clone();
            acc.lincomb_per_sample(&beta, &[(&coeffs[0], &et), (&coeffs[1], &yt)]);
            prop_assert!(close(&acc.to_f64_vec(), &comb, 1e-12));
        }
    }
}
