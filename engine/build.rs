//! Chooses the interpreter's dispatch backend (see `src/exec/dispatch/mod.rs`).
//!
//! `fayasm_threaded` (tail calls between handlers) is set when the target's LLVM back end
//! lowers sibling calls (x86, x86_64, arm, aarch64, riscv32, riscv64), the build optimises
//! (`opt-level` 1 or more: at 0 LLVM emits no sibling calls and every op would grow the native
//! stack), and the `dispatch-loop` feature does not ask for the portable loop. Otherwise the
//! interpreter is the `match` loop.

use std::env;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    println!("cargo::rustc-check-cfg=cfg(fayasm_threaded)");
    println!("cargo::rustc-check-cfg=cfg(fayasm_optimize_size)");
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let opt = env::var("OPT_LEVEL").unwrap_or_default();
    let loop_feature = env::var_os("CARGO_FEATURE_DISPATCH_LOOP").is_some();
    let sibling_calls = matches!(
        arch.as_str(),
        "x86" | "x86_64" | "arm" | "aarch64" | "riscv32" | "riscv64"
    );
    let optimising = opt != "0";
    if sibling_calls && optimising && !loop_feature {
        println!("cargo::rustc-cfg=fayasm_threaded");
    }
}
