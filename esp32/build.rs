//! Build settings of the firmware, read from the environment at build time and written to
//! `$OUT_DIR/settings.rs`:
//!
//! - `FAYASM_HEAP_KIB`: the heap the firmware may use, in KiB (default 256, what an ESP32-C3
//!   without PSRAM leaves an application).
//! - `FAYASM_APP`: the app's 8.3 file name on the card (default `APP.WASM`).
//! - `FAYASM_PAGED_APP`: the paged app's file name (default `PAGED.WASM`; empty for none).
//! - `FAYASM_TRAP_FUNC`: the function index the firmware traps (default 0).
//! - `FAYASM_PAGE_BUDGET_KIB`: resident pages of a paged memory, in KiB (default 64).
//! - `FAYASM_LINK_APPS`: `1` (default) runs the apps linked into the image (`APP.WASM`,
//!   `PAGED.WASM`, `CMARK.WASM`) in place through `Module::from_static`; `0` reads every
//!   module from the card into the heap instead.

use std::env;
use std::fmt::Write as _;
use std::path::PathBuf;

fn setting(name: &str, default: &str) -> String {
    println!("cargo:rerun-if-env-changed={name}");
    env::var(name).unwrap_or_else(|_| default.to_string())
}

fn number(name: &str, default: u32) -> u32 {
    let text = setting(name, &default.to_string());
    match text.trim().parse() {
        Ok(n) => n,
        Err(_) => panic!("{name}={text:?} is not a number"),
    }
}

fn file_name(name: &str, default: &str) -> String {
    let text = setting(name, default);
    let ok = text.is_empty()
        || (text.len() <= 12
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-'));
    if !ok {
        panic!("{name}={text:?} is not an 8.3 file name");
    }
    text.to_ascii_uppercase()
}

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let mut s = String::new();
    let heap = number("FAYASM_HEAP_KIB", 256);
    let pages = number("FAYASM_PAGE_BUDGET_KIB", 64);
    if heap < 32 {
        panic!("FAYASM_HEAP_KIB={heap}: the firmware needs at least 32 KiB of heap");
    }
    if pages < 8 || pages >= heap {
        panic!(
            "FAYASM_PAGE_BUDGET_KIB={pages}: needs at least 8 (two pages) and less than the heap"
        );
    }
    let _ = writeln!(s, "pub const HEAP_BYTES: usize = {} * 1024;", heap);
    let _ = writeln!(s, "pub const PAGE_BUDGET_BYTES: usize = {} * 1024;", pages);
    let _ = writeln!(
        s,
        "pub const APP: &str = {:?};",
        file_name("FAYASM_APP", "APP.WASM")
    );
    let _ = writeln!(
        s,
        "pub const PAGED_APP: &str = {:?};",
        file_name("FAYASM_PAGED_APP", "PAGED.WASM")
    );
    let _ = writeln!(
        s,
        "pub const TRAP_FUNC: u32 = {};",
        number("FAYASM_TRAP_FUNC", 0)
    );
    let link = number("FAYASM_LINK_APPS", 1);
    if link > 1 {
        panic!("FAYASM_LINK_APPS={link}: 0 or 1");
    }
    let _ = writeln!(s, "pub const LINK_APPS: bool = {};", link == 1);
    std::fs::write(out.join("settings.rs"), s).expect("write settings.rs");
    for sample in ["sdtrap", "paged", "bench_coremark"] {
        println!("cargo:rerun-if-changed=../wasm_samples/wasm/{sample}.wasm");
    }

    // The linker script is copied next to the build's other outputs, so the link does not
    // depend on where the source tree is (target directories may be shared between checkouts).
    println!("cargo:rerun-if-changed=qemu.ld");
    if env::var_os("CARGO_FEATURE_QEMU").is_some() {
        std::fs::copy("qemu.ld", out.join("qemu.ld")).expect("copy qemu.ld to OUT_DIR");
        println!("cargo:rustc-link-search={}", out.display());
        println!("cargo:rustc-link-arg=-Tqemu.ld");
    }
    if env::var_os("CARGO_FEATURE_ESP32C3").is_some() {
        println!("cargo:rustc-link-arg=-Tlinkall.x");
    }
}
