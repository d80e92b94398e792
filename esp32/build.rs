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
//!
//! It also writes the apps the image links (`src/app.rs`, `LINKED`) into `$OUT_DIR`, each a
//! copy of its `wasm_samples/wasm` file without the DWARF custom sections (`.debug_*`):
//! nothing in the firmware reads them (the engine skips every custom section but `name`,
//! which trap backtraces use), and `wasi_card.wasm` is 182,900 B with 151,546 B of them.
//! Every other section is kept byte for byte, so an app without DWARF (the other three) is
//! linked exactly as the card holds it, and its module fingerprint, which names its
//! directory on the card (page file, code blobs; the xtask provisions and corrupts them by
//! it), is the same.

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

/// The samples `src/app.rs` links into the image (from `$OUT_DIR`).
const LINKED: [&str; 4] = ["sdtrap", "paged", "bench_coremark_64k", "wasi_card"];

/// An unsigned LEB128 number of at most 32 bits at `*at` in `b`.
fn leb_u32(b: &[u8], at: &mut usize) -> Result<u32, String> {
    let mut v = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *b.get(*at).ok_or("a number runs past the end")?;
        *at += 1;
        v |= u32::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(format!("a number longer than 5 bytes at {}", *at))
}

/// `wasm` without its custom sections whose name starts with `.debug_` (DWARF); every other
/// section's bytes are copied unchanged. Only the section framing is read: the firmware's
/// engine validates the rest when it loads the module.
fn without_dwarf(wasm: &[u8]) -> Result<Vec<u8>, String> {
    if wasm.len() < 8 || wasm[..4] != *b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut out = wasm[..8].to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = leb_u32(wasm, &mut at)? as usize;
        let end = at
            .checked_add(size)
            .filter(|&e| e <= wasm.len())
            .ok_or_else(|| format!("section at {start} runs past the end"))?;
        if id == 0 {
            let mut p = at;
            let len = leb_u32(wasm, &mut p)? as usize;
            let name = p
                .checked_add(len)
                .filter(|&e| e <= end)
                .map(|e| &wasm[p..e])
                .ok_or_else(|| format!("custom section name at {p} runs past its section"))?;
            if name.starts_with(b".debug_") {
                at = end;
                continue;
            }
        }
        out.extend_from_slice(&wasm[start..end]);
        at = end;
    }
    Ok(out)
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fayasm_optimize_size)");
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
    for sample in LINKED {
        let path = format!("../wasm_samples/wasm/{sample}.wasm");
        println!("cargo:rerun-if-changed={path}");
        let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let kept = without_dwarf(&wasm).unwrap_or_else(|e| panic!("{path}: {e}"));
        std::fs::write(out.join(format!("{sample}.wasm")), kept).expect("write a linked app");
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
