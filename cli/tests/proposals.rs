//! `fayasm run --wasm FEATURE`: the proposals that are off by default (wide arithmetic,
//! custom page sizes) run from the command line when asked for, and are refused as invalid
//! (exit code 2) when not.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// A 1,000-byte memory of 1-byte pages and a 128-bit product.
const WAT: &str = r#"(module
  (memory (export "memory") 1000 (pagesize 1))
  (func (export "size") (result i32) memory.size)
  (func (export "mulhi") (param i64 i64) (result i64) (local $hi i64)
    (i64.mul_wide_u (local.get 0) (local.get 1))
    (local.set $hi)
    (drop)
    (i64.store (i32.const 992) (local.get $hi))
    (i64.load (i32.const 992))))"#;

fn run(args: &[&str]) -> Output {
    // One directory per run: the tests run in parallel.
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("fayasm-cli-proposals-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("proposals.wasm");
    std::fs::write(&file, wat::parse_str(WAT).unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fayasm"))
        .arg("run")
        .args(args)
        .arg(&file)
        .args(["mulhi", "i64:-1", "i64:-1"])
        .env_remove("FAYASM_TARGET_PROFILE")
        .output()
        .expect("the fayasm binary runs");
    std::fs::remove_dir_all(&dir).ok();
    out
}

#[test]
fn proposals_run_when_asked_for() {
    for args in [
        &["--wasm", "wide-arithmetic,custom-page-sizes"][..],
        &["--wasm", "wide-arithmetic", "--wasm", "custom-page-sizes"][..],
        &[
            "--wasm",
            "custom-page-sizes,wide-arithmetic",
            "--paged",
            "1",
        ][..],
    ] {
        let out = run(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {out:?}");
        // (2^64 - 1)^2 = 2^128 - 2^65 + 1: the high half is 2^64 - 2.
        assert_eq!(stdout.trim(), "result[0] (i64): -2", "{args:?}");
    }
}

#[test]
fn proposals_are_refused_when_not_asked_for() {
    for args in [&[][..], &["--wasm", "wide-arithmetic"][..]] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("custom page sizes"), "{args:?}: {stderr}");
    }
    let out = run(&["--wasm", "custom-page-sizes"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("wide arithmetic"));
    let out = run(&["--wasm", "threads"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// `wasm_samples/wat/gc.wat` (structs, arrays, casts, `i31`, enough garbage to collect) runs
/// through the command line with `--wasm gc`: every call of its entry in
/// `wasm_samples/expected.json` prints the expected result, or traps (exit 1) with the
/// expected message. Without the switch the module is refused as invalid (exit 2).
#[test]
fn gc_sample_runs_with_wasm_gc() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm_samples");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    let fixture = expected["fixtures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "gc")
        .expect("the gc fixture");
    let file = root.join(fixture["wat"].as_str().unwrap());
    let fayasm = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_fayasm"))
            .arg("run")
            .args(args)
            .env_remove("FAYASM_TARGET_PROFILE")
            .output()
            .expect("the fayasm binary runs")
    };
    let calls = fixture["calls"].as_array().unwrap();
    assert!(calls.len() >= 10);
    for call in calls {
        let export = call["export"].as_str().unwrap();
        let mut args = vec!["--wasm", "gc", file.to_str().unwrap(), export];
        args.extend(
            call["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap()),
        );
        let out = fayasm(&args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(trap) = call["trap"].as_str() {
            assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
            assert!(stderr.contains(trap), "{args:?}: {stderr}");
        } else {
            assert!(out.status.success(), "{args:?}: {out:?}");
            let want: Vec<String> = call["results"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let (ty, value) = r.as_str().unwrap().split_once(':').unwrap();
                    format!("result[{i}] ({ty}): {value}")
                })
                .collect();
            assert_eq!(stdout.trim(), want.join("\n"), "{args:?}");
        }
    }
    let out = fayasm(&[file.to_str().unwrap(), "text"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
