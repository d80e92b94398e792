//! `cargo xtask samples [--bless] [--twice]`: rebuild every fixture and benchmark program in
//! `wasm_samples/` into a temporary directory and compare with the committed `.wasm` files.
//!
//! - clang-14's wasm driver runs binaryen's `wasm-opt` on every `-O` link when `wasm-opt` is in
//!   `PATH` (Debian's `emscripten` package pulls in `binaryen`), so the bytes depend on it:
//!   `TOOLCHAIN` records its version next to clang's, and a file built with another (or
//!   without) is judged as from another compiler.
//! - C sources go through clang (`clang-14`, else `clang`; `$CLANG` overrides) for `wasm32`
//!   (freestanding, `-nostdlib`) or `wasm32-wasi` (wasi-libc; sysroot `/usr` as Debian's
//!   `wasi-libc` package lays it out, `$WASI_SYSROOT` overrides).
//! - The `emcc_*` files are C sources built with Emscripten (`emcc -O2 -sSTANDALONE_WASM`,
//!   `$EMCC` overrides; Debian's `emscripten` 3.1.x). Emscripten is optional: without it
//!   those files are not rebuilt (a warning says so) and the committed ones are kept, so CI and
//!   the tests never need it.
//! - The Rust crates in `wasm_samples/rust` build for `wasm32-unknown-unknown` with the rustup
//!   target when it is installed, else with Debian's `rustc-web` (`/usr/bin/rustc`,
//!   `-Zbuild-std=core`, linked by `wasm-ld`), as `../shared/TOOLCHAIN.md` describes.
//! - `wasm_samples/wat/*.wat` are written by hand (what no compiler here emits) and parsed
//!   with the `wat` crate.
//!
//! A committed file that differs from the fresh build is stale: the command fails, and `--bless`
//! overwrites it. `wasm_samples/wasm/TOOLCHAIN` records the compiler versions of the committed
//! files; when the local compiler is a different version, a difference is reported as a warning
//! (the bytes of another compiler version prove nothing) and the files are left alone unless
//! `--bless` is given. `--twice` builds everything a second time and fails unless both builds
//! are byte-identical (the determinism check).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

/// How one `.wasm` file is built.
struct Recipe {
    /// Output file name in `wasm_samples/wasm/`.
    out: &'static str,
    kind: Kind,
}

enum Kind {
    /// A freestanding C program (no libc), exports chosen with `export_name` attributes.
    C {
        src: &'static str,
        flags: &'static [&'static str],
    },
    /// A C program for `wasm32-wasi` with wasi-libc (`_start` entry point).
    Wasi { src: &'static str },
    /// A C or C++ program built by Emscripten as a standalone module (WASI imports only).
    Emcc {
        src: &'static str,
        flags: &'static [&'static str],
    },
    /// A cdylib crate of the `wasm_samples/rust` workspace (output named after the crate).
    Rust,
    /// A module written by hand in the text format (`wasm_samples/wat/`), for what no
    /// compiler here can emit; parsed by the `wat` crate of the lock file.
    Wat { src: &'static str },
}

const BULK: &[&str] = &["-mbulk-memory"];
const SIMD: &[&str] = &["-msimd128"];
const TYPED: &[&str] = &["-msign-ext", "-mnontrapping-fptoint"];

const RECIPES: &[Recipe] = &[
    // Fixtures.
    Recipe {
        out: "arith.wasm",
        kind: Kind::C {
            src: "arith.c",
            flags: &[],
        },
    },
    Recipe {
        out: "control.wasm",
        kind: Kind::C {
            src: "control.c",
            flags: &[],
        },
    },
    Recipe {
        out: "float.wasm",
        kind: Kind::C {
            src: "float.c",
            flags: &[],
        },
    },
    Recipe {
        out: "indirect.wasm",
        kind: Kind::C {
            src: "indirect.c",
            flags: &[],
        },
    },
    Recipe {
        out: "memops.wasm",
        kind: Kind::C {
            src: "memops.c",
            flags: BULK,
        },
    },
    Recipe {
        out: "typed.wasm",
        kind: Kind::C {
            src: "typed.c",
            flags: TYPED,
        },
    },
    Recipe {
        out: "simd.wasm",
        kind: Kind::C {
            src: "simd.c",
            flags: SIMD,
        },
    },
    Recipe {
        out: "wasi_hello.wasm",
        kind: Kind::Wasi {
            src: "wasi_hello.c",
        },
    },
    Recipe {
        out: "wasi_printf.wasm",
        kind: Kind::Wasi {
            src: "wasi_printf.c",
        },
    },
    Recipe {
        out: "wasi_exit.wasm",
        kind: Kind::Wasi { src: "wasi_exit.c" },
    },
    Recipe {
        out: "wasi_numfmt.wasm",
        kind: Kind::Wasi {
            src: "wasi_numfmt.c",
        },
    },
    Recipe {
        out: "wasi_card.wasm",
        kind: Kind::Wasi { src: "wasi_card.c" },
    },
    Recipe {
        out: "rust_fixtures.wasm",
        kind: Kind::Rust,
    },
    // Benchmark programs.
    Recipe {
        out: "bench_coremark.wasm",
        kind: Kind::C {
            src: "bench_coremark.c",
            flags: &[],
        },
    },
    // The firmware's CoreMark-class app (item 5 of issue 19): the same program in a 64 KiB
    // linear memory (8 KiB of stack).
    Recipe {
        out: "bench_coremark_64k.wasm",
        kind: Kind::C {
            src: "bench_coremark.c",
            flags: &[
                "-Wl,-z,stack-size=8192",
                "-Wl,--initial-memory=65536",
                "-Wl,--max-memory=65536",
            ],
        },
    },
    Recipe {
        out: "bench_sha256.wasm",
        kind: Kind::C {
            src: "bench_sha256.c",
            flags: &[],
        },
    },
    // The SD-trap firmware's apps (esp32/): a small-memory app and a 1 MiB paged one.
    Recipe {
        out: "sdtrap.wasm",
        kind: Kind::C {
            src: "sdtrap.c",
            flags: &[
                "-Wl,-z,stack-size=8192",
                "-Wl,--initial-memory=65536",
                "-Wl,--max-memory=65536",
            ],
        },
    },
    Recipe {
        out: "paged.wasm",
        kind: Kind::C {
            src: "paged.c",
            flags: &["-Wl,-z,stack-size=8192"],
        },
    },
    Recipe {
        out: "bench_sieve.wasm",
        kind: Kind::C {
            src: "bench_sieve.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_nbody.wasm",
        kind: Kind::C {
            src: "bench_nbody.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_matmul.wasm",
        kind: Kind::C {
            src: "bench_matmul.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_mandelbrot.wasm",
        kind: Kind::C {
            src: "bench_mandelbrot.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_quicksort.wasm",
        kind: Kind::C {
            src: "bench_quicksort.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_base64.wasm",
        kind: Kind::C {
            src: "bench_base64.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_fib.wasm",
        kind: Kind::C {
            src: "bench_fib.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_dot_scalar.wasm",
        kind: Kind::C {
            src: "bench_dot.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_dot_simd.wasm",
        kind: Kind::C {
            src: "bench_dot.c",
            flags: SIMD,
        },
    },
    Recipe {
        out: "bench_blend_scalar.wasm",
        kind: Kind::C {
            src: "bench_blend.c",
            flags: &[],
        },
    },
    Recipe {
        out: "bench_blend_simd.wasm",
        kind: Kind::C {
            src: "bench_blend.c",
            flags: SIMD,
        },
    },
    Recipe {
        out: "bench_json.wasm",
        kind: Kind::Rust,
    },
    // The same C sources through Emscripten's libc and linker.
    Recipe {
        out: "emcc_printf.wasm",
        kind: Kind::Emcc {
            src: "wasi_printf.c",
            flags: &[],
        },
    },
    Recipe {
        out: "emcc_numfmt.wasm",
        kind: Kind::Emcc {
            src: "wasi_numfmt.c",
            flags: &[],
        },
    },
    Recipe {
        out: "emcc_words.wasm",
        kind: Kind::Emcc {
            src: "emcc_words.cpp",
            flags: &[],
        },
    },
    Recipe {
        out: "emcc_coremark.wasm",
        kind: Kind::Emcc {
            src: "bench_coremark.c",
            // A reactor: no `main`, `run` exported by its `export_name`, `_initialize` first.
            flags: &["--no-entry"],
        },
    },
    // By hand: C++ exceptions in the standard proposal's form, which clang 14 and
    // Emscripten 3.1 cannot emit (wasm_samples/README.md).
    Recipe {
        out: "cpp_exceptions.wasm",
        kind: Kind::Wat {
            src: "cpp_exceptions.wat",
        },
    },
];

/// Flags of every Emscripten build.
const EMCC_FLAGS: &[&str] = &["-O2", "-sSTANDALONE_WASM", "-Wall", "-Wextra", "-Werror"];

/// Flags of every freestanding C build.
const C_FLAGS: &[&str] = &[
    "--target=wasm32",
    "-ffreestanding",
    "-nostdlib",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wl,--no-entry",
];

/// Flags of every WASI C build (plus `--sysroot`).
const WASI_FLAGS: &[&str] = &["--target=wasm32-wasi", "-O2", "-Wall", "-Wextra", "-Werror"];

const USAGE: &str = "usage: cargo xtask samples [--bless] [--twice]";

pub fn run(args: &[String]) -> Result<bool> {
    let mut bless = false;
    let mut twice = false;
    for a in args {
        match a.as_str() {
            "--bless" => bless = true,
            "--twice" => twice = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(true);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    let sh = crate::shell()?;
    let samples = crate::root().join("wasm_samples");
    let committed_dir = samples.join("wasm");
    let tools = Tools::find(&sh)?;
    println!(
        "samples: clang  = {} ({})",
        tools.clang, tools.clang_version
    );
    println!("samples: rustc  = {}", tools.rust.describe());

    println!(
        "samples: wasm-opt = {} (clang runs it after linking when it is in PATH)",
        tools.wasm_opt.as_deref().unwrap_or("none")
    );
    match &tools.emcc {
        Some((emcc, version)) => println!("samples: emcc   = {emcc} ({version})"),
        None => eprintln!(
            "samples: warning: no emcc (apt-get install emscripten, or set EMCC): the emcc_* \
             files are not rebuilt, the committed ones are kept"
        ),
    }

    let tmp = sh.create_temp_dir()?;
    let fresh = build_all(&sh, &tools, &samples, &tmp.path().join("a"))?;
    if twice {
        let again = build_all(&sh, &tools, &samples, &tmp.path().join("b"))?;
        let mut same = true;
        for (name, bytes) in &fresh {
            if again.get(name) != Some(bytes) {
                eprintln!("samples: {name} differs between two builds (not deterministic)");
                same = false;
            }
        }
        if !same {
            return Ok(false);
        }
        println!("samples: two builds are byte-identical");
    }

    // Compare with the committed files.
    let recorded = read_toolchain_record(&committed_dir.join("TOOLCHAIN"));
    let clang_matches = recorded.get("clang").map(String::as_str)
        == Some(tools.clang_version.as_str())
        && recorded.get("wasm-opt").map(String::as_str) == tools.wasm_opt.as_deref();
    let rust_version = tools.rust.version(&sh)?;
    let rust_matches = recorded.get("rustc").map(String::as_str) == Some(rust_version.as_str());
    let emcc_version = tools.emcc.as_ref().map(|(_, v)| v.as_str());
    let emcc_matches =
        emcc_version.is_some() && recorded.get("emcc").map(String::as_str) == emcc_version;
    let mut stale = Vec::new();
    let mut foreign = Vec::new();
    for r in RECIPES {
        let path = committed_dir.join(r.out);
        let old = std::fs::read(&path).ok();
        let Some(new) = fresh.get(r.out) else {
            // Not built (no emcc): the committed file stands, if there is one.
            if old.is_none() {
                stale.push(r.out);
            }
            continue;
        };
        if old.as_deref() == Some(new.as_slice()) {
            continue;
        }
        let same_compiler = match r.kind {
            Kind::Rust => rust_matches,
            Kind::Emcc { .. } => emcc_matches,
            // The `wat` crate's version is the lock file's.
            Kind::Wat { .. } => true,
            _ => clang_matches,
        };
        if old.is_none() || same_compiler {
            stale.push(r.out);
        } else {
            foreign.push(r.out);
        }
    }
    // Files nobody builds any more.
    let known: Vec<&str> = RECIPES.iter().map(|r| r.out).collect();
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&committed_dir)
        .with_context(|| format!("reading {}", committed_dir.display()))?
    {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".wasm") && !known.contains(&name.as_str()) {
            orphans.push(name);
        }
    }

    if bless {
        for r in RECIPES {
            if let Some(bytes) = fresh.get(r.out) {
                std::fs::write(committed_dir.join(r.out), bytes)?;
            }
        }
        for o in &orphans {
            std::fs::remove_file(committed_dir.join(o))?;
        }
        // Without emcc the emcc_* files were kept, and so is the record of their compiler.
        let emcc_record = emcc_version.or(recorded.get("emcc").map(String::as_str));
        let mut record = format!(
            "# Compilers that built the committed .wasm files (written by `cargo xtask samples --bless`).\nclang: {}\nrustc: {}\n",
            tools.clang_version, rust_version
        );
        if let Some(v) = &tools.wasm_opt {
            record.push_str(&format!("wasm-opt: {v}\n"));
        }
        if let Some(v) = emcc_record {
            record.push_str(&format!("emcc: {v}\n"));
        }
        std::fs::write(committed_dir.join("TOOLCHAIN"), record)?;
        println!(
            "samples: blessed {} files ({} changed, {} removed)",
            RECIPES.len(),
            stale.len() + foreign.len(),
            orphans.len()
        );
        return Ok(true);
    }

    for f in &foreign {
        eprintln!(
            "samples: warning: {f} differs, but the committed file was built by another compiler version \
             (see wasm_samples/wasm/TOOLCHAIN); not judged stale"
        );
    }
    for o in &orphans {
        eprintln!(
            "samples: {o} is committed but no recipe builds it (remove it, or run with --bless)"
        );
    }
    for s in &stale {
        eprintln!("samples: {s} is stale (rebuild with `cargo xtask samples --bless`)");
    }
    if stale.is_empty() && orphans.is_empty() {
        println!("samples: {} files up to date", fresh.len() - foreign.len());
        Ok(true)
    } else {
        Ok(false)
    }
}

fn read_toolchain_record(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Builds every recipe into `out_dir` and returns the bytes by output name.
fn build_all(
    sh: &Shell,
    tools: &Tools,
    samples: &Path,
    out_dir: &Path,
) -> Result<BTreeMap<&'static str, Vec<u8>>> {
    sh.create_dir(out_dir)?;
    let c_dir = samples.join("c");
    let clang = &tools.clang;
    let mut out = BTreeMap::new();
    let mut rust_outputs = Vec::new();
    for r in RECIPES {
        let dest = out_dir.join(r.out);
        match r.kind {
            Kind::C { src, flags } => {
                let src = c_dir.join(src);
                cmd!(sh, "{clang} {C_FLAGS...} {flags...} {src} -o {dest}")
                    .quiet()
                    .run()?;
            }
            Kind::Wasi { src } => {
                let src = c_dir.join(src);
                let sysroot = format!("--sysroot={}", tools.wasi_sysroot.display());
                cmd!(sh, "{clang} {WASI_FLAGS...} {sysroot} {src} -o {dest}")
                    .quiet()
                    .run()?;
            }
            Kind::Emcc { src, flags } => {
                let Some((emcc, _)) = &tools.emcc else {
                    continue;
                };
                let src = c_dir.join(src);
                cmd!(sh, "{emcc} {EMCC_FLAGS...} {flags...} {src} -o {dest}")
                    .quiet()
                    .run()?;
            }
            Kind::Rust => {
                rust_outputs.push(r.out);
                continue;
            }
            Kind::Wat { src } => {
                let src = samples.join("wat").join(src);
                let bytes =
                    wat::parse_file(&src).with_context(|| format!("parsing {}", src.display()))?;
                std::fs::write(&dest, bytes)?;
            }
        }
        out.insert(r.out, std::fs::read(&dest)?);
    }
    if !rust_outputs.is_empty() {
        let built = tools.rust.build(sh, &samples.join("rust"))?;
        for name in rust_outputs {
            let file = built.join(name);
            let bytes = std::fs::read(&file)
                .with_context(|| format!("cargo did not produce {}", file.display()))?;
            std::fs::write(out_dir.join(name), &bytes)?;
            out.insert(name, bytes);
        }
    }
    Ok(out)
}

struct Tools {
    clang: String,
    clang_version: String,
    /// Emscripten's `emcc` and its version line, if installed.
    emcc: Option<(String, String)>,
    /// The version of the `wasm-opt` clang runs after linking, if one is in `PATH`.
    wasm_opt: Option<String>,
    wasi_sysroot: PathBuf,
    rust: RustToolchain,
}

impl Tools {
    fn find(sh: &Shell) -> Result<Tools> {
        let candidates: Vec<String> = match std::env::var("CLANG") {
            Ok(c) => vec![c],
            Err(_) => vec!["clang-14".into(), "clang".into()],
        };
        let mut found = None;
        for c in &candidates {
            if let Ok(v) = cmd!(sh, "{c} --version").quiet().ignore_stderr().read() {
                found = Some((
                    c.clone(),
                    v.lines().next().unwrap_or_default().trim().to_string(),
                ));
                break;
            }
        }
        let Some((clang, clang_version)) = found else {
            bail!(
                "no clang found (tried {}); on Debian: apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32",
                candidates.join(", ")
            );
        };
        let wasi_sysroot = match std::env::var_os("WASI_SYSROOT") {
            Some(p) => PathBuf::from(p),
            None => PathBuf::from("/usr"),
        };
        if !wasi_sysroot.join("lib/wasm32-wasi/libc.a").exists()
            && !wasi_sysroot.join("lib/libc.a").exists()
        {
            bail!(
                "no wasi-libc under {} (set WASI_SYSROOT; on Debian: apt-get install wasi-libc libclang-rt-14-dev-wasm32)",
                wasi_sysroot.display()
            );
        }
        let emcc = std::env::var("EMCC").unwrap_or_else(|_| "emcc".into());
        let emcc = cmd!(sh, "{emcc} --version")
            .quiet()
            .ignore_stderr()
            .read()
            .ok()
            .map(|v| {
                (
                    emcc,
                    v.lines().next().unwrap_or_default().trim().to_string(),
                )
            });
        let wasm_opt = cmd!(sh, "wasm-opt --version")
            .quiet()
            .ignore_stderr()
            .read()
            .ok()
            .map(|v| v.lines().next().unwrap_or_default().trim().to_string());
        Ok(Tools {
            clang,
            clang_version,
            emcc,
            wasm_opt,
            wasi_sysroot,
            rust: RustToolchain::find(sh)?,
        })
    }
}

/// How the Rust fixtures get built for `wasm32-unknown-unknown`.
enum RustToolchain {
    /// The rustup toolchain has the target installed.
    Rustup,
    /// Debian's `rustc-web`: full std sources, so `-Zbuild-std=core` works.
    DebianWeb { linker: String },
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";

impl RustToolchain {
    fn find(sh: &Shell) -> Result<RustToolchain> {
        let installed = cmd!(sh, "rustup target list --installed")
            .quiet()
            .ignore_stderr()
            .read()
            .unwrap_or_default();
        if installed.lines().any(|l| l.trim() == WASM_TARGET) {
            return Ok(RustToolchain::Rustup);
        }
        if Path::new("/usr/bin/rustc").exists()
            && Path::new("/usr/lib/rustlib/src/rust/library/core").exists()
        {
            let linker = ["wasm-ld-14", "wasm-ld"]
                .into_iter()
                .find(|l| {
                    cmd!(sh, "{l} --version")
                        .quiet()
                        .ignore_stderr()
                        .read()
                        .is_ok()
                })
                .context("no wasm-ld found (apt-get install lld)")?;
            return Ok(RustToolchain::DebianWeb {
                linker: linker.to_string(),
            });
        }
        bail!(
            "no Rust toolchain for {WASM_TARGET}: `rustup target add {WASM_TARGET}`, or on Debian \
             `apt-get install rustc-web cargo-web rust-web-src lld`"
        )
    }

    fn describe(&self) -> String {
        match self {
            RustToolchain::Rustup => format!("rustup's {WASM_TARGET} target"),
            RustToolchain::DebianWeb { linker } => {
                format!("/usr/bin/rustc (Debian rustc-web) with -Zbuild-std=core, linker {linker}")
            }
        }
    }

    fn version(&self, sh: &Shell) -> Result<String> {
        let v = match self {
            RustToolchain::Rustup => cmd!(sh, "rustc -V").quiet().read()?,
            RustToolchain::DebianWeb { .. } => cmd!(sh, "/usr/bin/rustc -V").quiet().read()?,
        };
        Ok(v.trim().to_string())
    }

    /// Builds the workspace in `dir`; returns the directory holding the `.wasm` files.
    fn build(&self, sh: &Shell, dir: &Path) -> Result<PathBuf> {
        let manifest = dir.join("Cargo.toml");
        // A target directory of its own: these builds use other flags and another rustc.
        let target_dir = crate::target_dir().join("wasm_samples-rust");
        let mut build = match self {
            RustToolchain::Rustup => {
                let cargo = crate::cargo();
                cmd!(
                    sh,
                    "{cargo} build --quiet --release --manifest-path {manifest} --target {WASM_TARGET} --target-dir {target_dir}"
                )
                .env_remove("RUSTC")
            }
            RustToolchain::DebianWeb { linker } => cmd!(
                sh,
                "/usr/bin/cargo build --quiet --release --manifest-path {manifest} -Zbuild-std=core --target {WASM_TARGET} --target-dir {target_dir}"
            )
            .env("RUSTC", "/usr/bin/rustc")
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", linker),
        };
        // Flags meant for the host workspace must not leak into the wasm build.
        for var in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_BUILD_TARGET",
            "RUSTC_WRAPPER",
        ] {
            build = build.env_remove(var);
        }
        build.run()?;
        Ok(target_dir.join(WASM_TARGET).join("release"))
    }
}
