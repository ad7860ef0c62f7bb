//! The floating-point scalar types the algorithms run in.

use std::fmt::{Debug, Display};
use std::iter::Sum;

use num_traits::{Float, NumAssign};

/// A real floating-point scalar: `f32` or `f64`.
///
/// Everything numerical in noether is generic over `Real`; conversions to and from
/// `f64` are exact for `f64` and round to nearest for `f32`.
pub trait Real:
    Float + NumAssign + Sum + Default + Debug + Display + Send + Sync + 'static
{
    /// Machine epsilon of the type.
    const EPS: Self;

    /// Converts from `f64` (rounding to nearest for `f32`).
    fn of_f64(x: f64) -> Self;

    /// Converts to `f64` (exact).
    fn as_f64(self) -> f64;
}

impl Real for f32 {
    const EPS: Self = f32::EPSILON;
    #[inline]
    fn of_f64(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl Real for f64 {
    const EPS: Self = f64::EPSILON;
    #[inline]
    fn of_f64(x: f64) -> Self {
        x
    }
    #[inline]
    fn as_f64(self) -> f64 {
        self
    }
}
