//! wasmtime's command-line forms beside the seed's (issue 21): `fayasm run prog.wasm a b` passes
//! `a b` to a WASI command, `--invoke NAME` calls an export, `FILE EXPORT ARGS` still calls an
//! export of a module that is not a WASI command, and a word that could mean either on a WASI
//! command is an error naming both forms.

use std::path::PathBuf;
use std::process::Command;

/// `wasm` written to a file of this test process.
fn module(name: &str, wasm: &[u8]) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("fayasm-forms-{}-{name}.wasm", std::process::id()));
    std::fs::write(&path, wasm).unwrap();
    path
}

fn probe() -> PathBuf {
    module(
        "probe",
        include_bytes!("../../engine/tests/fixtures/wasi_probe.wasm"),
    )
}

/// Exit code, stdout, stderr.
fn fayasm(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fayasm"))
        .args(args)
        .env_remove("FAYASM_TARGET_PROFILE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn words_after_a_wasi_command_are_its_arguments() {
    let p = probe();
    let p = p.to_str().unwrap();
    let (code, out, err) = fayasm(&["run", p, "args", "-x", "two words"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!("argv[0] = {p}\nargv[1] = args\nargv[2] = -x\nargv[3] = two words\nGREETING = (unset)\n")
    );
    // The same with `--` (words after the first one are the program's, `--` among them).
    assert_eq!(fayasm(&["run", p, "--", "args", "-x", "two words"]).1, out);
    // The program's exit code is fayasm's.
    let (code, out, _) = fayasm(&["run", p, "exit", "7"]);
    assert_eq!((code, out.as_str()), (7, "exiting with 7\n"));
}

#[test]
fn invoke_calls_an_export() {
    let calc = module(
        "calc",
        &wat::parse_str(
            r#"(module (func (export "add") (param i32 i32) (result i32)
                 (i32.add (local.get 0) (local.get 1))))"#,
        )
        .unwrap(),
    );
    let calc = calc.to_str().unwrap();
    let (code, out, err) = fayasm(&["run", "--invoke", "add", calc, "40", "i32:2"]);
    assert_eq!((code, out.as_str()), (0, "result[0] (i32): 42\n"), "{err}");
    // The seed's form, on a module that is not a WASI command.
    assert_eq!(fayasm(&["run", calc, "add", "40", "i32:2"]).1, out);
    let (code, _, err) = fayasm(&["run", "--invoke", "nope", calc]);
    assert_eq!(code, 2);
    assert!(err.contains("no exported function `nope`"), "{err}");
}

#[test]
fn a_wasi_command_exporting_the_first_word_is_ambiguous() {
    let cmd = module(
        "cmd",
        &wat::parse_str(
            r#"(module
                 (memory (export "memory") 1)
                 (func (export "_start"))
                 (func (export "helper") (result i32) (i32.const 5)))"#,
        )
        .unwrap(),
    );
    let cmd = cmd.to_str().unwrap();
    let (code, _, err) = fayasm(&["run", cmd, "helper"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("write `--invoke helper` to call the export, or `-- helper` to pass"),
        "{err}"
    );
    let (code, out, err) = fayasm(&["run", "--invoke", "helper", cmd]);
    assert_eq!((code, out.as_str()), (0, "result[0] (i32): 5\n"), "{err}");
    assert_eq!(fayasm(&["run", cmd, "--", "helper"]).0, 0);
    assert_eq!(fayasm(&["run", cmd, "other", "words"]).0, 0);
}
