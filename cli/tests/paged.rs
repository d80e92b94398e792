//! `fayasm run --paged N` and `--offload-stats` (issue 19): every WASI sample, and the probe's
//! streams and files, print the same bytes and exit with the same code with two resident
//! 4 KiB pages as on a resident memory. (The resident output is the one the sample tests
//! check against wasmtime and `wasm_samples/expected.json`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm_samples/wasm")
}

/// `fayasm ARGS` with `stdin`, no `FAYASM_*` variables, in `dir`.
fn fayasm(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fayasm"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (var, _) in std::env::vars() {
        if var.starts_with("FAYASM_") {
            cmd.env_remove(var);
        }
    }
    let mut child = cmd.spawn().expect("the fayasm binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// A fresh scratch directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fayasm-paged-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run `args` (after `run`) resident and with `--paged 2`: same exit code, stdout and stderr.
fn same_paged(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let resident = fayasm(dir, &[&["run"], args].concat(), stdin);
    let paged = fayasm(dir, &[&["run", "--paged", "2"], args].concat(), stdin);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_eq!(
        text(&paged.stdout),
        text(&resident.stdout),
        "{args:?}: stdout"
    );
    assert_eq!(
        text(&paged.stderr),
        text(&resident.stderr),
        "{args:?}: stderr"
    );
    assert_eq!(paged.status.code(), resident.status.code(), "{args:?}");
    resident
}

#[test]
fn wasi_programs_run_paged_with_two_resident_pages() {
    let dir = samples();
    for (sample, code) in [
        ("wasi_hello", 0),
        ("wasi_printf", 0),
        ("wasi_exit", 7),
        // Emscripten's libc and start code; a 16 MiB memory with two resident pages.
        ("emcc_printf", 0),
    ] {
        let file = format!("{sample}.wasm");
        let o = same_paged(&dir, &[&file], b"");
        assert_eq!(o.status.code(), Some(code), "{sample}");
    }
    // 40 rounds: with its ~10-page working set in two frames, each round writes pages back.
    let o = same_paged(&dir, &["wasi_numfmt.wasm", "--", "40"], b"");
    assert!(String::from_utf8_lossy(&o.stdout).contains("rounds 40 checksum"));
    let e = same_paged(&dir, &["emcc_numfmt.wasm", "--", "40"], b"");
    assert_eq!(
        e.stdout, o.stdout,
        "emcc_numfmt prints what wasi_numfmt prints"
    );

    let probe = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures");
    let input = "typed input\n".repeat(2000);
    let o = same_paged(&probe, &["wasi_probe.wasm", "--", "io"], input.as_bytes());
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("stdin: 255 bytes"));

    let data = scratch("files");
    let dir_arg = format!("{}::data", data.display());
    let o = same_paged(
        &probe,
        &["--dir", &dir_arg, "wasi_probe.wasm", "--", "files", "data"],
        b"",
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("entry b.txt type file"));
    std::fs::remove_dir_all(data).unwrap();
}

/// Every WASI sample of `wasm_samples/expected.json`, run with `--paged 2`, prints the
/// expected stdout and stderr and exits with the expected code: the expectations the sample
/// tests check on wasmtime (`conformance/tests/samples.rs`).
#[test]
fn every_wasi_sample_paged_matches_wasmtime() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(samples().join("../expected.json")).unwrap())
            .unwrap();
    let wasi = expected["wasi"].as_array().unwrap();
    assert!(wasi.len() >= 7, "{} WASI samples", wasi.len());
    for s in wasi {
        let (name, wasm) = (s["name"].as_str().unwrap(), s["wasm"].as_str().unwrap());
        let o = fayasm(&samples(), &["run", "--paged", "2", wasm], b"");
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        assert_eq!(
            text(&o.stdout),
            s["stdout"].as_str().unwrap(),
            "{name}: stdout"
        );
        assert_eq!(
            text(&o.stderr),
            s["stderr"].as_str().unwrap(),
            "{name}: stderr"
        );
        assert_eq!(
            o.status.code().map(i64::from),
            s["exit_code"].as_i64(),
            "{name}: exit code"
        );
    }
}

#[test]
fn offload_stats_and_bad_page_counts() {
    let dir = samples();
    let o = fayasm(
        &dir,
        &["run", "--paged", "1", "--offload-stats", "wasi_hello.wasm"],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    let pages = err
        .lines()
        .find(|l| l.starts_with("offload: memory pages: "))
        .unwrap_or_else(|| panic!("no page line in {err}"));
    assert!(!pages.contains(" 0 read back"), "{pages}");
    assert!(err.contains("code cache: budget unbounded"), "{err}");
    assert!(
        err.contains(" 0 over-budget admissions, overdraft 0 B"),
        "{err}"
    );

    // A function larger than the budget runs over budget, and the stats say so.
    let o = fayasm(
        &dir,
        &[
            "run",
            "--code-budget",
            "1024",
            "--offload-stats",
            "wasi_printf.wasm",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    let cache = err
        .lines()
        .find(|l| l.starts_with("code cache: budget 1024 B"))
        .unwrap_or_else(|| panic!("no code cache line in {err}"));
    assert!(!cache.contains(" 0 over-budget admissions"), "{cache}");

    // Without --offload-stats nothing is added to stderr.
    let o = fayasm(&dir, &["run", "--paged", "1", "wasi_hello.wasm"], b"");
    assert!(o.stderr.is_empty());

    let o = fayasm(&dir, &["run", "--paged", "0", "wasi_hello.wasm"], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--paged 0"));
}

/// The temporary spill directory is created by the first write: a run that never spills
/// needs none (here the temporary directory is `/proc`, where nothing can be created), one
/// that pages does (and is removed at exit), and a temporary directory that is not one is a
/// start-up error.
#[cfg(target_os = "linux")]
#[test]
fn the_temporary_spill_directory_is_made_on_first_write() {
    let run = |tmp: &Path, args: &[&str], eviction: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fayasm"));
        cmd.args(args).current_dir(samples()).env("TMPDIR", tmp);
        for (var, _) in std::env::vars() {
            if var.starts_with("FAYASM_") {
                cmd.env_remove(var);
            }
        }
        if let Some(e) = eviction {
            cmd.env("FAYASM_CODE_EVICTION", e);
        }
        cmd.output().unwrap()
    };
    // Spill eviction, nothing evicted (no budget): no directory is made, so none can fail.
    let proc = Path::new("/proc");
    let o = run(proc, &["run", "wasi_hello.wasm"], Some("spill"));
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // Paging with one frame writes pages: there the directory is needed.
    let o = run(proc, &["run", "--paged", "1", "wasi_hello.wasm"], None);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let dir = scratch("tmpdir");
    let o = run(&dir, &["run", "--paged", "1", "wasi_hello.wasm"], None);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "removed at exit"
    );
    // A temporary directory that is not one: a start-up error, before anything runs.
    let file = dir.join("not-a-dir");
    std::fs::write(&file, b"").unwrap();
    let o = run(&file, &["run", "--paged", "1", "wasi_hello.wasm"], None);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a directory"));
    std::fs::remove_dir_all(dir).unwrap();
}
