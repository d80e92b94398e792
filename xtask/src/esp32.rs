//! `cargo xtask esp32 qemu | build --board esp32c3`: the SD-trap firmware in `esp32/`.
//!
//! - `qemu [--no-corrupt] [--no-resume] [--timeout SECS]`: builds the firmware for rv32imc (board `qemu`),
//!   checks the ELF for A-extension instructions (`lr`/`sc`/`amo*`, which an ESP32-C3 lacks),
//!   builds a FAT SD-card image with the apps from `wasm_samples/`, boots
//!   `qemu-system-riscv32 -M virt` on it, and checks the UART output and the exit status. Then,
//!   unless `--no-corrupt`, it flips one byte of the microcode blob the first boot spilled
//!   and boots again in reuse mode: the firmware must report the rejection and fall back to
//!   re-translation, with the same results. Then, unless `--no-resume`, the kill-and-resume
//!   boots: the firmware runs a long call in fuel slices, checkpointing the suspended call to
//!   the card after each; QEMU is killed at a random point (printed, with the seed that
//!   repeats it: `FAYASM_KILL_SEED`), booted again, and must resume the call from the card
//!   and print the result the uninterrupted call of the first boot gave.
//! - `build --board esp32c3|qemu`: builds the firmware image for a board.
//!
//! Toolchain: the firmware needs `-Zbuild-std=core,alloc` for the custom target
//! `esp32/targets/riscv32imc-unknown-none-elf.json` (rv32imc with compare-and-swap lowered
//! to libcalls, see ARCHITECTURE.md), so a plain `rustup target add riscv32imc-unknown-none-elf`
//! is not enough. The xtask uses a rustup nightly that has the `rust-src` component when there
//! is one, else Debian's `rustc-web` + `rust-web-src` (`RUSTC_BOOTSTRAP=1`), as
//! `../shared/TOOLCHAIN.md` describes, linked by the LLD of rustup's default toolchain (it
//! performs RISC-V linker relaxation; Debian's `ld.lld`, LLD 14, does not and is the
//! fallback). `ci_step` installs the Debian packages when missing.
//!
//! Build settings are passed through: `FAYASM_HEAP_KIB` (default 256), `FAYASM_APP`,
//! `FAYASM_PAGED_APP`, `FAYASM_TRAP_FUNC`, `FAYASM_PAGE_BUDGET_KIB` (see `esp32/build.rs`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

const USAGE: &str = "usage: cargo xtask esp32 qemu [--no-corrupt] [--no-resume] [--timeout N]
       cargo xtask esp32 build --board esp32c3|qemu";

pub(crate) const TARGET_JSON: &str = "targets/riscv32imc-unknown-none-elf.json";
pub(crate) const TARGET_NAME: &str = "riscv32imc-unknown-none-elf";
const APT_PACKAGES: &[&str] = &[
    "rustc-web",
    "cargo-web",
    "rust-web-src",
    "lld",
    "qemu-system-misc",
];

/// The apps on the card: (default file name on the card, sample in `wasm_samples/wasm`,
/// contents of its `.RUN` file, which sits next to it with the same stem).
const APPS: &[(&str, &str, &str)] = &[
    (
        "APP.WASM",
        "sdtrap.wasm",
        "checksum i32:4096 => i32:-1647628373\n\
         checksum i32:100 => i32:623805384\n\
         fib i32:20 => i32:6765\n",
    ),
    ("PAGED.WASM", "paged.wasm", "run i32:1 => i32:-1538744891\n"),
    // Linked into the firmware and run under a 64 KiB RAM profile (item 5 of issue 19); the
    // card holds it too, for `FAYASM_LINK_APPS=0`.
    (
        "CMARK.WASM",
        "bench_coremark_64k.wasm",
        "run i32:3 => i32:-806354941\n\
         run i32:60 => i32:2015100988\n",
    ),
    // A WASI command (item 3 of issue 19): its `.RUN` file's first line is its command line;
    // it reads `WASI_INPUT` from the card and writes `WASI_RESULT` there.
    (
        "CARD.WASM",
        "wasi_card.wasm",
        "wasi_card INPUT.TXT RESULT.TXT\n",
    ),
];

/// The WASI command's input file on the card, and what its result file must hold after the
/// boot (`wasm_samples/c/wasi_card.c`: per line its words and the sum of its integers, then
/// the totals; the same program on the host with `fayasm run --dir` writes the same).
const WASI_INPUT: (&str, &str) = (
    "INPUT.TXT",
    "fayasm reads this file from the SD card\n\
     12 plus 30 makes 42\n\
     \n\
     through WASI on a 32-bit chip, -7 and 1000\n",
);
const WASI_RESULT: (&str, &str) = (
    "RESULT.TXT",
    "1: 8 words, sum 0\n\
     2: 5 words, sum 84\n\
     3: 0 words, sum 0\n\
     4: 9 words, sum 1025\n\
     total: 4 lines, 22 words, 104 bytes, sum 1109\n",
);

/// The CoreMark-class app's card name and the heap it must stay under.
const CMARK: &str = "CMARK.WASM";
const CMARK_HEAP: usize = 64 * 1024;
/// The CoreMark-class app's linear memory, in bytes: one 64 KiB wasm page, paged.
const CMARK_MEMORY: u64 = 64 * 1024;

/// The call the resume boots make (the last line of `CMARK.RUN`), as the firmware prints it.
const RESUME_CALL: &str = "run(i32:60)";
/// The slice after whose checkpoint boot 3 is killed is chosen from this range (the call has
/// 25 slices of the firmware's 1,000,000 fuel).
const KILL_SLICES: (u64, u64) = (2, 15);
/// And the time after that checkpoint's line, in ms, from `0..KILL_DELAY_MS`: a slice and its
/// checkpoint take 20-40 ms under QEMU, about half of it writing to the card, so the kill
/// lands a few slices later, in a slice or in the middle of a checkpoint's writes.
const KILL_DELAY_MS: u64 = 150;

/// QEMU's RAM: the firmware image (about 1 MiB with its static heap) plus room for the
/// device tree QEMU places at the top.
const QEMU_RAM: &str = "16M";

pub fn run(args: &[String]) -> Result<bool> {
    match args.first().map(String::as_str) {
        Some("qemu") => {
            let mut corrupt = true;
            let mut resume = true;
            let mut timeout = 300u64;
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--no-corrupt" => corrupt = false,
                    "--no-resume" => resume = false,
                    "--timeout" => {
                        timeout = it
                            .next()
                            .and_then(|s| s.parse().ok())
                            .context("--timeout needs a number of seconds")?
                    }
                    _ => bail!("{USAGE}"),
                }
            }
            qemu(corrupt, resume, Duration::from_secs(timeout))
        }
        Some("build") => {
            let board = match args.get(1..) {
                Some([flag, board]) if flag == "--board" => board.as_str(),
                _ => bail!("{USAGE}"),
            };
            if board != "qemu" && board != "esp32c3" {
                bail!("unknown board {board:?}\n{USAGE}");
            }
            let elf = build(board)?;
            report_size(&elf);
            Ok(true)
        }
        _ => bail!("{USAGE}"),
    }
}

/// What `cargo xtask ci` runs for esp32: install what is missing, boot the firmware under
/// QEMU (with the corrupted-blob boot), and build the ESP32-C3 image.
pub fn ci_step() -> Result<bool> {
    install_missing()?;
    println!("== esp32: firmware under QEMU ==");
    if !qemu(true, true, Duration::from_secs(300))? {
        return Ok(false);
    }
    println!("== esp32: ESP32-C3 image ==");
    let elf = build("esp32c3")?;
    report_size(&elf);
    Ok(true)
}

pub(crate) fn esp32_dir() -> PathBuf {
    crate::root().join("esp32")
}

fn out_dir() -> PathBuf {
    crate::target_dir().join("esp32")
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub(crate) fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Installs the Debian packages the firmware needs when they are missing (and no rustup
/// toolchain can do the build instead).
pub(crate) fn install_missing() -> Result<()> {
    let need_rust = rustup_toolchain().is_none() && !debian_rust_present();
    let need_qemu = !have("qemu-system-riscv32");
    let need_lld = !have("ld.lld");
    if !need_rust && !need_qemu && !need_lld {
        return Ok(());
    }
    let sh = Shell::new()?;
    // `sudo` only when not root (CI machines run as root and may not have sudo).
    let (program, prefix): (&str, &[&str]) = if is_root() {
        ("env", &[])
    } else {
        ("sudo", &["env"])
    };
    println!("esp32: installing {}", APT_PACKAGES.join(" "));
    cmd!(sh, "{program} {prefix...} apt-get update").run()?;
    cmd!(
        sh,
        "{program} {prefix...} DEBIAN_FRONTEND=noninteractive apt-get install -y {APT_PACKAGES...}"
    )
    .run()?;
    Ok(())
}

pub(crate) fn debian_rust_present() -> bool {
    Path::new("/usr/bin/rustc").exists()
        && Path::new("/usr/bin/cargo").exists()
        && Path::new("/usr/lib/rustlib/src/rust/library/alloc").exists()
}

/// A rustup nightly with `rust-src` (for `-Zbuild-std`), if there is one.
pub(crate) fn rustup_toolchain() -> Option<String> {
    let out = Command::new("rustc")
        .args(["+nightly", "--print", "sysroot"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    sysroot
        .join("lib/rustlib/src/rust/library/alloc")
        .exists()
        .then(|| "nightly".to_string())
}

/// Builds the firmware for `board`; returns the ELF's path.
fn build(board: &str) -> Result<PathBuf> {
    let sh = Shell::new()?;
    sh.change_dir(esp32_dir());
    let target_dir = out_dir();
    let target = esp32_dir().join(TARGET_JSON);
    let features = board.to_string();
    let _dir = sh.push_env("CARGO_TARGET_DIR", &target_dir);
    // The firmware's own settings are read by its build script from the environment, which
    // the child inherits; nothing else of the workspace's environment should leak in. Panic
    // locations are left out (`-Zlocation-detail=none`: 26 KB of file names, lines and
    // columns in flash; a panic still prints its message). Both toolchains take `-Z` flags
    // (a nightly, or Debian's rustc with `RUSTC_BOOTSTRAP=1`).
    // A derived `Debug` prints only the type's or variant's name (`-Zfmt-debug=shallow`:
    // 22 KB; the firmware's own error types that nest another write `Debug` out). core and
    // alloc are built with `optimize_for_size` (smaller formatting and sorting: 14 KB, no
    // change in guest instructions under `qemu -icount`).
    // lld folds functions whose code is identical (`--icf=all`: 12 KB, mostly handlers that
    // compile to the same instructions; no code of the firmware or the engine compares
    // function addresses, which clippy's `fn_address_comparisons` lints would flag, and the
    // interpreter's table is indexed by opcode, never searched by address).
    // `--ignore-data-address-equality` lets that folding take read-only data too (9 KB: the
    // threaded handler table, a 4 KiB constant each of the firmware crate's codegen units
    // holds a copy of, and strings and tables repeated across crates); nothing compares the
    // addresses of constant data either (the engine's pointer comparisons are of heap blocks).
    // `--cfg fayasm_optimize_size` compiles the cold code the firmware crate instantiates
    // (the engine's instantiate, checkpoint and restore, linker; the firmware's boot code) for
    // size (`#[optimize(size)]`, LLVM's `minsize`), while the interpreter's handlers, also
    // instantiated there, stay at the crate's `opt-level = "s"` (ROADMAP.md, "Firmware text,
    // session 18").
    // (`CARGO_ENCODED_RUSTFLAGS` is the variable cargo reads first; `\x1f` separates flags.)
    let _flags = sh.push_env("RUSTFLAGS", "");
    let _encoded = sh.push_env(
        "CARGO_ENCODED_RUSTFLAGS",
        "-Zlocation-detail=none\x1f-Zfmt-debug=shallow\x1f-Clink-arg=--icf=all\x1f\
         -Clink-arg=--ignore-data-address-equality\x1f--cfg\x1ffayasm_optimize_size",
    );
    // Every crate but the firmware's own runs LLVM's machine outliner on all its functions
    // (repeated instruction sequences become calls to one shared copy; by default LLVM does
    // it only at `opt-level = "z"`, which `fayasm` already has): wasmparser's validator and
    // decoders shrink by 22 KB, module loads take about 1% more guest instructions. The
    // firmware crate is left out because the interpreter's handlers, generic over the store's
    // data type, are compiled in it: outlining them too would save 43 KB more but costs 7%
    // of CoreMark's guest instructions (ROADMAP.md, "Firmware text, session 17"). Per-package
    // rustflags are a cargo nightly feature (`-Zprofile-rustflags`), given here rather than
    // in `esp32/Cargo.toml` so that CI's stable `cargo clippy` still reads that manifest.
    let build_args = [
        "build",
        "--release",
        "-Zbuild-std=core,alloc",
        "-Zbuild-std-features=optimize_for_size",
        "-Zprofile-rustflags",
        "--config",
        r#"profile.release.package."*".rustflags=["-Cllvm-args=-enable-machine-outliner=always"]"#,
        "-Zjson-target-spec",
        "--features",
        &features,
        "--target",
    ];
    if let Some(toolchain) = rustup_toolchain() {
        let tc = format!("+{toolchain}");
        println!("esp32: building for {board} with rustup {toolchain} (rust-src)");
        cmd!(sh, "cargo {tc} {build_args...} {target}").run()?;
    } else if debian_rust_present() {
        println!("esp32: building for {board} with Debian rustc-web (/usr/bin/rustc)");
        let _rustc = sh.push_env("RUSTC", "/usr/bin/rustc");
        let _boot = sh.push_env("RUSTC_BOOTSTRAP", "1");
        let linker = relaxing_lld().unwrap_or_else(|| PathBuf::from("ld.lld"));
        println!("esp32: linking with {}", linker.display());
        let _linker = sh.push_env("CARGO_TARGET_RISCV32IMC_UNKNOWN_NONE_ELF_LINKER", &linker);
        cmd!(sh, "/usr/bin/cargo {build_args...} {target}").run()?;
    } else {
        bail!(
            "no toolchain for the firmware: install a rustup nightly with rust-src, or \
             `apt-get install {}` (cargo xtask ci does this)",
            APT_PACKAGES.join(" ")
        );
    }
    let elf = target_dir
        .join(TARGET_NAME)
        .join("release")
        .join("fayasm-esp32");
    if !elf.exists() {
        bail!("the build did not produce {}", elf.display());
    }
    let dest = target_dir.join(format!("fayasm-esp32-{board}.elf"));
    // Renamed into place: `dest` may be a hard link shared with another target dir.
    crate::replace_with_copy(&elf, &dest)?;
    check_no_atomics(&dest)?;
    Ok(dest)
}

/// A linker that performs RISC-V linker relaxation (LLD 15 and later), for the Debian
/// toolchain: the LLD of rustup's default toolchain (`gcc-ld/ld.lld`, the wrapper that runs
/// its `rust-lld` as a GNU-style linker). The target enables `relax`, so every call and tail
/// call is emitted as a relaxable `auipc` + `jalr` pair, which such a linker turns into one
/// `jal`/`j` (or a compressed `c.jal`/`c.j`): 66 KB less firmware text and fewer instructions
/// per call (ROADMAP.md, "Firmware text"). Debian bookworm's `ld.lld` is LLD 14, which links
/// the same objects unrelaxed; it is the fallback when rustup has no LLD.
fn relaxing_lld() -> Option<PathBuf> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    let version = Command::new("rustc")
        .arg("-vV")
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    let host = version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))?
        .trim();
    let lld = sysroot
        .join("lib/rustlib")
        .join(host)
        .join("bin/gcc-ld/ld.lld");
    lld.exists().then_some(lld)
}

fn objdump() -> Option<&'static str> {
    [
        "llvm-objdump",
        "llvm-objdump-14",
        "riscv64-unknown-elf-objdump",
        "rust-objdump",
    ]
    .into_iter()
    .find(|t| have(t))
}

/// Fails if the ELF holds an A-extension instruction (the ESP32-C3 has no A extension).
fn check_no_atomics(elf: &Path) -> Result<()> {
    let Some(tool) = objdump() else {
        println!("esp32: no objdump found; skipping the A-extension check");
        return Ok(());
    };
    let out = Command::new(tool)
        .args(["-d", "--mattr=+m,+a,+c"])
        .arg(elf)
        .output()
        .with_context(|| format!("running {tool}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .any(|w| w.starts_with("lr.w") || w.starts_with("sc.w") || w.starts_with("amo"))
        })
        .take(5)
        .collect();
    if !bad.is_empty() {
        bail!(
            "{} holds A-extension instructions:\n{}",
            elf.display(),
            bad.join("\n")
        );
    }
    let sync_calls = text.lines().filter(|l| l.contains("<__sync_")).count();
    println!(
        "esp32: {}: no lr/sc/amo instructions ({sync_calls} references to __sync_* libcalls)",
        elf.file_name().and_then(|n| n.to_str()).unwrap_or("elf")
    );
    Ok(())
}

/// Prints the ELF's section sizes; returns its text size, if a `size` tool was found.
fn report_size(elf: &Path) -> Option<u64> {
    for tool in ["llvm-size", "size", "llvm-size-14"] {
        if let Ok(out) = Command::new(tool).arg(elf).output() {
            if out.status.success() {
                let text = String::from_utf8_lossy(&out.stdout);
                print!("{text}");
                return text
                    .lines()
                    .nth(1)
                    .and_then(|l| l.split_whitespace().next()?.parse().ok());
            }
        }
    }
    None
}

/// The lines of boot 1's output that make the firmware table, per app: its memory, the
/// pages read and written with the card's blocks, wear, and latency.
fn app_figures(out: &str) -> Vec<String> {
    let mut app = "";
    let mut lines = Vec::new();
    for l in out.lines() {
        if let Some(rest) = l.strip_prefix("== app ") {
            app = rest.split(' ').next().unwrap_or("");
        } else if l.starts_with("memory 0:")
            || l.starts_with("pages:")
            || l.starts_with("page wear:")
            || l.starts_with("offload latency:")
            || l.starts_with("page latency:")
        {
            lines.push(format!("{app}: {l}"));
        }
    }
    lines
}

// ---- the SD-card image ----------------------------------------------------------------------

const IMAGE_BYTES: u64 = 32 << 20;
const PART_START_LBA: u64 = 2048;

/// A window of a file: the FAT partition inside the disk image.
struct Partition {
    file: File,
    start: u64,
    len: u64,
    pos: u64,
}

impl Read for Partition {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        self.file.seek(SeekFrom::Start(self.start + self.pos))?;
        let n = self.file.read(&mut buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Write for Partition {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        if n == 0 && !buf.is_empty() {
            return Err(io::Error::new(io::ErrorKind::WriteZero, "end of partition"));
        }
        self.file.seek(SeekFrom::Start(self.start + self.pos))?;
        let n = self.file.write(&buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for Partition {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match pos {
            Some(p) if p <= self.len => {
                self.pos = p;
                Ok(p)
            }
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek outside the partition",
            )),
        }
    }
}

fn open_partition(image: &Path) -> Result<Partition> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(image)
        .with_context(|| format!("opening {}", image.display()))?;
    Ok(Partition {
        file,
        start: PART_START_LBA * 512,
        len: IMAGE_BYTES - PART_START_LBA * 512,
        pos: 0,
    })
}

/// Builds a 32 MiB image: an MBR with one FAT16 (LBA) partition holding the apps and their
/// `.RUN` files.
fn build_image(image: &Path) -> Result<()> {
    let samples = crate::root().join("wasm_samples/wasm");
    {
        // A new inode, not a truncated one: the image may be a hard link shared with another
        // target dir.
        let file = crate::create_fresh(image)?;
        file.set_len(IMAGE_BYTES)?;
    }
    let mut mbr = [0u8; 512];
    let sectors = (IMAGE_BYTES / 512 - PART_START_LBA) as u32;
    let entry = &mut mbr[446..462];
    entry[0] = 0x00; // not bootable
    entry[1..4].copy_from_slice(&[0xfe, 0xff, 0xff]); // CHS: use LBA
    entry[4] = 0x0e; // FAT16, LBA
    entry[5..8].copy_from_slice(&[0xfe, 0xff, 0xff]);
    entry[8..12].copy_from_slice(&(PART_START_LBA as u32).to_le_bytes());
    entry[12..16].copy_from_slice(&sectors.to_le_bytes());
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    {
        let mut file = OpenOptions::new().write(true).open(image)?;
        file.write_all(&mbr)?;
    }
    let mut part = open_partition(image)?;
    fatfs::format_volume(
        &mut part,
        fatfs::FormatVolumeOptions::new()
            .fat_type(fatfs::FatType::Fat16)
            .total_sectors(sectors)
            .bytes_per_sector(512)
            .volume_label(*b"FAYASM SD  "),
    )
    .context("formatting the FAT volume")?;
    part.seek(SeekFrom::Start(0))?;
    let fs = fatfs::FileSystem::new(part, fatfs::FsOptions::new()).context("mounting the image")?;
    {
        let root = fs.root_dir();
        for (i, (default_name, sample, run_text)) in APPS.iter().enumerate() {
            let bytes = fs::read(samples.join(sample))
                .with_context(|| format!("reading wasm_samples/wasm/{sample}"))?;
            let name = card_name(i, default_name);
            if name.is_empty() {
                continue;
            }
            let stem = name.split('.').next().unwrap_or(&name);
            root.create_file(&name)?.write_all(&bytes)?;
            if PROVISIONED.contains(&name.as_str()) {
                provision_page_file(&root, &bytes)
                    .with_context(|| format!("provisioning the page file of {name}"))?;
            }
            root.create_file(&format!("{stem}.RUN"))?
                .write_all(run_text.as_bytes())?;
        }
        root.create_file(WASI_INPUT.0)?
            .write_all(WASI_INPUT.1.as_bytes())?;
    }
    fs.unmount()?;
    Ok(())
}

/// The paged apps whose page file the image holds from the start, at its full length.
const PROVISIONED: &[&str] = &["PAGED.WASM", CMARK];

/// Bytes of one slot of a page file: the blob envelope's header and a 4 KiB page.
const PAGE_SLOT: u64 = 36 + 4096;

/// Creates the page file (the engine's region of memory 0's pages) of the module `wasm` as the
/// firmware names it, zero-filled to one slot per 4 KiB page of its initial memory: a
/// preallocated page file, so the app's page write-backs land in place (no cluster allocation
/// or directory update on the card per write; the firmware's storage cannot reserve one
/// without writing it). The name: the module directory (its FNV-1a 64 fingerprint folded to
/// 32 bits, as `esp32/src/storage.rs` names it) and page 0's item index of memory 0 with the
/// region extension, `00000000.PRG`.
fn provision_page_file<IO: fatfs::ReadWriteSeek>(
    root: &fatfs::Dir<'_, IO>,
    wasm: &[u8],
) -> Result<()> {
    let fp = wasm.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let fold = (fp ^ (fp >> 32)) as u32;
    let bytes = initial_memory(wasm).context("no memory in the module")?;
    let len = bytes.div_ceil(4096) * PAGE_SLOT;
    let dir = root.create_dir(&format!("{fold:08X}"))?;
    let mut file = dir.create_file("00000000.PRG")?;
    let zeros = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    Ok(())
}

/// The initial size in bytes of the first memory a wasm module defines (64 KiB pages).
fn initial_memory(wasm: &[u8]) -> Option<u64> {
    fn leb(b: &[u8], at: &mut usize) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *b.get(*at)?;
            *at += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)? as usize;
        let body = at;
        if id == 5 {
            let mut p = body;
            if leb(wasm, &mut p)? == 0 {
                return None;
            }
            let _flags = leb(wasm, &mut p)?;
            return Some(leb(wasm, &mut p)? * 65536);
        }
        at = body.checked_add(size)?;
    }
    None
}

/// The text of file `name` in the root directory of the image's FAT volume (`None` when there
/// is no such file).
fn read_root_file(image: &Path, name: &str) -> Result<Option<String>> {
    let part = open_partition(image)?;
    let fs = fatfs::FileSystem::new(part, fatfs::FsOptions::new()).context("mounting the image")?;
    let text = match fs.root_dir().open_file(name) {
        Ok(mut f) => {
            let mut s = String::new();
            f.read_to_string(&mut s)
                .with_context(|| format!("reading {name} from the image"))?;
            Some(s)
        }
        Err(_) => None,
    };
    Ok(text)
}

/// The file name app `i` has on the card: the firmware's build setting (`FAYASM_APP`,
/// `FAYASM_PAGED_APP`) when set, else the default.
fn card_name(i: usize, default: &str) -> String {
    let var = match i {
        0 => "FAYASM_APP",
        1 => "FAYASM_PAGED_APP",
        _ => return default.to_string(),
    };
    std::env::var(var)
        .unwrap_or_else(|_| default.to_string())
        .to_ascii_uppercase()
}

/// The module fingerprint the engine stamps into blobs (FNV-1a over the module bytes,
/// `fayasm::offload::fingerprint`) folded to the firmware's directory name.
fn module_dir(bytes: &[u8]) -> String {
    let fp = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{:08X}", (fp ^ (fp >> 32)) as u32)
}

/// Flips one byte in the middle of the payload of the newest copy of the trapped function's
/// code blob, and puts the `REUSE` marker on the card. Returns a description.
fn corrupt_code_blob(image: &Path, trap_func: u32) -> Result<String> {
    let app = fs::read(crate::root().join("wasm_samples/wasm").join(APPS[0].1))?;
    let dir_name = module_dir(&app);
    let part = open_partition(image)?;
    let fs = fatfs::FileSystem::new(part, fatfs::FsOptions::new())?;
    let dir = fs
        .root_dir()
        .open_dir(&dir_name)
        .with_context(|| format!("the first boot left no directory {dir_name} on the card"))?;
    // Pick the copy (A or B) with the highest sequence number in its trailer.
    let mut best: Option<(String, u32, u64)> = None;
    for copy in ["A", "B"] {
        let name = format!("{trap_func:08X}.C_{copy}");
        let Ok(mut f) = dir.open_file(&name) else {
            continue;
        };
        let mut data = Vec::new();
        f.read_to_end(&mut data)?;
        if data.len() < 16 || &data[data.len() - 16..data.len() - 12] != b"FYAB" {
            continue;
        }
        let t = &data[data.len() - 16..];
        let seq = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        let len = u64::from(u32::from_le_bytes([t[8], t[9], t[10], t[11]]));
        if best.as_ref().is_none_or(|b| seq > b.1) {
            best = Some((name, seq, len));
        }
    }
    let Some((name, _, len)) = best else {
        bail!("the first boot left no code blob for function {trap_func} in {dir_name}");
    };
    let offset = len / 2;
    let mut f = dir.open_file(&name)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut b = [0u8; 1];
    f.read_exact(&mut b)?;
    f.seek(SeekFrom::Start(offset))?;
    f.write_all(&[b[0] ^ 0x01])?;
    f.flush()?;
    drop(f);
    fs.root_dir().create_file("REUSE")?.write_all(b"reuse\n")?;
    drop(dir);
    fs.unmount()?;
    Ok(format!(
        "{dir_name}/{name}: flipped bit 0 of byte {offset} of {len} (payload {:#04x} -> {:#04x})",
        b[0],
        b[0] ^ 1
    ))
}

// ---- QEMU -----------------------------------------------------------------------------------

fn qemu_binary() -> Result<&'static str> {
    if have("qemu-system-riscv32") {
        Ok("qemu-system-riscv32")
    } else {
        bail!("qemu-system-riscv32 not found: apt-get install qemu-system-misc")
    }
}

/// Boots the firmware on `image`; returns (exit success, UART output).
fn boot(elf: &Path, image: &Path, timeout: Duration) -> Result<(bool, String)> {
    boot_until(elf, image, timeout, None).map(|(ok, out, _)| (ok, out))
}

/// When to kill QEMU: `delay` after the UART output first holds `line`.
struct Kill {
    line: String,
    delay: Duration,
}

/// Boots the firmware on `image`, and kills QEMU as `kill` says if it comes to that; returns
/// (exit success, UART output, whether it was killed).
fn boot_until(
    elf: &Path,
    image: &Path,
    timeout: Duration,
    kill: Option<&Kill>,
) -> Result<(bool, String, bool)> {
    let log = out_dir().join("uart.log");
    let log_file = crate::create_fresh(&log)?;
    let drive = format!("file={},format=raw,if=none,id=sd", image.display());
    let started = Instant::now();
    let mut child = Command::new(qemu_binary()?)
        .args([
            "-M",
            "virt",
            "-bios",
            "none",
            "-m",
            QEMU_RAM,
            "-nographic",
            "-no-reboot",
        ])
        .args(["-serial", "stdio", "-monitor", "none"])
        .arg("-kernel")
        .arg(elf)
        .args(["-drive", &drive, "-device", "virtio-blk-device,drive=sd"])
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting qemu-system-riscv32")?;
    let mut kill_at: Option<Instant> = None;
    let mut killed = false;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if let (Some(k), None) = (kill, kill_at) {
            let seen = fs::read_to_string(&log).unwrap_or_default();
            if seen.contains(&k.line) {
                kill_at = Some(Instant::now() + k.delay);
            }
        }
        if kill_at.is_some_and(|t| Instant::now() >= t) {
            let _ = child.kill();
            let _ = child.wait();
            killed = true;
            break None;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(if kill.is_some() { 2 } else { 100 }));
    };
    let output = fs::read_to_string(&log)
        .unwrap_or_default()
        .replace('\r', "");
    print!("{output}");
    if !output.ends_with('\n') {
        println!();
    }
    match status {
        None if killed => {
            println!(
                "esp32: QEMU killed after {:.2} s",
                started.elapsed().as_secs_f64()
            );
            Ok((false, output, true))
        }
        None => {
            println!("esp32: QEMU timed out after {} s", timeout.as_secs());
            Ok((false, output, false))
        }
        Some(s) => {
            println!(
                "esp32: QEMU exited with {s} after {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok((s.success(), output, false))
        }
    }
}

fn expect(output: &str, needle: &str, failures: &mut Vec<String>) {
    if !output.contains(needle) {
        failures.push(format!("the UART output lacks {needle:?}"));
    }
}

/// The kill-and-resume boots (issue 17): with `RESUME` on the card, the firmware runs the
/// CoreMark-class app's long call in fuel slices and checkpoints the suspended call to the
/// card after each. Boot 3 is killed a random time after a random slice's checkpoint line;
/// boot 4 must restore the call from the card, finish it, and print the result the
/// uninterrupted call of boot 1 (`boot1`, its output) gave. Returns summary lines.
fn kill_and_resume(
    elf: &Path,
    image: &Path,
    timeout: Duration,
    boot1: &str,
    failures: &mut Vec<String>,
) -> Result<Vec<String>> {
    // The uninterrupted run of the same call in boot 1: `call run(i32:60) = i32:N (expected)`.
    let Some(reference) = boot1
        .lines()
        .find_map(|l| l.strip_prefix(&format!("call {RESUME_CALL} = ")))
        .and_then(|rest| rest.split(' ').next())
        .map(str::to_string)
    else {
        failures.push(format!("boot 1 printed no result of {RESUME_CALL}"));
        return Ok(Vec::new());
    };
    set_markers(image, &["RESUME"], &["REUSE"])?;
    let seed = std::env::var("FAYASM_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let mut rng = seed | 1;
    let mut next = move |n: u64| {
        // xorshift64*
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    };
    let slice = KILL_SLICES.0 + next(KILL_SLICES.1 - KILL_SLICES.0 + 1);
    let delay = Duration::from_millis(next(KILL_DELAY_MS));
    let kill = Kill {
        line: format!("slice {slice}: checkpoint"),
        delay,
    };
    println!(
        "== esp32: boot 3 (resumable call; QEMU killed {} ms after the checkpoint of slice \
         {slice}, chosen at random: FAYASM_KILL_SEED={seed} repeats it) ==",
        delay.as_millis()
    );
    let (_, out3, killed) = boot_until(elf, image, timeout, Some(&kill))?;
    if !killed {
        failures.push(format!(
            "boot 3 was not killed (the call has fewer than {slice} slices?)"
        ));
        return Ok(Vec::new());
    }
    let last_checkpoint = out3
        .lines()
        .rev()
        .find(|l| l.starts_with("slice "))
        .unwrap_or("none")
        .to_string();
    println!("== esp32: boot 4 (resume from the card) ==");
    let (ok4, out4, _) = boot_until(elf, image, timeout, None)?;
    if !ok4 {
        failures.push("boot 4 (resume) did not exit with success".into());
    }
    expect(
        &out4,
        "resumed from the card: checkpoint generation",
        failures,
    );
    expect(&out4, "firmware result: PASS", failures);
    let resumed_line = out4
        .lines()
        .find(|l| l.starts_with(&format!("resumable call {RESUME_CALL} = ")));
    let result = resumed_line
        .and_then(|l| l.strip_prefix(&format!("resumable call {RESUME_CALL} = ")))
        .and_then(|rest| rest.split(' ').next());
    if result != Some(reference.as_str()) {
        failures.push(format!(
            "the resumed call gave {result:?}, the uninterrupted one {reference}"
        ));
    }
    let from = out4
        .lines()
        .find(|l| l.starts_with("resumed from the card"))
        .unwrap_or("not resumed");
    let peak = out4
        .lines()
        .find(|l| l.starts_with("peak heap"))
        .unwrap_or("no peak-heap line");
    let sizes = out4
        .lines()
        .find(|l| l.starts_with("checkpoints this boot"))
        .unwrap_or("no checkpoint sizes");
    Ok(vec![
        format!("kill-and-resume: {peak}"),
        format!("kill-and-resume: boot 4 {sizes}"),
        format!("kill-and-resume: seed {seed}, killed {} ms after slice {slice}'s checkpoint; last line before the kill: {last_checkpoint}", delay.as_millis()),
        format!("kill-and-resume: boot 4 {from}"),
        format!(
            "kill-and-resume: {}; uninterrupted (boot 1): {reference}",
            resumed_line.unwrap_or("no result")
        ),
    ])
}

/// Creates the files `create` (marker files, contents irrelevant) in the card's root
/// directory and removes `remove` where present.
fn set_markers(image: &Path, create: &[&str], remove: &[&str]) -> Result<()> {
    let part = open_partition(image)?;
    let fs = fatfs::FileSystem::new(part, fatfs::FsOptions::new())?;
    {
        let root = fs.root_dir();
        for name in create {
            root.create_file(name)?.write_all(b"marker\n")?;
        }
        for name in remove {
            match root.remove(name) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("removing {name}")),
            }
        }
    }
    fs.unmount()?;
    Ok(())
}

fn qemu(corrupt: bool, resume: bool, timeout: Duration) -> Result<bool> {
    let elf = build("qemu")?;
    let text = report_size(&elf);
    let image = out_dir().join("sd.img");
    build_image(&image)?;
    println!(
        "esp32: SD image {} ({} MiB, FAT16)",
        image.display(),
        IMAGE_BYTES >> 20
    );
    let trap_func: u32 = std::env::var("FAYASM_TRAP_FUNC")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);

    println!("== esp32: boot 1 (spill, trap, reload; paged app) ==");
    let (ok, out) = boot(&elf, &image, timeout)?;
    let mut failures = Vec::new();
    if !ok {
        failures.push("boot 1 did not exit with success".into());
    }
    expect(&out, "firmware result: PASS", &mut failures);
    expect(
        &out,
        "microcode reloaded from the card and verified",
        &mut failures,
    );
    expect(&out, "spilled to the card", &mut failures);
    if out.contains("(WRONG)") {
        failures.push("a call returned a wrong result".into());
    }
    let peaks: Vec<&str> = out.lines().filter(|l| l.starts_with("peak heap")).collect();
    if peaks.len() < 3 {
        failures.push("expected a peak-heap line per app".into());
    }
    let cmark_peak = peaks
        .iter()
        .find_map(|l| l.strip_prefix(&format!("peak heap ({CMARK}): ")))
        .and_then(|rest| rest.split(' ').next()?.parse::<usize>().ok());
    match cmark_peak {
        Some(n) if n < CMARK_HEAP => {}
        Some(n) => failures.push(format!(
            "{CMARK} peaked at {n} bytes of heap, not under {CMARK_HEAP}"
        )),
        None => failures.push(format!("no peak-heap line for {CMARK}")),
    }
    let timings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("call run(i32:60)"))
        .collect();
    // The WASI command printed its summary and left its result file on the card.
    expect(&out, "wasi_card: INPUT.TXT -> RESULT.TXT", &mut failures);
    let wasi_summary: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("wasi_card: ") || l.starts_with("CARD.WASM: exit code"))
        .collect();
    match read_root_file(&image, WASI_RESULT.0)? {
        Some(text) if text == WASI_RESULT.1 => {}
        Some(text) => failures.push(format!(
            "{} on the card holds {text:?}, not {:?}",
            WASI_RESULT.0, WASI_RESULT.1
        )),
        None => failures.push(format!("no {} on the card after boot 1", WASI_RESULT.0)),
    }
    // CoreMark-class iterations per second under QEMU (issue 19, item 5): `run(60)` is 60.
    let cmark_ms = timings
        .iter()
        .find(|l| l.contains("(expected)"))
        .and_then(|l| {
            l.rsplit_once('[')?
                .1
                .strip_suffix(" ms]")?
                .parse::<u64>()
                .ok()
        });
    let figures = app_figures(&out);
    // Its linear memory is 64 KiB, paged (item 5 of issue 19).
    let cmark_memory = figures.iter().find_map(|l| {
        let rest = l.strip_prefix(&format!("{CMARK}: memory 0: "))?;
        let bytes = rest.split(' ').next()?.parse::<u64>().ok()?;
        let resident = rest
            .split(", ")
            .nth(2)?
            .split(' ')
            .next()?
            .parse::<u64>()
            .ok()?;
        Some((bytes, resident))
    });
    match cmark_memory {
        Some((CMARK_MEMORY, _)) => {}
        Some((bytes, _)) => failures.push(format!(
            "{CMARK} has a {bytes}-byte linear memory, not {CMARK_MEMORY}"
        )),
        None => failures.push(format!("no paged memory line for {CMARK}")),
    }
    let cmark_line = match (cmark_peak, cmark_ms, cmark_memory) {
        (Some(peak), Some(ms), Some((bytes, resident))) => Some(format!(
            "{CMARK}: {} KiB linear memory paged with {resident} resident 4 KiB pages, peak heap {peak} B (limit {CMARK_HEAP}), run(i32:60) in {ms} ms = {} iterations/s under QEMU, firmware text {} B",
            bytes / 1024,
            60_000 / ms.max(1),
            text.map_or("?".to_string(), |t| t.to_string())
        )),
        _ => {
            failures.push(format!("no checked run(i32:60) timing for {CMARK}"));
            None
        }
    };

    if corrupt && failures.is_empty() {
        let what = corrupt_code_blob(&image, trap_func)?;
        println!("== esp32: boot 2 (corrupted blob: {what}) ==");
        let (ok2, out2) = boot(&elf, &image, timeout)?;
        if !ok2 {
            failures.push("boot 2 (corrupted blob) did not exit with success".into());
        }
        expect(&out2, "blob rejected", &mut failures);
        expect(&out2, "falling back to re-translation", &mut failures);
        expect(&out2, "firmware result: PASS", &mut failures);
    }

    let mut resumed = Vec::new();
    if resume && failures.is_empty() {
        resumed = kill_and_resume(&elf, &image, timeout, &out, &mut failures)?;
    }

    println!("== esp32: summary ==");
    for p in &peaks {
        println!("{p}");
    }
    for t in &timings {
        println!("{CMARK}: {t}");
    }
    if let Some(l) = &cmark_line {
        println!("{l}");
    }
    for f in &figures {
        println!("{f}");
    }
    for r in &resumed {
        println!("{r}");
    }
    for w in &wasi_summary {
        println!("{w}");
    }
    if failures.is_empty() {
        println!("esp32: QEMU run passed");
        Ok(true)
    } else {
        for f in &failures {
            println!("esp32: FAILED: {f}");
        }
        Ok(false)
    }
}
