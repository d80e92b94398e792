//! The `fayasm` command line: each case's exit code, stdout and stderr are pinned by an `insta`
//! snapshot (`tests/snapshots/`; review changes with `cargo insta review`, or rerun with
//! `INSTA_UPDATE=always`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use insta::assert_snapshot;

const CALC: &str = r#"(module
  (memory (export "memory") 1)
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "all") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (local.get 0) (local.get 1) (local.get 2) (local.get 3))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "nothing"))
  (func (export "boom") unreachable)
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
      (else (call $down (i32.sub (local.get 0) (i32.const 1)))))))"#;

const HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

const NEEDS_ENV: &str =
    r#"(module (import "env" "missing" (func (param i32))) (func (export "f")))"#;

const STARTS_AND_TRAPS: &str = r#"(module (func $s unreachable) (start $s))"#;

/// A scratch directory holding the fixtures, used as the working directory of every run so
/// paths in messages are short and stable.
fn workdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fayasm-cli-{}", std::process::id()));
    if !dir.exists() {
        std::fs::create_dir_all(&dir).unwrap();
    }
    for (name, wat) in [
        ("calc", CALC),
        ("hello", HELLO),
        ("needs_env", NEEDS_ENV),
        ("start_traps", STARTS_AND_TRAPS),
    ] {
        write_once(
            &dir.join(format!("{name}.wasm")),
            &wat::parse_str(wat).unwrap(),
        );
    }
    write_once(
        &dir.join("wasi_probe.wasm"),
        include_bytes!("../../engine/tests/fixtures/wasi_probe.wasm"),
    );
    write_once(&dir.join("garbage.wasm"), b"not wasm at all");
    dir
}

/// Tests run in parallel: write through a private temporary file and rename, so no test sees
/// a half-written fixture.
fn write_once(path: &Path, bytes: &[u8]) {
    if !path.exists() {
        let tmp = path.with_extension(
            format!("tmp{:?}", std::thread::current().id()).replace(['(', ')'], ""),
        );
        std::fs::write(&tmp, bytes).unwrap();
        std::fs::rename(tmp, path).unwrap();
    }
}

/// Run `fayasm ARGS` in the scratch directory; its exit code, stdout and stderr as one text.
fn fayasm_with(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> String {
    let dir = workdir();
    fayasm_in(&dir, args, stdin, env)
}

fn fayasm_in(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> String {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fayasm"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "FAYASM_JIT_PRESCAN",
        "FAYASM_JIT_PRESCAN_FORCE",
        "FAYASM_MICROCODE",
        "FAYASM_CODE_BUDGET",
        "FAYASM_CODE_EVICTION",
        "FAYASM_PAGE_BUDGET",
        "FAYASM_TARGET_PROFILE",
        "FAYASM_MAX_CALL_DEPTH",
        "FAYASM_MAX_STACK",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("the fayasm binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn fayasm(args: &[&str]) -> String {
    fayasm_with(args, "", &[])
}

#[test]
fn run_export_with_typed_arguments() {
    assert_snapshot!(
        "run_add",
        fayasm(&["run", "calc.wasm", "add", "i32:40", "i32:2"])
    );
    assert_snapshot!(
        "run_bare_arguments",
        fayasm(&["run", "calc.wasm", "add", "-7", "0x10"])
    );
    assert_snapshot!(
        "run_all_types",
        fayasm(&[
            "run",
            "calc.wasm",
            "all",
            "i32:7",
            "i64:100000",
            "f32:1.5",
            "f64:3"
        ])
    );
    assert_snapshot!("run_nan", fayasm(&["run", "calc.wasm", "nan"]));
    assert_snapshot!("run_no_results", fayasm(&["run", "calc.wasm", "nothing"]));
}

#[test]
fn engine_options_and_environment() {
    let expected = fayasm(&["run", "calc.wasm", "add", "i32:1", "i32:2"]);
    assert_eq!(
        fayasm(&["run", "--prescan", "calc.wasm", "add", "i32:1", "i32:2"]),
        expected
    );
    assert_eq!(
        fayasm_with(
            &["run", "calc.wasm", "add", "i32:1", "i32:2"],
            "",
            &[("FAYASM_JIT_PRESCAN", "1")]
        ),
        expected
    );
    assert_snapshot!(
        "run_deep_recursion_default",
        fayasm(&["run", "calc.wasm", "down", "i32:5000"])
    );
    assert_snapshot!(
        "run_call_depth_limit",
        fayasm(&[
            "run",
            "--max-call-depth",
            "100",
            "calc.wasm",
            "down",
            "i32:5000"
        ])
    );
    assert_eq!(
        fayasm_with(
            &["run", "calc.wasm", "down", "i32:5000"],
            "",
            &[("FAYASM_MAX_CALL_DEPTH", "100")]
        ),
        fayasm(&[
            "run",
            "--max-call-depth",
            "100",
            "calc.wasm",
            "down",
            "i32:5000"
        ])
    );
    assert_snapshot!(
        "run_stack_limit",
        fayasm(&[
            "run",
            "--max-stack",
            "1000",
            "calc.wasm",
            "down",
            "i32:5000"
        ])
    );
}

#[test]
fn offload_environment_variables() {
    let expected = fayasm(&["run", "calc.wasm", "add", "i32:1", "i32:2"]);
    for env in [
        [("FAYASM_MICROCODE", "0"), ("FAYASM_JIT_PRESCAN", "1")],
        [("FAYASM_MICROCODE", "1"), ("FAYASM_JIT_PRESCAN_FORCE", "1")],
        [("FAYASM_CODE_BUDGET", "64"), ("FAYASM_PAGE_BUDGET", "4")],
        [
            ("FAYASM_TARGET_PROFILE", "esp32c3"),
            ("FAYASM_CODE_EVICTION", "spill"),
        ],
        [
            ("FAYASM_TARGET_PROFILE", "96k"),
            ("FAYASM_CODE_BUDGET", "none"),
        ],
    ] {
        assert_eq!(
            fayasm_with(&["run", "calc.wasm", "add", "i32:1", "i32:2"], "", &env),
            expected,
            "{env:?}"
        );
    }
    assert_eq!(
        fayasm(&[
            "run",
            "--code-budget",
            "0",
            "calc.wasm",
            "add",
            "i32:1",
            "i32:2"
        ]),
        expected
    );
    for (var, value) in [
        ("FAYASM_MICROCODE", "maybe"),
        ("FAYASM_CODE_BUDGET", "lots"),
        ("FAYASM_PAGE_BUDGET", "4k"),
        ("FAYASM_TARGET_PROFILE", "pdp11"),
        ("FAYASM_JIT_PRESCAN_FORCE", "2"),
    ] {
        let out = fayasm_with(
            &["run", "calc.wasm", "add", "i32:1", "i32:2"],
            "",
            &[(var, value)],
        );
        assert!(out.starts_with("exit: 2\n"), "{var}={value}: {out}");
        assert!(out.contains(var), "{out}");
    }
}

#[test]
fn traps_exit_with_1() {
    assert_snapshot!(
        "trap_divide_by_zero",
        fayasm(&["run", "calc.wasm", "div", "i32:1", "i32:0"])
    );
    assert_snapshot!("trap_unreachable", fayasm(&["run", "calc.wasm", "boom"]));
    assert_snapshot!(
        "trap_in_start_function",
        fayasm(&["run", "start_traps.wasm"])
    );
}

#[test]
fn bad_usage_exits_with_2() {
    assert_snapshot!("usage_missing_file", fayasm(&["run", "nothere.wasm"]));
    assert_snapshot!("usage_not_wasm", fayasm(&["run", "garbage.wasm"]));
    assert_snapshot!(
        "usage_unknown_export",
        fayasm(&["run", "calc.wasm", "nope"])
    );
    assert_snapshot!(
        "usage_too_few_arguments",
        fayasm(&["run", "calc.wasm", "add", "i32:1"])
    );
    assert_snapshot!(
        "usage_too_many_arguments",
        fayasm(&["run", "calc.wasm", "add", "1", "2", "3"])
    );
    assert_snapshot!(
        "usage_wrong_argument_type",
        fayasm(&["run", "calc.wasm", "add", "i32:1", "f32:2"])
    );
    assert_snapshot!(
        "usage_unparsable_argument",
        fayasm(&["run", "calc.wasm", "add", "i32:1", "i32:two"])
    );
    assert_snapshot!(
        "usage_missing_import",
        fayasm(&["run", "needs_env.wasm", "f"])
    );
    assert_snapshot!("usage_no_start", fayasm(&["run", "calc.wasm"]));
    assert_snapshot!(
        "usage_unknown_option",
        fayasm(&["run", "--frobnicate", "10", "calc.wasm"])
    );
    assert_snapshot!("usage_no_file", fayasm(&["run"]));
    assert_snapshot!(
        "usage_bad_env",
        fayasm(&["run", "--env", "NOEQUALS", "hello.wasm"])
    );
    assert_snapshot!(
        "usage_bad_dir",
        fayasm(&["run", "--dir", "no_such_dir", "hello.wasm"])
    );
}

#[test]
fn wasi_commands() {
    assert_snapshot!("wasi_hello", fayasm(&["run", "hello.wasm"]));
    assert_snapshot!(
        "wasi_args_and_env",
        fayasm(&[
            "run",
            "--env",
            "GREETING=hi there",
            "wasi_probe.wasm",
            "--",
            "args",
            "-x",
            "two words"
        ])
    );
    assert_snapshot!(
        "wasi_stdin_stderr",
        fayasm_with(&["run", "wasi_probe.wasm", "--", "io"], "piped in\n", &[])
    );
    assert_snapshot!(
        "wasi_clocks_random",
        fayasm(&["run", "wasi_probe.wasm", "--", "misc"])
    );
    assert_snapshot!(
        "wasi_exit_code",
        fayasm(&["run", "wasi_probe.wasm", "--", "exit", "7"])
    );
    assert_snapshot!("wasi_main_return_code", fayasm(&["run", "wasi_probe.wasm"]));
}

#[test]
fn wasi_directories() {
    let dir = workdir().join("granted");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), "hi from the host").unwrap();
    assert_snapshot!(
        "wasi_files",
        fayasm(&[
            "run",
            "--dir",
            "granted::data",
            "wasi_probe.wasm",
            "--",
            "files",
            "data"
        ])
    );
    assert_snapshot!(
        "wasi_dir_same_name",
        fayasm(&[
            "run",
            "--dir",
            "granted",
            "wasi_probe.wasm",
            "--",
            "escape",
            "granted/hello.txt",
            "hello.txt"
        ])
    );
    assert_snapshot!(
        "wasi_escapes_refused",
        fayasm(&[
            "run",
            "--dir",
            "granted::.",
            "wasi_probe.wasm",
            "--",
            "escape",
            "hello.txt",
            "../calc.wasm",
            "/etc/passwd",
            "./../granted/hello.txt",
        ])
    );
}

#[test]
fn inspect() {
    assert_snapshot!("inspect_calc", fayasm(&["inspect", "calc.wasm"]));
    assert_snapshot!("inspect_wasi_command", fayasm(&["inspect", "hello.wasm"]));
    assert_snapshot!(
        "inspect_microcode_by_export",
        fayasm(&["inspect", "--microcode", "add", "calc.wasm"])
    );
    assert_snapshot!(
        "inspect_microcode_by_index",
        fayasm(&["inspect", "calc.wasm", "--microcode", "6"])
    );
    assert_eq!(
        fayasm(&["inspect", "calc.wasm", "--microcode", "$add"]),
        fayasm(&["inspect", "calc.wasm", "--microcode", "add"])
    );
    assert_snapshot!(
        "inspect_microcode_of_import",
        fayasm(&["inspect", "hello.wasm", "--microcode", "0"])
    );
    assert_snapshot!(
        "inspect_microcode_unknown",
        fayasm(&["inspect", "calc.wasm", "--microcode", "nope"])
    );
    assert_snapshot!(
        "inspect_missing_import_is_fine",
        fayasm(&["inspect", "needs_env.wasm", "--microcode", "f"])
    );
}

/// Run `fayasm ARGS` in `dir` with stdout going to `stdout`; exit code (or `timeout` after
/// `secs` seconds, when the child is killed) and stderr.
fn fayasm_to(dir: &Path, args: &[&str], stdout: Stdio, secs: u64) -> (String, String) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fayasm"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fayasm binary runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status
                .code()
                .map_or("signal".to_string(), |c| c.to_string());
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            break "timeout".to_string();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, err)
}

/// A module exporting `n` functions named `f0`, `f1`, ...
fn many_exports(n: usize) -> Vec<u8> {
    let mut wat = String::from("(module (func $f)");
    for i in 0..n {
        wat.push_str(&format!(" (export \"f{i}\" (func $f))"));
    }
    wat.push(')');
    wat::parse_str(&wat).unwrap()
}

#[test]
fn inspect_never_instantiates() {
    let dir = workdir();
    // A start function that never returns, a 4 GiB memory and a data segment out of bounds:
    // instantiating would hang, allocate or fail. Translating needs none of it.
    write_once(
        &dir.join("hostile_start.wasm"),
        &wat::parse_str(
            r#"(module
              (memory 65536)
              (data (i32.const -1) "xy")
              (func $spin (loop (br 0)))
              (start $spin)
              (func (export "one") (result i32) (i32.const 1)))"#,
        )
        .unwrap(),
    );
    let (status, err) = fayasm_to(
        &dir,
        &["inspect", "--microcode", "one", "hostile_start.wasm"],
        Stdio::null(),
        30,
    );
    assert_eq!((status.as_str(), err.as_str()), ("0", ""));
    assert_snapshot!(
        "inspect_microcode_of_hostile_start",
        fayasm(&["inspect", "--microcode", "one", "hostile_start.wasm"])
    );
}

#[test]
fn output_failures_never_panic() {
    let dir = workdir();
    write_once(&dir.join("many_exports.wasm"), &many_exports(30_000));
    // A reader that takes one line and closes the pipe: the rest of the output has nowhere
    // to go, and the command ends quietly.
    let mut child = Command::new(env!("CARGO_BIN_EXE_fayasm"))
        .args(["inspect", "many_exports.wasm"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.starts_with("module many_exports.wasm"), "{first}");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).as_ref()
        ),
        (Some(0), "")
    );
    // A full disk is an error message and exit code 2.
    for args in [
        &["run", "calc.wasm", "add", "1", "2"][..],
        &["inspect", "calc.wasm"],
        &["inspect", "--microcode", "add", "calc.wasm"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let (status, err) = fayasm_to(&dir, args, Stdio::from(full), 30);
        assert_eq!(
            (status.as_str(), err.as_str()),
            (
                "2",
                "error: cannot write the output: No space left on device (os error 28)\n"
            ),
            "{args:?}"
        );
    }
}

#[test]
fn module_size_limit() {
    let dir = workdir();
    // A sparse 300 MiB file: refused from its size, before a byte is read.
    let big = dir.join("huge.wasm");
    if !big.exists() {
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(300 << 20).unwrap();
    }
    assert_snapshot!("usage_module_too_large", fayasm(&["inspect", "huge.wasm"]));
    // A device that never ends: refused once the limit is passed.
    let started = std::time::Instant::now();
    let out = fayasm(&["inspect", "--max-module-size", "1m", "/dev/zero"]);
    assert_eq!(
        out,
        "exit: 2\n--- stdout\n--- stderr\nerror: `/dev/zero` is larger than the module size \
         limit of 1048576 bytes (--max-module-size)\n"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(
        fayasm_with(
            &["run", "calc.wasm", "add", "1", "2"],
            "",
            &[("FAYASM_MAX_MODULE_SIZE", "100")]
        ),
        "exit: 2\n--- stdout\n--- stderr\nerror: `calc.wasm` is larger than the module size \
         limit of 100 bytes (--max-module-size)\n"
    );
    assert!(
        fayasm(&["inspect", "--max-module-size", "lots", "calc.wasm"]).starts_with("exit: 2\n")
    );
}

#[test]
fn small_usage_errors() {
    let dir = workdir();
    let looped = dir.join("loop.wasm");
    if std::fs::symlink_metadata(&looped).is_err() {
        std::os::unix::fs::symlink("loop.wasm", &looped).unwrap();
    }
    assert_snapshot!("usage_symlink_loop", fayasm(&["run", "loop.wasm"]));
    assert_snapshot!(
        "usage_empty_guest_dir",
        fayasm(&["run", "--dir", ".::", "hello.wasm"])
    );
    assert!(fayasm(&["run", "--dir", "::guest", "hello.wasm"]).starts_with("exit: 2\n"));
    write_once(&dir.join("hundred_exports.wasm"), &many_exports(100));
    assert_snapshot!(
        "usage_unknown_export_of_many",
        fayasm(&["run", "hundred_exports.wasm", "nope"])
    );
    for (var, value) in [("FAYASM_PAGE_BUDGET", "0"), ("FAYASM_TARGET_PROFILE", "0")] {
        let out = fayasm_with(&["run", "calc.wasm", "add", "1", "2"], "", &[(var, value)]);
        assert!(out.starts_with("exit: 2\n"), "{var}={value}: {out}");
        assert!(out.contains(var), "{out}");
    }
}

/// A module touching `pages` 4 KiB pages of its memory, then summing one byte of each.
const TOUCH: &str = r#"(module
  (memory 16)
  (func (export "touch") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
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
    (local.get $sum))
  (func $a (export "a") (result i32) (i32.const 1))
  (func $c (result i32) (i32.const 0))
  (func $b (export "b") (result i32) (i32.add (i32.add (call $a) (call $c)) (i32.const 1))))"#;

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[test]
fn bounded_profiles_take_effect() {
    let dir = workdir();
    write_once(&dir.join("touch.wasm"), &wat::parse_str(TOUCH).unwrap());
    let expected = "exit: 0\n--- stdout\nresult[0] (i32): 8256\n--- stderr\n";
    assert_eq!(fayasm(&["run", "touch.wasm", "touch", "i32:129"]), expected);
    // esp32c3 keeps 16 pages resident: touching 129 writes dirty pages back to the spill
    // directory, and the sum still comes out right.
    let spill = dir.join(format!("spill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&spill);
    let spill_arg = spill.to_str().unwrap();
    assert_eq!(
        fayasm_with(
            &[
                "run",
                "--spill-dir",
                spill_arg,
                "touch.wasm",
                "touch",
                "i32:129"
            ],
            "",
            &[("FAYASM_TARGET_PROFILE", "esp32c3")]
        ),
        expected
    );
    assert!(files_in(&spill) > 0, "paged memory wrote nothing");
    // A page budget alone turns paging on as well; without --spill-dir a temporary
    // directory is used and removed.
    assert_eq!(
        fayasm_with(
            &["run", "touch.wasm", "touch", "i32:129"],
            "",
            &[("FAYASM_PAGE_BUDGET", "2")]
        ),
        expected
    );
    // Spilled microcode lands in the spill directory: with no code cached, `b` calls `a`,
    // then `c`, whose admission evicts `a` (`b`, running, stays).
    let _ = std::fs::remove_dir_all(&spill);
    assert_eq!(
        fayasm_with(
            &["run", "--spill-dir", spill_arg, "touch.wasm", "b"],
            "",
            &[("FAYASM_CODE_EVICTION", "spill"), ("FAYASM_MICROCODE", "0")]
        ),
        "exit: 0\n--- stdout\nresult[0] (i32): 2\n--- stderr\n"
    );
    assert!(files_in(&spill) > 0, "spilled code wrote nothing");
    // --spill-dir with nothing to spill is refused.
    assert!(fayasm(&["run", "--spill-dir", spill_arg, "touch.wasm", "b"]).starts_with("exit: 2\n"));
    let _ = std::fs::remove_dir_all(&spill);
}
