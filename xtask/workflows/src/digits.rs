//! The 8×8 digits of `data/digits8x8.csv` (UCI optical digits, as shipped by
//! scikit-learn; licence in `data/README.md`), shared by the neural-ODE classifier
//! and the flow-matching run.

use xtask::Result;
use xtask::paths::root;

/// Pixels per image.
pub const PIXELS: usize = 64;

/// The digits: `(pixels / 16, label)` per image.
pub fn load_digits() -> Result<Vec<(Vec<f64>, usize)>> {
    let text = std::fs::read_to_string(root().join("data/digits8x8.csv"))?;
    text.lines()
        .skip(1) // the header
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Vec<f64> = line
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<std::result::Result<_, _>>()?;
            if v.len() != PIXELS + 1 {
                return Err(format!("digits8x8.csv: a row of {} values", v.len()).into());
            }
            Ok((v[1..].iter().map(|p| p / 16.0).collect(), v[0] as usize))
        })
        .collect()
}
