//! POT's reference values (`data/pot_reference.json`, written by
//! `data/make_pot_reference.py`).

use serde_json::Value;

pub fn load() -> Value {
    let text = include_str!("data/pot_reference.json");
    serde_json::from_str(text).expect("the stored reference is valid JSON")
}

pub fn vec(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

pub fn num(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}
