//! Small measurements shared by tests, benchmarks and reports across the
//! workspace: the relative L² error and the least-squares slope of a convergence
//! study.

/// The relative L² error `‖a − b‖₂ / ‖b‖₂` (`‖b‖₂ = 0` is treated as the smallest
/// positive normal, so a zero reference gives the absolute error scaled up, not a
/// division by zero).
///
/// ```
/// use noether_core::stats::relative_l2;
///
/// assert_eq!(relative_l2(&[3.0, 4.0], &[0.0, 0.0]) > 1e100, true);
/// assert!((relative_l2(&[1.0, 2.0], &[1.0, 1.0]) - 0.5f64.sqrt()).abs() < 1e-15);
/// ```
pub fn relative_l2(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    let den: f64 = b.iter().map(|y| y * y).sum();
    (num / den.max(f64::MIN_POSITIVE)).sqrt()
}

/// The least-squares slope of `ys` against `xs` (pass logarithms for a fitted
/// convergence order).
///
/// ```
/// use noether_core::stats::fit_slope;
///
/// // errors 4h² at h = 0.1, 0.05, 0.025: the fitted order is 2.
/// let hs: [f64; 3] = [0.1, 0.05, 0.025];
/// let xs: Vec<f64> = hs.iter().map(|h| h.ln()).collect();
/// let ys: Vec<f64> = hs.iter().map(|h| (4.0 * h * h).ln()).collect();
/// assert!((fit_slope(&xs, &ys) - 2.0).abs() < 1e-12);
/// ```
pub fn fit_slope(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    sxy / sxx
}
