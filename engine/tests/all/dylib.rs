//! Imports bound to C functions of a shared library built by this test (feature `dylib`).

use std::path::PathBuf;
use std::process::Command;

use fayasm::dylib::{DylibError, DynamicLibrary};
use fayasm::{Engine, FuncType, Linker, Module, Store, Val, ValType};

const HOST_C: &str = r#"
#include <stdint.h>
int32_t add_i32(int32_t a, int32_t b) { return a + b; }
int64_t mul_i64(int64_t a, int64_t b) { return a * b; }
double mix(int32_t a, double b, float c) { return a + b * c; }
float half(float x) { return x / 2; }
int64_t sum8(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e, int64_t f, int64_t g, int64_t h) {
    return a + b + c + d + e + f + g + h;
}
static int32_t counter;
void bump(void) { counter++; }
int32_t count(void) { return counter; }
"#;

/// Build the sample host library into a fresh temp dir with the system C compiler.
fn host_library(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fayasm-dylib-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("host.c");
    std::fs::write(&src, HOST_C).unwrap();
    let lib = dir.join(if cfg!(target_os = "macos") {
        "libhost.dylib"
    } else {
        "libhost.so"
    });
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&lib)
        .arg(&src)
        .status()
        .expect("a C compiler (`cc`) is needed to build the sample host library");
    assert!(status.success(), "building the sample host library failed");
    lib
}

#[test]
fn imports_call_c_functions_of_a_shared_library() {
    let lib_path = host_library("calls");
    let engine = Engine::default();
    let wasm = wat::parse_str(
        r#"(module
            (import "host" "add_i32" (func $add (param i32 i32) (result i32)))
            (import "host" "mul_i64" (func $mul (param i64 i64) (result i64)))
            (import "host" "mix" (func $mix (param i32 f64 f32) (result f64)))
            (import "host" "half" (func $half (param f32) (result f32)))
            (import "host" "sum8" (func $sum8 (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
            (import "host" "bump" (func $bump))
            (import "host" "count" (func $count (result i32)))
            (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
            (func (export "mul") (param i64 i64) (result i64) (call $mul (local.get 0) (local.get 1)))
            (func (export "mix") (result f64) (call $mix (i32.const 1) (f64.const 2.5) (f32.const 4)))
            (func (export "half") (param f32) (result f32) (call $half (local.get 0)))
            (func (export "sum8") (result i64)
              (call $sum8 (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4)
                          (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8)))
            (func (export "bump_twice") (result i32) (call $bump) (call $bump) (call $count)))"#,
    )
    .unwrap();
    let module = Module::new(&engine, &wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    // SAFETY: the library is the one built above; every import matches its C signature.
    let lib = unsafe { DynamicLibrary::open(lib_path.to_str().unwrap()) }.unwrap();
    // SAFETY: as above.
    let n = unsafe { lib.define_imports(&mut linker, &mut store, &module, "host") }.unwrap();
    assert_eq!(n, 7);
    let inst = linker.instantiate(&mut store, &module).unwrap();
    let mut call = |name: &str, args: &[Val]| {
        let f = inst.get_func(&store, name).unwrap();
        let mut out = [Val::I32(0)];
        let n = f.ty(&store).results().len();
        f.call(&mut store, args, &mut out[..n]).unwrap();
        out[0]
    };
    assert_eq!(call("add", &[Val::I32(40), Val::I32(2)]), Val::I32(42));
    assert_eq!(
        call("mul", &[Val::I64(1 << 20), Val::I64(1 << 20)]),
        Val::I64(1 << 40)
    );
    assert_eq!(call("mix", &[]), Val::from(11.0f64));
    assert_eq!(call("half", &[Val::from(3.0f32)]), Val::from(1.5f32));
    assert_eq!(call("sum8", &[]), Val::I64(36));
    assert_eq!(call("bump_twice", &[]), Val::I32(2));
}

#[test]
fn missing_libraries_symbols_and_unsupported_signatures_are_clear_errors() {
    // SAFETY: the library does not exist, so nothing is loaded.
    let err = unsafe { DynamicLibrary::open("/nonexistent/libnothing.so") }.unwrap_err();
    assert!(matches!(&err, DylibError::Open { path, .. } if path == "/nonexistent/libnothing.so"));
    assert!(
        err.to_string()
            .starts_with("cannot load library `/nonexistent/libnothing.so`: "),
        "{err}"
    );

    let lib_path = host_library("errors");
    let path = lib_path.to_str().unwrap();
    // SAFETY: the sample library has no initialisers.
    let lib = unsafe { DynamicLibrary::open(path) }.unwrap();
    let mut store = Store::new(&Engine::default(), ());
    let ty = FuncType::new([ValType::I32], [ValType::I32]);
    // SAFETY: the symbol does not exist, so nothing is called.
    let err = unsafe { lib.func(&mut store, "no_such_function", ty) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("library `{path}` has no symbol `no_such_function`")
    );

    let mixed5 = FuncType::new(
        [
            ValType::I32,
            ValType::I64,
            ValType::I32,
            ValType::I32,
            ValType::I32,
        ],
        [],
    );
    // SAFETY: refused before the symbol is looked up.
    let err = unsafe { lib.func(&mut store, "add_i32", mixed5) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot call `add_i32`: signature (i32, i64, i32, i32, i32) -> () is not supported for library functions"
    );
    let two_results = FuncType::new([], [ValType::I32, ValType::I32]);
    // SAFETY: refused before the symbol is looked up.
    let err = unsafe { lib.func(&mut store, "count", two_results) };
    assert!(matches!(err, Err(DylibError::UnsupportedSignature { .. })));
}
