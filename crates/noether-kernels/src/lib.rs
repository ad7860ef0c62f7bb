//! # noether-kernels
//!
//! cubecl GPU kernels implementing the noether-core traits on device buffers.
//!
//! Status: planned. The device buffer type will implement `noether_core::Space` and its operators `noether_core::LinearOperator`, behind a `gpu` feature so that the default build never compiles cubecl or wgpu.
#![deny(missing_docs)]
