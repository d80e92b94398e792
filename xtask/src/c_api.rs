//! CI step "no_std C API build (rv32imc)": the C API library (`c-api`) without its `std`
//! feature, built as the static library a C firmware (ESP-IDF, a bare-metal SDK) links, for
//! the firmware's target (`esp32/targets/riscv32imc-unknown-none-elf.json`), with the same
//! toolchain the firmware step uses (a rustup nightly with rust-src, else Debian's rustc-web
//! with `-Zbuild-std`). Built, not run: the C tests run the `std` build on the host.

use std::path::PathBuf;

use anyhow::{bail, Result};
use xshell::{cmd, Shell};

use crate::esp32;

/// Builds `libfayasm_c_api.a` for rv32imc without `std` and reports its size.
pub fn ci_step() -> Result<bool> {
    esp32::install_missing()?;
    let sh = Shell::new()?;
    sh.change_dir(crate::root());
    let target = esp32::esp32_dir().join(esp32::TARGET_JSON);
    let target_dir: PathBuf = crate::target_dir().join("c-api-no-std");
    let _dir = sh.push_env("CARGO_TARGET_DIR", &target_dir);
    let _flags = sh.push_env("RUSTFLAGS", "");
    let args = [
        "build",
        "--release",
        "-p",
        "fayasm-c-api",
        "--no-default-features",
        "-Zbuild-std=core,alloc",
        "-Zjson-target-spec",
        "--target",
    ];
    if let Some(toolchain) = esp32::rustup_toolchain() {
        let tc = format!("+{toolchain}");
        cmd!(sh, "cargo {tc} {args...} {target}").run()?;
    } else if esp32::debian_rust_present() {
        let _rustc = sh.push_env("RUSTC", "/usr/bin/rustc");
        let _boot = sh.push_env("RUSTC_BOOTSTRAP", "1");
        cmd!(sh, "/usr/bin/cargo {args...} {target}").run()?;
    } else {
        bail!("no toolchain for the rv32imc build (see cargo xtask esp32)");
    }
    let lib = target_dir
        .join(esp32::TARGET_NAME)
        .join("release/libfayasm_c_api.a");
    let Ok(meta) = std::fs::metadata(&lib) else {
        bail!("the build did not produce {}", lib.display());
    };
    println!(
        "c-api: no_std static library for rv32imc: {} ({} KiB)",
        lib.display(),
        meta.len() / 1024
    );
    Ok(true)
}
