//! The training workflow shared by neural DEs and flows: Adam
//! ([`noether_core::optim::Adam`], in f64 on the host) on the flat parameter vector, a learning-rate schedule, an optional exponential moving average of the
//! weights, a seeded generator for data sampling, and checkpoints written
//! atomically and resumed bit for bit.
//!
//! A checkpoint is one [safetensors](https://github.com/huggingface/safetensors) file
//! (readable by Python's `safetensors`): the tensors `params`, `adam.m`, `adam.v`
//! and, with an EMA, `ema`, all as flat f64 vectors, and in its metadata the step,
//! the generator's state and the configuration. It is written to `PATH.tmp` and
//! renamed over `PATH`, so a crash never leaves a half-written checkpoint.
//!
//! ```
//! use burn::tensor::{DType, Device, Tensor, TensorData};
//! use noether_diffeq::neural::train::{Trainer, TrainConfig};
//!
//! // Minimise ½‖θ − 1‖² from θ = 0.
//! let dev = (&Device::flex(), DType::F64);
//! let mut theta = Tensor::<1>::zeros([3], dev);
//! let mut trainer = Trainer::new(3, TrainConfig::adam(0.1).seed(7))?;
//! for _ in 0..200 {
//!     let grad = theta.clone() - 1.0;
//!     theta = trainer.step(&theta, &grad, 0.0)?;
//! }
//! let v = theta.into_data().convert::<f64>().into_vec::<f64>().unwrap();
//! assert!(v.iter().all(|x| (x - 1.0).abs() < 1e-2));
//! # Ok::<(), noether_diffeq::DiffeqError>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::{DType, Device, Tensor, TensorData};
use noether_core::optim::Adam;

use crate::error::{DiffeqError, Result, invalid};

/// The learning rate as a function of the step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// The base rate throughout.
    Constant,
    /// `lr · decayᵏ` at step `k`.
    Exponential {
        /// Factor per step.
        decay: f64,
    },
    /// Cosine from the base rate to `final_fraction · lr` over `steps`, then flat.
    Cosine {
        /// Length of the decay.
        steps: u64,
        /// The final rate as a fraction of the base rate.
        final_fraction: f64,
    },
}

/// Optimiser and workflow settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// Base learning rate.
    pub lr: f64,
    /// Adam's β₁.
    pub beta1: f64,
    /// Adam's β₂.
    pub beta2: f64,
    /// Adam's ε.
    pub eps: f64,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// Decay of the exponential moving average of the weights, if kept.
    pub ema: Option<f64>,
    /// Seed of the data-sampling generator.
    pub seed: u64,
}

impl TrainConfig {
    /// Adam at `lr` with β = (0.9, 0.999), ε = 1e-8, a constant rate, no EMA, seed 0.
    pub fn adam(lr: f64) -> Self {
        Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            schedule: Schedule::Constant,
            ema: None,
            seed: 0,
        }
    }

    /// With this schedule.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Keeping an EMA of the weights with this decay (e.g. 0.999).
    pub fn ema(mut self, decay: f64) -> Self {
        self.ema = Some(decay);
        self
    }

    /// With this data seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self) -> Result<()> {
        let ok = |x: f64| x.is_finite() && x > 0.0;
        if !ok(self.lr) {
            return Err(invalid("lr", self.lr, "must be finite and > 0"));
        }
        if !(0.0..1.0).contains(&self.beta1) || !(0.0..1.0).contains(&self.beta2) {
            return Err(invalid(
                "beta1, beta2",
                format!("{}, {}", self.beta1, self.beta2),
                "must lie in [0, 1)",
            ));
        }
        if !ok(self.eps) {
            return Err(invalid("eps", self.eps, "must be finite and > 0"));
        }
        if let Some(d) = self.ema
            && !(0.0..1.0).contains(&d)
        {
            return Err(invalid("ema", d, "decay must lie in [0, 1)"));
        }
        Ok(())
    }
}

pub use noether_core::rng::SplitMix64;

/// Adam with a schedule, an optional EMA and a data generator, on a flat f64
/// parameter vector; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Trainer {
    config: TrainConfig,
    n: usize,
    step: u64,
    adam: Adam,
    ema: Option<Vec<f64>>,
    rng: SplitMix64,
}

impl Trainer {
    /// A trainer of `n` parameters.
    ///
    /// Errors: [`DiffeqError::InvalidArgument`] for a bad learning rate, β, ε or
    /// EMA decay.
    pub fn new(n: usize, config: TrainConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            config,
            n,
            step: 0,
            adam: adam_for(n, &config),
            ema: None,
            rng: SplitMix64::new(config.seed),
        })
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The learning rate of the next step.
    pub fn lr(&self) -> f64 {
        let (lr, k) = (self.config.lr, self.step as f64);
        match self.config.schedule {
            Schedule::Constant => lr,
            Schedule::Exponential { decay } => lr * decay.powf(k),
            Schedule::Cosine {
                steps,
                final_fraction,
            } => {
                let x = (k / steps.max(1) as f64).min(1.0);
                lr * (final_fraction
                    + (1.0 - final_fraction) * 0.5 * (1.0 + (std::f64::consts::PI * x).cos()))
            }
        }
    }

    /// The data generator (seeded by the configuration, saved in checkpoints).
    pub fn rng(&mut self) -> &mut SplitMix64 {
        &mut self.rng
    }

    /// The EMA of the weights, when kept (on `theta`'s device and dtype).
    pub fn ema(&self, like: &Tensor<1>) -> Option<Tensor<1>> {
        self.ema.as_ref().map(|e| host_to(e, like))
    }

    /// The EMA of the weights on the host, when kept.
    pub fn ema_host(&self) -> Option<&[f64]> {
        self.ema.as_deref()
    }

    /// One Adam step: returns the new parameters. `loss` is only checked (a NaN
    /// loss or gradient stops training with an error instead of poisoning the
    /// weights).
    ///
    /// Errors: [`DiffeqError::NonFiniteLoss`] for a non-finite loss or gradient;
    /// [`DiffeqError::InvalidArgument`] when a length differs from the trainer's.
    pub fn step(&mut self, theta: &Tensor<1>, grad: &Tensor<1>, loss: f64) -> Result<Tensor<1>> {
        let mut th = to_host(theta);
        self.step_host(&mut th, &to_host(grad), loss)?;
        Ok(host_to(&th, theta))
    }

    /// [`step`](Self::step) on host parameters, updated in place (networks kept
    /// on the host, such as [`FusedMlp`](super::FusedMlp)).
    ///
    /// Errors: as [`step`](Self::step).
    pub fn step_host(&mut self, theta: &mut [f64], grad: &[f64], loss: f64) -> Result<()> {
        if theta.len() != self.n || grad.len() != self.n {
            return Err(invalid(
                "theta, grad",
                format!("{}, {}", theta.len(), grad.len()),
                "lengths must equal the trainer's parameter count",
            ));
        }
        if !loss.is_finite() || !grad.iter().all(|x| x.is_finite()) {
            return Err(DiffeqError::NonFiniteLoss {
                step: self.step,
                loss,
            });
        }
        self.adam.set_lr(self.lr());
        self.step += 1;
        self.adam.next_step();
        self.adam.descend(0, theta, grad);
        if let Some(d) = self.config.ema {
            match &mut self.ema {
                Some(e) => {
                    for (ei, p) in e.iter_mut().zip(theta.iter()) {
                        *ei = d * *ei + (1.0 - d) * p;
                    }
                }
                None => self.ema = Some(theta.to_vec()),
            }
        }
        Ok(())
    }

    /// Writes the parameters `theta` and the whole trainer state to `path`
    /// atomically (see the [module docs](self)).
    ///
    /// Errors: [`DiffeqError::Checkpoint`] when the file cannot be written.
    pub fn save(&self, path: &Path, theta: &Tensor<1>) -> Result<()> {
        self.save_host(path, &to_host(theta))
    }

    /// [`save`](Self::save) with host parameters.
    ///
    /// Errors: [`DiffeqError::Checkpoint`] when the file cannot be written.
    pub fn save_host(&self, path: &Path, theta: &[f64]) -> Result<()> {
        let (m, v) = self.adam.moments();
        let mut tensors: Vec<(&str, Vec<f64>)> = vec![
            ("params", theta.to_vec()),
            ("adam.m", m.to_vec()),
            ("adam.v", v.to_vec()),
        ];
        if let Some(e) = &self.ema {
            tensors.push(("ema", e.clone()));
        }
        let c = &self.config;
        let meta: BTreeMap<&str, String> = BTreeMap::from([
            ("format", "noether-train/1".to_string()),
            ("step", self.step.to_string()),
            ("rng", self.rng.state().to_string()),
            ("lr", bits(c.lr)),
            ("beta1", bits(c.beta1)),
            ("beta2", bits(c.beta2)),
            ("eps", bits(c.eps)),
            ("ema_decay", c.ema.map(bits).unwrap_or_default()),
            ("schedule", schedule_string(&c.schedule)),
            ("seed", c.seed.to_string()),
        ]);
        let bytes = safetensors::encode(&tensors, &meta);
        let tmp = tmp_path(path);
        let fail = |e: std::io::Error| DiffeqError::Checkpoint {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::write(&tmp, bytes).map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(fail)
    }

    /// Reads a checkpoint written by [`save`](Self::save): the trainer as it was
    /// and the parameters, as a tensor like `like` (device and dtype) of its length.
    ///
    /// Errors: [`DiffeqError::Checkpoint`] when the file is unreadable, not such a
    /// checkpoint, or holds a parameter count other than `like`'s.
    pub fn load(path: &Path, like: &Tensor<1>) -> Result<(Self, Tensor<1>)> {
        let (trainer, params) = Self::load_host(path, like.dims()[0])?;
        Ok((trainer, host_to(&params, like)))
    }

    /// [`load`](Self::load) for a model of `n` host parameters.
    ///
    /// Errors: as [`load`](Self::load).
    pub fn load_host(path: &Path, n: usize) -> Result<(Self, Vec<f64>)> {
        let fail = |reason: String| DiffeqError::Checkpoint {
            path: path.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let (tensors, meta) = safetensors::decode(&bytes).map_err(fail)?;
        let get = |k: &str| {
            meta.get(k)
                .cloned()
                .ok_or_else(|| fail(format!("metadata `{k}` missing")))
        };
        if get("format")? != "noether-train/1" {
            return Err(fail("not a noether-train/1 checkpoint".into()));
        }
        let num = |k: &str| -> Result<u64> {
            get(k)?
                .parse()
                .map_err(|_| fail(format!("metadata `{k}` is not an integer")))
        };
        let real = |k: &str| -> Result<f64> {
            unbits(&get(k)?).ok_or_else(|| fail(format!("metadata `{k}` is not a number")))
        };
        let tensor = |k: &str| {
            tensors
                .get(k)
                .cloned()
                .ok_or_else(|| fail(format!("tensor `{k}` missing")))
        };
        let params = tensor("params")?;
        if params.len() != n {
            return Err(fail(format!(
                "holds {} parameters, the model has {n}",
                params.len()
            )));
        }
        let ema_decay = get("ema_decay")?;
        let config = TrainConfig {
            lr: real("lr")?,
            beta1: real("beta1")?,
            beta2: real("beta2")?,
            eps: real("eps")?,
            schedule: parse_schedule(&get("schedule")?)
                .ok_or_else(|| fail("bad schedule".into()))?,
            ema: if ema_decay.is_empty() {
                None
            } else {
                Some(unbits(&ema_decay).ok_or_else(|| fail("bad ema_decay".into()))?)
            },
            seed: num("seed")?,
        };
        let step = num("step")?;
        let mut adam = adam_for(n, &config);
        adam.restore(tensor("adam.m")?, tensor("adam.v")?, step as usize)
            .map_err(|e| fail(format!("Adam moments: {e}")))?;
        let trainer = Self {
            config,
            n,
            step,
            adam,
            ema: tensors.get("ema").cloned(),
            rng: SplitMix64::from_state(num("rng")?),
        };
        Ok((trainer, params))
    }
}

/// The workspace's Adam with the configuration's β and ε.
fn adam_for(n: usize, c: &TrainConfig) -> Adam {
    Adam::new(n, c.lr).with_betas(c.beta1, c.beta2, c.eps)
}

/// `PATH.tmp` next to `PATH`.
fn tmp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

/// An f64 written exactly (its bit pattern in hex).
fn bits(x: f64) -> String {
    format!("{:016x}", x.to_bits())
}

fn unbits(s: &str) -> Option<f64> {
    u64::from_str_radix(s, 16).ok().map(f64::from_bits)
}

fn schedule_string(s: &Schedule) -> String {
    match s {
        Schedule::Constant => "constant".into(),
        Schedule::Exponential { decay } => format!("exponential:{}", bits(*decay)),
        Schedule::Cosine {
            steps,
            final_fraction,
        } => format!("cosine:{steps}:{}", bits(*final_fraction)),
    }
}

fn parse_schedule(s: &str) -> Option<Schedule> {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        ["constant"] => Some(Schedule::Constant),
        ["exponential", d] => Some(Schedule::Exponential { decay: unbits(d)? }),
        ["cosine", n, f] => Some(Schedule::Cosine {
            steps: n.parse().ok()?,
            final_fraction: unbits(f)?,
        }),
        _ => None,
    }
}

/// The entries of a flat tensor as f64 on the host.
fn to_host(x: &Tensor<1>) -> Vec<f64> {
    noether_core::Space::to_f64_vec(x)
}

/// `values` as a tensor on `like`'s device, in its dtype.
fn host_to(values: &[f64], like: &Tensor<1>) -> Tensor<1> {
    let device: Device = like.device();
    let dtype: DType = like.dtype();
    Tensor::from_data(
        TensorData::new(values.to_vec(), [values.len()]),
        (&device, dtype),
    )
}

/// A minimal safetensors writer and reader for flat f64 tensors with string
/// metadata (the format: an 8-byte little-endian header length, a JSON header of
/// dtype, shape and byte offsets per tensor plus `__metadata__`, then the data).
mod safetensors {
    use std::collections::BTreeMap;

    pub(super) type Tensors = BTreeMap<String, Vec<f64>>;

    fn json_string(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    pub(super) fn encode(tensors: &[(&str, Vec<f64>)], meta: &BTreeMap<&str, String>) -> Vec<u8> {
        let mut header = String::from("{\"__metadata__\":{");
        let entries: Vec<String> = meta
            .iter()
            .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
            .collect();
        header.push_str(&entries.join(","));
        header.push('}');
        let mut offset = 0usize;
        for (name, data) in tensors {
            let end = offset + 8 * data.len();
            header.push_str(&format!(
                ",{}:{{\"dtype\":\"F64\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
                json_string(name),
                data.len()
            ));
            offset = end;
        }
        header.push('}');
        // pad the header with spaces to a multiple of 8 bytes (as the reference does)
        while header.len() % 8 != 0 {
            header.push(' ');
        }
        let mut out = Vec::with_capacity(8 + header.len() + offset);
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        for (_, data) in tensors {
            for x in data {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out
    }

    /// A tiny JSON reader for the header: objects, arrays, strings and integers.
    #[derive(Debug, Clone)]
    enum Json {
        Obj(BTreeMap<String, Json>),
        Arr(Vec<Json>),
        Str(String),
        Num(u64),
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl Parser<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> Result<(), String> {
            self.ws();
            if self.s.get(self.i) == Some(&c) {
                self.i += 1;
                Ok(())
            } else {
                Err(format!(
                    "header: expected '{}' at byte {}",
                    c as char, self.i
                ))
            }
        }
        fn value(&mut self) -> Result<Json, String> {
            self.ws();
            match self.s.get(self.i) {
                Some(b'{') => {
                    self.i += 1;
                    let mut m = BTreeMap::new();
                    self.ws();
                    if self.s.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        return Ok(Json::Obj(m));
                    }
                    loop {
                        let Json::Str(k) = self.value()? else {
                            return Err("header: object key is not a string".into());
                        };
                        self.eat(b':')?;
                        let v = self.value()?;
                        m.insert(k, v);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                return Ok(Json::Obj(m));
                            }
                            _ => return Err("header: bad object".into()),
                        }
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    let mut a = Vec::new();
                    self.ws();
                    if self.s.get(self.i) == Some(&b']') {
                        self.i += 1;
                        return Ok(Json::Arr(a));
                    }
                    loop {
                        a.push(self.value()?);
                        self.ws();
                        match self.s.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                return Ok(Json::Arr(a));
                            }
                            _ => return Err("header: bad array".into()),
                        }
                    }
                }
                Some(b'"') => {
                    self.i += 1;
                    let mut out = String::new();
                    loop {
                        match self.s.get(self.i) {
                            None => return Err("header: unterminated string".into()),
                            Some(b'"') => {
                                self.i += 1;
                                return Ok(Json::Str(out));
                            }
                            Some(b'\\') => {
                                let c = self
                                    .s
                                    .get(self.i + 1)
                                    .copied()
                                    .ok_or("header: bad escape")?;
                                self.i += 2;
                                match c {
                                    b'u' => {
                                        let hex = self
                                            .s
                                            .get(self.i..self.i + 4)
                                            .ok_or("header: bad escape")?;
                                        let code = u32::from_str_radix(
                                            std::str::from_utf8(hex).map_err(|e| e.to_string())?,
                                            16,
                                        )
                                        .map_err(|e| e.to_string())?;
                                        out.push(char::from_u32(code).ok_or("header: bad escape")?);
                                        self.i += 4;
                                    }
                                    b'n' => out.push('\n'),
                                    b't' => out.push('\t'),
                                    other => out.push(other as char),
                                }
                            }
                            Some(_) => {
                                let rest = std::str::from_utf8(&self.s[self.i..])
                                    .map_err(|e| e.to_string())?;
                                let c = rest.chars().next().ok_or("header: bad string")?;
                                out.push(c);
                                self.i += c.len_utf8();
                            }
                        }
                    }
                }
                Some(c) if c.is_ascii_digit() => {
                    let start = self.i;
                    while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    let text =
                        std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
                    text.parse()
                        .map(Json::Num)
                        .map_err(|e| format!("header: {e}"))
                }
                _ => Err(format!("header: unexpected byte at {}", self.i)),
            }
        }
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<(Tensors, BTreeMap<String, String>), String> {
        let len_bytes: [u8; 8] = bytes
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .ok_or("file shorter than the 8-byte header length")?;
        let hlen = u64::from_le_bytes(len_bytes) as usize;
        let header = bytes
            .get(8..8usize.saturating_add(hlen))
            .ok_or("header runs past the end of the file")?;
        let data = &bytes[8 + hlen..];
        let Json::Obj(top) = (Parser { s: header, i: 0 }).value()? else {
            return Err("header is not a JSON object".into());
        };
        let mut meta = BTreeMap::new();
        let mut tensors = BTreeMap::new();
        for (name, v) in top {
            match v {
                Json::Obj(fields) if name == "__metadata__" => {
                    for (k, v) in fields {
                        if let Json::Str(s) = v {
                            meta.insert(k, s);
                        }
                    }
                }
                Json::Obj(fields) => {
                    if !matches!(fields.get("dtype"), Some(Json::Str(d)) if d == "F64") {
                        return Err(format!("tensor `{name}` is not F64"));
                    }
                    let Some(Json::Arr(off)) = fields.get("data_offsets") else {
                        return Err(format!("tensor `{name}` has no data_offsets"));
                    };
                    let (Some(Json::Num(a)), Some(Json::Num(b))) = (off.first(), off.get(1)) else {
                        return Err(format!("tensor `{name}`: bad data_offsets"));
                    };
                    let (a, b) = (*a as usize, *b as usize);
                    let raw = data
                        .get(a..b)
                        .filter(|r| r.len() % 8 == 0)
                        .ok_or(format!("tensor `{name}`: data_offsets outside the file"))?;
                    let vals = raw
                        .chunks_exact(8)
                        .map(|c| {
                            let mut a = [0u8; 8];
                            a.copy_from_slice(c);
                            f64::from_le_bytes(a)
                        })
                        .collect();
                    tensors.insert(name, vals);
                }
                _ => return Err(format!("header entry `{name}` is not an object")),
            }
        }
        Ok((tensors, meta))
    }
}
