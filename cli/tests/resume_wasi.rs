//! `fayasm run --checkpoint-dir` and `fayasm resume` with a WASI guest: the resumed guest
//! gets the same `argv`, environment and preopened directories as the run that wrote the
//! checkpoint, and a slice that ends while the guest holds a file open is not checkpointed
//! (the previous checkpoint stays; `docs/suspended-call.md`, "Host state: WASI").

use std::path::PathBuf;
use std::process::Command;

const WAT: &str = include_str!("../../engine/tests/fixtures/wasi_resume.wat");

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

/// A directory of the test's own, holding the module.
fn setup(test: &str) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!(
        "fayasm-cli-resume-wasi-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let m = dir.join("m.wasm");
    std::fs::write(&m, wat::parse_str(WAT).unwrap()).unwrap();
    (dir, m.to_str().unwrap().to_string())
}

#[test]
fn a_resumed_guest_keeps_its_environment() {
    let (dir, m) = setup("args");
    let ck = dir.join("ck");
    let ck = ck.to_str().unwrap();
    // argc 1 (the program), 2 variables. (Program arguments after `--` are taken as the
    // export's arguments when an export is named.)
    let common = ["--env", "A=1", "--env", "B=2"];
    let mut plain = vec!["run"];
    plain.extend(common);
    plain.extend([m.as_str(), "count", "20000"]);
    let (code, out, err) = fayasm(&plain);
    assert_eq!(
        (code, out.as_str()),
        (0, "result[0] (i32): 1002\n"),
        "{err}"
    );
    // Stopped part-way by its fuel bound (as a kill would stop it), then resumed.
    let mut bounded = vec![
        "run",
        "--checkpoint-dir",
        ck,
        "--checkpoint-every",
        "5000",
        "--fuel",
        "60000",
    ];
    bounded.extend(common);
    bounded.extend([m.as_str(), "count", "20000"]);
    let (code, _, err) = fayasm(&bounded);
    assert_eq!((code, err.as_str()), (1, "trap: all fuel consumed\n"));
    let (code, out, err) = fayasm(&["resume", ck]);
    assert_eq!(
        (code, out.as_str()),
        (0, "result[0] (i32): 1002\n"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn slices_that_end_with_a_file_open_are_not_checkpointed() {
    let (dir, m) = setup("hold");
    let data = dir.join("data");
    let grant = format!("{}::.", data.display());
    let ck = dir.join("ck");
    let ck = ck.to_str().unwrap();
    // The guest opens `f.txt` (descriptor 4), spins, closes it and spins again.
    let (code, out, err) = fayasm(&[
        "run",
        "--dir",
        &grant,
        "--checkpoint-dir",
        ck,
        "--checkpoint-every",
        "1000",
        &m,
        "hold",
        "5000",
    ]);
    assert_eq!((code, out.as_str()), (0, "result[0] (i32): 4\n"), "{err}");
    assert_eq!(
        err,
        "fayasm: not checkpointed while descriptor 4 is a file or directory the guest opened \
         (not carried across a restart); the previous checkpoint stays\n"
    );
    assert!(data.join("f.txt").exists());
    // Stopped in the second spin: the newest checkpoint is one after the close, and the
    // resumed call ends as the uninterrupted one (its `--dir` granted again from the run
    // file).
    let ck2 = dir.join("ck2");
    let ck2 = ck2.to_str().unwrap();
    let (code, _, err) = fayasm(&[
        "run",
        "--dir",
        &grant,
        "--checkpoint-dir",
        ck2,
        "--checkpoint-every",
        "1000",
        "--fuel",
        "50000",
        &m,
        "hold",
        "5000",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.ends_with("trap: all fuel consumed\n"), "{err}");
    let (code, out, err) = fayasm(&["resume", ck2]);
    assert_eq!((code, out.as_str()), (0, "result[0] (i32): 4\n"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A checkpoint directory written before the WASI setup was saved (run file format 1: module,
/// export, slice, export arguments) still resumes, with a bare `WasiCtx` as then.
#[test]
fn a_run_file_of_format_1_still_resumes() {
    let (dir, m) = setup("v1");
    let ck = dir.join("ck");
    let cks = ck.to_str().unwrap();
    let (code, _, err) = fayasm(&[
        "run",
        "--checkpoint-dir",
        cks,
        "--checkpoint-every",
        "5000",
        "--fuel",
        "60000",
        &m,
        "count",
        "20000",
    ]);
    assert_eq!(code, 1, "{err}");
    let file = std::fs::canonicalize(&m).unwrap();
    std::fs::write(
        ck.join("fayasm-run.txt"),
        format!("fayasm-run 1\n{}\ncount\n5000\n20000\n", file.display()),
    )
    .unwrap();
    let (code, out, err) = fayasm(&["resume", cks]);
    assert_eq!(
        (code, out.as_str()),
        (0, "result[0] (i32): 1000\n"),
        "{err}"
    );
    // A damaged run file is a usage error.
    std::fs::write(ck.join("fayasm-run.txt"), "fayasm-run 2\nx\n").unwrap();
    let (code, _, _) = fayasm(&["resume", cks]);
    assert_eq!(code, 2);
    let _ = std::fs::remove_dir_all(&dir);
}
