//! Butcher tableaux of the explicit Runge–Kutta methods.
//!
//! Stages `kᵢ = f(t + cᵢh, y + h Σ_{j<i} aᵢⱼ kⱼ)`, solution `y⁺ = y + h Σ bᵢ kᵢ`, error
//! estimate `e = h Σ eᵢ kᵢ` with `e = b − b̂` (the difference to the embedded method).
//! Coefficients are from the original papers (see each constant).

#![allow(clippy::excessive_precision)] // coefficients keep the digits of their sources

/// An explicit Runge–Kutta method with an optional embedded error estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ButcherTableau {
    /// Short name, as in diffrax.
    pub name: &'static str,
    /// Order of the propagated solution.
    pub order: u32,
    /// Nodes `c` (length `s`, `c[0] = 0`).
    pub c: &'static [f64],
    /// Rows of the strictly lower triangle of `A`: `a[i-1]` holds `aᵢ₀ … aᵢ,ᵢ₋₁`
    /// for stages `i = 1 … s−1`.
    pub a: &'static [&'static [f64]],
    /// Weights `b` (length `s`).
    pub b: &'static [f64],
    /// Error weights `b − b̂` (length `s`), when the method has an embedded pair.
    pub b_err: Option<&'static [f64]>,
    /// First-same-as-last: the last stage is `f(t + h, y⁺)`, reused as the first
    /// stage of the next step.
    pub fsal: bool,
}

impl ButcherTableau {
    /// Number of stages `s`.
    pub fn stages(&self) -> usize {
        self.c.len()
    }

    /// Order of the local error estimate (the exponent `k` in the step-size
    /// controller): `min(p, p̂) + 1`, which is the method's order for the pairs here.
    pub fn error_order(&self) -> Option<u32> {
        self.b_err.map(|_| self.order)
    }
}

/// Forward Euler, order 1.
pub const EULER: ButcherTableau = ButcherTableau {
    name: "Euler",
    order: 1,
    c: &[0.0],
    a: &[],
    b: &[1.0],
    b_err: None,
    fsal: false,
};

/// Heun's method (explicit trapezoidal rule), order 2 with Euler embedded.
pub const HEUN: ButcherTableau = ButcherTableau {
    name: "Heun",
    order: 2,
    c: &[0.0, 1.0],
    a: &[&[1.0]],
    b: &[0.5, 0.5],
    b_err: Some(&[-0.5, 0.5]),
    fsal: false,
};

/// Explicit midpoint rule, order 2 with Euler embedded.
pub const MIDPOINT: ButcherTableau = ButcherTableau {
    name: "Midpoint",
    order: 2,
    c: &[0.0, 0.5],
    a: &[&[0.5]],
    b: &[0.0, 1.0],
    b_err: Some(&[-1.0, 1.0]),
    fsal: false,
};

/// Ralston's second-order method (minimum error bound), Euler embedded.
pub const RALSTON: ButcherTableau = ButcherTableau {
    name: "Ralston",
    order: 2,
    c: &[0.0, 2.0 / 3.0],
    a: &[&[2.0 / 3.0]],
    b: &[0.25, 0.75],
    b_err: Some(&[-0.75, 0.75]),
    fsal: false,
};

/// The classical fourth-order Runge–Kutta method (no error estimate).
pub const RK4: ButcherTableau = ButcherTableau {
    name: "RK4",
    order: 4,
    c: &[0.0, 0.5, 0.5, 1.0],
    a: &[&[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]],
    b: &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    b_err: None,
    fsal: false,
};

/// Bogacki–Shampine 3(2), FSAL (Appl. Math. Lett. 2 (1989) 321–325).
pub const BOSH3: ButcherTableau = ButcherTableau {
    name: "Bosh3",
    order: 3,
    c: &[0.0, 0.5, 0.75, 1.0],
    a: &[&[0.5], &[0.0, 0.75], &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0]],
    b: &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0],
    // b − b̂ with b̂ = (7/24, 1/4, 1/3, 1/8)
    b_err: Some(&[-5.0 / 72.0, 1.0 / 12.0, 1.0 / 9.0, -1.0 / 8.0]),
    fsal: true,
};

/// Dormand–Prince 5(4), FSAL (J. Comp. Appl. Math. 6 (1980) 19–26).
pub const DOPRI5: ButcherTableau = ButcherTableau {
    name: "Dopri5",
    order: 5,
    c: &[0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0],
    a: &[
        &[1.0 / 5.0],
        &[3.0 / 40.0, 9.0 / 40.0],
        &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
        &[
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
        ],
        &[
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
        ],
        &[
            35.0 / 384.0,
            0.0,
            500.0 / 1113.0,
            125.0 / 192.0,
            -2187.0 / 6784.0,
            11.0 / 84.0,
        ],
    ],
    b: &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
        0.0,
    ],
    b_err: Some(&[
        71.0 / 57600.0,
        0.0,
        -71.0 / 16695.0,
        71.0 / 1920.0,
        -17253.0 / 339200.0,
        22.0 / 525.0,
        -1.0 / 40.0,
    ]),
    fsal: true,
};

const T5_B: [f64; 7] = [
    0.096_460_766_818_065_229_518_167_313_165_128_763,
    0.01,
    0.479_889_650_414_499_574_775_249_532_290_596_52,
    1.379_008_574_103_741_893_192_274_821_856_872_8,
    -3.290_069_515_436_080_679_901_047_585_711_363_9,
    2.324_710_524_099_773_982_415_355_918_398_765_8,
    0.0,
];

/// Tsitouras 5(4), FSAL (Comput. Math. Appl. 62 (2011) 770–775), the default
/// non-stiff solver of diffrax and DifferentialEquations.jl.
pub const TSIT5: ButcherTableau = ButcherTableau {
    name: "Tsit5",
    order: 5,
    c: &[
        0.0,
        0.161,
        0.327,
        0.9,
        0.980_025_540_904_509_685_729_810_286_287_024_6,
        1.0,
        1.0,
    ],
    a: &[
        &[0.161],
        &[
            -0.008_480_655_492_356_988_544_426_874_250_230_774_7,
            0.335_480_655_492_356_988_544_426_874_250_230_77,
        ],
        &[
            2.897_153_057_105_493_432_130_432_594_192_938_8,
            -6.359_448_489_975_074_843_148_159_912_383_825_6,
            4.362_295_432_869_581_411_017_727_318_190_886_9,
        ],
        &[
            5.325_864_828_439_256_604_428_877_920_840_511_3,
            -11.748_883_564_062_827_877_747_170_339_785_773,
            7.495_539_342_889_836_208_304_604_784_564_358_2,
            -0.092_495_066_361_755_249_256_502_079_332_071_916,
        ],
        &[
            5.861_455_442_946_420_028_659_251_486_982_647_9,
            -12.920_969_317_847_109_291_706_118_681_783_359,
            8.159_367_898_576_158_643_180_400_794_539_253_5,
            -0.071_584_973_281_400_997_224_530_542_525_829_739,
            -0.028_269_050_394_068_382_909_003_057_212_712_241,
        ],
        &[T5_B[0], T5_B[1], T5_B[2], T5_B[3], T5_B[4], T5_B[5]],
    ],
    b: &T5_B,
    // b − b̂
    b_err: Some(&[
        T5_B[0] - 0.094_680_755_765_839_458_074_788_762_557_589_229,
        T5_B[1] - 0.009_183_565_540_343_253_096_776_363_936_645_313_8,
        T5_B[2] - 0.487_770_528_424_761_570_785_564_259_963_122_82,
        T5_B[3] - 1.234_297_566_930_478_985_655_109_673_884_237_7,
        T5_B[4] + 2.707_712_349_983_525_454_881_109_975_059_321_7,
        T5_B[5] - 1.866_628_418_170_587_035_753_719_399_566_211_5,
        -1.0 / 66.0,
    ]),
    fsal: true,
};

/// Every tableau of this module.
pub const ALL: &[ButcherTableau] = &[EULER, HEUN, MIDPOINT, RALSTON, RK4, BOSH3, DOPRI5, TSIT5];
