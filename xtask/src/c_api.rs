//! CI step "no_std C API build (rv32imc)": the C API library (`c-api`) without its `std`
//! feature, built as the static library a C firmware (ESP-IDF, a bare-metal SDK) links, for
//! the firmware's target (`esp32/targets/riscv32imc-unknown-none-elf.json`), with the same
//! toolchain the firmware step uses (a rustup nightly with rust-src, else Debian's rustc-web
//! with `-Zbuild-std`); then linked into a bare-metal C program without libc
//! (`c-api/firmware/`: it brings the C heap, `abort`, `memcpy` & co. and the `__sync_*`
//! functions) by clang and lld, and booted under QEMU `virt`: it loads a module, gives it a
//! host function, calls an export through `wasm.h` and must print the right result.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

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
    boot_c_program(&sh, &lib, &target_dir)
}

/// Links `lib` into `c-api/firmware/main.c` for rv32imc and boots it under QEMU.
fn boot_c_program(sh: &Shell, lib: &std::path::Path, dir: &std::path::Path) -> Result<bool> {
    let clang = match ["clang-14", "clang"].into_iter().find(|c| esp32::have(c)) {
        Some(c) => c,
        None => {
            // Debian's clang cross-compiles C for rv32 (lld links; both come with it).
            let (program, prefix): (&str, &[&str]) = if esp32::is_root() {
                ("env", &[])
            } else {
                ("sudo", &["env"])
            };
            println!("c-api: installing clang (to compile the bare-metal C program)");
            cmd!(sh, "{program} {prefix...} apt-get update").run()?;
            cmd!(
                sh,
                "{program} {prefix...} DEBIAN_FRONTEND=noninteractive apt-get install -y clang lld"
            )
            .run()?;
            "clang"
        }
    };
    let src = crate::root().join("c-api/firmware");
    let include = crate::root().join("c-api/include");
    let elf = dir.join("c-api-rv32.elf");
    let ld = src.join("link.ld");
    let flags = [
        "--target=riscv32-unknown-elf",
        "-march=rv32imc",
        "-mabi=ilp32",
        "-ffreestanding",
        "-nostdlib",
        "-fno-builtin",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-fuse-ld=lld",
        "-Wl,--gc-sections",
    ];
    let (main_c, start_s) = (src.join("main.c"), src.join("start.s"));
    cmd!(
        sh,
        "{clang} {flags...} -I {include} -Wl,-T,{ld} {main_c} {start_s} {lib} -o {elf}"
    )
    .run()?;
    let qemu = if esp32::have("qemu-system-riscv32") {
        "qemu-system-riscv32"
    } else {
        bail!("qemu-system-riscv32 not found: apt-get install qemu-system-misc");
    };
    let mut child = Command::new(qemu)
        .args([
            "-M",
            "virt",
            "-nographic",
            "-bios",
            "none",
            "-m",
            "16M",
            "-kernel",
        ])
        .arg(&elf)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    // The program ends itself through the test device; a hang is a failure.
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        use std::io::Read;
        stdout.read_to_string(&mut out)?;
    }
    print!("{out}");
    let ok = status.is_some_and(|s| s.success()) && out.contains("run(19, 2) = 42, host calls 1");
    println!(
        "c-api: the bare-metal C program on rv32imc {}",
        if ok { "passed" } else { "FAILED" }
    );
    Ok(ok)
}
