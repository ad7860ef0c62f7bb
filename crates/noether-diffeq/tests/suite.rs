//! The integration tests of noether-diffeq in one binary (one link, one compile of the
//! shared generics instead of one per file); each module is one former test file.

mod adjoint;
mod backends;
mod batch;
mod common;
mod erk_order;
mod fbm;
mod host_syncs;
mod local_error;
mod neural;
mod param_vjp;
mod sde_adjoint;
mod sde_brownian;
mod solve_behaviour;
mod stiff;
mod symplectic;
