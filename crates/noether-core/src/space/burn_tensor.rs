//! [`Space`] for burn's runtime-dispatched tensors (feature `burn`).
//!
//! The tensor's own dtype (f32 on most devices) holds the data; host-side scalars
//! (coefficients, inner products, norms) are `f64`. Every operation is a tensor
//! operation on the tensor's device, so the same solver code runs on any burn backend.
//! Operations are element-wise over all `D` dimensions; `dot` and the norms reduce
//! over all entries.

use burn::tensor::{Tensor, TensorData};

use super::{AtolRef, Space, TolRef};

impl<const D: usize> Space for Tensor<D> {
    type Scalar = f64;

    fn len(&self) -> usize {
        self.dims().iter().product()
    }

    fn zeros_like(&self) -> Self {
        Tensor::zeros_like(self)
    }

    /// Keeps the trailing dimensions when `n` is a multiple of their product
    /// (a batch of a different size), and uses `[n, 1, …, 1]` otherwise.
    fn zeros_with_len(&self, n: usize) -> Self {
        let dims = self.dims();
        let mut shape = [1usize; D];
        let trailing: usize = dims.iter().skip(1).product();
        if D == 1 {
            shape[0] = n;
        } else if trailing > 0 && n.is_multiple_of(trailing) {
            shape = dims;
            shape[0] = n / trailing;
        } else {
            shape[0] = n;
        }
        Tensor::zeros(shape, (&self.device(), self.dtype()))
    }

    fn copy_from(&mut self, x: &Self) {
        *self = x.clone();
    }

    fn fill(&mut self, value: f64) {
        *self = self.full_like(value);
    }

    fn axpy(&mut self, a: f64, x: &Self) {
        let y = self.extract();
        *self = y + x.clone().mul_scalar(a);
    }

    fn scale(&mut self, a: f64) {
        let y = self.extract();
        *self = y.mul_scalar(a);
    }

    fn lincomb_acc(&mut self, beta: f64, terms: &[(f64, &Self)]) {
        let mut acc = if beta == 0.0 {
            None
        } else if beta == 1.0 {
            Some(self.extract())
        } else {
            Some(self.extract().mul_scalar(beta))
        };
        for (a, x) in terms {
            let term = (*x).clone().mul_scalar(*a);
            acc = Some(match acc {
                Some(s) => s + term,
                None => term,
            });
        }
        *self = match acc {
            Some(s) => s,
            None => self.zeros_like(),
        };
    }

    fn mul_elementwise(&mut self, d: &Self) {
        let y = self.extract();
        *self = y * d.clone();
    }

    fn dot(&self, x: &Self) -> f64 {
        (self.clone() * x.clone()).sum().into_scalar::<f64>()
    }

    fn norm_inf(&self) -> f64 {
        if Space::is_empty(self) {
            return 0.0;
        }
        self.clone().abs().max().into_scalar::<f64>()
    }

    fn multi_dot(&self, xs: &[&Self], out: &mut [f64]) {
        assert_eq!(
            xs.len(),
            out.len(),
            "noether-core: length mismatch in multi_dot"
        );
        if xs.is_empty() {
            return;
        }
        // One small tensor of the products, one transfer.
        let sums: Vec<Tensor<1>> = xs
            .iter()
            .map(|x| (self.clone() * (*x).clone()).sum())
            .collect();
        let data = Tensor::cat(sums, 0).into_data().convert::<f64>();
        let values = data
            .as_slice::<f64>()
            .expect("TensorData converted to f64 holds f64 values");
        out.copy_from_slice(values);
    }

    fn wrms_norm(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>) -> f64 {
        if Space::is_empty(self) {
            return 0.0;
        }
        let (a0, a1) = (y0.clone().abs(), y1.clone().abs());
        // (|y0| + |y1|)·0 is +0 for finite entries and NaN otherwise: the norm reports
        // a non-finite state in the same reduction.
        let probe = (a0.clone() + a1.clone()).mul_scalar(0.0);
        let scale = a0.max_pair(a1).mul_scalar(tol.rtol);
        let scale = match tol.atol {
            AtolRef::Scalar(a) => scale.add_scalar(a),
            AtolRef::PerComponent(v) => scale + v.clone(),
        };
        let r = self.clone() / scale;
        (r.clone() * r + probe).mean().into_scalar::<f64>().sqrt()
    }

    fn wmax_norm(&self, y: &Self, tol: TolRef<'_, Self>) -> f64 {
        if Space::is_empty(self) {
            return 0.0;
        }
        let ay = y.clone().abs();
        let probe = ay.clone().mul_scalar(0.0);
        let scale = ay.mul_scalar(tol.rtol);
        let scale = match tol.atol {
            AtolRef::Scalar(a) => scale.add_scalar(a),
            AtolRef::PerComponent(v) => scale + v.clone(),
        };
        let r = self.clone().abs() / scale + probe;
        // max() skips NaN on some backends: count NaN ratios in the same reduction.
        let nan = r.clone().is_nan().float().sum().reshape([1]);
        let both = Tensor::cat(vec![r.max().reshape([1]), nan], 0)
            .into_data()
            .convert::<f64>();
        let v = both
            .as_slice::<f64>()
            .expect("TensorData converted to f64 holds f64 values");
        if v[1] > 0.0 { f64::NAN } else { v[0] }
    }

    fn all_finite(&self) -> bool {
        if Space::is_empty(self) {
            return true;
        }
        self.clone().is_finite().all().into_scalar::<bool>()
    }

    fn copy_from_f64(&mut self, values: &[f64]) {
        assert_eq!(
            values.len(),
            Space::len(self),
            "noether-core: length mismatch in copy_from_f64"
        );
        let data = TensorData::new(values.to_vec(), self.shape());
        *self = Tensor::from_data(data, (&self.device(), self.dtype()));
    }

    fn to_f64_vec(&self) -> Vec<f64> {
        let data: TensorData = self.to_data().convert::<f64>();
        data.try_to_vec::<f64>()
            .expect("TensorData converted to f64 holds f64 values")
    }
}

/// Rows are samples: a `[B, n]` tensor is a batch of `B` states of `n` entries.
impl super::BatchSpace for Tensor<2> {
    fn batch_size(&self) -> usize {
        self.dims()[0]
    }

    fn wrms_norm_per_sample(&self, y0: &Self, y1: &Self, tol: TolRef<'_, Self>, out: &mut [f64]) {
        assert_eq!(
            out.len(),
            self.dims()[0],
            "noether-core: one norm per sample"
        );
        if out.is_empty() {
            return;
        }
        let (a0, a1) = (y0.clone().abs(), y1.clone().abs());
        let probe = (a0.clone() + a1.clone()).mul_scalar(0.0);
        let scale = a0.max_pair(a1).mul_scalar(tol.rtol);
        let scale = match tol.atol {
            AtolRef::Scalar(a) => scale.add_scalar(a),
            AtolRef::PerComponent(v) => scale + v.clone(),
        };
        let r = self.clone() / scale;
        let ms = (r.clone() * r + probe).mean_dim(1).sqrt();
        let data = ms.into_data().convert::<f64>();
        let values = data
            .as_slice::<f64>()
            .expect("TensorData converted to f64 holds f64 values");
        out.copy_from_slice(values);
    }

    fn lincomb_per_sample(&mut self, beta: &[f64], terms: &[(&[f64], &Self)]) {
        let b = self.dims()[0];
        assert_eq!(beta.len(), b, "noether-core: one beta per sample");
        let column = |c: &[f64]| {
            assert_eq!(c.len(), b, "noether-core: one coefficient per sample");
            let data = TensorData::new(c.to_vec(), [b, 1]);
            Tensor::<2>::from_data(data, (&self.device(), self.dtype()))
        };
        let mut acc = if beta.iter().all(|v| *v == 0.0) {
            self.zeros_like()
        } else if beta.contains(&0.0) {
            // Rows with β = 0 do not read their old contents (a NaN there stays out).
            let zero_rows = column(beta).equal_elem(0.0).expand(self.dims());
            self.clone().mask_fill(zero_rows, 0.0) * column(beta)
        } else {
            self.clone() * column(beta)
        };
        for (c, x) in terms {
            acc = acc + (*x).clone() * column(c);
        }
        *self = acc;
    }
}
