//! `wasi_calls`: every `wasi_snapshot_preview1` function called with arbitrary arguments, over a
//! guest memory with arbitrary contents, against a fresh temporary directory.
//!
//! The granted directory holds a file, a subdirectory, a link inside, a loop of links and a
//! link to a directory outside; a second descriptor grants the subdirectory alone. Properties:
//! no call panics or aborts (the run is under libFuzzer's memory limit, so a host allocation
//! the guest sized is found), and nothing outside the granted directory changes.
//!
//! `poll_oneoff` is the one function whose arguments are tamed: before each call its clock
//! subscriptions get a timeout under 10 microseconds, so a fuzz input cannot sleep for ever.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use arbitrary::{Result, Unstructured};
use fayasm::wasi::{self, WasiCtx};
use fayasm::{Engine, Instance, Linker, Module, Store, Val};

/// Every function: name and parameters (`i` = i32, `I` = i64); all but `proc_exit` return an
/// errno.
pub const FUNCS: &[(&str, &str)] = &[
    ("args_get", "ii"),
    ("args_sizes_get", "ii"),
    ("environ_get", "ii"),
    ("environ_sizes_get", "ii"),
    ("clock_res_get", "ii"),
    ("clock_time_get", "iIi"),
    ("random_get", "ii"),
    ("sched_yield", ""),
    ("poll_oneoff", "iiii"),
    ("proc_raise", "i"),
    ("proc_exit", "i"),
    ("fd_advise", "iIIi"),
    ("fd_allocate", "iII"),
    ("fd_close", "i"),
    ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"),
    ("fd_fdstat_set_flags", "ii"),
    ("fd_fdstat_set_rights", "iII"),
    ("fd_filestat_get", "ii"),
    ("fd_filestat_set_size", "iI"),
    ("fd_filestat_set_times", "iIIi"),
    ("fd_pread", "iiiIi"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiiIi"),
    ("fd_read", "iiii"),
    ("fd_readdir", "iiiIi"),
    ("fd_renumber", "ii"),
    ("fd_seek", "iIii"),
    ("fd_sync", "i"),
    ("fd_tell", "ii"),
    ("fd_write", "iiii"),
    ("path_create_directory", "iii"),
    ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiiIIi"),
    ("path_link", "iiiiiii"),
    ("path_open", "iiiiiIIii"),
    ("path_readlink", "iiiiii"),
    ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("path_unlink_file", "iii"),
    ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"),
    ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
];

/// Guest memory: one page, so arbitrary small pointers often land inside.
const MEMORY: usize = 65_536;
/// Calls per input.
const MAX_CALLS: usize = 48;
/// Names worth placing in memory: what the directory holds, and ways out of it.
const NAMES: &[&str] = &[
    "f",
    "d",
    "d/g",
    "link",
    "loop1",
    "out",
    "out/secret",
    "..",
    "../outside/secret",
    "d/../f",
    "/etc/passwd",
    "new",
    "d/new",
    "",
    ".",
    "f/",
    "link/x",
];

/// The guest: imports every function and exports a wrapper `w<index>` for each (a WASI call
/// needs a calling instance with a memory), plus the memory.
pub fn guest_wat() -> String {
    let ty = |c: char| if c == 'I' { "i64" } else { "i32" };
    let mut wat = String::from("(module\n");
    for (i, (name, sig)) in FUNCS.iter().enumerate() {
        let params: Vec<&str> = sig.chars().map(ty).collect();
        let result = if *name == "proc_exit" {
            ""
        } else {
            "(result i32)"
        };
        wat += &format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func $f{i} (param {}) {result}))\n",
            params.join(" ")
        );
    }
    wat += "  (memory (export \"memory\") 1 1)\n";
    for (i, (name, sig)) in FUNCS.iter().enumerate() {
        let params: Vec<&str> = sig.chars().map(ty).collect();
        let gets: String = (0..params.len())
            .map(|p| format!("(local.get {p}) "))
            .collect();
        let result = if *name == "proc_exit" {
            ""
        } else {
            "(result i32)"
        };
        wat += &format!(
            "  (func (export \"w{i}\") (param {}) {result} (call $f{i} {gets}))\n",
            params.join(" ")
        );
    }
    wat + ")\n"
}

thread_local! {
    static GUEST: (Engine, Module) = {
        let engine = Engine::default();
        let wasm = wat::parse_str(guest_wat()).expect("the wrapper module assembles");
        let module = Module::new(&engine, &wasm).expect("the wrapper module is valid");
        (engine, module)
    };
}

/// A value for one argument: mostly small numbers, descriptors and pointers into memory, now
/// and then anything.
fn arg32(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(match u.int_in_range(0u8..=7)? {
        0..=1 => u.int_in_range(0u32..=8)?,
        2..=4 => u.int_in_range(0u32..=MEMORY as u32)?,
        5 => u.int_in_range(0u32..=64)?,
        6 => u32::MAX - u.int_in_range(0u32..=64)?,
        _ => u.arbitrary()?,
    })
}

fn arg64(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=3)? {
        0..=1 => u.int_in_range(0u64..=4096)?,
        2 => u64::from(arg32(u)?),
        _ => u.arbitrary()?,
    })
}

/// The directory layout every input starts from, under a fresh `base`: `root` (granted) and
/// `outside` (not).
fn layout(base: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
    let (root, outside) = (base.join("root"), base.join("outside"));
    std::fs::create_dir_all(root.join("d"))?;
    std::fs::create_dir_all(&outside)?;
    std::fs::write(root.join("f"), b"file contents")?;
    std::fs::write(root.join("d/g"), b"in d")?;
    std::fs::write(outside.join("secret"), b"secret")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("f", root.join("link"))?;
        symlink("loop2", root.join("loop1"))?;
        symlink("loop1", root.join("loop2"))?;
        symlink("../outside", root.join("out"))?;
        symlink(&outside, root.join("abs"))?;
    }
    Ok((root, outside))
}

/// What the outside directory holds (names and contents), to compare before and after.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read(e.path()).unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Run one input.
pub fn check(data: &[u8]) -> Result<()> {
    static RUN: AtomicU64 = AtomicU64::new(0);
    // tmpfs where there is one: `fd_sync` is free there, and nothing reaches the disk.
    let shm = Path::new("/dev/shm");
    let tmp = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let base = tmp.join(format!(
        "fayasm-fuzz-wasi-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&base);
    let (root, outside) = layout(&base).expect("the temporary directory is writable");
    let before = snapshot(&outside);
    let result = run(&mut Unstructured::new(data), &root);
    let after = snapshot(&outside);
    let _ = std::fs::remove_dir_all(&base);
    assert_eq!(
        before, after,
        "a WASI call changed a file outside the granted directory"
    );
    result
}

fn run(u: &mut Unstructured<'_>, root: &Path) -> Result<()> {
    let arg_len = u.int_in_range(0usize..=16)?;
    let arg = String::from_utf8_lossy(u.bytes(arg_len)?).into_owned();
    let stdin_len = u.int_in_range(0usize..=64)?;
    let stdin = u.bytes(stdin_len)?.to_vec();
    let ctx = WasiCtx::new()
        .arg("fuzz")
        .arg(arg)
        .env("KEY", "value")
        .stdin_bytes(stdin)
        .capture_stdout()
        .capture_stderr()
        .preopen_dir(root, ".")
        .expect("the root exists")
        .preopen_dir(root.join("d"), "d")
        .expect("d exists");
    GUEST.with(|(engine, module)| {
        let mut store = Store::new(engine, ctx);
        let mut linker = Linker::new(engine);
        wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
        let inst = linker
            .instantiate(&mut store, module)
            .expect("the wrapper instantiates");
        calls(u, &mut store, &inst)
    })
}

fn calls(u: &mut Unstructured<'_>, store: &mut Store<WasiCtx>, inst: &Instance) -> Result<()> {
    let memory = inst.get_memory(&*store, "memory").expect("memory export");
    // Memory: arbitrary bytes at the start, then names at arbitrary places.
    let prefix_len = u.int_in_range(0usize..=1024)?;
    let prefix = u.bytes(prefix_len)?;
    memory.data_mut(&mut *store)[..prefix.len()].copy_from_slice(prefix);
    for _ in 0..u.int_in_range(0u8..=8)? {
        let name = u.choose(NAMES)?.as_bytes();
        let at = u.int_in_range(0usize..=MEMORY - name.len())?;
        memory.data_mut(&mut *store)[at..at + name.len()].copy_from_slice(name);
    }
    for _ in 0..MAX_CALLS {
        if u.is_empty() {
            break;
        }
        let index = u.choose_index(FUNCS.len())?;
        let (name, sig) = FUNCS[index];
        let mut params = Vec::with_capacity(sig.len());
        for c in sig.chars() {
            params.push(if c == 'I' {
                Val::I64(arg64(u)? as i64)
            } else {
                Val::I32(arg32(u)? as i32)
            });
        }
        if name == "poll_oneoff" {
            tame_poll(memory.data_mut(&mut *store), &params);
        }
        let func = inst
            .get_func(&*store, &format!("w{index}"))
            .expect("wrapper export");
        let mut results = vec![Val::I32(0); usize::from(name != "proc_exit")];
        match func.call(&mut *store, &params, &mut results) {
            Ok(()) => {}
            // proc_exit ends the guest.
            Err(_) if store.data().exit_code().is_some() => break,
            Err(e) => panic!("{name}{params:?} failed: {e}"),
        }
    }
    Ok(())
}

/// Give every clock subscription of a `poll_oneoff(subs, events, n, ...)` that lies in memory
/// a relative timeout under 10 microseconds.
fn tame_poll(mem: &mut [u8], params: &[Val]) {
    let (Some(Val::I32(subs)), Some(Val::I32(n))) = (params.first(), params.get(2)) else {
        return;
    };
    let (subs, n) = (*subs as u32 as usize, *n as u32 as usize);
    for i in 0..n {
        let s = subs + i * 48;
        if s + 48 > mem.len() {
            break;
        }
        if mem[s + 8] == 0 {
            let timeout = u64::from_le_bytes(mem[s + 24..s + 32].try_into().unwrap());
            mem[s + 24..s + 32].copy_from_slice(&(timeout % 10_000).to_le_bytes());
            mem[s + 40] = 0;
            mem[s + 41] = 0;
        }
    }
}
