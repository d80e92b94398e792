//! `fayasm run --fuel N` and `--timeout DURATION`: an endless loop ends with exit code 1 and
//! the trap named; a run within its bounds is unaffected.

use std::process::Command;

const SPIN: &str = r#"(module
  (func (export "spin") (loop (br 0)))
  (func (export "sum") (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (local.get 0)))
    (local.get 1)))"#;

/// The module in a file of its own per test (the tests run at once: a shared file could be
/// read while another test rewrites it).
fn module(test: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "fayasm-cli-bounded-{}-{test}.wasm",
        std::process::id()
    ));
    std::fs::write(&path, wat::parse_str(SPIN).unwrap()).unwrap();
    path
}

fn fayasm(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fayasm"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_endless_loop_runs_out_of_fuel() {
    let m = module("fuel");
    let m = m.to_str().unwrap();
    let (code, _, err) = fayasm(&["run", "--fuel", "100000", m, "spin"]);
    // The trap, then where it stopped (wasmtime's backtrace format).
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "trap: all fuel consumed\nwasm backtrace:\n    0:   0x2d - <unknown>!<wasm function 0>\n"
        )
    );
    // Enough fuel: the result, exit 0.
    let (code, out, _) = fayasm(&["run", "--fuel", "100000", m, "sum", "100"]);
    assert_eq!((code, out.as_str()), (0, "result[0] (i32): 5050\n"));
    let (code, _, err) = fayasm(&["run", "--fuel", "100", m, "sum", "100"]);
    assert_eq!(
        (code, err.lines().next()),
        (1, Some("trap: all fuel consumed"))
    );
    let (code, _, err) = fayasm(&["run", "--fuel", "lots", m, "spin"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn an_endless_loop_times_out() {
    let m = module("timeout");
    let m = m.to_str().unwrap();
    let started = std::time::Instant::now();
    let (code, _, err) = fayasm(&["run", "--timeout", "200ms", m, "spin"]);
    assert_eq!((code, err.lines().next()), (1, Some("trap: interrupted")));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let (code, out, _) = fayasm(&["run", "--timeout", "60s", m, "sum", "10"]);
    assert_eq!((code, out.as_str()), (0, "result[0] (i32): 55\n"));
    let (code, _, err) = fayasm(&["run", "--timeout", "soon", m, "spin"]);
    assert_eq!(code, 2, "{err}");
}

/// A run checkpointed every 2,000 fuel and stopped part-way by its fuel bound (as a kill
/// would stop it) resumes from its last checkpoint to the uninterrupted result.
#[test]
fn a_checkpointed_run_resumes_after_it_was_stopped() {
    let m = module("resume");
    let m = m.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("fayasm-cli-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let (code, out, _) = fayasm(&["run", m, "sum", "3000"]);
    assert_eq!((code, out.as_str()), (0, "result[0] (i32): 4501500\n"));
    let (code, _, err) = fayasm(&[
        "run",
        "--checkpoint-dir",
        d,
        "--checkpoint-every",
        "2000",
        "--fuel",
        "9000",
        m,
        "sum",
        "3000",
    ]);
    assert_eq!((code, err.as_str()), (1, "trap: all fuel consumed\n"));
    let (code, out, err) = fayasm(&["resume", d]);
    assert_eq!(
        (code, out.as_str()),
        (0, "result[0] (i32): 4501500\n"),
        "{err}"
    );
    // Not a checkpoint directory: a usage error.
    let (code, _, _) = fayasm(&["resume", std::env::temp_dir().to_str().unwrap()]);
    assert_eq!(code, 2);
    let _ = std::fs::remove_dir_all(&dir);
}
