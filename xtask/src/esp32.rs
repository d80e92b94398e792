//! `cargo xtask esp32` (being written).

use anyhow::{bail, Result};

pub fn run(_args: &[String]) -> Result<bool> {
    bail!("`cargo xtask esp32` is not implemented yet")
}

/// What `cargo xtask ci` runs for esp32.
pub fn ci_step() -> Result<bool> {
    Ok(true)
}
