//! Helpers shared by the integration tests.

/// Least-squares slope of log(err) against log(h): the fitted convergence rate.
pub fn fitted_rate(hs: &[f64], errs: &[f64]) -> f64 {
    let xs: Vec<f64> = hs.iter().map(|h| h.ln()).collect();
    let ys: Vec<f64> = errs.iter().map(|e| e.ln()).collect();
    noether_core::stats::fit_slope(&xs, &ys)
}
