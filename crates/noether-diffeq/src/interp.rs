//! Dense output inside an accepted step: each method's own continuous extension
//! where it has one (Tsit5's free interpolant, Shampine's for Dopri5, Bogacki and
//! Shampine's for Dopri8, Hairer's 7th-order one for DOP853), cubic Hermite
//! otherwise.

#![allow(clippy::excessive_precision)] // coefficients keep the digits of their sources

use noether_core::{Real, Space};

use crate::tableau::ButcherTableau;

/// Which continuous extension a tableau uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolant {
    /// Cubic Hermite from `y₀, f₀, y₁, f₁` (order 3).
    Hermite,
    /// Tsitouras' free 4th-order interpolant.
    Tsit5,
    /// Shampine's 4th-order continuous extension of Dormand–Prince 5(4).
    Dopri5,
    /// Bogacki and Shampine's continuous extension of Prince–Dormand 8(7).
    Dopri8,
    /// Hairer's 7th-order continuous extension of DOP853 (three extra stages, see
    /// [`crate::erk::dense_output_stages`]).
    Dop853,
}

impl Interpolant {
    /// The interpolant used for `tab`.
    pub fn for_tableau(tab: &ButcherTableau) -> Self {
        match tab.name {
            "Tsit5" => Self::Tsit5,
            "Dopri5" | "Dopri5Shampine" => Self::Dopri5,
            "Dopri8" => Self::Dopri8,
            "Dop853" => Self::Dop853,
            _ => Self::Hermite,
        }
    }

    /// Number of extra stages the interpolant needs beyond the step's own.
    pub fn extra_stages(self) -> usize {
        match self {
            Self::Dop853 => DOP853_EXTRA_C.len(),
            _ => 0,
        }
    }
}

/// Tsit5 interpolation weights `bᵢ(θ)`.
fn tsit5_weights(t: f64) -> [f64; 7] {
    let t2 = t * t;
    [
        -1.053_088_497_729_021_6
            * t
            * (t - 1.329_989_018_975_141_2)
            * (t2 - 1.436_402_854_171_635_1 * t + 0.713_981_691_707_420_9),
        0.1017 * t2 * (t2 - 2.196_656_833_824_975_4 * t + 1.294_985_250_737_463_1),
        2.490_627_285_651_252_8 * t2 * (t2 - 2.385_356_454_720_616_6 * t + 1.578_034_682_080_924_9),
        -16.548_102_889_244_903
            * (t - 1.217_129_272_955_332_4)
            * (t - 0.616_204_060_378_000_9)
            * t2,
        47.379_521_962_819_28 * (t - 1.203_071_208_372_362_6) * (t - 0.658_047_292_653_547_4) * t2,
        -34.870_657_861_496_61 * (t - 1.2) * (t - 2.0 / 3.0) * t2,
        2.5 * (t - 1.0) * (t - 0.6) * t2,
    ]
}

/// Shampine's dense-output coefficients for Dormand–Prince 5(4).
const DOPRI5_D: [f64; 7] = [
    -12715105075.0 / 11282082432.0,
    0.0,
    87487479700.0 / 32700410799.0,
    -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0,
    -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0,
];

/// Bogacki & Shampine's continuous extension of Prince–Dormand 8(7) (Comput.
/// Math. Appl. 20 (1990) 15–24), as in diffrax: stage weight
/// `bᵢ(θ) = θ·(pᵢ₀θ⁵ + pᵢ₁θ⁴ + … + pᵢ₅)` over the 14 stages (the last is FSAL).
const DOPRI8_P: [[f64; 6]; 14] = [
    [
        -6.3448349392860401388,
        22.1396504998094068976,
        -30.0610568289666450593,
        19.9990069333683970610,
        -6.6910181737837595697,
        1.0,
    ],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [
        -39.6107919852202505218,
        116.4422149550342161651,
        -121.4999627731334642623,
        52.2273532792945524050,
        -7.6142658045872677172,
        0.0,
    ],
    [
        20.3761213808791436958,
        -67.1451318825957197185,
        83.1721004639847717481,
        -46.8919164181093621583,
        10.7281392630428866124,
        0.0,
    ],
    [
        7.3347098826795362023,
        -16.5672243527496524646,
        9.5724507555993664382,
        -0.1890893225010595467,
        0.5526637063753648783,
        0.0,
    ],
    [
        32.8801774352459155182,
        -89.9916014847245016028,
        87.8406057677205645007,
        -35.7075975946222072821,
        4.2186562625665153803,
        0.0,
    ],
    [
        -10.1588990526426760954,
        22.6237489648532849093,
        -17.4152107770762969005,
        6.2736448083240352160,
        -0.6627209125361597559,
        0.0,
    ],
    [
        -12.5401268098782561200,
        32.2362340167355370113,
        -28.5903289514790976966,
        10.3160881272450748458,
        -1.2636789001135462218,
        0.0,
    ],
    [
        29.5553001484516038033,
        -82.1020315488359848644,
        81.6630950584341412934,
        -34.7650769866611817349,
        5.4106037898590422230,
        0.0,
    ],
    [
        -41.7923486424390588923,
        116.2662185791119533462,
        -114.9375291377009418170,
        47.7457971078225540396,
        -7.0321379067945741781,
        0.0,
    ],
    [
        20.3006925822100825485,
        -53.9020777466385396792,
        50.2558364226176017553,
        -19.0082099341608028453,
        2.3537586759714983486,
        0.0,
    ],
];

/// Nodes of DOP853's three extra dense-output stages (stages 13–15).
pub(crate) const DOP853_EXTRA_C: [f64; 3] = [0.1, 0.2, 0.777777777777777777777777777778];

/// Coefficients `aᵢⱼ` of DOP853's extra stages `i = 13, 14, 15` on stages `j < i`.
pub(crate) const DOP853_EXTRA_A: [[f64; 15]; 3] = [
    [
        5.61675022830479523392909219681e-2,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        2.53500210216624811088794765333e-1,
        -2.46239037470802489917441475441e-1,
        -1.24191423263816360469010140626e-1,
        1.5329179827876569731206322685e-1,
        8.20105229563468988491666602057e-3,
        7.56789766054569976138603589584e-3,
        -8.298e-3,
        0.0,
        0.0,
    ],
    [
        3.18346481635021405060768473261e-2,
        0.0,
        0.0,
        0.0,
        0.0,
        2.83009096723667755288322961402e-2,
        5.35419883074385676223797384372e-2,
        -5.49237485713909884646569340306e-2,
        0.0,
        0.0,
        -1.08347328697249322858509316994e-4,
        3.82571090835658412954920192323e-4,
        -3.40465008687404560802977114492e-4,
        1.41312443674632500278074618366e-1,
        0.0,
    ],
    [
        -4.28896301583791923408573538692e-1,
        0.0,
        0.0,
        0.0,
        0.0,
        -4.69762141536116384314449447206,
        7.68342119606259904184240953878,
        4.06898981839711007970213554331,
        3.56727187455281109270669543021e-1,
        0.0,
        0.0,
        0.0,
        -1.39902416515901462129418009734e-3,
        2.9475147891527723389556272149,
        -9.15095847217987001081870187138,
    ],
];

/// DOP853's dense-output coefficients: `F₃₊ᵣ = h Σⱼ dᵣⱼ kⱼ` over the 16 stages.
const DOP853_D: [[f64; 16]; 4] = [
    [
        -0.84289382761090128651353491142e+1,
        0.0,
        0.0,
        0.0,
        0.0,
        0.56671495351937776962531783590,
        -0.30689499459498916912797304727e+1,
        0.23846676565120698287728149680e+1,
        0.21170345824450282767155149946e+1,
        -0.87139158377797299206789907490,
        0.22404374302607882758541771650e+1,
        0.63157877876946881815570249290,
        -0.88990336451333310820698117400e-1,
        0.18148505520854727256656404962e+2,
        -0.91946323924783554000451984436e+1,
        -0.44360363875948939664310572000e+1,
    ],
    [
        0.10427508642579134603413151009e+2,
        0.0,
        0.0,
        0.0,
        0.0,
        0.24228349177525818288430175319e+3,
        0.16520045171727028198505394887e+3,
        -0.37454675472269020279518312152e+3,
        -0.22113666853125306036270938578e+2,
        0.77334326684722638389603898808e+1,
        -0.30674084731089398182061213626e+2,
        -0.93321305264302278729567221706e+1,
        0.15697238121770843886131091075e+2,
        -0.31139403219565177677282850411e+2,
        -0.93529243588444783865713862664e+1,
        0.35816841486394083752465898540e+2,
    ],
    [
        0.19985053242002433820987653617e+2,
        0.0,
        0.0,
        0.0,
        0.0,
        -0.38703730874935176555105901742e+3,
        -0.18917813819516756882830838328e+3,
        0.52780815920542364900561016686e+3,
        -0.11573902539959630126141871134e+2,
        0.68812326946963000169666922661e+1,
        -0.10006050966910838403183860980e+1,
        0.77771377980534432092869265740,
        -0.27782057523535084065932004339e+1,
        -0.60196695231264120758267380846e+2,
        0.84320405506677161018159903784e+2,
        0.11992291136182789328035130030e+2,
    ],
    [
        -0.25693933462703749003312586129e+2,
        0.0,
        0.0,
        0.0,
        0.0,
        -0.15418974869023643374053993627e+3,
        -0.23152937917604549567536039109e+3,
        0.35763911791061412378285349910e+3,
        0.93405324183624310003907691704e+2,
        -0.37458323136451633156875139351e+2,
        0.10409964950896230045147246184e+3,
        0.29840293426660503123344363579e+2,
        -0.43533456590011143754432175058e+2,
        0.96324553959188282948394950600e+2,
        -0.39177261675615439165231486172e+2,
        -0.14972683625798562581422125276e+3,
    ],
];

/// The data of one step that a dense output interpolates: the step size, both
/// ends, the stages (before the next step recycles them; for DOP853 including the
/// extra stages of [`crate::erk::dense_output_stages`]) and `f1 = f(t₀ + h, y₁)`,
/// which only the Hermite interpolant uses (for FSAL tableaux it is the last stage).
#[derive(Debug, Clone, Copy)]
pub struct StepData<'a, V> {
    /// Step size `h`.
    pub h: f64,
    /// State at the start of the step.
    pub y0: &'a V,
    /// State at the end of the step.
    pub y1: &'a V,
    /// Stage derivatives.
    pub k: &'a [V],
    /// `f(t₀ + h, y₁)`.
    pub f1: &'a V,
}

/// `out ← y(t₀ + θh)` inside the step `step` by the interpolant `kind`.
pub fn interpolate<V: Space>(kind: Interpolant, step: &StepData<'_, V>, theta: f64, out: &mut V) {
    let StepData { h, y0, y1, k, f1 } = *step;
    let sc = V::Scalar::of_f64;
    match kind {
        Interpolant::Hermite => {
            let (t2, t3) = (theta * theta, theta * theta * theta);
            let h00 = 2.0 * t3 - 3.0 * t2 + 1.0;
            let h10 = t3 - 2.0 * t2 + theta;
            let h01 = -2.0 * t3 + 3.0 * t2;
            let h11 = t3 - t2;
            out.lincomb(&[
                (sc(h00), y0),
                (sc(h * h10), &k[0]),
                (sc(h01), y1),
                (sc(h * h11), f1),
            ]);
        }
        Interpolant::Tsit5 => {
            let b = tsit5_weights(theta);
            out.lincomb(&[
                (sc(1.0), y0),
                (sc(h * b[0]), &k[0]),
                (sc(h * b[1]), &k[1]),
                (sc(h * b[2]), &k[2]),
                (sc(h * b[3]), &k[3]),
                (sc(h * b[4]), &k[4]),
                (sc(h * b[5]), &k[5]),
                (sc(h * b[6]), &k[6]),
            ]);
        }
        Interpolant::Dopri5 => {
            let t = theta;
            let t1 = 1.0 - t;
            let q = t * t * t1 * t1;
            let d = &DOPRI5_D;
            out.lincomb(&[
                (sc(1.0 - t + t * t1 - 2.0 * t * t * t1), y0),
                (sc(t - t * t1 + 2.0 * t * t * t1), y1),
                (sc(h * (t * t1 - t * t * t1 + q * d[0])), &k[0]),
                (sc(h * q * d[2]), &k[2]),
                (sc(h * q * d[3]), &k[3]),
                (sc(h * q * d[4]), &k[4]),
                (sc(h * q * d[5]), &k[5]),
                (sc(h * (-t * t * t1 + q * d[6])), &k[6]),
            ]);
        }
        Interpolant::Dopri8 => {
            let mut terms: [(V::Scalar, &V); 15] = [(sc(1.0), y0); 15];
            let mut m = 1;
            for (p, ki) in DOPRI8_P.iter().zip(k) {
                let w = theta * p.iter().fold(0.0, |acc, &c| acc * theta + c);
                if w != 0.0 {
                    terms[m] = (sc(h * w), ki);
                    m += 1;
                }
            }
            out.lincomb(&terms[..m]);
        }
        Interpolant::Dop853 => {
            // y = y₀ + θ(F₀ + (1−θ)(F₁ + θ(F₂ + (1−θ)(F₃ + θ(F₄ + (1−θ)(F₅ + θF₆))))))
            // with F₀ = Δy, F₁ = hk₀ − Δy, F₂ = 2Δy − h(k₀ + k₁₂), F₃₊ᵣ = h Σⱼ dᵣⱼkⱼ,
            // expanded into one linear combination of y₀, y₁ and the 16 stages.
            let (x, u) = (theta, 1.0 - theta);
            let w = [
                x,
                x * u,
                x * x * u,
                x * x * u * u,
                x * x * x * u * u,
                x * x * x * u * u * u,
                x * x * x * x * u * u * u,
            ];
            let dy = w[0] - w[1] + 2.0 * w[2];
            let mut c = [0.0; 16];
            for (r, d) in DOP853_D.iter().enumerate() {
                for (cj, &dj) in c.iter_mut().zip(d) {
                    *cj += w[3 + r] * dj;
                }
            }
            c[0] += w[1] - w[2];
            c[12] -= w[2];
            let mut terms: [(V::Scalar, &V); 18] = [(sc(1.0 - dy), y0); 18];
            terms[1] = (sc(dy), y1);
            let mut m = 2;
            for (&cj, kj) in c.iter().zip(k) {
                if cj != 0.0 {
                    terms[m] = (sc(h * cj), kj);
                    m += 1;
                }
            }
            out.lincomb(&terms[..m]);
        }
    }
}
