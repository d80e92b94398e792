//! `differential`: generated modules on fayasm and on wasmtime (the oracle); every exported
//! function is called [`PASSES`] times with the same arguments on both (the first pass with
//! arguments drawn from the input, the others with argument vectors derived from it: edge
//! values, small numbers and addresses, random bits), and results, traps, exported globals
//! and memory bytes must agree after every pass. Each call starts with the generator's fuel
//! global refilled (exported as [`FUEL_EXPORT`] for this), so every call may run up to
//! [`smith::FUEL`] loop iterations and function entries, however many calls came before it.
//! Stack exhaustion and wasmtime's own fuel are resource limits where the engines may
//! legitimately part ways: the comparison stops there.
//!
//! References cross the boundary only where both engines can say the same thing about them:
//! a reference argument is null, or for the `any` hierarchy (`any`, `eq`, `i31`) possibly an
//! `i31` (the one GC value the host can make without a module's types); an export with a
//! non-nullable parameter of another reference type (`(ref $t)`, `(ref struct)`,
//! `(ref exn)`, ...) is not called, since no such value can be built on both sides. Results
//! and globals compare by null-ness, and an `i31` by its value; structs, arrays, functions
//! and exception objects have no identity shared between the engines.

use arbitrary::{Result, Unstructured};
use fayasm::{Extern, TrapCode, Val, ValType};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use wasm_encoder::reencode::{utils, Error as ReencodeError, Reencode};

use crate::smith;

/// Calls of every exported function per module: one with arguments drawn from the input (what
/// a committed input always meant), then `PASSES - 1` with arguments [`Derived`] from it.
pub const PASSES: u32 = 4;

/// The export name given to the generator's fuel global ([`export_fuel`]), which is refilled
/// to [`smith::FUEL`] before every call on both engines.
pub const FUEL_EXPORT: &str = "fayasm-fuzz-fuel";

/// wasmtime's own fuel before each call, a backstop: the fuel global ends every call first (at
/// most `smith::FUEL` loop iterations and entries of bodies of at most 120 instructions).
const CALL_FUEL: u64 = 1_000_000;

/// A comparable value: floats with NaNs canonicalised, references reduced to null-ness
/// (`i31`s to their value).
#[derive(Debug, PartialEq, Eq)]
pub enum Out {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    /// A reference other than an `i31`: whether it is null.
    Ref(bool),
    /// An `i31` (its 31 bits, zero-extended).
    I31(u32),
}

fn canon32(b: u32) -> u32 {
    if b & 0x7fff_ffff > 0x7f80_0000 {
        0x7fc0_0000
    } else {
        b
    }
}

fn canon64(b: u64) -> u64 {
    if b & 0x7fff_ffff_ffff_ffff > 0x7ff0_0000_0000_0000 {
        0x7ff8_0000_0000_0000
    } else {
        b
    }
}

fn from_fayasm(v: &Val) -> Out {
    match *v {
        Val::I32(x) => Out::I32(x),
        Val::I64(x) => Out::I64(x),
        Val::F32(b) => Out::F32(canon32(b)),
        Val::F64(b) => Out::F64(canon64(b)),
        Val::V128(x) => Out::V128(x),
        Val::FuncRef(f) => Out::Ref(f.is_none()),
        Val::ExternRef(r) => Out::Ref(r.is_none()),
        Val::ExnRef(r) => Out::Ref(r.is_none()),
        Val::AnyRef(Some(r)) => match r.as_i31() {
            Some(v) => Out::I31(v),
            None => Out::Ref(false),
        },
        Val::AnyRef(None) => Out::Ref(true),
    }
}

fn from_wasmtime(store: &wasmtime::Store<()>, v: &wasmtime::Val) -> Out {
    use wasmtime::Val as W;
    match v {
        W::I32(x) => Out::I32(*x),
        W::I64(x) => Out::I64(*x),
        W::F32(b) => Out::F32(canon32(*b)),
        W::F64(b) => Out::F64(canon64(*b)),
        W::V128(x) => Out::V128(x.as_u128()),
        W::FuncRef(f) => Out::Ref(f.is_none()),
        W::ExternRef(r) => Out::Ref(r.is_none()),
        W::AnyRef(Some(r)) => match r.as_i31(store) {
            Ok(Some(v)) => Out::I31(v.get_u32()),
            _ => Out::Ref(false),
        },
        W::AnyRef(None) => Out::Ref(true),
        W::ExnRef(r) => Out::Ref(r.is_none()),
        W::ContRef(r) => Out::Ref(r.is_none()),
    }
}

/// `v` for wasmtime: numbers as they are, an `i31` as wasmtime's, any other reference as the
/// null of its hierarchy (the only references [`argument`] makes).
fn to_wasmtime(store: &mut wasmtime::Store<()>, v: &Val) -> wasmtime::Val {
    use wasmtime::Val as W;
    match *v {
        Val::I32(x) => W::I32(x),
        Val::I64(x) => W::I64(x),
        Val::F32(b) => W::F32(b),
        Val::F64(b) => W::F64(b),
        Val::V128(x) => W::V128(x.into()),
        Val::FuncRef(_) => W::FuncRef(None),
        Val::ExternRef(_) => W::ExternRef(None),
        Val::ExnRef(_) => W::ExnRef(None),
        Val::AnyRef(Some(r)) => match r.as_i31() {
            Some(i) => W::AnyRef(Some(wasmtime::AnyRef::from_i31(
                store,
                wasmtime::I31::wrapping_u32(i),
            ))),
            None => W::AnyRef(None),
        },
        Val::AnyRef(None) => W::AnyRef(None),
    }
}

/// An argument of type `ty`, or `None` when none can be made on both engines (a
/// non-nullable reference outside the `any` hierarchy's `i31`s). Numbers, `funcref` and
/// `externref` are drawn as [`crate::arbitrary_val`] draws them (so `differential`'s
/// committed inputs keep their meaning); a reference to `any`, `eq` or `i31` is an `i31`
/// (or null, when nullable and `u` says so).
fn argument(u: &mut Unstructured<'_>, ty: ValType) -> Result<Option<Val>> {
    let Some(r) = ty.as_ref_type() else {
        return crate::arbitrary_val(u, ty).map(Some);
    };
    if ty == ValType::FuncRef || ty == ValType::ExternRef {
        return crate::arbitrary_val(u, ty).map(Some);
    }
    use fayasm::HeapType as H;
    let i31_fits = matches!(r.heap_type(), H::Any | H::Eq | H::I31);
    Ok(match (r.is_nullable(), i31_fits) {
        (true, true) if u.arbitrary::<bool>()? => Some(Val::default_for(ty)),
        (_, true) => Some(Val::AnyRef(Some(fayasm::AnyRef::from_i31(
            u.arbitrary::<u32>()? & 0x7fff_ffff,
        )))),
        (true, false) => Some(Val::default_for(ty)),
        (false, false) => None,
    })
}

/// Argument vectors past the first pass: a splitmix64 stream seeded from the input and the
/// pass, mapped to values where engines tend to differ: edge values (zero, one, minus one,
/// the extremes, shift widths, the limits of float-to-integer conversion, infinities, NaN),
/// small numbers and addresses inside the generator's memories (at most 4 pages), random bits.
pub struct Derived(u64);

/// Integer edges (an `i32` takes the low 32 bits).
const INT_EDGES: [i64; 16] = [
    0,
    1,
    -1,
    2,
    31,
    32,
    63,
    64,
    0xff,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    i64::MAX,
    i64::MIN,
];

/// Float edges (an `f32` takes the nearest `f32`).
const FLOAT_EDGES: [f64; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -1.5,
    2.5,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    f64::MIN_POSITIVE,
    f64::MAX,
    2_147_483_648.0,
    -2_147_483_649.0,
    4_294_967_296.0,
    9_223_372_036_854_775_808.0,
];

impl Derived {
    /// The stream for pass `pass` of input `data`.
    pub fn new(data: &[u8], pass: u32) -> Derived {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in data {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        Derived(h ^ u64::from(pass).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn int(&mut self) -> i64 {
        let r = self.next();
        let pick = (r >> 8) as usize;
        match r % 4 {
            0 => INT_EDGES[pick % INT_EDGES.len()],
            1 => (pick % 0x4_0000) as i64,
            2 => (pick % 129) as i64 - 64,
            _ => self.next() as i64,
        }
    }

    fn float(&mut self) -> f64 {
        let r = self.next();
        match r % 3 {
            0 => FLOAT_EDGES[(r >> 8) as usize % FLOAT_EDGES.len()],
            1 => ((r >> 8) % 129) as f64 - 64.0,
            _ => f64::from_bits(self.next()),
        }
    }

    /// An argument of type `ty`, or `None` as [`argument`] says.
    pub fn val(&mut self, ty: ValType) -> Result<Option<Val>> {
        Ok(Some(match ty {
            ValType::I32 => Val::I32(self.int() as i32),
            ValType::I64 => Val::I64(self.int()),
            ValType::F32 => Val::F32(if self.next().is_multiple_of(3) {
                self.next() as u32
            } else {
                (self.float() as f32).to_bits()
            }),
            ValType::F64 => Val::F64(self.float().to_bits()),
            ValType::V128 => {
                let lanes = if self.next().is_multiple_of(2) {
                    [self.int() as u64, self.int() as u64]
                } else {
                    [self.float().to_bits(), self.float().to_bits()]
                };
                Val::V128(u128::from(lanes[0]) | u128::from(lanes[1]) << 64)
            }
            _ => return argument(&mut Unstructured::new(&self.next().to_le_bytes()), ty),
        }))
    }
}

/// `wasm` with the generator's fuel global (the last global: `ensure_termination` appends it,
/// and generated modules import nothing) exported as [`FUEL_EXPORT`]. A module without an
/// export section exports no function either, and is returned as it is.
pub fn export_fuel(wasm: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let mut re = ExportFuel { globals: 0 };
    let mut out = wasm_encoder::Module::new();
    re.parse_core_module(&mut out, wasmparser::Parser::new(0), wasm)
        .map_err(|e| format!("{e:?}"))?;
    Ok(out.finish())
}

struct ExportFuel {
    globals: u32,
}

impl Reencode for ExportFuel {
    type Error = std::convert::Infallible;

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> std::result::Result<(), ReencodeError<Self::Error>> {
        self.globals = section.count();
        utils::parse_global_section(self, globals, section)
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> std::result::Result<(), ReencodeError<Self::Error>> {
        utils::parse_export_section(self, exports, section)?;
        if let Some(fuel) = self.globals.checked_sub(1) {
            exports.export(FUEL_EXPORT, wasm_encoder::ExportKind::Global, fuel);
        }
        Ok(())
    }
}

/// How a call ended, in terms both engines share.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Returned(Vec<Out>),
    Trapped(Option<TrapCode>),
    /// A resource limit: stack exhaustion, wasmtime's fuel, a GC heap's limit. Not compared.
    Limit,
}

fn trap_of_wasmtime(e: &wasmtime::Error) -> Outcome {
    use wasmtime::Trap as T;
    if e.is::<wasmtime::ThrownException>() {
        return Outcome::Trapped(Some(TrapCode::Exception));
    }
    let Some(t) = e.downcast_ref::<T>() else {
        return Outcome::Trapped(None);
    };
    Outcome::Trapped(Some(match t {
        T::StackOverflow | T::OutOfFuel | T::Interrupt | T::AllocationTooLarge => {
            return Outcome::Limit
        }
        T::UnreachableCodeReached => TrapCode::Unreachable,
        T::MemoryOutOfBounds => TrapCode::MemoryOutOfBounds,
        T::TableOutOfBounds => TrapCode::TableOutOfBounds,
        T::IndirectCallToNull => TrapCode::IndirectCallToNull,
        T::BadSignature => TrapCode::BadSignature,
        T::IntegerOverflow => TrapCode::IntegerOverflow,
        T::IntegerDivisionByZero => TrapCode::IntegerDivisionByZero,
        T::BadConversionToInteger => TrapCode::BadConversionToInteger,
        T::NullReference => TrapCode::NullReference,
        T::CastFailure => TrapCode::CastFailure,
        T::ArrayOutOfBounds => TrapCode::ArrayOutOfBounds,
        T::HeapMisaligned => TrapCode::UnalignedAtomic,
        T::AtomicWaitNonSharedMemory => TrapCode::AtomicWaitNonSharedMemory,
        _ => return Outcome::Trapped(None),
    }))
}

fn trap_of_fayasm(e: &fayasm::Error) -> Outcome {
    match e {
        fayasm::Error::Trap(t) => match t.code() {
            // The GC heap's limit is a resource limit too: fayasm takes 8 bytes a field or
            // element, wasmtime fewer, and their limits differ.
            TrapCode::StackOverflow | TrapCode::OutOfFuel | TrapCode::GcHeapOutOfMemory => {
                Outcome::Limit
            }
            c => Outcome::Trapped(Some(c)),
        },
        _ => Outcome::Trapped(None),
    }
}

/// Whether two outcomes agree (an unmapped trap agrees with any trap).
fn agree(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Trapped(None), Outcome::Trapped(_))
        | (Outcome::Trapped(_), Outcome::Trapped(None)) => true,
        _ => a == b,
    }
}

fn oracle() -> &'static wasmtime::Engine {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut c = wasmtime::Config::new();
        c.cranelift_opt_level(wasmtime::OptLevel::None)
            .cranelift_nan_canonicalization(true)
            .consume_fuel(true)
            .wasm_reference_types(true)
            .wasm_bulk_memory(true)
            .wasm_multi_value(true)
            .wasm_simd(true)
            .wasm_relaxed_simd(false)
            .wasm_tail_call(true)
            .wasm_multi_memory(true)
            .wasm_memory64(true)
            .wasm_extended_const(true)
            // The proposals are on in both engines; only `differential_proposals` generates
            // modules that use them.
            .wasm_function_references(true)
            .wasm_gc(true)
            .wasm_exceptions(true)
            .wasm_threads(true)
            .wasm_wide_arithmetic(true)
            .wasm_custom_page_sizes(true)
            // A module's own shared memories (not only host-made ones) need this too.
            .shared_memory(true);
        wasmtime::Engine::new(&c).expect("wasmtime engine")
    })
}

/// Counters for `FAYASM_FUZZ_STATS=1`: inputs, modules compared, calls compared, calls that
/// both engines returned from, calls that trapped on both.
static STATS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

fn bump(i: usize) {
    STATS[i].fetch_add(1, Ordering::Relaxed);
}

/// Print the counters at powers of two and every 1024 inputs when `FAYASM_FUZZ_STATS` is set.
fn report() {
    let n = STATS[0].load(Ordering::Relaxed);
    if (n.is_power_of_two() || n.is_multiple_of(1024))
        && std::env::var_os("FAYASM_FUZZ_STATS").is_some()
    {
        let v: Vec<u64> = STATS.iter().map(|s| s.load(Ordering::Relaxed)).collect();
        eprintln!(
            "differential: {} inputs, {} modules, {} calls ({} returned, {} trapped)",
            v[0], v[1], v[2], v[3], v[4]
        );
    }
}

/// Run one input.
pub fn check(data: &[u8]) -> Result<()> {
    bump(0);
    report();
    let mut u = Unstructured::new(data);
    let wasm = smith::module(&mut u)?;
    compare(&wasm, data, &mut u);
    Ok(())
}

/// Run one input of `differential_proposals`: the same comparison on modules that may use
/// wide arithmetic, memories of 1-byte pages, typed function references, exceptions, GC and
/// threads (shared memories, atomics).
pub fn check_proposals(data: &[u8]) -> Result<()> {
    bump(0);
    report();
    let mut u = Unstructured::new(data);
    let wasm = smith::proposals_module(&mut u)?;
    compare(&wasm, data, &mut u);
    Ok(())
}

/// Compare fayasm with wasmtime on `wasm` (generated from input `data`), drawing the first
/// pass's arguments from `u` and the others' from [`Derived`].
pub fn compare(wasm: &[u8], data: &[u8], u: &mut Unstructured<'_>) {
    let Ok(wasm) = export_fuel(wasm) else {
        return;
    };
    let wasm = &wasm[..];
    let wengine = oracle();
    let Ok(wmodule) = wasmtime::Module::new(wengine, wasm) else {
        // wasmtime has its own implementation limits; nothing to compare.
        return;
    };
    let engine = fayasm::Engine::new(
        fayasm::Config::default()
            .max_call_depth(5_000)
            .wasm_wide_arithmetic(true)
            .wasm_custom_page_sizes(true)
            .wasm_function_references(true)
            .wasm_gc(true)
            .wasm_exceptions(true)
            .wasm_threads(true),
    );
    let module = match fayasm::Module::new(&engine, wasm) {
        Ok(m) => m,
        Err(e) => panic!("fayasm rejects a module wasmtime accepts: {e}"),
    };
    let mut wstore = wasmtime::Store::new(wengine, ());
    wstore.set_fuel(10_000_000).unwrap();
    let mut store = fayasm::Store::new(&engine, ());
    let winst = wasmtime::Instance::new(&mut wstore, &wmodule, &[]);
    let inst = fayasm::Linker::new(&engine).instantiate(&mut store, &module);
    let (winst, inst) = match (winst, inst) {
        (Ok(w), Ok(f)) => (w, f),
        (Err(w), Err(f)) => {
            let (wo, fo) = (trap_of_wasmtime(&w), trap_of_fayasm(&f));
            assert!(
                agree(&wo, &fo) || wo == Outcome::Limit || fo == Outcome::Limit,
                "instantiation: wasmtime {w:?}, fayasm {f:?}"
            );
            return;
        }
        (Ok(_), Err(e)) => {
            if trap_of_fayasm(&e) == Outcome::Limit {
                return;
            }
            panic!("instantiation fails on fayasm only: {e}");
        }
        (Err(e), Ok(_)) => {
            if trap_of_wasmtime(&e) == Outcome::Limit {
                return;
            }
            panic!("instantiation fails on wasmtime only: {e:?}");
        }
    };

    bump(1);
    let fuel = inst.get_global(&store, FUEL_EXPORT);
    let wfuel = winst.get_global(&mut wstore, FUEL_EXPORT);
    for pass in 0..PASSES {
        let mut derived = Derived::new(data, pass);
        for (name, ext) in inst.exports(&store) {
            let Extern::Func(f) = ext else { continue };
            let wf = winst
                .get_func(&mut wstore, &name)
                .unwrap_or_else(|| panic!("wasmtime lacks export {name}"));
            let ty = f.ty(&store);
            let args = if pass == 0 {
                ty.params()
                    .iter()
                    .map(|&t| argument(u, t))
                    .collect::<Result<Option<Vec<Val>>>>()
            } else {
                ty.params()
                    .iter()
                    .map(|&t| derived.val(t))
                    .collect::<Result<Option<Vec<Val>>>>()
            };
            let Ok(args) = args else {
                break;
            };
            // A parameter no value can be built for on both engines: not called.
            let Some(args) = args else { continue };
            let wargs: Vec<wasmtime::Val> =
                args.iter().map(|v| to_wasmtime(&mut wstore, v)).collect();
            let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
            let mut wresults: Vec<wasmtime::Val> = ty
                .results()
                .iter()
                .map(|&t| to_wasmtime(&mut wstore, &Val::default_for(t)))
                .collect();
            // Every call gets the whole fuel, on both engines alike.
            if let (Some(g), Some(wg)) = (fuel, wfuel) {
                let full = smith::FUEL as i32;
                g.set(&mut store, Val::I32(full)).expect("fuel global");
                wg.set(&mut wstore, wasmtime::Val::I32(full))
                    .expect("fuel global");
            }
            wstore.set_fuel(CALL_FUEL).unwrap();
            let fo = match f.call(&mut store, &args, &mut results) {
                Ok(()) => Outcome::Returned(results.iter().map(from_fayasm).collect()),
                Err(e) => trap_of_fayasm(&e),
            };
            let wo = match wf.call(&mut wstore, &wargs, &mut wresults) {
                Ok(()) => {
                    Outcome::Returned(wresults.iter().map(|v| from_wasmtime(&wstore, v)).collect())
                }
                Err(e) => {
                    // An uncaught exception stays pending in wasmtime's store until taken.
                    wstore.take_pending_exception();
                    trap_of_wasmtime(&e)
                }
            };
            if fo == Outcome::Limit || wo == Outcome::Limit {
                // The stores may differ from here on.
                return;
            }
            bump(2);
            match fo {
                Outcome::Returned(_) => bump(3),
                _ => bump(4),
            }
            assert!(
                agree(&fo, &wo),
                "pass {pass}, export {name}({args:?}): fayasm {fo:?}, wasmtime {wo:?}"
            );
        }
        compare_state(&inst, &store, &winst, &mut wstore, pass);
    }
}

/// Exported globals and memories must be equal after pass `pass`.
fn compare_state(
    inst: &fayasm::Instance,
    store: &fayasm::Store<()>,
    winst: &wasmtime::Instance,
    wstore: &mut wasmtime::Store<()>,
    pass: u32,
) {
    for (name, ext) in inst.exports(store) {
        match ext {
            Extern::Global(g) => {
                let Some(wg) = winst.get_global(&mut *wstore, &name) else {
                    panic!("wasmtime lacks global {name}");
                };
                if g.ty(store).content == ValType::V128 || !g.ty(store).content.is_ref() {
                    let a = from_fayasm(&g.get(store));
                    let b = wg.get(&mut *wstore);
                    let b = from_wasmtime(wstore, &b);
                    assert_eq!(a, b, "global {name} differs after pass {pass}");
                }
            }
            Extern::Memory(m) => {
                let a = m.data(store);
                // A shared memory is a different kind of export in wasmtime.
                if m.ty(store).shared {
                    let Some(wm) = winst.get_shared_memory(&mut *wstore, &name) else {
                        panic!("wasmtime lacks shared memory {name}");
                    };
                    let b: Vec<u8> = wm
                        .data()
                        .iter()
                        // SAFETY: a read of a byte of wasmtime's live shared memory; the store
                        // runs on this thread only and no other thread holds the memory, so
                        // nothing writes the byte while it is read.
                        .map(|c| unsafe { *c.get() })
                        .collect();
                    same_bytes(&name, pass, a, &b);
                } else {
                    let Some(wm) = winst.get_memory(&mut *wstore, &name) else {
                        panic!("wasmtime lacks memory {name}");
                    };
                    same_bytes(&name, pass, a, wm.data(&*wstore));
                }
            }
            _ => {}
        }
    }
}

/// Memory `name`'s bytes on fayasm (`a`) and wasmtime (`b`) must be equal after pass `pass`.
fn same_bytes(name: &str, pass: u32, a: &[u8], b: &[u8]) {
    assert_eq!(
        a.len(),
        b.len(),
        "memory {name}: sizes differ after pass {pass}"
    );
    if a == b {
        return;
    }
    if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
        panic!(
            "memory {name} differs from byte {i} after pass {pass}: fayasm {:?}, wasmtime {:?}",
            &a[i..(i + 16).min(a.len())],
            &b[i..(i + 16).min(b.len())]
        );
    }
}
