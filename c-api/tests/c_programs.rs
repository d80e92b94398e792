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

/// A compiled test program, deleted (with its AddressSanitizer build) when the test ends,
/// passed or failed: each holds the whole static library (tens of MB), so a run of these
/// tests would otherwise leave a GB in the temporary directory.
struct Exe(PathBuf);

impl std::ops::Deref for Exe {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for Exe {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Exe {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(asan_exe(&self.0));
    }
}

/// Compiles `tests/c/NAME.c` against the library and returns the executable.
fn build(name: &str) -> Exe {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let exe = Exe(scratch().join(name));
    compile(&cc, name, &[], &exe)
        .unwrap_or_else(|e| panic!("a C compiler (`{cc}`) is needed for the C API tests: {e}"));
    exe
}

/// Compiles `tests/c/NAME.c` with `cc` and `flags` into `exe`; an error if `cc` cannot be
/// run or the compilation fails (with the compiler's output).
fn compile(cc: &str, name: &str, flags: &[&str], exe: &Path) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror"])
        .args(flags)
        .arg("-o")
        .arg(exe)
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c").join(format!("{name}.c")))
        .arg(static_library())
        .args(["-lpthread", "-ldl", "-lm"])
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "compiling {name}.c with `{cc} {}` failed:\n{}",
            flags.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The C compiler that builds programs with AddressSanitizer here: `$CC` (else `cc`), or
/// `clang`, whichever compiles and links an instrumented program first. `Err` says why
/// neither does (no sanitizer runtime installed).
fn asan_compiler() -> &'static Result<String, String> {
    static CC: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    CC.get_or_init(|| {
        let dir = scratch();
        let probe = dir.join("asan_probe.c");
        std::fs::write(&probe, "int main(void) { return 0; }\n").unwrap();
        let mut tried = Vec::new();
        let first = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        for cc in [first.as_str(), "clang"] {
            let exe = dir.join("asan_probe");
            let ok = Command::new(cc)
                .args(ASAN_FLAGS)
                .arg("-o")
                .arg(&exe)
                .arg(&probe)
                .output()
                .is_ok_and(|o| o.status.success())
                && Command::new(&exe).status().is_ok_and(|s| s.success());
            if ok {
                return Ok(cc.to_string());
            }
            tried.push(cc);
        }
        Err(format!(
            "none of {tried:?} builds with -fsanitize=address (no sanitizer runtime: gcc's \
             libasan, or clang's libclang-rt-dev)"
        ))
    })
}

const ASAN_FLAGS: &[&str] = &["-fsanitize=address", "-fno-omit-frame-pointer", "-g"];

/// The memory checks of a program the test already ran: again under valgrind (when it is
/// installed), then built with AddressSanitizer and run (when the compiler supports it):
/// no invalid access, no leak. Each check that cannot run says so on the test's output.
fn memory_checks(exe: &Path, arg: &Path) {
    under_valgrind(exe, arg);
    under_asan(exe, arg);
}

/// The AddressSanitizer build of the program `exe`.
fn asan_exe(exe: &Path) -> PathBuf {
    let name = exe.file_name().unwrap().to_str().unwrap();
    exe.with_file_name(format!("{name}-asan"))
}

/// Builds the program of `exe` with AddressSanitizer (the C side instrumented; the library's
/// allocations are `malloc`s ASan watches) and runs it on `arg`.
fn under_asan(exe: &Path, arg: &Path) {
    let cc = match asan_compiler() {
        Ok(cc) => cc,
        Err(why) => {
            eprintln!("AddressSanitizer check left out: {why}");
            return;
        }
    };
    let name = exe.file_name().unwrap().to_str().unwrap();
    let asan_exe = asan_exe(exe);
    compile(cc, name, ASAN_FLAGS, &asan_exe).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(&asan_exe)
        .arg(arg)
        .env("ASAN_OPTIONS", "detect_leaks=1:exitcode=9")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name} under AddressSanitizer: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
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
    memory_checks(&exe, &wasm);
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
    memory_checks(&exe, &wasm);
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

/// Builds `tests/c/NAME.c`, runs it on `wat` (also under valgrind when installed) and
/// compares its output with `expected`.
fn scenario(name: &str, wat: &str, expected: impl AsRef<str>) {
    let expected = expected.as_ref();
    let exe = build(name);
    let wasm = scratch().join(format!("{name}.wasm"));
    std::fs::write(&wasm, wat::parse_str(wat).unwrap()).unwrap();
    let out = Command::new(&exe).arg(&wasm).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}\n{stdout}", out.status);
    assert_eq!(stdout, expected);
    memory_checks(&exe, &wasm);
}

// The standard C API's example scenarios (hello, callback, global, memory, table, trap,
// multi, reflect, start, finalize), written for fayasm's tests.

#[test]
fn hello() {
    scenario(
        "hello",
        r#"(module (import "" "hello" (func $hello)) (func (export "run") (call $hello)))"#,
        "calling run\ncalling back: hello, world\nrun returned\ndone\n",
    );
}

#[test]
fn callback() {
    scenario(
        "callback",
        r#"(module
          (import "" "print" (func $print (param i32) (result i32)))
          (import "" "closure" (func $closure (result i32)))
          (func (export "run") (param i32 i32) (result i32)
            (i32.add (call $print (i32.add (local.get 0) (local.get 1))) (call $closure))))"#,
        "print: 7\nclosure call 1\nrun(3, 4) = 1008\nprint: 7\nclosure call 2\n\
         run(3, 4) = 1009, closure calls 2\ndone\n",
    );
}

#[test]
fn global() {
    scenario(
        "global",
        r#"(module
          (global $f32_import (import "" "const f32") f32)
          (global $i64_import (import "" "const i64") i64)
          (global $var_f32_import (import "" "var f32") (mut f32))
          (global $var_i64_import (import "" "var i64") (mut i64))
          (global (export "const f32") f32 (f32.const 5))
          (global $var_i64_export (export "var i64") (mut i64) (i64.const 8))
          (func (export "get var f32 import") (result f32) (global.get $var_f32_import))
          (func (export "get var i64 export") (result i64) (global.get $var_i64_export))
          (func (export "set var f32 import") (param f32) (global.set $var_f32_import (local.get 0)))
          (func (export "set var i64 export") (param i64) (global.set $var_i64_export (local.get 0))))"#,
        "f32 global from an i32: null\n\
         const f32 import: 1.5\n\
         var i64 import: 4\n\
         const f32 export: 5.0\n\
         var i64 export: 8\n\
         var i64 export type: kind 1, var\n\
         wasm sees var f32 import: 7.5\n\
         const f32 import after a set: 1.5\n\
         var f32 import after an i32 set: 7.5\n\
         host sees var i64 export: 42\n\
         host sees var f32 import: 9.25\n\
         wasm sees var i64 export: 42\n\
         done\n",
    );
}

#[test]
fn memory() {
    scenario(
        "memory",
        r#"(module
          (memory (export "memory") 2 3)
          (func (export "size") (result i32) (memory.size))
          (func (export "load") (param i32) (result i32) (i32.load8_s (local.get 0)))
          (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
          (data (i32.const 0x1000) "\01\02\03\04"))"#,
        "size: 2 pages, 131072 bytes\n\
         limits: 2..3\n\
         data[0x1000]: 1\n\
         load(0x1002): 3\n\
         load(0x20000): out of bounds memory access\n\
         load(0x1003) after the host wrote 5: 5\n\
         data[0x1002] after wasm stored 6: 6\n\
         store(0x20000): out of bounds memory access\n\
         grow by 1: 1\n\
         size: 3 pages\n\
         load(0x20000) after growing: 0\n\
         grow by 1 past the maximum: 0\n\
         wasm sees 3 pages\n\
         host memory: 5 pages, grow: 0\n\
         done\n",
    );
}

#[test]
fn table() {
    scenario(
        "table",
        r#"(module
          (table (export "table") 2 10 funcref)
          (func (export "call_indirect") (param i32 i32) (result i32)
            (call_indirect (param i32) (result i32) (local.get 0) (local.get 1)))
          (func $f (export "f") (param i32) (result i32) (local.get 0))
          (func (export "g") (param i32) (result i32) (i32.const 666))
          (elem (i32.const 1) $f))"#,
        "table: 2 elements, limits 2..10, element kind 129\n\
         table[0]: null\n\
         table[1]: function\n\
         table[2]: null\n\
         table[1] is f: 1\n\
         call_indirect(7, 0): trap: uninitialized element\n\
         call_indirect(7, 1) = 7\n\
         set table[0] = g: 1\n\
         call_indirect(7, 0) = 666\n\
         set table[0] = null: 1\n\
         table[0]: null\n\
         set table[2] = f: 0\n\
         grow by 3 with f: 1\n\
         size: 5\n\
         table[4]: function\n\
         call_indirect(5, 4) = 5\n\
         grow by 6 past the maximum: 0\n\
         set table[3] = a host function: 1\n\
         call_indirect(0, 3) = 42\n\
         host table: 5 elements, grow: 0\n\
         table[0]: null\n\
         done\n",
    );
}

#[test]
fn trap() {
    let frame = |f: u32, name: &str| {
        format!(
            "  FRAME: function {f} ({name}), module offset > function offset: 1, instance: null\n"
        )
    };
    let expected = [
        "callback: host function error: callback abort\n".to_string(),
        frame(1, "callback_caller").replace("FRAME", "origin"),
        "  trace: 1 frames\n".into(),
        frame(1, "callback_caller").replace("FRAME", "frame"),
        "  copied trap: 1 frames\n".into(),
        "unreachable: unreachable\n".into(),
        frame(2, "unreachable").replace("FRAME", "origin"),
        "  trace: 1 frames\n".into(),
        frame(2, "unreachable").replace("FRAME", "frame"),
        "  copied trap: 1 frames\n".into(),
        "deep: unreachable\n".into(),
        frame(2, "unreachable").replace("FRAME", "origin"),
        "  trace: 2 frames\n".into(),
        frame(2, "unreachable").replace("FRAME", "frame"),
        frame(3, "deep").replace("FRAME", "frame"),
        "  copied trap: 2 frames\n".into(),
        "host trap origin: null\n".into(),
        "done\n".into(),
    ]
    .concat();
    // `deep` returns explicitly: a body of only `call $unreachable` would be a forwarder,
    // which runs in its callee's frame (one frame, as after a tail call).
    scenario(
        "trap",
        r#"(module $trapper
          (import "" "callback" (func $callback (result i32)))
          (func $callback_caller (export "callback") (result i32) (call $callback))
          (func $unreachable (export "unreachable") (result i32) (unreachable))
          (func $deep (export "deep") (result i32) (return (call $unreachable))))"#,
        &expected,
    );
}

#[test]
fn multi() {
    scenario(
        "multi",
        r#"(module
          (import "" "f" (func $f (param i32 i64 i64 i32) (result i32 i64 i64 i32)))
          (func (export "g") (param i32 i64 i64 i32) (result i32 i64 i64 i32)
            (call $f (local.get 0) (local.get 2) (local.get 1) (local.get 3))))"#,
        "g arity: 4 -> 4\n\
         callback: 1 3 2 4\n\
         g(1, 2, 3, 4) = 4 2 3 1\n\
         two result slots: wasm_func_call: the results vector has 2 elements, the function 4 results\n\
         done\n",
    );
}

#[test]
fn reflect() {
    scenario(
        "reflect",
        r#"(module
          (import "env" "log" (func (param i32 f64)))
          (import "env" "mem" (memory 1 4))
          (func (export "func") (param i32 f64 f32) (result i32) (i32.const 0))
          (global (export "global") (mut i64) (i64.const 0))
          (table (export "table") 0 50 funcref)
          (memory (export "memory") 1))"#,
        "import env.log: func (i32 f64) -> ()\n\
         import env.mem: memory 1..4\n\
         copied import: log\n\
         export func: func (i32 f64 f32) -> (i32)\n\
         export global: global var i64\n\
         export table: table funcref 0..50\n\
         export memory: memory 1..\n\
         host function type: func (i32 f64) -> ()\n\
         instance export func: func (i32 f64 f32) -> (i32), kind matches: 1\n\
         instance export global: global var i64, kind matches: 1\n\
         instance export table: table funcref 0..50, kind matches: 1\n\
         instance export memory: memory 1.., kind matches: 1\n\
         done\n",
    );
}

#[test]
fn tags() {
    scenario(
        "tags",
        r#"(module
          (import "env" "err" (tag $err (param i32 f64)))
          (tag (export "local") (param i64))
          (export "err" (tag $err))
          (func (export "catch") (param i32) (result i32)
            (block $h (result i32 f64)
              (try_table (catch $err $h)
                (throw $err (local.get 0) (f64.const 1.5)))
              (unreachable))
            (drop)
            (i32.add (i32.const 1)))
          (func (export "throw") (param i32)
            (throw $err (local.get 0) (f64.const 2.5))))"#,
        "made in C: tag (i32 f64)\n\
         without exceptions: refused\n\
         import env.err: tag (i32 f64)\n\
         export local: tag (i64)\n\
         export err: tag (i32 f64)\n\
         export catch: func (i32) -> (i32)\n\
         export throw: func (i32) -> ()\n\
         instance export local: tag (i64), kind matches: 1\n\
         instance export err: tag (i32 f64), kind matches: 1\n\
         instance export catch: func (i32) -> (i32), kind matches: 1\n\
         instance export throw: func (i32) -> (), kind matches: 1\n\
         catch(41) = 42\n\
         throw(41): uncaught wasm exception\n\
         done\n",
    );
}

#[test]
fn start() {
    scenario(
        "start",
        r#"(module (func $start unreachable) (start $start))"#,
        "instance: null\n\
         origin: function 0 (start)\n\
         trace: 1 frames\n\
         trap: unreachable\n\
         done\n",
    );
}

#[test]
fn finalize() {
    scenario(
        "finalize",
        r#"(module (import "" "f" (func)) (func (export "run") (call 0)))"#,
        "host info of instance 7: 7\n\
         after deleting half: 25 instances finalized, 0 environments\n\
         after deleting all: 50 instances finalized\n\
         after deleting the store: 50 environments finalized\n\
         done\n",
    );
}

#[test]
fn storage_written_in_c() {
    scenario(
        "storage",
        r#"(module
          (memory (export "memory") 2)
          (func (export "sum") (param i32) (result i32) (local i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (local.set 1 (i32.add (local.get 1) (i32.load8_u (local.get 0))))
              (br 0)))
            (local.get 1))
          (data (i32.const 0) "\01\02\03"))"#,
        "fuel set: 1\n\
         spill without a storage: -1\n\
         sum of the first 100 bytes: 6\n\
         spilled: > 64 KiB, resident: 0, card writes: 1\n\
         sum after the spill (wasm reloads it): 106\n\
         resident: 1, card reads: 1\n\
         load: 1, resident: 1, data[50]: 100\n\
         load of a damaged blob: 0, resident: 0\n\
         sum over the damaged blob: memory data unavailable from storage\n\
         fuel used: some\n\
         sum with 10 fuel: all fuel consumed\n\
         finalized before the store: 0\n\
         finalized after the store: 1\n\
         done\n",
    );
}

#[test]
fn a_wasi_program_with_a_storage_written_in_c() {
    let exe = build("wasi");
    let wasm = scratch().join("wasi.wasm");
    std::fs::write(
        &wasm,
        wat::parse_str(
            r#"(module
              (import "wasi_snapshot_preview1" "fd_write"
                (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "args_sizes_get"
                (func $args_sizes_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 1)
              (data (i32.const 16) "hello from a spilled memory\n")
              (func (export "_start")
                (i32.store (i32.const 0) (i32.const 16))
                (i32.store (i32.const 4) (i32.const 28))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                (drop (call $args_sizes_get (i32.const 100) (i32.const 104)))
                (call $proc_exit (i32.load (i32.const 100)))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let out = Command::new(&exe).arg(&wasm).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}\n{stdout}", out.status);
    assert_eq!(
        stdout,
        "spilled: 1, resident: 0, card writes: 1\n\
         hello from a spilled memory\n\
         exit code: 3 (ended by proc_exit)\n\
         resident: 1, card reads: 1\n\
         done\n"
    );
    memory_checks(&exe, &wasm);
}

/// The README's C example is `tests/c/readme.c`, word for word, and runs.
#[test]
fn the_readme_c_example_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let example = std::fs::read_to_string(root.join("tests/c/readme.c")).unwrap();
    let block = readme
        .split("<!-- tests/c/readme.c -->\n```c\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README has the C example block");
    assert_eq!(block, example, "README.md and tests/c/readme.c differ");
    assert!(
        example.lines().count() <= 15,
        "the README promises a 15-line example"
    );
    let exe = build("readme");
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success(), "exit {:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "add(40, 2) = 42\n");
    memory_checks(&exe, Path::new("unused"));
}

#[test]
fn paging_and_code_spill_configured_from_c() {
    // `touch(n)` writes the page number into the first byte of each of `n` 4 KiB pages and
    // returns the sum of what it reads back.
    scenario(
        "paged",
        r#"(module
          (memory (export "memory") 1)
          (func (export "touch") (param $n i32) (result i32) (local $i i32) (local $sum i32)
            (loop $w
              (i32.store8 (i32.mul (local.get $i) (i32.const 4096)) (local.get $i))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $w (i32.lt_u (local.get $i) (local.get $n))))
            (local.set $i (i32.const 0))
            (loop $r
              (local.set $sum (i32.add (local.get $sum)
                (i32.load8_u (i32.mul (local.get $i) (i32.const 4096)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $r (i32.lt_u (local.get $i) (local.get $n))))
            (local.get $sum)))"#,
        "engine with 1000-byte pages: null\n\
         touch(16 pages) = 120\n\
         touch again = 120\n\
         paged memory: resident 0, data null, 65536 bytes\n\
         pages: written 1, read back 1, failures 0\n\
         code spilled: 1\n\
         touch after the code spill = 120\n\
         code: spills 1, loads 1, failures 0\n\
         done\n",
    );
}

#[test]
fn interrupting_wasm_from_c() {
    scenario(
        "interrupt",
        r#"(module
          (import "" "tick" (func $tick))
          (func (export "ticking") (loop (call $tick) (br 0)))
          (func (export "spinning") (loop (br 0))))"#,
        "ticks before the stop: >= 100\n\
         ticking loop: interrupted\n\
         spinning loop, from another thread: interrupted\n\
         done\n",
    );
}

#[test]
fn vectors_serialization_and_sharing() {
    scenario(
        "vectors",
        r#"(module
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (memory (export "memory") 1))"#,
        "copied exports: 2, same objects: 1\n\
         new: 1, uninitialized: 3 (first null)\n\
         copied export types: 2, second: memory\n\
         serialized: bytes, deserialized module: add = 42\n\
         obtained in another store: add = 42\n\
         obtained in another engine's store: null\n\
         done\n",
    );
}

#[test]
fn trap_hooks_from_c() {
    scenario(
        "hooks",
        r#"(module
          (func $square (export "square") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
          (func (export "twice") (param i32) (result i32)
            (i32.add (call $square (local.get 0)) (call $square (local.get 0)))))"#,
        "result: 18\n\
         hook: call 1 of a function with 1 parameters\n\
         hook: call 2 of a function with 1 parameters\n\
         result: 18\n\
         hook: call 3 of a function with 1 parameters\n\
         trap: host function error: refused by the hook\n\
         result: 50\n\
         hook calls: 3\n\
         finalized after the hook was removed: 1\n\
         done\n",
    );
}

#[test]
fn a_wasi_program_with_environment_and_directories_from_c() {
    let exe = build("wasi_env");
    let wasm = scratch().join("wasi_probe.wasm");
    std::fs::write(
        &wasm,
        include_bytes!("../../engine/tests/fixtures/wasi_probe.wasm"),
    )
    .unwrap();
    let out = Command::new(&exe).arg(&wasm).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}\n{stdout}", out.status);
    assert_eq!(
        stdout,
        "argv[0] = probe\n\
         argv[1] = args\n\
         argv[2] = two words\n\
         GREETING = hello from C\n\
         exit code: 0\n\
         instantiation: fayasm_wasi_instance_new: `/no/such/directory/for/fayasm`: No such file or directory (os error 2)\n\
         exiting with 7\n\
         exit code: 7\n\
         done\n"
    );
    memory_checks(&exe, &wasm);
}

#[test]
fn callbacks_that_call_back_into_their_store() {
    scenario(
        "reenter",
        r#"(module
          (import "" "host" (func $host (param i32) (result i32)))
          (memory (export "memory") 1)
          (global (export "g") (mut i32) (i32.const 10))
          (table (export "table") 1 funcref)
          (func $square (export "square") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
          (func (export "run") (param i32) (result i32)
            (i32.add (call $host (local.get 0)) (i32.load8_u (i32.const 0)))))"#,
        "host(3): square = 9, memory[0] was 0, global 10, arity 1 -> 1\n\
         host(2): square = 4, memory[0] was 3, global 13, arity 1 -> 1\n\
         \x20 storage write: memory size 0, data null, global 0\n\
         \x20 storage write: square(3): {BUSY}\n\
         host(2): spill: written\n\
         \x20 storage read: memory type null\n\
         host(1): square = 1, memory[0] was 2, global 15, arity 1 -> 1\n\
         host(1): the store is still there: global 16\n\
         host(2): run(1) = 2\n\
         host(3): run(2) = 5\n\
         run(3) = 10, global 16, table 4, resident 1\n\
         hook: 1 parameter, square(5) = 25, memory[0] = 1\n\
         square(4) = 16, hook calls 1\n\
         \x20 storage write: memory size 0, data null, global 0\n\
         \x20 storage write: square(3): {BUSY}\n\
         main: spill: written\n\
         done\n"
            .replace("{BUSY}", "the store is in use: a storage callback or a finalizer cannot call into its own store"),
    );
}

#[test]
fn host_information_references_copies_and_type_vectors() {
    scenario(
        "objects",
        r#"(module
          (func (export "f") (param i32) (result i32) (local.get 0))
          (global (export "g") (mut i32) (i32.const 1))
          (table (export "t") 1 funcref)
          (memory (export "m") 1))"#,
        "host info: func 0, global 1, table 2, memory 3, module 4, as extern 1\n\
         a copy: same 1, host info none\n\
         replaced: finalized 1, now 5\n\
         global as ref: as global 1, as table null, as memory null, as func null, as extern kind 1\n\
         table, memory, extern round trips: 1 1 1\n\
         a copied reference: same 1\n\
         deleted: finalized 1\n\
         module copy same 1, compiled again same 0, host info of the copy none\n\
         instance copy same 1, another instance same 0\n\
         trap same as itself 1, as its copy 0, host info 7\n\
         trap deleted: finalized 1\n\
         function types: 2, first copied: 3 -> 2, last result kind 129\n\
         global types: 2 (second null), memory types: 1, table types: 0, extern types: 1, kind 2\n\
         a pointer in a value: 3\n\
         exports deleted: finalized func 1 1, global 1, memory 1, module 0\n\
         module deleted: finalized 1\n\
         done\n",
    );
}
