//! Vector–Jacobian products of parameterised fields against central finite
//! differences: `wᵀ ∂f/∂x` and `wᵀ ∂f/∂θ` of Lotka–Volterra and of a small
//! host MLP (2 → 16 → 16 → 2 with time input) agree to 1e-7.

use noether_core::ParamField;
use noether_diffeq::problems::{HostMlp, LotkaVolterra};

/// Checks `vjp` of `field` at `(t, x)` against central differences of `wᵀf` in
/// every state and parameter entry; `with_params(θ)` rebuilds the field.
fn check<F>(field: &F, with_params: impl Fn(&[f64]) -> F, t: f64, x: &[f64], w: &[f64])
where
    F: ParamField<Vec<f64>, Params = Vec<f64>>,
{
    let n = x.len();
    let wf = |f: &F, x: &[f64]| {
        let mut out = vec![0.0; n];
        f.eval(t, &x.to_vec(), &mut out);
        out.iter().zip(w).map(|(a, b)| a * b).sum::<f64>()
    };
    let (mut dx, mut dp) = (vec![0.0; n], vec![0.0; field.params().len()]);
    field.vjp(t, &x.to_vec(), &w.to_vec(), &mut dx, &mut dp);
    let h = 1e-6;
    let mut worst = 0.0f64;
    for i in 0..n {
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[i] += h;
        xm[i] -= h;
        let fd = (wf(field, &xp) - wf(field, &xm)) / (2.0 * h);
        worst = worst.max((fd - dx[i]).abs() / (1.0 + fd.abs()));
    }
    let theta = field.params().clone();
    for k in 0..theta.len() {
        let (mut tp, mut tm) = (theta.clone(), theta.clone());
        tp[k] += h;
        tm[k] -= h;
        let fd = (wf(&with_params(&tp), x) - wf(&with_params(&tm), x)) / (2.0 * h);
        worst = worst.max((fd - dp[k]).abs() / (1.0 + fd.abs()));
    }
    eprintln!(
        "{} entries checked, worst relative difference {worst:.2e}",
        n + theta.len()
    );
    assert!(
        worst < 1e-7,
        "VJP differs from central differences by {worst:e}"
    );
}

#[test]
fn lotka_volterra_vjp_matches_finite_differences() {
    let lv = LotkaVolterra::classic();
    for (x, w) in [([1.0, 2.0], [0.3, -0.7]), ([2.5, 0.4], [-1.1, 0.2])] {
        check(&lv, |th| LotkaVolterra { theta: th.to_vec() }, 0.0, &x, &w);
    }
}

#[test]
fn mlp_vjp_matches_finite_differences() {
    let mlp = HostMlp::new(2, &[16, 16], 42);
    assert_eq!(mlp.num_params(), 16 * 4 + 16 * 17 + 2 * 17);
    let rebuild = |th: &[f64]| {
        let mut m = mlp.clone();
        m.set_params(th);
        m
    };
    for (t, x, w) in [
        (0.3, [0.5, -1.2], [1.0, 0.5]),
        (1.7, [-0.4, 0.9], [-0.3, 2.0]),
    ] {
        check(&mlp, rebuild, t, &x, &w);
    }
}
