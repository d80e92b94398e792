//! C programs built against `include/wasm.h` and the static library, then run: each prints its
//! steps and the test compares the output. Needs a C compiler (`$CC`, else `cc`), as the
//! engine's `dylib` test does.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The static library to link. Cargo builds every crate type of the library in `deps/`
/// for the test binaries, but copies it up to `target/<profile>/` only
/// when the library itself is requested (`cargo build -p fayasm-c-api`), not under
/// `cargo test --workspace`. The test cannot run cargo itself (the build directory stays
/// locked while tests run), so it takes the newest of the copies: the one this build wrote.
fn static_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(deps)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                // With a `cdylib` among the crate types, cargo names the library without
                // its hash.
                n == "libfayasm_c_api.a" || (n.starts_with("libfayasm_c_api-") && n.ends_with(".a"))
            })
        })
        .collect();
    candidates.push(deps.parent().unwrap().join("libfayasm_c_api.a"));
    candidates
        .into_iter()
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .max()
        .map(|(_, p)| p)
        .unwrap_or_else(|| panic!("no libfayasm_c_api static library in {}", deps.display()))
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fayasm-c-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compiles `tests/c/NAME.c` against the library and returns the executable.
fn build(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = static_library();
    let exe = scratch().join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c").join(format!("{name}.c")))
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm"])
        .status()
        .unwrap_or_else(|e| panic!("a C compiler (`{cc}`) is needed for the C API tests: {e}"));
    assert!(status.success(), "compiling {name}.c failed");
    exe
}

/// Runs the program again under valgrind when it is installed: no invalid access, no leak.
/// (Without valgrind the output check above still runs.)
fn under_valgrind(exe: &Path, arg: &Path) {
    let Ok(out) = Command::new("valgrind")
        .args([
            "--quiet",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=9",
        ])
        .arg(exe)
        .arg(arg)
        .output()
    else {
        eprintln!("valgrind is not installed: the C program's memory checks are left out");
        return;
    };
    assert!(
        out.status.success(),
        "valgrind: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const CALL: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "mix") (param i64 f64) (result f64)
    (f64.mul (f64.convert_i64_s (local.get 0)) (local.get 1)))
  (func (export "boom") unreachable)
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasm"))"#;

#[test]
fn call_exports_from_c() {
    let exe = build("call");
    let wasm = scratch().join("call.wasm");
    std::fs::write(&wasm, wat::parse_str(CALL).unwrap()).unwrap();
    let out = Command::new(&exe).arg(&wasm).output().unwrap();
    under_valgrind(&exe, &wasm);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}\n{stdout}", out.status);
    assert_eq!(
        stdout,
        "valid: 1\n\
         exports: 4\n\
         add arity: 2 -> 1\n\
         add: 42 (trap: no)\n\
         mix: 1.50\n\
         boom: unreachable\n\
         add(): type mismatch: the function takes 2 parameters, given 0\n\
         memory: 1 pages, 65536 bytes, \"hello from wasm\"\n\
         as func of a memory: null\n\
         junk valid: 0, module: null\n\
         done\n"
    );
}

const HOST: &str = r#"(module
  (import "host" "double" (func $double (param i32) (result i32)))
  (import "host" "count" (func $count (param i64)))
  (import "host" "offset" (global $offset (mut i32)))
  (func (export "run") (param i32) (result i32)
    (call $count (i64.extend_i32_s (local.get 0)))
    (global.set $seen (i32.add (global.get $seen) (i32.const 1)))
    (i32.add (call $double (local.get 0)) (global.get $offset)))
  (global $seen (export "seen") (mut i32) (i32.const 0)))"#;

#[test]
fn host_functions_and_globals_from_c() {
    let exe = build("host");
    let wasm = scratch().join("host.wasm");
    std::fs::write(&wasm, wat::parse_str(HOST).unwrap()).unwrap();
    let out = Command::new(&exe).arg(&wasm).output().unwrap();
    under_valgrind(&exe, &wasm);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}\n{stdout}", out.status);
    assert_eq!(
        stdout,
        "global of the wrong type: null\n\
         exports: 2, kinds: 0 1\n\
         run type: 1 params (kind 0) -> 1 results (kind 0)\n\
         run(20): no trap\n\
         run(20) = 45\n\
         offset: 7\n\
         run(1): no trap\n\
         run(1) = 9\n\
         run(-3): host function error: negative input\n\
         count: 3 calls, total 18\n\
         seen: 3\n\
         seen type: kind 0, var\n\
         finalized before the store: 0\n\
         finalized after the store: 1\n\
         done\n"
    );
}
