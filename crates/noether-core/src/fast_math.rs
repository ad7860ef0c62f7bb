//! Branch-free `exp`, softplus, the logistic sigmoid and `tanh` over slices of f64,
//! written so that the compiler vectorises them (no calls into libm, no
//! data-dependent branches): the activations of noether-diffeq's fused MLP, where
//! libm's scalar `exp` and `ln_1p` were two thirds of an evaluation, and the
//! log-sum-exp of noether-flow's log-domain Sinkhorn.
//!
//! `exp`: `x = n ln 2 + r` with `|r| ≤ ln 2 / 2`, a degree-13 Taylor polynomial in
//! `r` (truncation below 1e-17 relative, evaluated by Estrin's scheme), and `2ⁿ` built in the exponent bits; the
//! rounding of `x / ln 2` to `n` uses the `1.5·2⁵²` shifter, whose low bits then hold
//! `n` as an integer. `ln(1 + u)` for `u ∈ [0, 1]`: `m = 1 + u` halved when above
//! `√2`, `ln m = 2 atanh(s)` with `s = (m − 1)/(m + 1)`, `|s| ≤ 0.172`, by its series
//! to `s²³`, and the rounding of `1 + u` corrected by `(u − (m − 1))/m`.

/// `1.5·2⁵²`: adding it rounds a double below 2⁵¹ in magnitude to an integer.
const SHIFTER: f64 = 6_755_399_441_055_744.0;
/// `ln 2` rounded to 32 significant bits, so that `n·LN2_HI` is exact.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// `ln 2 − LN2_HI`.
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// `p·r + c`, fused when `FMA` (only where the processor has FMA: elsewhere
/// `mul_add` is a slow library call).
#[inline(always)]
fn madd<const FMA: bool>(p: f64, r: f64, c: f64) -> f64 {
    if FMA { p.mul_add(r, c) } else { p * r + c }
}

/// `Σ cₖ xᵏ` by Estrin's scheme (pairs, then pairs of pairs in `x²`, `x⁴`, …):
/// a dependency chain of `log₂ N` multiply-adds instead of Horner's `N`.
#[inline(always)]
fn estrin<const FMA: bool, const N: usize>(x: f64, mut c: [f64; N]) -> f64 {
    let (mut n, mut xp) = (N, x);
    while n > 1 {
        let half = n.div_ceil(2);
        for k in 0..half {
            let hi = if 2 * k + 1 < n { c[2 * k + 1] } else { 0.0 };
            c[k] = madd::<FMA>(hi, xp, c[2 * k]);
        }
        n = half;
        xp *= xp;
    }
    c[0]
}

/// `eˣ` for `x ∈ [−708, 709]`, about 1 ulp; 0 below −708 (where the exact value
/// is at most subnormal) and `e⁷⁰⁹` above 709.
#[inline(always)]
fn exp1<const FMA: bool>(x_in: f64) -> f64 {
    let x = x_in.clamp(-708.0, 709.0);
    let shifted = x * std::f64::consts::LOG2_E + SHIFTER;
    let n = shifted - SHIFTER;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Taylor coefficients 1/k!, k = 0..13, by Estrin's scheme.
    let p = estrin::<FMA, 14>(
        r,
        [
            1.0,
            1.0,
            0.5,
            1.0 / 6.0,
            1.0 / 24.0,
            1.0 / 120.0,
            1.0 / 720.0,
            1.0 / 5_040.0,
            1.0 / 40_320.0,
            1.0 / 362_880.0,
            1.0 / 3_628_800.0,
            1.0 / 39_916_800.0,
            1.0 / 479_001_600.0,
            1.0 / 6_227_020_800.0,
        ],
    );
    // 2ⁿ: n sits in the low bits of `shifted`'s representation.
    let n_bits = shifted.to_bits().wrapping_sub(SHIFTER.to_bits());
    let scale = f64::from_bits(n_bits.wrapping_add(1023) << 52);
    // A select, not a branch: vectorises as a blend.
    if x_in < -708.0 { 0.0 } else { p * scale }
}

/// `ln(1 + u)` for `u ∈ [0, 1]`.
#[inline(always)]
fn ln_1p_unit<const FMA: bool>(u: f64) -> f64 {
    let m = 1.0 + u;
    let big = m > std::f64::consts::SQRT_2;
    let k = f64::from(u8::from(big));
    let mr = if big { 0.5 * m } else { m };
    let s = (mr - 1.0) / (mr + 1.0);
    let s2 = s * s;
    // 2 atanh(s) = 2s Σ s²ʲ/(2j + 1), j = 0..11.
    let mut d = [0.0; 12];
    for (j, dj) in d.iter_mut().enumerate() {
        *dj = 1.0 / (2 * j + 1) as f64;
    }
    let p = estrin::<FMA, 12>(s2, d);
    let correction = (u - (m - 1.0)) / m;
    k * std::f64::consts::LN_2 + 2.0 * s * p + correction
}

/// Defines `pub fn $name(z, out)` applying `$body` elementwise: compiled
/// twice, for the build's baseline and with AVX2 + FMA (four f64 lanes, fused
/// multiply-adds), the latter chosen at run time when the processor has both.
macro_rules! elementwise {
    ($(#[$doc:meta])* $name:ident, |$v:ident| $body:expr) => {
        $(#[$doc])*
        pub fn $name(z: &[f64], out: &mut [f64]) {
            #[inline(always)]
            fn kernel<const FMA: bool>(z: &[f64], out: &mut [f64]) {
                for (o, &$v) in out.iter_mut().zip(z) {
                    *o = $body;
                }
            }
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn wide(z: &[f64], out: &mut [f64]) {
                    kernel::<true>(z, out)
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the processor supports AVX2 and FMA (checked just above).
                    unsafe { wide(z, out) };
                    return;
                }
            }
            kernel::<false>(z, out)
        }
    };
}

elementwise!(
    /// `out ← eᶻ` elementwise, about 1 ulp (`z` clamped to [−708, 709]).
    ///
    /// ```
    /// let z = [-1.0, 0.0, 2.5];
    /// let mut out = [0.0; 3];
    /// noether_core::fast_math::exp(&z, &mut out);
    /// assert!(z.iter().zip(&out).all(|(v, o)| (o - v.exp()).abs() <= 1e-15 * v.exp()));
    /// ```
    exp,
    |v| exp1::<FMA>(v)
);

elementwise!(
    /// `out ← ln(1 + eᶻ)` (softplus with β = 1) elementwise, as
    /// `max(z, 0) + ln(1 + e^{−|z|})`.
    softplus,
    |v| v.max(0.0) + ln_1p_unit::<FMA>(exp1::<FMA>(-v.abs()))
);

elementwise!(
    /// `out ← 1/(1 + e^{−z})` (the logistic sigmoid, softplus's derivative)
    /// elementwise.
    sigmoid,
    |v| {
        let e = exp1::<FMA>(-v.abs());
        let pos = 1.0 / (1.0 + e);
        if v >= 0.0 { pos } else { e * pos }
    }
);

elementwise!(
    /// `out ← tanh(z)` elementwise, as `sign(z)(1 − e)/(1 + e)` with
    /// `e = e^{−2|z|}`.
    tanh,
    |v| {
        let e = exp1::<FMA>(-2.0 * v.abs());
        ((1.0 - e) / (1.0 + e)).copysign(v)
    }
);

/// `Σᵢ exp(wᵢ − scale·mᵢ − shift)` in one pass (eight independent partial sums,
/// AVX2 + FMA when the processor has them): the inner sum of a log-sum-exp over
/// an affine function of a row of costs, without storing the exponents. `w` and
/// `m` must have the same length.
///
/// ```
/// let (w, m) = ([0.5, -1.0, 2.0], [1.0, 0.0, 3.0]);
/// let s = noether_core::fast_math::sum_exp_affine(&w, &m, 2.0, 0.25);
/// let want: f64 = w.iter().zip(&m).map(|(w, m)| (w - 2.0 * m - 0.25f64).exp()).sum();
/// assert!((s - want).abs() < 1e-15 * want);
/// ```
pub fn sum_exp_affine(w: &[f64], m: &[f64], scale: f64, shift: f64) -> f64 {
    assert_eq!(w.len(), m.len(), "sum_exp_affine: w and m differ in length");
    #[inline(always)]
    fn kernel<const FMA: bool>(w: &[f64], m: &[f64], scale: f64, shift: f64) -> f64 {
        let mut acc = [0.0f64; 8];
        let (wc, mc) = (w.chunks_exact(8), m.chunks_exact(8));
        let (wr, mr) = (wc.remainder(), mc.remainder());
        for (w8, m8) in wc.zip(mc) {
            for k in 0..8 {
                acc[k] += exp1::<FMA>(w8[k] - scale * m8[k] - shift);
            }
        }
        let mut tail = 0.0;
        for (a, b) in wr.iter().zip(mr) {
            tail += exp1::<FMA>(a - scale * b - shift);
        }
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn wide(w: &[f64], m: &[f64], scale: f64, shift: f64) -> f64 {
            kernel::<true>(w, m, scale, shift)
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor supports AVX2 and FMA (checked just above).
            return unsafe { wide(w, m, scale, shift) };
        }
    }
    kernel::<false>(w, m, scale, shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
        (0..=n)
            .map(|i| lo + (hi - lo) * i as f64 / n as f64)
            .collect()
    }

    #[test]
    fn exp_is_accurate_to_a_few_ulps() {
        let mut worst = 0.0f64;
        for x in grid(-700.0, 700.0, 200_001) {
            let (ours, std) = (exp1::<false>(x), x.exp());
            worst = worst.max((ours - std).abs() / std);
        }
        assert!(worst < 1e-15, "{worst:e}");
    }

    #[test]
    fn activations_match_libm() {
        let z = grid(-40.0, 40.0, 160_001);
        let mut out = vec![0.0; z.len()];
        softplus(&z, &mut out);
        let sp = |v: f64| v.max(0.0) + (-v.abs()).exp().ln_1p();
        let worst = z
            .iter()
            .zip(&out)
            .map(|(&v, &o)| (o - sp(v)).abs() / sp(v).max(1e-300))
            .fold(0.0, f64::max);
        assert!(worst < 1e-14, "softplus {worst:e}");
        tanh(&z, &mut out);
        let worst = z
            .iter()
            .zip(&out)
            .map(|(&v, &o)| (o - v.tanh()).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-15, "tanh {worst:e}");
        sigmoid(&z, &mut out);
        let worst = z
            .iter()
            .zip(&out)
            .map(|(&v, &o)| (o - 1.0 / (1.0 + (-v).exp())).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-15, "sigmoid {worst:e}");
    }
}
