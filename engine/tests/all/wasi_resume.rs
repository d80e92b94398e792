//! A WASI guest's state across a suspended-call checkpoint (`WasiCtx::resumable`,
//! `docs/suspended-call.md`, "Host state: WASI"): descriptors the guest opened, standard
//! streams or preopens it closed, and standard input fed from bytes and partly read are
//! refused with a typed error; once the guest has closed what it opened, the context is
//! resumable again. The monotonic clock starts where the host says.

use fayasm::wasi::{self, NotResumable, WasiCtx};
use fayasm::{Engine, Instance, Linker, Module, Store, Val};

use crate::support::temp_dir;

const WAT: &str = include_str!("../fixtures/wasi_resume.wat");

fn setup(ctx: WasiCtx) -> (Store<WasiCtx>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine, ctx);
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &mut store, |ctx| ctx).unwrap();
    let inst = linker.instantiate(&mut store, &module).unwrap();
    (store, inst)
}

fn call(store: &mut Store<WasiCtx>, inst: Instance, name: &str, args: &[Val]) -> Val {
    let f = inst.get_func(&*store, name).unwrap();
    let mut out = [Val::I32(0)];
    let n = f.ty(&*store).results().len();
    f.call(&mut *store, args, &mut out[..n]).unwrap();
    out[0]
}

#[test]
fn descriptors_the_guest_opened_or_moved_are_refused() {
    let dir = temp_dir("wasi-resume-fds");
    let ctx = WasiCtx::new().arg("prog").preopen_dir(&dir, ".").unwrap();
    let (mut store, inst) = setup(ctx);
    assert_eq!(store.data().resumable(), Ok(()));
    let fd = call(&mut store, inst, "open", &[]);
    assert_eq!(fd, Val::I32(4));
    let e = store.data().resumable().unwrap_err();
    assert_eq!(e, NotResumable::Opened { fd: 4 });
    assert!(e.to_string().contains("descriptor 4"), "{e}");
    // Closed again: as a fresh context.
    assert_eq!(call(&mut store, inst, "close", &[fd]), Val::I32(0));
    assert_eq!(store.data().resumable(), Ok(()));
    // A preopen closed: a fresh context would have it.
    assert_eq!(call(&mut store, inst, "close", &[Val::I32(3)]), Val::I32(0));
    assert_eq!(store.data().resumable(), Err(NotResumable::Moved { fd: 3 }));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_closed_standard_stream_and_read_stdin_bytes_are_refused() {
    let (mut store, inst) = setup(WasiCtx::new().stdin_bytes(b"ab".to_vec()));
    assert_eq!(store.data().resumable(), Ok(()));
    assert_eq!(call(&mut store, inst, "read1", &[]), Val::I32(1));
    assert_eq!(
        store.data().resumable(),
        Err(NotResumable::StdinRead { pos: 1 })
    );
    let (mut store, inst) = setup(WasiCtx::new());
    assert_eq!(call(&mut store, inst, "close", &[Val::I32(1)]), Val::I32(0));
    assert_eq!(store.data().resumable(), Err(NotResumable::Moved { fd: 1 }));
}

#[test]
fn the_monotonic_clock_starts_where_the_host_says() {
    let (mut store, inst) = setup(WasiCtx::new());
    let Val::I64(fresh) = call(&mut store, inst, "clock_ms", &[]) else {
        panic!()
    };
    let (mut store, inst) = setup(WasiCtx::new().monotonic_start(3_600_000_000_000));
    let Val::I64(resumed) = call(&mut store, inst, "clock_ms", &[]) else {
        panic!()
    };
    assert!(fresh < 60_000, "{fresh} ms");
    assert!(resumed >= 3_600_000, "{resumed} ms");
}
