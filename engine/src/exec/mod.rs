//! The interpreter: runs microcode on the engine's own value stack.
//!
//! **Invariant:** `exec` never validates wasm. It runs microcode produced by the translator
//! from a validated module, so operand slots are below the frame size, branch targets are
//! inside the function and indices name existing entities. (Every access is still
//! bounds-checked by safe indexing; a verifier for reloaded microcode arrives with offload.)
//!
//! Wasm-to-wasm calls push a [`Frame`] and continue in the same loop; they never recurse on the
//! native stack. Traps leave the loop as `Err`.

mod numeric;
pub(crate) mod simd;
#[cfg(feature = "simd")]
mod vector;
#[cfg(not(feature = "simd"))]
#[path = "vector_disabled.rs"]
mod vector;

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::error::{Error, Trap, TrapCode};
use crate::microcode::translate::width;
use crate::microcode::{Compiled, Op};
use crate::runtime::{Caller, CodeState, Func, FuncKind, Instance, Store, StoreInner};
use crate::value::Val;

/// A suspended caller.
#[derive(Debug)]
struct Frame {
    code: Arc<Compiled>,
    pc: usize,
    base: usize,
    instance: u32,
}

/// The engine's value stack and call stack.
#[derive(Debug, Default)]
pub(crate) struct Stack {
    cells: Vec<u64>,
    frames: Vec<Frame>,
}

/// The microcode of wasm function `f`: in RAM, loaded back from the store's storage if the
/// code cache spilled it, or translated (see `runtime::code::materialize`).
pub(crate) fn compiled(inner: &mut StoreInner, f: u32) -> Result<Arc<Compiled>, Error> {
    crate::runtime::materialize_code(inner, f)
}

fn ensure_cells(cells: &mut Vec<u64>, need: usize, max: usize) -> Result<(), TrapCode> {
    if need <= cells.len() {
        return Ok(());
    }
    if need > max {
        return Err(TrapCode::StackOverflow);
    }
    let new_len = need.max(cells.len() * 2).max(256).min(max);
    cells
        .try_reserve(new_len - cells.len())
        .map_err(|_| TrapCode::StackOverflow)?;
    cells.resize(new_len, 0);
    Ok(())
}

fn call_host<T>(
    store: &mut Store<T>,
    f: u32,
    host: u32,
    instance: Option<Instance>,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), Trap> {
    let h = store.hosts[host as usize].clone();
    h(
        Caller {
            store: &mut *store,
            instance,
        },
        params,
        results,
    )?;
    let ty = &store.inner.funcs[f as usize].ty;
    if results.iter().zip(ty.results()).any(|(r, t)| r.ty() != *t) {
        return Err(Trap::host(
            "host function returned a value of the wrong type",
        ));
    }
    Ok(())
}

/// Call `func` from the host.
pub(crate) fn call<T>(
    store: &mut Store<T>,
    func: Func,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), Error> {
    let entity = store
        .inner
        .funcs
        .get(func.0 as usize)
        .ok_or(Error::Type("no such function in this store"))?;
    let ty = entity.ty.clone();
    if params.len() != ty.params().len()
        || params.iter().zip(ty.params()).any(|(p, t)| p.ty() != *t)
    {
        return Err(Error::Type(
            "arguments do not match the function's parameters",
        ));
    }
    if results.len() != ty.results().len() {
        return Err(Error::Type(
            "result buffer does not match the function's results",
        ));
    }
    let trapped = entity.trapped;
    store.inner.funcs[func.0 as usize].referenced = true;
    if trapped {
        store.run_trap_hook(func).map_err(Error::Trap)?;
    }
    let instance = match store.inner.funcs[func.0 as usize].kind {
        FuncKind::Host { host } => {
            return call_host(store, func.0, host, None, params, results).map_err(Error::Trap)
        }
        FuncKind::Wasm { instance, .. } => instance,
    };
    let code = compiled(&mut store.inner, func.0)?;
    let mut stack = store.inner.stack.take().unwrap_or_default();
    let config = store.engine.config.clone();
    let outcome = ensure_cells(
        &mut stack.cells,
        code.frame_size as usize,
        config.max_value_stack,
    )
    .map_err(Trap::new)
    .and_then(|()| {
        let mut at = 0;
        for p in params {
            at += p.write_cells(&mut stack.cells[at..]);
        }
        let np = code.num_params as usize;
        stack.cells[np..np + code.num_locals as usize].fill(0);
        run(store, &mut stack, code, instance)
    });
    if outcome.is_ok() {
        let mut at = 0;
        for (r, t) in results.iter_mut().zip(ty.results()) {
            *r = Val::read_cells(*t, &stack.cells[at..]);
            at += width(*t) as usize;
        }
    }
    stack.frames.clear();
    store.inner.stack = Some(stack);
    outcome.map_err(Error::Trap)
}

/// Two distinct elements of a slice, mutably.
fn two_mut<E>(v: &mut [E], a: usize, b: usize) -> (&mut E, &mut E) {
    if a < b {
        let (lo, hi) = v.split_at_mut(b);
        (&mut lo[a], &mut hi[0])
    } else {
        let (lo, hi) = v.split_at_mut(a);
        (&mut hi[0], &mut lo[b])
    }
}

fn run<T>(
    store: &mut Store<T>,
    stack: &mut Stack,
    entry: Arc<Compiled>,
    entry_instance: u32,
) -> Result<(), Trap> {
    use numeric as n;
    let max_depth = store.engine.config.max_call_depth;
    let max_cells = store.engine.config.max_value_stack;
    let mut code = entry;
    let mut pc: usize = 0;
    let mut base: usize = 0;
    let mut inst = entry_instance as usize;

    // The default memory's bytes, cached as a raw pointer and length for the scalar load and
    // store fast path. Re-derived (`refresh_mem0!`) after anything that may resize or
    // reference the memory's buffer: calls and returns (via `sync!`), `memory.grow`, bulk
    // memory ops, host calls and accesses to other memories.
    let mut mem0: (*mut u8, u64);
    macro_rules! refresh_mem0 {
        () => {
            mem0 = match store.inner.instances[inst].memories.first() {
                Some(&i) => {
                    let d = &mut store.inner.memories[i as usize].data;
                    (d.as_mut_ptr(), d.len() as u64)
                }
                None => (core::ptr::null_mut(), 0),
            };
        };
    }
    refresh_mem0!();
    // The current frame and code, as raw pointers so operand and op accesses are unchecked.
    // `sync!` re-derives them after anything that may move the value stack (a call growing
    // it) or switch functions, and after every safe access to `stack.cells`.
    let mut fp: *mut u64 = stack.cells.as_mut_ptr().wrapping_add(base);
    let mut ops: *const Op = code.ops.as_ptr();
    macro_rules! sync {
        () => {
            fp = stack.cells.as_mut_ptr().wrapping_add(base);
            ops = code.ops.as_ptr();
            refresh_mem0!();
        };
    }
    macro_rules! c {
        ($s:expr) => {
            // SAFETY: `verify` proved every slot operand (plus one cell for a v128) is below
            // the function's `frame_size`, and the frame was entered only after
            // `ensure_cells` made `stack.cells` at least `base + frame_size` long; `fp` was
            // re-derived (`sync!`) after the last access that could move or alias the cells.
            unsafe { *fp.add($s as usize) }
        };
    }
    macro_rules! set {
        ($s:expr, $v:expr) => {{
            let v: u64 = $v;
            // SAFETY: as for `c!`.
            unsafe { *fp.add($s as usize) = v }
        }};
    }
    macro_rules! r_i32 {
        ($s:expr) => {
            c!($s) as u32 as i32
        };
    }
    macro_rules! r_i64 {
        ($s:expr) => {
            c!($s) as i64
        };
    }
    macro_rules! r_f32 {
        ($s:expr) => {
            f32::from_bits(c!($s) as u32)
        };
    }
    macro_rules! r_f64 {
        ($s:expr) => {
            f64::from_bits(c!($s))
        };
    }
    macro_rules! w_i32 {
        ($s:expr, $v:expr) => {{
            let v = $v as u32 as u64;
            set!($s, v);
        }};
    }
    macro_rules! w_i64 {
        ($s:expr, $v:expr) => {{
            let v = $v as u64;
            set!($s, v);
        }};
    }
    macro_rules! w_f32 {
        ($s:expr, $v:expr) => {{
            let v: f32 = $v;
            set!($s, v.to_bits() as u64);
        }};
    }
    macro_rules! w_f64 {
        ($s:expr, $v:expr) => {{
            let v: f64 = $v;
            set!($s, v.to_bits());
        }};
    }
    // Return to the caller's frame, or out of `run` when the entry function returns.
    macro_rules! pop_frame {
        () => {
            match stack.frames.pop() {
                Some(f) => {
                    code = f.code;
                    pc = f.pc;
                    base = f.base;
                    inst = f.instance as usize;
                }
                None => return Ok(()),
            }
        };
    }
    macro_rules! br_if {
        ($cond:expr, $target:expr) => {
            if $cond {
                pc = $target as usize;
            }
        };
    }
    macro_rules! mem_index {
        ($m:expr) => {
            store.inner.instances[inst].memories[$m as usize] as usize
        };
    }
    macro_rules! mem {
        ($m:expr) => {{
            let i = mem_index!($m);
            &mut store.inner.memories[i]
        }};
    }
    macro_rules! table {
        ($t:expr) => {{
            let i = store.inner.instances[inst].tables[$t as usize] as usize;
            &mut store.inner.tables[i]
        }};
    }
    // A memory and the offload state its slow paths need.
    macro_rules! mem_off {
        ($m:expr) => {{
            let i = mem_index!($m);
            store.inner.memory_and_offload(i)
        }};
    }
    // The fast path covers memory 0's resident bytes. Anything else (another memory, a
    // spilled or paged memory 0, which show no resident bytes, or an access out of bounds)
    // goes through the memory's own checked path, which reloads or pages in as needed.
    macro_rules! in_mem0 {
        ($addr:expr, $offset:expr, $n:expr) => {
            match $addr.checked_add($offset) {
                Some(ea) if ea.checked_add($n).is_some_and(|end| end <= mem0.1) => {
                    Some(ea as usize)
                }
                _ => None,
            }
        };
    }
    macro_rules! load {
        ($dst:expr, $addr:expr, $mem:expr, $offset:expr, $n:literal, $conv:expr) => {{
            let addr = c!($addr);
            let fast = if $mem == 0 {
                in_mem0!(addr, $offset, $n)
            } else {
                None
            };
            let bytes: [u8; $n] = match fast {
                // SAFETY: `ea + N <= len` of memory 0's resident buffer, which `mem0` points
                // at (refreshed after every resize, spill or other access to it).
                Some(ea) => unsafe { core::ptr::read_unaligned(mem0.0.add(ea) as *const [u8; $n]) },
                None => {
                    let (m, off) = mem_off!($mem);
                    let b = m.load::<$n>(off, addr, $offset)?;
                    refresh_mem0!();
                    b
                }
            };
            set!($dst, ($conv)(bytes));
        }};
    }
    macro_rules! store_op {
        ($addr:expr, $src:expr, $mem:expr, $offset:expr, $conv:expr) => {{
            let addr = c!($addr);
            let bytes = ($conv)(c!($src));
            let fast = if $mem == 0 {
                in_mem0!(addr, $offset, { core::mem::size_of_val(&bytes) as u64 })
            } else {
                None
            };
            match fast {
                // SAFETY: as for `load!`.
                Some(ea) => unsafe { core::ptr::write_unaligned(mem0.0.add(ea) as *mut _, bytes) },
                None => {
                    let (m, off) = mem_off!($mem);
                    m.store(off, addr, $offset, bytes)?;
                    refresh_mem0!();
                }
            }
        }};
    }

    loop {
        // SAFETY: `verify` proved every branch target is an op index, every `BrTable` is
        // followed by its entries, and the last op does not fall through, so `pc` is always
        // below `code.ops.len()`; `ops` points at `code.ops` (re-derived on every switch).
        // Arms copy the fields they need out of `op` before anything replaces `code`, and the
        // replaced `code` stays alive in the frame stack or the function's code state anyway.
        let op: &Op = unsafe { &*ops.add(pc) };
        pc += 1;
        match *op {
            Op::Unreachable => return Err(TrapCode::Unreachable.into()),
            Op::Br { target } => pc = target as usize,
            Op::BrIfNez { cond, target } => {
                if c!(cond) as u32 != 0 {
                    pc = target as usize;
                }
            }
            Op::BrIfEqz { cond, target } => {
                if c!(cond) as u32 == 0 {
                    pc = target as usize;
                }
            }
            Op::BrTable { index, len } => {
                pc += (c!(index) as u32).min(len) as usize;
            }
            Op::Return { src, count } => {
                if count == 1 {
                    set!(0, c!(src));
                } else {
                    let s = base + src as usize;
                    stack.cells.copy_within(s..s + count as usize, base);
                }
                pop_frame!();
                sync!();
            }
            Op::Call { .. }
            | Op::CallIndirect { .. }
            | Op::ReturnCall { .. }
            | Op::ReturnCallIndirect { .. } => {
                let (f, args, tail) = match *op {
                    Op::Call { func, args } => (
                        store.inner.instances[inst].funcs[func as usize],
                        args,
                        false,
                    ),
                    Op::ReturnCall { func, args } => {
                        (store.inner.instances[inst].funcs[func as usize], args, true)
                    }
                    Op::CallIndirect {
                        ty,
                        table,
                        index,
                        args,
                    }
                    | Op::ReturnCallIndirect {
                        ty,
                        table,
                        index,
                        args,
                    } => {
                        let cell = table!(table)
                            .get(c!(index))
                            .map_err(|_| TrapCode::TableOutOfBounds)?;
                        let f = cell.checked_sub(1).ok_or(TrapCode::IndirectCallToNull)? as u32;
                        let expected = store.inner.instances[inst].types[ty as usize];
                        if store.inner.funcs[f as usize].type_id != expected {
                            return Err(TrapCode::BadSignature.into());
                        }
                        (f, args, matches!(*op, Op::ReturnCallIndirect { .. }))
                    }
                    _ => unreachable!(),
                };
                let new_base = base + args as usize;
                store.inner.funcs[f as usize].referenced = true;
                if store.inner.funcs[f as usize].trapped {
                    // The hook may translate, evict or reload code and grow memories; the
                    // callee's code is read after it, and `sync!` below re-derives the rest.
                    store.run_trap_hook(Func(f))?;
                }
                match store.inner.funcs[f as usize].kind {
                    FuncKind::Wasm { instance, .. } => {
                        let callee = match &store.inner.funcs[f as usize].kind {
                            FuncKind::Wasm {
                                code: CodeState::Translated(c),
                                ..
                            } => c.clone(),
                            _ => compiled(&mut store.inner, f)
                                .map_err(|e| Trap::host(alloc::format!("{e}")))?,
                        };
                        let np = callee.num_params as usize;
                        let frame_base = if tail {
                            // The callee replaces the current frame: its arguments move down to
                            // this frame's base and the call depth stays the same.
                            stack.cells.copy_within(new_base..new_base + np, base);
                            base
                        } else {
                            if stack.frames.len() >= max_depth {
                                return Err(TrapCode::StackOverflow.into());
                            }
                            new_base
                        };
                        let need = frame_base + callee.frame_size as usize;
                        if need > stack.cells.len() {
                            ensure_cells(&mut stack.cells, need, max_cells)?;
                        }
                        let locals = frame_base + np;
                        stack.cells[locals..locals + callee.num_locals as usize].fill(0);
                        let caller = core::mem::replace(&mut code, callee);
                        if !tail {
                            stack.frames.push(Frame {
                                code: caller,
                                pc,
                                base,
                                instance: inst as u32,
                            });
                        }
                        pc = 0;
                        base = frame_base;
                        inst = instance as usize;
                    }
                    FuncKind::Host { host } => {
                        let ty = store.inner.funcs[f as usize].ty.clone();
                        let mut at = new_base;
                        let params: Vec<Val> = ty
                            .params()
                            .iter()
                            .map(|t| {
                                let v = Val::read_cells(*t, &stack.cells[at..]);
                                at += width(*t) as usize;
                                v
                            })
                            .collect();
                        let mut results: Vec<Val> =
                            ty.results().iter().map(|t| Val::default_for(*t)).collect();
                        call_host(
                            store,
                            f,
                            host,
                            Some(Instance(inst as u32)),
                            &params,
                            &mut results,
                        )?;
                        let dst = if tail { base } else { new_base };
                        ensure_cells(&mut stack.cells, dst + 2 * results.len(), max_cells)?;
                        let mut at = dst;
                        for r in &results {
                            at += r.write_cells(&mut stack.cells[at..]);
                        }
                        if tail {
                            pop_frame!();
                        }
                    }
                }
                sync!();
            }
            Op::V128Const { .. }
            | Op::V128Shuffle { .. }
            | Op::V128Un { .. }
            | Op::V128Bin { .. }
            | Op::V128Tern { .. }
            | Op::V128Shift { .. }
            | Op::V128Test { .. }
            | Op::V128Splat { .. }
            | Op::V128Extract { .. }
            | Op::V128Replace { .. }
            | Op::V128Load { .. }
            | Op::V128Load32Zero { .. }
            | Op::V128Load64Zero { .. }
            | Op::V128Load8Splat { .. }
            | Op::V128Load16Splat { .. }
            | Op::V128Load32Splat { .. }
            | Op::V128Load64Splat { .. }
            | Op::V128Load8x8S { .. }
            | Op::V128Load8x8U { .. }
            | Op::V128Load16x4S { .. }
            | Op::V128Load16x4U { .. }
            | Op::V128Load32x2S { .. }
            | Op::V128Load32x2U { .. }
            | Op::V128Store { .. }
            | Op::V128Load8Lane { .. }
            | Op::V128Load16Lane { .. }
            | Op::V128Load32Lane { .. }
            | Op::V128Load64Lane { .. }
            | Op::V128Store8Lane { .. }
            | Op::V128Store16Lane { .. }
            | Op::V128Store32Lane { .. }
            | Op::V128Store64Lane { .. } => {
                let mut frame = vector::Frame {
                    cells: &mut stack.cells[base..],
                    pool: &code.pool,
                    instance: inst,
                };
                vector::execute(*op, &mut frame, &mut store.inner)?;
                sync!();
            }
            Op::Copy { dst, src } => set!(dst, c!(src)),
            Op::Copy2 { dst, src } => {
                set!(dst, c!(src));
                set!(dst + 1, c!(src + 1));
            }
            Op::Select2 { dst, cond, a, b } => {
                let s = if c!(cond) as u32 != 0 { a } else { b };
                let (lo, hi) = (c!(s), c!(s + 1));
                set!(dst, lo);
                set!(dst + 1, hi);
            }
            Op::Const { dst, bits } => set!(dst, bits),
            Op::Select { dst, cond, a, b } => {
                set!(dst, if c!(cond) as u32 != 0 { c!(a) } else { c!(b) });
            }
            Op::GlobalGet { dst, global } => {
                let g = store.inner.instances[inst].globals[global as usize] as usize;
                set!(dst, store.inner.globals[g].value as u64);
            }
            Op::GlobalGet2 { dst, global } => {
                let g = store.inner.instances[inst].globals[global as usize] as usize;
                let v = store.inner.globals[g].value;
                set!(dst, v as u64);
                set!(dst + 1, (v >> 64) as u64);
            }
            Op::GlobalSet2 { src, global } => {
                let g = store.inner.instances[inst].globals[global as usize] as usize;
                store.inner.globals[g].value = c!(src) as u128 | (c!(src + 1) as u128) << 64;
            }
            Op::GlobalSet { src, global } => {
                let g = store.inner.instances[inst].globals[global as usize] as usize;
                store.inner.globals[g].value = c!(src) as u128;
            }
            Op::I32AddImm { dst, lhs, imm } => w_i32!(dst, r_i32!(lhs).wrapping_add(imm)),
            Op::I32SubImm { dst, lhs, imm } => w_i32!(dst, r_i32!(lhs).wrapping_sub(imm)),
            Op::I32MulImm { dst, lhs, imm } => w_i32!(dst, r_i32!(lhs).wrapping_mul(imm)),
            Op::I32AndImm { dst, lhs, imm } => w_i32!(dst, r_i32!(lhs) & imm),
            Op::I32OrImm { dst, lhs, imm } => w_i32!(dst, r_i32!(lhs) | imm),
            Op::I32XorImm { dst, lhs, imm } => w_i32!(dst, r_i32!(lhs) ^ imm),
            Op::I32ShlImm { dst, lhs, imm } => w_i32!(dst, n::i32_shl(r_i32!(lhs), imm)),
            Op::I32ShrSImm { dst, lhs, imm } => w_i32!(dst, n::i32_shr_s(r_i32!(lhs), imm)),
            Op::I32ShrUImm { dst, lhs, imm } => w_i32!(dst, n::i32_shr_u(r_i32!(lhs), imm)),
            Op::I32EqImm { dst, lhs, imm } => w_i32!(dst, (r_i32!(lhs) == imm) as i32),
            Op::I32NeImm { dst, lhs, imm } => w_i32!(dst, (r_i32!(lhs) != imm) as i32),
            Op::I32LtSImm { dst, lhs, imm } => w_i32!(dst, (r_i32!(lhs) < imm) as i32),
            Op::I32LtUImm { dst, lhs, imm } => {
                w_i32!(dst, ((r_i32!(lhs) as u32) < imm as u32) as i32)
            }
            Op::I32GtSImm { dst, lhs, imm } => w_i32!(dst, (r_i32!(lhs) > imm) as i32),
            Op::I32GtUImm { dst, lhs, imm } => {
                w_i32!(dst, (r_i32!(lhs) as u32 > imm as u32) as i32)
            }
            Op::I32LeSImm { dst, lhs, imm } => w_i32!(dst, (r_i32!(lhs) <= imm) as i32),
            Op::I32LeUImm { dst, lhs, imm } => {
                w_i32!(dst, (r_i32!(lhs) as u32 <= imm as u32) as i32)
            }
            Op::I32GeSImm { dst, lhs, imm } => w_i32!(dst, (r_i32!(lhs) >= imm) as i32),
            Op::I32GeUImm { dst, lhs, imm } => {
                w_i32!(dst, (r_i32!(lhs) as u32 >= imm as u32) as i32)
            }
            Op::I64AddImm { dst, lhs, imm } => w_i64!(dst, r_i64!(lhs).wrapping_add(imm)),
            Op::I64SubImm { dst, lhs, imm } => w_i64!(dst, r_i64!(lhs).wrapping_sub(imm)),
            Op::I64MulImm { dst, lhs, imm } => w_i64!(dst, r_i64!(lhs).wrapping_mul(imm)),
            Op::I64AndImm { dst, lhs, imm } => w_i64!(dst, r_i64!(lhs) & imm),
            Op::I64OrImm { dst, lhs, imm } => w_i64!(dst, r_i64!(lhs) | imm),
            Op::I64XorImm { dst, lhs, imm } => w_i64!(dst, r_i64!(lhs) ^ imm),
            Op::I64ShlImm { dst, lhs, imm } => w_i64!(dst, n::i64_shl(r_i64!(lhs), imm)),
            Op::I64ShrSImm { dst, lhs, imm } => w_i64!(dst, n::i64_shr_s(r_i64!(lhs), imm)),
            Op::I64ShrUImm { dst, lhs, imm } => w_i64!(dst, n::i64_shr_u(r_i64!(lhs), imm)),
            Op::I64EqImm { dst, lhs, imm } => w_i32!(dst, (r_i64!(lhs) == imm) as i32),
            Op::I64NeImm { dst, lhs, imm } => w_i32!(dst, (r_i64!(lhs) != imm) as i32),
            Op::I64LtSImm { dst, lhs, imm } => w_i32!(dst, (r_i64!(lhs) < imm) as i32),
            Op::I64LtUImm { dst, lhs, imm } => w_i32!(dst, (c!(lhs) < imm as u64) as i32),
            Op::I64GtSImm { dst, lhs, imm } => w_i32!(dst, (r_i64!(lhs) > imm) as i32),
            Op::I64GtUImm { dst, lhs, imm } => w_i32!(dst, (c!(lhs) > imm as u64) as i32),
            Op::I64LeSImm { dst, lhs, imm } => w_i32!(dst, (r_i64!(lhs) <= imm) as i32),
            Op::I64LeUImm { dst, lhs, imm } => w_i32!(dst, (c!(lhs) <= imm as u64) as i32),
            Op::I64GeSImm { dst, lhs, imm } => w_i32!(dst, (r_i64!(lhs) >= imm) as i32),
            Op::I64GeUImm { dst, lhs, imm } => w_i32!(dst, (c!(lhs) >= imm as u64) as i32),

            // Fused compare-and-branch.
            Op::BrIfI32Eq { lhs, rhs, target } => br_if!(r_i32!(lhs) == r_i32!(rhs), target),
            Op::BrIfI32Ne { lhs, rhs, target } => br_if!(r_i32!(lhs) != r_i32!(rhs), target),
            Op::BrIfI32LtS { lhs, rhs, target } => br_if!(r_i32!(lhs) < r_i32!(rhs), target),
            Op::BrIfI32LtU { lhs, rhs, target } => {
                br_if!((r_i32!(lhs) as u32) < r_i32!(rhs) as u32, target)
            }
            Op::BrIfI32GtS { lhs, rhs, target } => br_if!(r_i32!(lhs) > r_i32!(rhs), target),
            Op::BrIfI32GtU { lhs, rhs, target } => {
                br_if!(r_i32!(lhs) as u32 > r_i32!(rhs) as u32, target)
            }
            Op::BrIfI32LeS { lhs, rhs, target } => br_if!(r_i32!(lhs) <= r_i32!(rhs), target),
            Op::BrIfI32LeU { lhs, rhs, target } => {
                br_if!(r_i32!(lhs) as u32 <= r_i32!(rhs) as u32, target)
            }
            Op::BrIfI32GeS { lhs, rhs, target } => br_if!(r_i32!(lhs) >= r_i32!(rhs), target),
            Op::BrIfI32GeU { lhs, rhs, target } => {
                br_if!(r_i32!(lhs) as u32 >= r_i32!(rhs) as u32, target)
            }
            Op::BrIfF32Lt { lhs, rhs, target } => br_if!(r_f32!(lhs) < r_f32!(rhs), target),
            Op::BrIfF32Gt { lhs, rhs, target } => br_if!(r_f32!(lhs) > r_f32!(rhs), target),
            Op::BrIfF32Le { lhs, rhs, target } => br_if!(r_f32!(lhs) <= r_f32!(rhs), target),
            Op::BrIfF32Ge { lhs, rhs, target } => br_if!(r_f32!(lhs) >= r_f32!(rhs), target),
            Op::BrIfF64Lt { lhs, rhs, target } => br_if!(r_f64!(lhs) < r_f64!(rhs), target),
            Op::BrIfF64Gt { lhs, rhs, target } => br_if!(r_f64!(lhs) > r_f64!(rhs), target),
            Op::BrIfF64Le { lhs, rhs, target } => br_if!(r_f64!(lhs) <= r_f64!(rhs), target),
            Op::BrIfF64Ge { lhs, rhs, target } => br_if!(r_f64!(lhs) >= r_f64!(rhs), target),
            Op::BrIfI32EqImm { lhs, imm, target } => br_if!(r_i32!(lhs) == imm, target),
            Op::BrIfI32NeImm { lhs, imm, target } => br_if!(r_i32!(lhs) != imm, target),
            Op::BrIfI32LtSImm { lhs, imm, target } => br_if!(r_i32!(lhs) < imm, target),
            Op::BrIfI32LtUImm { lhs, imm, target } => {
                br_if!((r_i32!(lhs) as u32) < imm as u32, target)
            }
            Op::BrIfI32GtSImm { lhs, imm, target } => br_if!(r_i32!(lhs) > imm, target),
            Op::BrIfI32GtUImm { lhs, imm, target } => {
                br_if!(r_i32!(lhs) as u32 > imm as u32, target)
            }
            Op::BrIfI32LeSImm { lhs, imm, target } => br_if!(r_i32!(lhs) <= imm, target),
            Op::BrIfI32LeUImm { lhs, imm, target } => {
                br_if!(r_i32!(lhs) as u32 <= imm as u32, target)
            }
            Op::BrIfI32GeSImm { lhs, imm, target } => br_if!(r_i32!(lhs) >= imm, target),
            Op::BrIfI32GeUImm { lhs, imm, target } => {
                br_if!(r_i32!(lhs) as u32 >= imm as u32, target)
            }

            // Memory.
            Op::I32Load {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(dst, addr, mem, offset, 4, |b| u32::from_le_bytes(b) as u64)
            }
            Op::I64Load {
                dst,
                addr,
                mem,
                offset,
            } => load!(dst, addr, mem, offset, 8, u64::from_le_bytes),
            Op::I32Load8S {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(
                    dst,
                    addr,
                    mem,
                    offset,
                    1,
                    |b: [u8; 1]| b[0] as i8 as i32 as u32 as u64
                )
            }
            Op::I32Load8U {
                dst,
                addr,
                mem,
                offset,
            } => load!(dst, addr, mem, offset, 1, |b: [u8; 1]| b[0] as u64),
            Op::I32Load16S {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(
                    dst,
                    addr,
                    mem,
                    offset,
                    2,
                    |b| i16::from_le_bytes(b) as i32 as u32 as u64
                )
            }
            Op::I32Load16U {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(dst, addr, mem, offset, 2, |b| u16::from_le_bytes(b) as u64)
            }
            Op::I64Load8S {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(dst, addr, mem, offset, 1, |b: [u8; 1]| b[0] as i8 as i64
                    as u64)
            }
            Op::I64Load8U {
                dst,
                addr,
                mem,
                offset,
            } => load!(dst, addr, mem, offset, 1, |b: [u8; 1]| b[0] as u64),
            Op::I64Load16S {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(dst, addr, mem, offset, 2, |b| i16::from_le_bytes(b) as i64
                    as u64)
            }
            Op::I64Load16U {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(dst, addr, mem, offset, 2, |b| u16::from_le_bytes(b) as u64)
            }
            Op::I64Load32S {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(dst, addr, mem, offset, 4, |b| i32::from_le_bytes(b) as i64
                    as u64)
            }
            Op::I64Load32U {
                dst,
                addr,
                mem,
                offset,
            } => {
                load!(dst, addr, mem, offset, 4, |b| u32::from_le_bytes(b) as u64)
            }
            Op::I32Store {
                addr,
                src,
                mem,
                offset,
            } => {
                store_op!(addr, src, mem, offset, |v: u64| (v as u32).to_le_bytes())
            }
            Op::I64Store {
                addr,
                src,
                mem,
                offset,
            } => store_op!(addr, src, mem, offset, |v: u64| v.to_le_bytes()),
            Op::I32Store8 {
                addr,
                src,
                mem,
                offset,
            }
            | Op::I64Store8 {
                addr,
                src,
                mem,
                offset,
            } => {
                store_op!(addr, src, mem, offset, |v: u64| [v as u8])
            }
            Op::I32Store16 {
                addr,
                src,
                mem,
                offset,
            }
            | Op::I64Store16 {
                addr,
                src,
                mem,
                offset,
            } => {
                store_op!(addr, src, mem, offset, |v: u64| (v as u16).to_le_bytes())
            }
            Op::I64Store32 {
                addr,
                src,
                mem,
                offset,
            } => {
                store_op!(addr, src, mem, offset, |v: u64| (v as u32).to_le_bytes())
            }
            Op::MemorySize { dst, mem } => {
                set!(dst, mem!(mem).pages());
                refresh_mem0!();
            }
            Op::MemoryGrow { dst, delta, mem } => {
                let delta = c!(delta);
                let (m, off) = mem_off!(mem);
                let fail = if m.ty.memory64 {
                    u64::MAX
                } else {
                    u32::MAX as u64
                };
                set!(dst, m.grow(off, delta).unwrap_or(fail));
                refresh_mem0!();
            }
            Op::MemoryFill { mem, dst, val, len } => {
                let (d, v, l) = (c!(dst), c!(val) as u8, c!(len));
                let (m, off) = mem_off!(mem);
                m.fill(off, d, l, v)?;
                refresh_mem0!();
            }
            Op::MemoryCopy {
                dst_mem,
                src_mem,
                dst,
                src,
                len,
            } => {
                let (d, s, l) = (c!(dst), c!(src), c!(len));
                let (di, si) = (mem_index!(dst_mem), mem_index!(src_mem));
                if di == si {
                    let (m, off) = store.inner.memory_and_offload(di);
                    m.copy_within(off, d, s, l)?;
                } else {
                    let inner = &mut store.inner;
                    let (dm, sm) = two_mut(&mut inner.memories, di, si);
                    dm.copy_from(sm, &mut inner.offload, d, s, l)?;
                }
                refresh_mem0!();
            }
            Op::MemoryInit {
                mem,
                data,
                dst,
                src,
                len,
            } => {
                let (d, s, l) = (c!(dst), c!(src), c!(len));
                let di = store.inner.instances[inst].datas[data as usize] as usize;
                let mi = mem_index!(mem);
                let inner = &mut store.inner;
                let bytes = inner.datas[di].bytes();
                let s_end = s
                    .checked_add(l)
                    .filter(|&e| e <= bytes.len() as u64)
                    .ok_or(TrapCode::MemoryOutOfBounds)?;
                // Bounds of the destination are checked before any byte moves.
                let m = &mut inner.memories[mi];
                m.write(
                    &mut inner.offload,
                    d,
                    &inner.datas[di].bytes()[s as usize..s_end as usize],
                )?;
                refresh_mem0!();
            }
            Op::DataDrop { data } => {
                let di = store.inner.instances[inst].datas[data as usize] as usize;
                store.inner.datas[di].range = 0..0;
            }

            // Tables and references.
            Op::TableGet { dst, table, index } => {
                let i = c!(index);
                set!(dst, table!(table).get(i)?);
            }
            Op::TableSet { table, index, val } => {
                let (i, v) = (c!(index), c!(val));
                table!(table).set(i, v)?;
            }
            Op::TableSize { dst, table } => set!(dst, table!(table).size()),
            Op::TableGrow {
                dst,
                table,
                init,
                delta,
            } => {
                let (v, d) = (c!(init), c!(delta));
                let t = table!(table);
                let fail = if t.ty.table64 {
                    u64::MAX
                } else {
                    u32::MAX as u64
                };
                set!(dst, t.grow(d, v).unwrap_or(fail));
            }
            Op::TableFill {
                table,
                dst,
                val,
                len,
            } => {
                let (d, v, l) = (c!(dst), c!(val), c!(len));
                let t = table!(table);
                let r = t.range(d, l)?;
                t.elems[r].fill(v);
            }
            Op::TableCopy {
                dst_table,
                src_table,
                dst,
                src,
                len,
            } => {
                let (d, s, l) = (c!(dst), c!(src), c!(len));
                let ti = store.inner.instances[inst].tables[dst_table as usize] as usize;
                let si = store.inner.instances[inst].tables[src_table as usize] as usize;
                if ti == si {
                    let t = &mut store.inner.tables[ti];
                    let sr = t.range(s, l)?;
                    let dr = t.range(d, l)?;
                    t.elems.copy_within(sr, dr.start);
                } else {
                    let (dt, st) = two_mut(&mut store.inner.tables, ti, si);
                    let sr = st.range(s, l)?;
                    let dr = dt.range(d, l)?;
                    dt.elems[dr].copy_from_slice(&st.elems[sr]);
                }
            }
            Op::TableInit {
                table,
                elem,
                dst,
                src,
                len,
            } => {
                let (d, s, l) = (c!(dst), c!(src), c!(len));
                let ei = store.inner.instances[inst].elems[elem as usize] as usize;
                let ti = store.inner.instances[inst].tables[table as usize] as usize;
                let items = &store.inner.elems[ei];
                let s_end = s
                    .checked_add(l)
                    .filter(|&e| e <= items.len() as u64)
                    .ok_or(TrapCode::TableOutOfBounds)?;
                let t = &mut store.inner.tables[ti];
                let dr = t.range(d, l)?;
                t.elems[dr].copy_from_slice(&items[s as usize..s_end as usize]);
            }
            Op::ElemDrop { elem } => {
                let ei = store.inner.instances[inst].elems[elem as usize] as usize;
                store.inner.elems[ei] = Vec::new();
            }
            Op::RefFunc { dst, func } => {
                set!(
                    dst,
                    store.inner.instances[inst].funcs[func as usize] as u64 + 1
                );
            }

            // i32 numerics.
            Op::I32Eqz { dst, src } => w_i32!(dst, (r_i32!(src) == 0) as i32),
            Op::I32Eq { dst, lhs, rhs } => w_i32!(dst, (r_i32!(lhs) == r_i32!(rhs)) as i32),
            Op::I32Ne { dst, lhs, rhs } => w_i32!(dst, (r_i32!(lhs) != r_i32!(rhs)) as i32),
            Op::I32LtS { dst, lhs, rhs } => w_i32!(dst, (r_i32!(lhs) < r_i32!(rhs)) as i32),
            Op::I32LtU { dst, lhs, rhs } => {
                w_i32!(dst, ((r_i32!(lhs) as u32) < r_i32!(rhs) as u32) as i32)
            }
            Op::I32GtS { dst, lhs, rhs } => w_i32!(dst, (r_i32!(lhs) > r_i32!(rhs)) as i32),
            Op::I32GtU { dst, lhs, rhs } => {
                w_i32!(dst, (r_i32!(lhs) as u32 > r_i32!(rhs) as u32) as i32)
            }
            Op::I32LeS { dst, lhs, rhs } => w_i32!(dst, (r_i32!(lhs) <= r_i32!(rhs)) as i32),
            Op::I32LeU { dst, lhs, rhs } => {
                w_i32!(dst, (r_i32!(lhs) as u32 <= r_i32!(rhs) as u32) as i32)
            }
            Op::I32GeS { dst, lhs, rhs } => w_i32!(dst, (r_i32!(lhs) >= r_i32!(rhs)) as i32),
            Op::I32GeU { dst, lhs, rhs } => {
                w_i32!(dst, (r_i32!(lhs) as u32 >= r_i32!(rhs) as u32) as i32)
            }
            Op::I32Clz { dst, src } => w_i32!(dst, n::i32_clz(r_i32!(src))),
            Op::I32Ctz { dst, src } => w_i32!(dst, n::i32_ctz(r_i32!(src))),
            Op::I32Popcnt { dst, src } => w_i32!(dst, n::i32_popcnt(r_i32!(src))),
            Op::I32Add { dst, lhs, rhs } => w_i32!(dst, r_i32!(lhs).wrapping_add(r_i32!(rhs))),
            Op::I32Sub { dst, lhs, rhs } => w_i32!(dst, r_i32!(lhs).wrapping_sub(r_i32!(rhs))),
            Op::I32Mul { dst, lhs, rhs } => w_i32!(dst, r_i32!(lhs).wrapping_mul(r_i32!(rhs))),
            Op::I32DivS { dst, lhs, rhs } => w_i32!(dst, n::i32_div_s(r_i32!(lhs), r_i32!(rhs))?),
            Op::I32DivU { dst, lhs, rhs } => {
                w_i32!(dst, n::i32_div_u(r_i32!(lhs) as u32, r_i32!(rhs) as u32)?)
            }
            Op::I32RemS { dst, lhs, rhs } => w_i32!(dst, n::i32_rem_s(r_i32!(lhs), r_i32!(rhs))?),
            Op::I32RemU { dst, lhs, rhs } => {
                w_i32!(dst, n::i32_rem_u(r_i32!(lhs) as u32, r_i32!(rhs) as u32)?)
            }
            Op::I32And { dst, lhs, rhs } => w_i32!(dst, r_i32!(lhs) & r_i32!(rhs)),
            Op::I32Or { dst, lhs, rhs } => w_i32!(dst, r_i32!(lhs) | r_i32!(rhs)),
            Op::I32Xor { dst, lhs, rhs } => w_i32!(dst, r_i32!(lhs) ^ r_i32!(rhs)),
            Op::I32Shl { dst, lhs, rhs } => w_i32!(dst, n::i32_shl(r_i32!(lhs), r_i32!(rhs))),
            Op::I32ShrS { dst, lhs, rhs } => w_i32!(dst, n::i32_shr_s(r_i32!(lhs), r_i32!(rhs))),
            Op::I32ShrU { dst, lhs, rhs } => w_i32!(dst, n::i32_shr_u(r_i32!(lhs), r_i32!(rhs))),
            Op::I32Rotl { dst, lhs, rhs } => w_i32!(dst, n::i32_rotl(r_i32!(lhs), r_i32!(rhs))),
            Op::I32Rotr { dst, lhs, rhs } => w_i32!(dst, n::i32_rotr(r_i32!(lhs), r_i32!(rhs))),

            // i64 numerics.
            Op::I64Eqz { dst, src } => w_i32!(dst, (c!(src) == 0) as i32),
            Op::I64Eq { dst, lhs, rhs } => w_i32!(dst, (r_i64!(lhs) == r_i64!(rhs)) as i32),
            Op::I64Ne { dst, lhs, rhs } => w_i32!(dst, (r_i64!(lhs) != r_i64!(rhs)) as i32),
            Op::I64LtS { dst, lhs, rhs } => w_i32!(dst, (r_i64!(lhs) < r_i64!(rhs)) as i32),
            Op::I64LtU { dst, lhs, rhs } => w_i32!(dst, (c!(lhs) < c!(rhs)) as i32),
            Op::I64GtS { dst, lhs, rhs } => w_i32!(dst, (r_i64!(lhs) > r_i64!(rhs)) as i32),
            Op::I64GtU { dst, lhs, rhs } => w_i32!(dst, (c!(lhs) > c!(rhs)) as i32),
            Op::I64LeS { dst, lhs, rhs } => w_i32!(dst, (r_i64!(lhs) <= r_i64!(rhs)) as i32),
            Op::I64LeU { dst, lhs, rhs } => w_i32!(dst, (c!(lhs) <= c!(rhs)) as i32),
            Op::I64GeS { dst, lhs, rhs } => w_i32!(dst, (r_i64!(lhs) >= r_i64!(rhs)) as i32),
            Op::I64GeU { dst, lhs, rhs } => w_i32!(dst, (c!(lhs) >= c!(rhs)) as i32),
            Op::I64Clz { dst, src } => w_i64!(dst, n::i64_clz(r_i64!(src))),
            Op::I64Ctz { dst, src } => w_i64!(dst, n::i64_ctz(r_i64!(src))),
            Op::I64Popcnt { dst, src } => w_i64!(dst, n::i64_popcnt(r_i64!(src))),
            Op::I64Add { dst, lhs, rhs } => w_i64!(dst, r_i64!(lhs).wrapping_add(r_i64!(rhs))),
            Op::I64Sub { dst, lhs, rhs } => w_i64!(dst, r_i64!(lhs).wrapping_sub(r_i64!(rhs))),
            Op::I64Mul { dst, lhs, rhs } => w_i64!(dst, r_i64!(lhs).wrapping_mul(r_i64!(rhs))),
            Op::I64DivS { dst, lhs, rhs } => w_i64!(dst, n::i64_div_s(r_i64!(lhs), r_i64!(rhs))?),
            Op::I64DivU { dst, lhs, rhs } => w_i64!(dst, n::i64_div_u(c!(lhs), c!(rhs))?),
            Op::I64RemS { dst, lhs, rhs } => w_i64!(dst, n::i64_rem_s(r_i64!(lhs), r_i64!(rhs))?),
            Op::I64RemU { dst, lhs, rhs } => w_i64!(dst, n::i64_rem_u(c!(lhs), c!(rhs))?),
            Op::I64And { dst, lhs, rhs } => set!(dst, c!(lhs) & c!(rhs)),
            Op::I64Or { dst, lhs, rhs } => set!(dst, c!(lhs) | c!(rhs)),
            Op::I64Xor { dst, lhs, rhs } => set!(dst, c!(lhs) ^ c!(rhs)),
            Op::I64Shl { dst, lhs, rhs } => w_i64!(dst, n::i64_shl(r_i64!(lhs), r_i64!(rhs))),
            Op::I64ShrS { dst, lhs, rhs } => w_i64!(dst, n::i64_shr_s(r_i64!(lhs), r_i64!(rhs))),
            Op::I64ShrU { dst, lhs, rhs } => w_i64!(dst, n::i64_shr_u(r_i64!(lhs), r_i64!(rhs))),
            Op::I64Rotl { dst, lhs, rhs } => w_i64!(dst, n::i64_rotl(r_i64!(lhs), r_i64!(rhs))),
            Op::I64Rotr { dst, lhs, rhs } => w_i64!(dst, n::i64_rotr(r_i64!(lhs), r_i64!(rhs))),

            // f32 numerics.
            Op::F32Eq { dst, lhs, rhs } => w_i32!(dst, (r_f32!(lhs) == r_f32!(rhs)) as i32),
            Op::F32Ne { dst, lhs, rhs } => w_i32!(dst, (r_f32!(lhs) != r_f32!(rhs)) as i32),
            Op::F32Lt { dst, lhs, rhs } => w_i32!(dst, (r_f32!(lhs) < r_f32!(rhs)) as i32),
            Op::F32Gt { dst, lhs, rhs } => w_i32!(dst, (r_f32!(lhs) > r_f32!(rhs)) as i32),
            Op::F32Le { dst, lhs, rhs } => w_i32!(dst, (r_f32!(lhs) <= r_f32!(rhs)) as i32),
            Op::F32Ge { dst, lhs, rhs } => w_i32!(dst, (r_f32!(lhs) >= r_f32!(rhs)) as i32),
            Op::F32Abs { dst, src } => w_f32!(dst, n::f32_abs(r_f32!(src))),
            Op::F32Neg { dst, src } => w_f32!(dst, n::f32_neg(r_f32!(src))),
            Op::F32Ceil { dst, src } => w_f32!(dst, n::f32_ceil(r_f32!(src))),
            Op::F32Floor { dst, src } => w_f32!(dst, n::f32_floor(r_f32!(src))),
            Op::F32Trunc { dst, src } => w_f32!(dst, n::f32_trunc(r_f32!(src))),
            Op::F32Nearest { dst, src } => w_f32!(dst, n::f32_nearest(r_f32!(src))),
            Op::F32Sqrt { dst, src } => w_f32!(dst, n::f32_sqrt(r_f32!(src))),
            Op::F32Add { dst, lhs, rhs } => w_f32!(dst, r_f32!(lhs) + r_f32!(rhs)),
            Op::F32Sub { dst, lhs, rhs } => w_f32!(dst, r_f32!(lhs) - r_f32!(rhs)),
            Op::F32Mul { dst, lhs, rhs } => w_f32!(dst, r_f32!(lhs) * r_f32!(rhs)),
            Op::F32Div { dst, lhs, rhs } => w_f32!(dst, r_f32!(lhs) / r_f32!(rhs)),
            Op::F32Min { dst, lhs, rhs } => w_f32!(dst, n::f32_min(r_f32!(lhs), r_f32!(rhs))),
            Op::F32Max { dst, lhs, rhs } => w_f32!(dst, n::f32_max(r_f32!(lhs), r_f32!(rhs))),
            Op::F32Copysign { dst, lhs, rhs } => {
                w_f32!(dst, n::f32_copysign(r_f32!(lhs), r_f32!(rhs)))
            }

            // f64 numerics.
            Op::F64Eq { dst, lhs, rhs } => w_i32!(dst, (r_f64!(lhs) == r_f64!(rhs)) as i32),
            Op::F64Ne { dst, lhs, rhs } => w_i32!(dst, (r_f64!(lhs) != r_f64!(rhs)) as i32),
            Op::F64Lt { dst, lhs, rhs } => w_i32!(dst, (r_f64!(lhs) < r_f64!(rhs)) as i32),
            Op::F64Gt { dst, lhs, rhs } => w_i32!(dst, (r_f64!(lhs) > r_f64!(rhs)) as i32),
            Op::F64Le { dst, lhs, rhs } => w_i32!(dst, (r_f64!(lhs) <= r_f64!(rhs)) as i32),
            Op::F64Ge { dst, lhs, rhs } => w_i32!(dst, (r_f64!(lhs) >= r_f64!(rhs)) as i32),
            Op::F64Abs { dst, src } => w_f64!(dst, n::f64_abs(r_f64!(src))),
            Op::F64Neg { dst, src } => w_f64!(dst, n::f64_neg(r_f64!(src))),
            Op::F64Ceil { dst, src } => w_f64!(dst, n::f64_ceil(r_f64!(src))),
            Op::F64Floor { dst, src } => w_f64!(dst, n::f64_floor(r_f64!(src))),
            Op::F64Trunc { dst, src } => w_f64!(dst, n::f64_trunc(r_f64!(src))),
            Op::F64Nearest { dst, src } => w_f64!(dst, n::f64_nearest(r_f64!(src))),
            Op::F64Sqrt { dst, src } => w_f64!(dst, n::f64_sqrt(r_f64!(src))),
            Op::F64Add { dst, lhs, rhs } => w_f64!(dst, r_f64!(lhs) + r_f64!(rhs)),
            Op::F64Sub { dst, lhs, rhs } => w_f64!(dst, r_f64!(lhs) - r_f64!(rhs)),
            Op::F64Mul { dst, lhs, rhs } => w_f64!(dst, r_f64!(lhs) * r_f64!(rhs)),
            Op::F64Div { dst, lhs, rhs } => w_f64!(dst, r_f64!(lhs) / r_f64!(rhs)),
            Op::F64Min { dst, lhs, rhs } => w_f64!(dst, n::f64_min(r_f64!(lhs), r_f64!(rhs))),
            Op::F64Max { dst, lhs, rhs } => w_f64!(dst, n::f64_max(r_f64!(lhs), r_f64!(rhs))),
            Op::F64Copysign { dst, lhs, rhs } => {
                w_f64!(dst, n::f64_copysign(r_f64!(lhs), r_f64!(rhs)))
            }

            // Conversions.
            Op::I32WrapI64 { dst, src } => w_i32!(dst, c!(src) as u32),
            Op::I32TruncF32S { dst, src } => w_i32!(dst, n::i32_trunc_f32_s(r_f32!(src))?),
            Op::I32TruncF32U { dst, src } => w_i32!(dst, n::i32_trunc_f32_u(r_f32!(src))?),
            Op::I32TruncF64S { dst, src } => w_i32!(dst, n::i32_trunc_f64_s(r_f64!(src))?),
            Op::I32TruncF64U { dst, src } => w_i32!(dst, n::i32_trunc_f64_u(r_f64!(src))?),
            Op::I64ExtendI32S { dst, src } => w_i64!(dst, r_i32!(src) as i64),
            Op::I64ExtendI32U { dst, src } => w_i64!(dst, r_i32!(src) as u32),
            Op::I64TruncF32S { dst, src } => w_i64!(dst, n::i64_trunc_f32_s(r_f32!(src))?),
            Op::I64TruncF32U { dst, src } => w_i64!(dst, n::i64_trunc_f32_u(r_f32!(src))?),
            Op::I64TruncF64S { dst, src } => w_i64!(dst, n::i64_trunc_f64_s(r_f64!(src))?),
            Op::I64TruncF64U { dst, src } => w_i64!(dst, n::i64_trunc_f64_u(r_f64!(src))?),
            Op::F32ConvertI32S { dst, src } => w_f32!(dst, n::f32_convert_i32_s(r_i32!(src))),
            Op::F32ConvertI32U { dst, src } => {
                w_f32!(dst, n::f32_convert_i32_u(r_i32!(src) as u32))
            }
            Op::F32ConvertI64S { dst, src } => w_f32!(dst, n::f32_convert_i64_s(r_i64!(src))),
            Op::F32ConvertI64U { dst, src } => w_f32!(dst, n::f32_convert_i64_u(c!(src))),
            Op::F32DemoteF64 { dst, src } => w_f32!(dst, n::f32_demote_f64(r_f64!(src))),
            Op::F64ConvertI32S { dst, src } => w_f64!(dst, n::f64_convert_i32_s(r_i32!(src))),
            Op::F64ConvertI32U { dst, src } => {
                w_f64!(dst, n::f64_convert_i32_u(r_i32!(src) as u32))
            }
            Op::F64ConvertI64S { dst, src } => w_f64!(dst, n::f64_convert_i64_s(r_i64!(src))),
            Op::F64ConvertI64U { dst, src } => w_f64!(dst, n::f64_convert_i64_u(c!(src))),
            Op::F64PromoteF32 { dst, src } => w_f64!(dst, n::f64_promote_f32(r_f32!(src))),
            Op::I32Extend8S { dst, src } => w_i32!(dst, n::i32_extend8_s(r_i32!(src))),
            Op::I32Extend16S { dst, src } => w_i32!(dst, n::i32_extend16_s(r_i32!(src))),
            Op::I64Extend8S { dst, src } => w_i64!(dst, n::i64_extend8_s(r_i64!(src))),
            Op::I64Extend16S { dst, src } => w_i64!(dst, n::i64_extend16_s(r_i64!(src))),
            Op::I64Extend32S { dst, src } => w_i64!(dst, n::i64_extend32_s(r_i64!(src))),
            Op::I32TruncSatF32S { dst, src } => w_i32!(dst, n::i32_trunc_sat_f32_s(r_f32!(src))),
            Op::I32TruncSatF32U { dst, src } => w_i32!(dst, n::i32_trunc_sat_f32_u(r_f32!(src))),
            Op::I32TruncSatF64S { dst, src } => w_i32!(dst, n::i32_trunc_sat_f64_s(r_f64!(src))),
            Op::I32TruncSatF64U { dst, src } => w_i32!(dst, n::i32_trunc_sat_f64_u(r_f64!(src))),
            Op::I64TruncSatF32S { dst, src } => w_i64!(dst, n::i64_trunc_sat_f32_s(r_f32!(src))),
            Op::I64TruncSatF32U { dst, src } => w_i64!(dst, n::i64_trunc_sat_f32_u(r_f32!(src))),
            Op::I64TruncSatF64S { dst, src } => w_i64!(dst, n::i64_trunc_sat_f64_s(r_f64!(src))),
            Op::I64TruncSatF64U { dst, src } => w_i64!(dst, n::i64_trunc_sat_f64_u(r_f64!(src))),
        }
    }
}
