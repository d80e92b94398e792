//! The `fayasm` command line: each case's exit code, stdout and stderr are pinned by an `insta`
//! snapshot (`tests/snapshots/`; review changes with `cargo insta review`, or rerun with
//! `INSTA_UPDATE=always`).
#![cfg(feature = "cli")]

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
        include_bytes!("fixtures/wasi_probe.wasm"),
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
        fayasm(&["run", "--fuel", "10", "calc.wasm"])
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
