//! Fault-injection tests over the storage layers (see `RELIABILITY.md`'s test matrix).

mod commit;
#[cfg(feature = "std")]
mod file;
mod ring;
