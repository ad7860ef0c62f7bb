//! A per-thread work buffer reused between calls: fresh allocations of grid size
//! cost more in page faults (first touch of every 4 KiB page) than the passes that
//! fill them.

use std::cell::RefCell;

thread_local! {
    static BUFFER: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a work slice of `len` entries (contents unspecified): this thread's
/// kept buffer, grown as needed, or a fresh one when that is in use (a nested call,
/// e.g. from a task that rayon ran on this thread while it waited).
pub(crate) fn with_buffer<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
            f(&mut buf[..len])
        }
        Err(_) => f(&mut vec![0.0; len]),
    })
}
