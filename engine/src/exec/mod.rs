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
use crate::microcode::isa::{opc, read, WIDE};
use crate::microcode::translate::width;
use crate::microcode::{Compiled, Op, BR_TABLE_ENTRY};
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
    /// Ops executed in their wide form (slot operands past 65,535).
    pub(crate) wide_ops: u64,
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
    if results.iter().any(|r| store.check_val(r).is_err()) {
        return Err(Trap::host(
            "host function returned a reference of another store",
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
        store.inner.limits.max_cells(config.max_value_stack),
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
            *r = Val::read_cells(*t, &stack.cells[at..], store.inner.id);
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

// `rd!` steps `ip` past every op, also where the arm then jumps; `pc` is written only
// where a code switch may follow.
#[allow(unused_assignments)]
fn run<T>(
    store: &mut Store<T>,
    stack: &mut Stack,
    entry: Arc<Compiled>,
    entry_instance: u32,
) -> Result<(), Trap> {
    use numeric as n;
    // The configured bounds, capped by the store's stack byte limits.
    let limits = store.inner.limits;
    let max_depth = limits.max_frames(
        store.engine.config.max_call_depth,
        core::mem::size_of::<Frame>(),
    );
    let max_cells = limits.max_cells(store.engine.config.max_value_stack);
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
    let mut ops: *const u16 = code.code.as_ptr();
    // The current op: `ops + pc` when the loop starts an op. `pc` itself is only brought up
    // to date where the position must survive a code switch (frames, `sync!`).
    let mut ip: *const u16 = ops;
    macro_rules! sync {
        () => {
            fp = stack.cells.as_mut_ptr().wrapping_add(base);
            ops = code.code.as_ptr();
            ip = ops.wrapping_add(pc);
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
                ip = ops.wrapping_add($target as usize);
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
        // SAFETY: `verify` decoded every op of the stream (so every word from an op's start on
        // belongs to a well-formed op that ends inside it), proved every branch target is an
        // op's word offset, every `BrTable` followed by its `BR_TABLE_ENTRY`-word entries and
        // the last op not falling through, so `ip` always points at an op's opcode word in
        // `code.code`; `ops` points at `code.code` and `ip` is re-derived from it and `pc` on
        // every switch (`sync!`). Arms read their operands (`rd!`)
        // before anything replaces `code`, and the replaced `code` stays alive in the frame
        // stack or the function's code state anyway.
        let p: *const u16 = ip;
        // SAFETY: as above.
        let opc = unsafe { *p };
        // Read the current op's operands (form `W`) and step `ip` past it.
        macro_rules! rd {
            ($n:ident) => {{
                // SAFETY: `p` starts a verified op of this opcode (the arm matched it) and
                // form (`W` is the arm set's width).
                let (op, n) = unsafe { read::$n::<W>(p) };
                ip = ip.wrapping_add(n);
                op
            }};
        }
        macro_rules! rd_any {
            () => {{
                // SAFETY: `p` starts a verified op of form `W`.
                let (op, n) = unsafe { read::any::<W>(p) };
                ip = ip.wrapping_add(n);
                op
            }};
        }
        // One arm per opcode, instantiated twice: for the ops' narrow form (`W = false`,
        // `opc::*` words) and, in the narrow match's fallback, for their wide form
        // (`W = true`, `opcw::*` words with `WIDE` set; two words per slot operand), so a
        // narrow op pays nothing for the wide escape.
        macro_rules! step {
            ($wide:literal, $m:ident, $fallback:expr) => {{
                const W: bool = $wide;
                use crate::microcode::isa::$m as oc;
                match opc {
                    oc::Unreachable => return Err(TrapCode::Unreachable.into()),
                    oc::Br => {
                        let Op::Br { target } = rd!(Br) else { unreachable!() };
                        ip = ops.wrapping_add(target as usize)
                    }
                    oc::BrIfNez => {
                        let Op::BrIfNez { cond, target } = rd!(BrIfNez) else { unreachable!() };
                        {
                        if c!(cond) as u32 != 0 {
                            ip = ops.wrapping_add(target as usize);
                        }
                    }
                    }
                    oc::BrIfEqz => {
                        let Op::BrIfEqz { cond, target } = rd!(BrIfEqz) else { unreachable!() };
                        {
                        if c!(cond) as u32 == 0 {
                            ip = ops.wrapping_add(target as usize);
                        }
                    }
                    }
                    oc::BrTable => {
                        let Op::BrTable { index, len } = rd!(BrTable) else { unreachable!() };
                        {
                        ip = ip.wrapping_add((c!(index) as u32).min(len) as usize * BR_TABLE_ENTRY);
                    }
                    }
                    oc::Return => {
                        let Op::Return { src, count } = rd!(Return) else { unreachable!() };
                        {
                        if count == 1 {
                            set!(0, c!(src));
                        } else {
                            let s = base + src as usize;
                            stack.cells.copy_within(s..s + count as usize, base);
                        }
                        pop_frame!();
                        sync!();
                    }
                    }
                    oc::Call | oc::CallIndirect | oc::ReturnCall | oc::ReturnCallIndirect => {
                        let op = &match opc & !WIDE {
                            opc::Call => rd!(Call),
                            opc::ReturnCall => rd!(ReturnCall),
                            opc::CallIndirect => rd!(CallIndirect),
                            _ => rd!(ReturnCallIndirect),
                        };
                        // The return point, kept across the switch to the callee's code.
                        pc = (ip as usize - ops as usize) / 2;
                        {
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
                            store.run_trap_hook(store.inner.func(f))?;
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
                                    // Fallible growth: a host out of RAM is a trap, not an
                                    // abort.
                                    if stack.frames.len() >= max_depth
                                        || stack.frames.try_reserve(1).is_err()
                                    {
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
                                        let v = Val::read_cells(
                                            *t,
                                            &stack.cells[at..],
                                            store.inner.id,
                                        );
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
                                    Some(store.inner.instance(inst as u32)),
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
                    }
                    oc::V128Const | oc::V128Shuffle | oc::V128Un | oc::V128Bin | oc::V128Tern | oc::V128Shift | oc::V128Test | oc::V128Splat | oc::V128Extract | oc::V128Replace | oc::V128Load | oc::V128Load32Zero | oc::V128Load64Zero | oc::V128Load8Splat | oc::V128Load16Splat | oc::V128Load32Splat | oc::V128Load64Splat | oc::V128Load8x8S | oc::V128Load8x8U | oc::V128Load16x4S | oc::V128Load16x4U | oc::V128Load32x2S | oc::V128Load32x2U | oc::V128Store | oc::V128Load8Lane | oc::V128Load16Lane | oc::V128Load32Lane | oc::V128Load64Lane | oc::V128Store8Lane | oc::V128Store16Lane | oc::V128Store32Lane | oc::V128Store64Lane => {
                        let op = &rd_any!();
                        {
                        let mut frame = vector::Frame {
                            cells: &mut stack.cells[base..],
                            pool: &code.pool,
                            instance: inst,
                        };
                        vector::execute(*op, &mut frame, &mut store.inner)?;
                        pc = (ip as usize - ops as usize) / 2;
                        sync!();
                    }
                    }
                    oc::Copy => {
                        let Op::Copy { dst, src } = rd!(Copy) else { unreachable!() };
                        set!(dst, c!(src))
                    }
                    oc::Copy2 => {
                        let Op::Copy2 { dst, src } = rd!(Copy2) else { unreachable!() };
                        {
                        set!(dst, c!(src));
                        set!(dst + 1, c!(src + 1));
                    }
                    }
                    oc::Select2 => {
                        let Op::Select2 { dst, cond, a, b } = rd!(Select2) else { unreachable!() };
                        {
                        let s = if c!(cond) as u32 != 0 { a } else { b };
                        let (lo, hi) = (c!(s), c!(s + 1));
                        set!(dst, lo);
                        set!(dst + 1, hi);
                    }
                    }
                    oc::Const => {
                        let Op::Const { dst, bits } = rd!(Const) else { unreachable!() };
                        set!(dst, bits)
                    }
                    oc::Select => {
                        let Op::Select { dst, cond, a, b } = rd!(Select) else { unreachable!() };
                        {
                        set!(dst, if c!(cond) as u32 != 0 { c!(a) } else { c!(b) });
                    }
                    }
                    oc::GlobalGet => {
                        let Op::GlobalGet { dst, global } = rd!(GlobalGet) else { unreachable!() };
                        {
                        let g = store.inner.instances[inst].globals[global as usize] as usize;
                        set!(dst, store.inner.globals[g].value as u64);
                    }
                    }
                    oc::GlobalGet2 => {
                        let Op::GlobalGet2 { dst, global } = rd!(GlobalGet2) else { unreachable!() };
                        {
                        let g = store.inner.instances[inst].globals[global as usize] as usize;
                        let v = store.inner.globals[g].value;
                        set!(dst, v as u64);
                        set!(dst + 1, (v >> 64) as u64);
                    }
                    }
                    oc::GlobalSet2 => {
                        let Op::GlobalSet2 { src, global } = rd!(GlobalSet2) else { unreachable!() };
                        {
                        let g = store.inner.instances[inst].globals[global as usize] as usize;
                        store.inner.globals[g].value = c!(src) as u128 | (c!(src + 1) as u128) << 64;
                    }
                    }
                    oc::GlobalSet => {
                        let Op::GlobalSet { src, global } = rd!(GlobalSet) else { unreachable!() };
                        {
                        let g = store.inner.instances[inst].globals[global as usize] as usize;
                        store.inner.globals[g].value = c!(src) as u128;
                    }
                    }
                    oc::I32AddImm => {
                        let Op::I32AddImm { dst, lhs, imm } = rd!(I32AddImm) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs).wrapping_add(imm))
                    }
                    oc::I32SubImm => {
                        let Op::I32SubImm { dst, lhs, imm } = rd!(I32SubImm) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs).wrapping_sub(imm))
                    }
                    oc::I32MulImm => {
                        let Op::I32MulImm { dst, lhs, imm } = rd!(I32MulImm) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs).wrapping_mul(imm))
                    }
                    oc::I32AndImm => {
                        let Op::I32AndImm { dst, lhs, imm } = rd!(I32AndImm) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs) & imm)
                    }
                    oc::I32OrImm => {
                        let Op::I32OrImm { dst, lhs, imm } = rd!(I32OrImm) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs) | imm)
                    }
                    oc::I32XorImm => {
                        let Op::I32XorImm { dst, lhs, imm } = rd!(I32XorImm) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs) ^ imm)
                    }
                    oc::I32ShlImm => {
                        let Op::I32ShlImm { dst, lhs, imm } = rd!(I32ShlImm) else { unreachable!() };
                        w_i32!(dst, n::i32_shl(r_i32!(lhs), imm))
                    }
                    oc::I32ShrSImm => {
                        let Op::I32ShrSImm { dst, lhs, imm } = rd!(I32ShrSImm) else { unreachable!() };
                        w_i32!(dst, n::i32_shr_s(r_i32!(lhs), imm))
                    }
                    oc::I32ShrUImm => {
                        let Op::I32ShrUImm { dst, lhs, imm } = rd!(I32ShrUImm) else { unreachable!() };
                        w_i32!(dst, n::i32_shr_u(r_i32!(lhs), imm))
                    }
                    oc::I32EqImm => {
                        let Op::I32EqImm { dst, lhs, imm } = rd!(I32EqImm) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) == imm) as i32)
                    }
                    oc::I32NeImm => {
                        let Op::I32NeImm { dst, lhs, imm } = rd!(I32NeImm) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) != imm) as i32)
                    }
                    oc::I32LtSImm => {
                        let Op::I32LtSImm { dst, lhs, imm } = rd!(I32LtSImm) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) < imm) as i32)
                    }
                    oc::I32LtUImm => {
                        let Op::I32LtUImm { dst, lhs, imm } = rd!(I32LtUImm) else { unreachable!() };
                        {
                        w_i32!(dst, ((r_i32!(lhs) as u32) < imm as u32) as i32)
                    }
                    }
                    oc::I32GtSImm => {
                        let Op::I32GtSImm { dst, lhs, imm } = rd!(I32GtSImm) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) > imm) as i32)
                    }
                    oc::I32GtUImm => {
                        let Op::I32GtUImm { dst, lhs, imm } = rd!(I32GtUImm) else { unreachable!() };
                        {
                        w_i32!(dst, (r_i32!(lhs) as u32 > imm as u32) as i32)
                    }
                    }
                    oc::I32LeSImm => {
                        let Op::I32LeSImm { dst, lhs, imm } = rd!(I32LeSImm) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) <= imm) as i32)
                    }
                    oc::I32LeUImm => {
                        let Op::I32LeUImm { dst, lhs, imm } = rd!(I32LeUImm) else { unreachable!() };
                        {
                        w_i32!(dst, (r_i32!(lhs) as u32 <= imm as u32) as i32)
                    }
                    }
                    oc::I32GeSImm => {
                        let Op::I32GeSImm { dst, lhs, imm } = rd!(I32GeSImm) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) >= imm) as i32)
                    }
                    oc::I32GeUImm => {
                        let Op::I32GeUImm { dst, lhs, imm } = rd!(I32GeUImm) else { unreachable!() };
                        {
                        w_i32!(dst, (r_i32!(lhs) as u32 >= imm as u32) as i32)
                    }
                    }
                    oc::I64AddImm => {
                        let Op::I64AddImm { dst, lhs, imm } = rd!(I64AddImm) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs).wrapping_add(imm))
                    }
                    oc::I64SubImm => {
                        let Op::I64SubImm { dst, lhs, imm } = rd!(I64SubImm) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs).wrapping_sub(imm))
                    }
                    oc::I64MulImm => {
                        let Op::I64MulImm { dst, lhs, imm } = rd!(I64MulImm) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs).wrapping_mul(imm))
                    }
                    oc::I64AndImm => {
                        let Op::I64AndImm { dst, lhs, imm } = rd!(I64AndImm) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs) & imm)
                    }
                    oc::I64OrImm => {
                        let Op::I64OrImm { dst, lhs, imm } = rd!(I64OrImm) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs) | imm)
                    }
                    oc::I64XorImm => {
                        let Op::I64XorImm { dst, lhs, imm } = rd!(I64XorImm) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs) ^ imm)
                    }
                    oc::I64ShlImm => {
                        let Op::I64ShlImm { dst, lhs, imm } = rd!(I64ShlImm) else { unreachable!() };
                        w_i64!(dst, n::i64_shl(r_i64!(lhs), imm))
                    }
                    oc::I64ShrSImm => {
                        let Op::I64ShrSImm { dst, lhs, imm } = rd!(I64ShrSImm) else { unreachable!() };
                        w_i64!(dst, n::i64_shr_s(r_i64!(lhs), imm))
                    }
                    oc::I64ShrUImm => {
                        let Op::I64ShrUImm { dst, lhs, imm } = rd!(I64ShrUImm) else { unreachable!() };
                        w_i64!(dst, n::i64_shr_u(r_i64!(lhs), imm))
                    }
                    oc::I64EqImm => {
                        let Op::I64EqImm { dst, lhs, imm } = rd!(I64EqImm) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) == imm) as i32)
                    }
                    oc::I64NeImm => {
                        let Op::I64NeImm { dst, lhs, imm } = rd!(I64NeImm) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) != imm) as i32)
                    }
                    oc::I64LtSImm => {
                        let Op::I64LtSImm { dst, lhs, imm } = rd!(I64LtSImm) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) < imm) as i32)
                    }
                    oc::I64LtUImm => {
                        let Op::I64LtUImm { dst, lhs, imm } = rd!(I64LtUImm) else { unreachable!() };
                        w_i32!(dst, (c!(lhs) < imm as u64) as i32)
                    }
                    oc::I64GtSImm => {
                        let Op::I64GtSImm { dst, lhs, imm } = rd!(I64GtSImm) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) > imm) as i32)
                    }
                    oc::I64GtUImm => {
                        let Op::I64GtUImm { dst, lhs, imm } = rd!(I64GtUImm) else { unreachable!() };
                        w_i32!(dst, (c!(lhs) > imm as u64) as i32)
                    }
                    oc::I64LeSImm => {
                        let Op::I64LeSImm { dst, lhs, imm } = rd!(I64LeSImm) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) <= imm) as i32)
                    }
                    oc::I64LeUImm => {
                        let Op::I64LeUImm { dst, lhs, imm } = rd!(I64LeUImm) else { unreachable!() };
                        w_i32!(dst, (c!(lhs) <= imm as u64) as i32)
                    }
                    oc::I64GeSImm => {
                        let Op::I64GeSImm { dst, lhs, imm } = rd!(I64GeSImm) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) >= imm) as i32)
                    }
                    oc::I64GeUImm => {
                        let Op::I64GeUImm { dst, lhs, imm } = rd!(I64GeUImm) else { unreachable!() };
                        w_i32!(dst, (c!(lhs) >= imm as u64) as i32)
                    }

                    // Fused compare-and-branch.
                    oc::BrIfI32Eq => {
                        let Op::BrIfI32Eq { lhs, rhs, target } = rd!(BrIfI32Eq) else { unreachable!() };
                        br_if!(r_i32!(lhs) == r_i32!(rhs), target)
                    }
                    oc::BrIfI32Ne => {
                        let Op::BrIfI32Ne { lhs, rhs, target } = rd!(BrIfI32Ne) else { unreachable!() };
                        br_if!(r_i32!(lhs) != r_i32!(rhs), target)
                    }
                    oc::BrIfI32LtS => {
                        let Op::BrIfI32LtS { lhs, rhs, target } = rd!(BrIfI32LtS) else { unreachable!() };
                        br_if!(r_i32!(lhs) < r_i32!(rhs), target)
                    }
                    oc::BrIfI32LtU => {
                        let Op::BrIfI32LtU { lhs, rhs, target } = rd!(BrIfI32LtU) else { unreachable!() };
                        {
                        br_if!((r_i32!(lhs) as u32) < r_i32!(rhs) as u32, target)
                    }
                    }
                    oc::BrIfI32GtS => {
                        let Op::BrIfI32GtS { lhs, rhs, target } = rd!(BrIfI32GtS) else { unreachable!() };
                        br_if!(r_i32!(lhs) > r_i32!(rhs), target)
                    }
                    oc::BrIfI32GtU => {
                        let Op::BrIfI32GtU { lhs, rhs, target } = rd!(BrIfI32GtU) else { unreachable!() };
                        {
                        br_if!(r_i32!(lhs) as u32 > r_i32!(rhs) as u32, target)
                    }
                    }
                    oc::BrIfI32LeS => {
                        let Op::BrIfI32LeS { lhs, rhs, target } = rd!(BrIfI32LeS) else { unreachable!() };
                        br_if!(r_i32!(lhs) <= r_i32!(rhs), target)
                    }
                    oc::BrIfI32LeU => {
                        let Op::BrIfI32LeU { lhs, rhs, target } = rd!(BrIfI32LeU) else { unreachable!() };
                        {
                        br_if!(r_i32!(lhs) as u32 <= r_i32!(rhs) as u32, target)
                    }
                    }
                    oc::BrIfI32GeS => {
                        let Op::BrIfI32GeS { lhs, rhs, target } = rd!(BrIfI32GeS) else { unreachable!() };
                        br_if!(r_i32!(lhs) >= r_i32!(rhs), target)
                    }
                    oc::BrIfI32GeU => {
                        let Op::BrIfI32GeU { lhs, rhs, target } = rd!(BrIfI32GeU) else { unreachable!() };
                        {
                        br_if!(r_i32!(lhs) as u32 >= r_i32!(rhs) as u32, target)
                    }
                    }
                    oc::BrIfF32Lt => {
                        let Op::BrIfF32Lt { lhs, rhs, target } = rd!(BrIfF32Lt) else { unreachable!() };
                        br_if!(r_f32!(lhs) < r_f32!(rhs), target)
                    }
                    oc::BrIfF32Gt => {
                        let Op::BrIfF32Gt { lhs, rhs, target } = rd!(BrIfF32Gt) else { unreachable!() };
                        br_if!(r_f32!(lhs) > r_f32!(rhs), target)
                    }
                    oc::BrIfF32Le => {
                        let Op::BrIfF32Le { lhs, rhs, target } = rd!(BrIfF32Le) else { unreachable!() };
                        br_if!(r_f32!(lhs) <= r_f32!(rhs), target)
                    }
                    oc::BrIfF32Ge => {
                        let Op::BrIfF32Ge { lhs, rhs, target } = rd!(BrIfF32Ge) else { unreachable!() };
                        br_if!(r_f32!(lhs) >= r_f32!(rhs), target)
                    }
                    oc::BrIfF64Lt => {
                        let Op::BrIfF64Lt { lhs, rhs, target } = rd!(BrIfF64Lt) else { unreachable!() };
                        br_if!(r_f64!(lhs) < r_f64!(rhs), target)
                    }
                    oc::BrIfF64Gt => {
                        let Op::BrIfF64Gt { lhs, rhs, target } = rd!(BrIfF64Gt) else { unreachable!() };
                        br_if!(r_f64!(lhs) > r_f64!(rhs), target)
                    }
                    oc::BrIfF64Le => {
                        let Op::BrIfF64Le { lhs, rhs, target } = rd!(BrIfF64Le) else { unreachable!() };
                        br_if!(r_f64!(lhs) <= r_f64!(rhs), target)
                    }
                    oc::BrIfF64Ge => {
                        let Op::BrIfF64Ge { lhs, rhs, target } = rd!(BrIfF64Ge) else { unreachable!() };
                        br_if!(r_f64!(lhs) >= r_f64!(rhs), target)
                    }
                    oc::BrIfI32EqImm => {
                        let Op::BrIfI32EqImm { lhs, imm, target } = rd!(BrIfI32EqImm) else { unreachable!() };
                        br_if!(r_i32!(lhs) == imm, target)
                    }
                    oc::BrIfI32NeImm => {
                        let Op::BrIfI32NeImm { lhs, imm, target } = rd!(BrIfI32NeImm) else { unreachable!() };
                        br_if!(r_i32!(lhs) != imm, target)
                    }
                    oc::BrIfI32LtSImm => {
                        let Op::BrIfI32LtSImm { lhs, imm, target } = rd!(BrIfI32LtSImm) else { unreachable!() };
                        br_if!(r_i32!(lhs) < imm, target)
                    }
                    oc::BrIfI32LtUImm => {
                        let Op::BrIfI32LtUImm { lhs, imm, target } = rd!(BrIfI32LtUImm) else { unreachable!() };
                        {
                        br_if!((r_i32!(lhs) as u32) < imm as u32, target)
                    }
                    }
                    oc::BrIfI32GtSImm => {
                        let Op::BrIfI32GtSImm { lhs, imm, target } = rd!(BrIfI32GtSImm) else { unreachable!() };
                        br_if!(r_i32!(lhs) > imm, target)
                    }
                    oc::BrIfI32GtUImm => {
                        let Op::BrIfI32GtUImm { lhs, imm, target } = rd!(BrIfI32GtUImm) else { unreachable!() };
                        {
                        br_if!(r_i32!(lhs) as u32 > imm as u32, target)
                    }
                    }
                    oc::BrIfI32LeSImm => {
                        let Op::BrIfI32LeSImm { lhs, imm, target } = rd!(BrIfI32LeSImm) else { unreachable!() };
                        br_if!(r_i32!(lhs) <= imm, target)
                    }
                    oc::BrIfI32LeUImm => {
                        let Op::BrIfI32LeUImm { lhs, imm, target } = rd!(BrIfI32LeUImm) else { unreachable!() };
                        {
                        br_if!(r_i32!(lhs) as u32 <= imm as u32, target)
                    }
                    }
                    oc::BrIfI32GeSImm => {
                        let Op::BrIfI32GeSImm { lhs, imm, target } = rd!(BrIfI32GeSImm) else { unreachable!() };
                        br_if!(r_i32!(lhs) >= imm, target)
                    }
                    oc::BrIfI32GeUImm => {
                        let Op::BrIfI32GeUImm { lhs, imm, target } = rd!(BrIfI32GeUImm) else { unreachable!() };
                        {
                        br_if!(r_i32!(lhs) as u32 >= imm as u32, target)
                    }
                    }

                    // Memory.
                    oc::I32Load => {
                        let Op::I32Load {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I32Load) else { unreachable!() };
                        {
                        load!(dst, addr, mem, offset, 4, |b| u32::from_le_bytes(b) as u64)
                    }
                    }
                    oc::I64Load => {
                        let Op::I64Load {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I64Load) else { unreachable!() };
                        load!(dst, addr, mem, offset, 8, u64::from_le_bytes)
                    }
                    oc::I32Load8S => {
                        let Op::I32Load8S {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I32Load8S) else { unreachable!() };
                        {
                        load!(
                            dst,
                            addr,
                            mem,
                            offset,
                            1,
                            |b: [u8; 1]| b[0] as i8 as i32 as u32 as u64
                        )
                    }
                    }
                    oc::I32Load8U => {
                        let Op::I32Load8U {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I32Load8U) else { unreachable!() };
                        load!(dst, addr, mem, offset, 1, |b: [u8; 1]| b[0] as u64)
                    }
                    oc::I32Load16S => {
                        let Op::I32Load16S {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I32Load16S) else { unreachable!() };
                        {
                        load!(
                            dst,
                            addr,
                            mem,
                            offset,
                            2,
                            |b| i16::from_le_bytes(b) as i32 as u32 as u64
                        )
                    }
                    }
                    oc::I32Load16U => {
                        let Op::I32Load16U {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I32Load16U) else { unreachable!() };
                        {
                        load!(dst, addr, mem, offset, 2, |b| u16::from_le_bytes(b) as u64)
                    }
                    }
                    oc::I64Load8S => {
                        let Op::I64Load8S {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I64Load8S) else { unreachable!() };
                        {
                        load!(dst, addr, mem, offset, 1, |b: [u8; 1]| b[0] as i8 as i64
                            as u64)
                    }
                    }
                    oc::I64Load8U => {
                        let Op::I64Load8U {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I64Load8U) else { unreachable!() };
                        load!(dst, addr, mem, offset, 1, |b: [u8; 1]| b[0] as u64)
                    }
                    oc::I64Load16S => {
                        let Op::I64Load16S {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I64Load16S) else { unreachable!() };
                        {
                        load!(dst, addr, mem, offset, 2, |b| i16::from_le_bytes(b) as i64
                            as u64)
                    }
                    }
                    oc::I64Load16U => {
                        let Op::I64Load16U {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I64Load16U) else { unreachable!() };
                        {
                        load!(dst, addr, mem, offset, 2, |b| u16::from_le_bytes(b) as u64)
                    }
                    }
                    oc::I64Load32S => {
                        let Op::I64Load32S {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I64Load32S) else { unreachable!() };
                        {
                        load!(dst, addr, mem, offset, 4, |b| i32::from_le_bytes(b) as i64
                            as u64)
                    }
                    }
                    oc::I64Load32U => {
                        let Op::I64Load32U {
                        dst,
                        addr,
                        mem,
                        offset,
                    } = rd!(I64Load32U) else { unreachable!() };
                        {
                        load!(dst, addr, mem, offset, 4, |b| u32::from_le_bytes(b) as u64)
                    }
                    }
                    oc::I32Store => {
                        let Op::I32Store {
                        addr,
                        src,
                        mem,
                        offset,
                    } = rd!(I32Store) else { unreachable!() };
                        {
                        store_op!(addr, src, mem, offset, |v: u64| (v as u32).to_le_bytes())
                    }
                    }
                    oc::I64Store => {
                        let Op::I64Store {
                        addr,
                        src,
                        mem,
                        offset,
                    } = rd!(I64Store) else { unreachable!() };
                        store_op!(addr, src, mem, offset, |v: u64| v.to_le_bytes())
                    }
                    oc::I32Store8 => {
                        let Op::I32Store8 { addr, src, mem, offset } = rd!(I32Store8) else { unreachable!() };
                        store_op!(addr, src, mem, offset, |v: u64| [v as u8])
                    }
                    oc::I64Store8 => {
                        let Op::I64Store8 { addr, src, mem, offset } = rd!(I64Store8) else { unreachable!() };
                        store_op!(addr, src, mem, offset, |v: u64| [v as u8])
                    }
                    oc::I32Store16 => {
                        let Op::I32Store16 { addr, src, mem, offset } = rd!(I32Store16) else { unreachable!() };
                        store_op!(addr, src, mem, offset, |v: u64| (v as u16).to_le_bytes())
                    }
                    oc::I64Store16 => {
                        let Op::I64Store16 { addr, src, mem, offset } = rd!(I64Store16) else { unreachable!() };
                        store_op!(addr, src, mem, offset, |v: u64| (v as u16).to_le_bytes())
                    }
                    oc::I64Store32 => {
                        let Op::I64Store32 {
                        addr,
                        src,
                        mem,
                        offset,
                    } = rd!(I64Store32) else { unreachable!() };
                        {
                        store_op!(addr, src, mem, offset, |v: u64| (v as u32).to_le_bytes())
                    }
                    }
                    oc::MemorySize => {
                        let Op::MemorySize { dst, mem } = rd!(MemorySize) else { unreachable!() };
                        {
                        set!(dst, mem!(mem).pages());
                        refresh_mem0!();
                    }
                    }
                    oc::MemoryGrow => {
                        let Op::MemoryGrow { dst, delta, mem } = rd!(MemoryGrow) else { unreachable!() };
                        {
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
                    }
                    oc::MemoryFill => {
                        let Op::MemoryFill { mem, dst, val, len } = rd!(MemoryFill) else { unreachable!() };
                        {
                        let (d, v, l) = (c!(dst), c!(val) as u8, c!(len));
                        let (m, off) = mem_off!(mem);
                        m.fill(off, d, l, v)?;
                        refresh_mem0!();
                    }
                    }
                    oc::MemoryCopy => {
                        let Op::MemoryCopy {
                        dst_mem,
                        src_mem,
                        dst,
                        src,
                        len,
                    } = rd!(MemoryCopy) else { unreachable!() };
                        {
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
                    }
                    oc::MemoryInit => {
                        let Op::MemoryInit {
                        mem,
                        data,
                        dst,
                        src,
                        len,
                    } = rd!(MemoryInit) else { unreachable!() };
                        {
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
                    }
                    oc::DataDrop => {
                        let Op::DataDrop { data } = rd!(DataDrop) else { unreachable!() };
                        {
                        let di = store.inner.instances[inst].datas[data as usize] as usize;
                        store.inner.datas[di].range = 0..0;
                    }
                    }

                    // Tables and references.
                    oc::TableGet => {
                        let Op::TableGet { dst, table, index } = rd!(TableGet) else { unreachable!() };
                        {
                        let i = c!(index);
                        set!(dst, table!(table).get(i)?);
                    }
                    }
                    oc::TableSet => {
                        let Op::TableSet { table, index, val } = rd!(TableSet) else { unreachable!() };
                        {
                        let (i, v) = (c!(index), c!(val));
                        table!(table).set(i, v)?;
                    }
                    }
                    oc::TableSize => {
                        let Op::TableSize { dst, table } = rd!(TableSize) else { unreachable!() };
                        set!(dst, table!(table).size())
                    }
                    oc::TableGrow => {
                        let Op::TableGrow {
                        dst,
                        table,
                        init,
                        delta,
                    } = rd!(TableGrow) else { unreachable!() };
                        {
                        let (v, d) = (c!(init), c!(delta));
                        let t = table!(table);
                        let fail = if t.ty.table64 {
                            u64::MAX
                        } else {
                            u32::MAX as u64
                        };
                        set!(dst, t.grow(d, v).unwrap_or(fail));
                    }
                    }
                    oc::TableFill => {
                        let Op::TableFill {
                        table,
                        dst,
                        val,
                        len,
                    } = rd!(TableFill) else { unreachable!() };
                        {
                        let (d, v, l) = (c!(dst), c!(val), c!(len));
                        let t = table!(table);
                        let r = t.range(d, l)?;
                        t.elems[r].fill(v);
                    }
                    }
                    oc::TableCopy => {
                        let Op::TableCopy {
                        dst_table,
                        src_table,
                        dst,
                        src,
                        len,
                    } = rd!(TableCopy) else { unreachable!() };
                        {
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
                    }
                    oc::TableInit => {
                        let Op::TableInit {
                        table,
                        elem,
                        dst,
                        src,
                        len,
                    } = rd!(TableInit) else { unreachable!() };
                        {
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
                    }
                    oc::ElemDrop => {
                        let Op::ElemDrop { elem } = rd!(ElemDrop) else { unreachable!() };
                        {
                        let ei = store.inner.instances[inst].elems[elem as usize] as usize;
                        store.inner.elems[ei] = Vec::new();
                    }
                    }
                    oc::RefFunc => {
                        let Op::RefFunc { dst, func } = rd!(RefFunc) else { unreachable!() };
                        {
                        set!(
                            dst,
                            store.inner.instances[inst].funcs[func as usize] as u64 + 1
                        );
                    }
                    }

                    // i32 numerics.
                    oc::I32Eqz => {
                        let Op::I32Eqz { dst, src } = rd!(I32Eqz) else { unreachable!() };
                        w_i32!(dst, (r_i32!(src) == 0) as i32)
                    }
                    oc::I32Eq => {
                        let Op::I32Eq { dst, lhs, rhs } = rd!(I32Eq) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) == r_i32!(rhs)) as i32)
                    }
                    oc::I32Ne => {
                        let Op::I32Ne { dst, lhs, rhs } = rd!(I32Ne) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) != r_i32!(rhs)) as i32)
                    }
                    oc::I32LtS => {
                        let Op::I32LtS { dst, lhs, rhs } = rd!(I32LtS) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) < r_i32!(rhs)) as i32)
                    }
                    oc::I32LtU => {
                        let Op::I32LtU { dst, lhs, rhs } = rd!(I32LtU) else { unreachable!() };
                        {
                        w_i32!(dst, ((r_i32!(lhs) as u32) < r_i32!(rhs) as u32) as i32)
                    }
                    }
                    oc::I32GtS => {
                        let Op::I32GtS { dst, lhs, rhs } = rd!(I32GtS) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) > r_i32!(rhs)) as i32)
                    }
                    oc::I32GtU => {
                        let Op::I32GtU { dst, lhs, rhs } = rd!(I32GtU) else { unreachable!() };
                        {
                        w_i32!(dst, (r_i32!(lhs) as u32 > r_i32!(rhs) as u32) as i32)
                    }
                    }
                    oc::I32LeS => {
                        let Op::I32LeS { dst, lhs, rhs } = rd!(I32LeS) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) <= r_i32!(rhs)) as i32)
                    }
                    oc::I32LeU => {
                        let Op::I32LeU { dst, lhs, rhs } = rd!(I32LeU) else { unreachable!() };
                        {
                        w_i32!(dst, (r_i32!(lhs) as u32 <= r_i32!(rhs) as u32) as i32)
                    }
                    }
                    oc::I32GeS => {
                        let Op::I32GeS { dst, lhs, rhs } = rd!(I32GeS) else { unreachable!() };
                        w_i32!(dst, (r_i32!(lhs) >= r_i32!(rhs)) as i32)
                    }
                    oc::I32GeU => {
                        let Op::I32GeU { dst, lhs, rhs } = rd!(I32GeU) else { unreachable!() };
                        {
                        w_i32!(dst, (r_i32!(lhs) as u32 >= r_i32!(rhs) as u32) as i32)
                    }
                    }
                    oc::I32Clz => {
                        let Op::I32Clz { dst, src } = rd!(I32Clz) else { unreachable!() };
                        w_i32!(dst, n::i32_clz(r_i32!(src)))
                    }
                    oc::I32Ctz => {
                        let Op::I32Ctz { dst, src } = rd!(I32Ctz) else { unreachable!() };
                        w_i32!(dst, n::i32_ctz(r_i32!(src)))
                    }
                    oc::I32Popcnt => {
                        let Op::I32Popcnt { dst, src } = rd!(I32Popcnt) else { unreachable!() };
                        w_i32!(dst, n::i32_popcnt(r_i32!(src)))
                    }
                    oc::I32Add => {
                        let Op::I32Add { dst, lhs, rhs } = rd!(I32Add) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs).wrapping_add(r_i32!(rhs)))
                    }
                    oc::I32Sub => {
                        let Op::I32Sub { dst, lhs, rhs } = rd!(I32Sub) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs).wrapping_sub(r_i32!(rhs)))
                    }
                    oc::I32Mul => {
                        let Op::I32Mul { dst, lhs, rhs } = rd!(I32Mul) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs).wrapping_mul(r_i32!(rhs)))
                    }
                    oc::I32DivS => {
                        let Op::I32DivS { dst, lhs, rhs } = rd!(I32DivS) else { unreachable!() };
                        w_i32!(dst, n::i32_div_s(r_i32!(lhs), r_i32!(rhs))?)
                    }
                    oc::I32DivU => {
                        let Op::I32DivU { dst, lhs, rhs } = rd!(I32DivU) else { unreachable!() };
                        {
                        w_i32!(dst, n::i32_div_u(r_i32!(lhs) as u32, r_i32!(rhs) as u32)?)
                    }
                    }
                    oc::I32RemS => {
                        let Op::I32RemS { dst, lhs, rhs } = rd!(I32RemS) else { unreachable!() };
                        w_i32!(dst, n::i32_rem_s(r_i32!(lhs), r_i32!(rhs))?)
                    }
                    oc::I32RemU => {
                        let Op::I32RemU { dst, lhs, rhs } = rd!(I32RemU) else { unreachable!() };
                        {
                        w_i32!(dst, n::i32_rem_u(r_i32!(lhs) as u32, r_i32!(rhs) as u32)?)
                    }
                    }
                    oc::I32And => {
                        let Op::I32And { dst, lhs, rhs } = rd!(I32And) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs) & r_i32!(rhs))
                    }
                    oc::I32Or => {
                        let Op::I32Or { dst, lhs, rhs } = rd!(I32Or) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs) | r_i32!(rhs))
                    }
                    oc::I32Xor => {
                        let Op::I32Xor { dst, lhs, rhs } = rd!(I32Xor) else { unreachable!() };
                        w_i32!(dst, r_i32!(lhs) ^ r_i32!(rhs))
                    }
                    oc::I32Shl => {
                        let Op::I32Shl { dst, lhs, rhs } = rd!(I32Shl) else { unreachable!() };
                        w_i32!(dst, n::i32_shl(r_i32!(lhs), r_i32!(rhs)))
                    }
                    oc::I32ShrS => {
                        let Op::I32ShrS { dst, lhs, rhs } = rd!(I32ShrS) else { unreachable!() };
                        w_i32!(dst, n::i32_shr_s(r_i32!(lhs), r_i32!(rhs)))
                    }
                    oc::I32ShrU => {
                        let Op::I32ShrU { dst, lhs, rhs } = rd!(I32ShrU) else { unreachable!() };
                        w_i32!(dst, n::i32_shr_u(r_i32!(lhs), r_i32!(rhs)))
                    }
                    oc::I32Rotl => {
                        let Op::I32Rotl { dst, lhs, rhs } = rd!(I32Rotl) else { unreachable!() };
                        w_i32!(dst, n::i32_rotl(r_i32!(lhs), r_i32!(rhs)))
                    }
                    oc::I32Rotr => {
                        let Op::I32Rotr { dst, lhs, rhs } = rd!(I32Rotr) else { unreachable!() };
                        w_i32!(dst, n::i32_rotr(r_i32!(lhs), r_i32!(rhs)))
                    }

                    // i64 numerics.
                    oc::I64Eqz => {
                        let Op::I64Eqz { dst, src } = rd!(I64Eqz) else { unreachable!() };
                        w_i32!(dst, (c!(src) == 0) as i32)
                    }
                    oc::I64Eq => {
                        let Op::I64Eq { dst, lhs, rhs } = rd!(I64Eq) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) == r_i64!(rhs)) as i32)
                    }
                    oc::I64Ne => {
                        let Op::I64Ne { dst, lhs, rhs } = rd!(I64Ne) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) != r_i64!(rhs)) as i32)
                    }
                    oc::I64LtS => {
                        let Op::I64LtS { dst, lhs, rhs } = rd!(I64LtS) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) < r_i64!(rhs)) as i32)
                    }
                    oc::I64LtU => {
                        let Op::I64LtU { dst, lhs, rhs } = rd!(I64LtU) else { unreachable!() };
                        w_i32!(dst, (c!(lhs) < c!(rhs)) as i32)
                    }
                    oc::I64GtS => {
                        let Op::I64GtS { dst, lhs, rhs } = rd!(I64GtS) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) > r_i64!(rhs)) as i32)
                    }
                    oc::I64GtU => {
                        let Op::I64GtU { dst, lhs, rhs } = rd!(I64GtU) else { unreachable!() };
                        w_i32!(dst, (c!(lhs) > c!(rhs)) as i32)
                    }
                    oc::I64LeS => {
                        let Op::I64LeS { dst, lhs, rhs } = rd!(I64LeS) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) <= r_i64!(rhs)) as i32)
                    }
                    oc::I64LeU => {
                        let Op::I64LeU { dst, lhs, rhs } = rd!(I64LeU) else { unreachable!() };
                        w_i32!(dst, (c!(lhs) <= c!(rhs)) as i32)
                    }
                    oc::I64GeS => {
                        let Op::I64GeS { dst, lhs, rhs } = rd!(I64GeS) else { unreachable!() };
                        w_i32!(dst, (r_i64!(lhs) >= r_i64!(rhs)) as i32)
                    }
                    oc::I64GeU => {
                        let Op::I64GeU { dst, lhs, rhs } = rd!(I64GeU) else { unreachable!() };
                        w_i32!(dst, (c!(lhs) >= c!(rhs)) as i32)
                    }
                    oc::I64Clz => {
                        let Op::I64Clz { dst, src } = rd!(I64Clz) else { unreachable!() };
                        w_i64!(dst, n::i64_clz(r_i64!(src)))
                    }
                    oc::I64Ctz => {
                        let Op::I64Ctz { dst, src } = rd!(I64Ctz) else { unreachable!() };
                        w_i64!(dst, n::i64_ctz(r_i64!(src)))
                    }
                    oc::I64Popcnt => {
                        let Op::I64Popcnt { dst, src } = rd!(I64Popcnt) else { unreachable!() };
                        w_i64!(dst, n::i64_popcnt(r_i64!(src)))
                    }
                    oc::I64Add => {
                        let Op::I64Add { dst, lhs, rhs } = rd!(I64Add) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs).wrapping_add(r_i64!(rhs)))
                    }
                    oc::I64Sub => {
                        let Op::I64Sub { dst, lhs, rhs } = rd!(I64Sub) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs).wrapping_sub(r_i64!(rhs)))
                    }
                    oc::I64Mul => {
                        let Op::I64Mul { dst, lhs, rhs } = rd!(I64Mul) else { unreachable!() };
                        w_i64!(dst, r_i64!(lhs).wrapping_mul(r_i64!(rhs)))
                    }
                    oc::I64DivS => {
                        let Op::I64DivS { dst, lhs, rhs } = rd!(I64DivS) else { unreachable!() };
                        w_i64!(dst, n::i64_div_s(r_i64!(lhs), r_i64!(rhs))?)
                    }
                    oc::I64DivU => {
                        let Op::I64DivU { dst, lhs, rhs } = rd!(I64DivU) else { unreachable!() };
                        w_i64!(dst, n::i64_div_u(c!(lhs), c!(rhs))?)
                    }
                    oc::I64RemS => {
                        let Op::I64RemS { dst, lhs, rhs } = rd!(I64RemS) else { unreachable!() };
                        w_i64!(dst, n::i64_rem_s(r_i64!(lhs), r_i64!(rhs))?)
                    }
                    oc::I64RemU => {
                        let Op::I64RemU { dst, lhs, rhs } = rd!(I64RemU) else { unreachable!() };
                        w_i64!(dst, n::i64_rem_u(c!(lhs), c!(rhs))?)
                    }
                    oc::I64And => {
                        let Op::I64And { dst, lhs, rhs } = rd!(I64And) else { unreachable!() };
                        set!(dst, c!(lhs) & c!(rhs))
                    }
                    oc::I64Or => {
                        let Op::I64Or { dst, lhs, rhs } = rd!(I64Or) else { unreachable!() };
                        set!(dst, c!(lhs) | c!(rhs))
                    }
                    oc::I64Xor => {
                        let Op::I64Xor { dst, lhs, rhs } = rd!(I64Xor) else { unreachable!() };
                        set!(dst, c!(lhs) ^ c!(rhs))
                    }
                    oc::I64Shl => {
                        let Op::I64Shl { dst, lhs, rhs } = rd!(I64Shl) else { unreachable!() };
                        w_i64!(dst, n::i64_shl(r_i64!(lhs), r_i64!(rhs)))
                    }
                    oc::I64ShrS => {
                        let Op::I64ShrS { dst, lhs, rhs } = rd!(I64ShrS) else { unreachable!() };
                        w_i64!(dst, n::i64_shr_s(r_i64!(lhs), r_i64!(rhs)))
                    }
                    oc::I64ShrU => {
                        let Op::I64ShrU { dst, lhs, rhs } = rd!(I64ShrU) else { unreachable!() };
                        w_i64!(dst, n::i64_shr_u(r_i64!(lhs), r_i64!(rhs)))
                    }
                    oc::I64Rotl => {
                        let Op::I64Rotl { dst, lhs, rhs } = rd!(I64Rotl) else { unreachable!() };
                        w_i64!(dst, n::i64_rotl(r_i64!(lhs), r_i64!(rhs)))
                    }
                    oc::I64Rotr => {
                        let Op::I64Rotr { dst, lhs, rhs } = rd!(I64Rotr) else { unreachable!() };
                        w_i64!(dst, n::i64_rotr(r_i64!(lhs), r_i64!(rhs)))
                    }

                    // f32 numerics.
                    oc::F32Eq => {
                        let Op::F32Eq { dst, lhs, rhs } = rd!(F32Eq) else { unreachable!() };
                        w_i32!(dst, (r_f32!(lhs) == r_f32!(rhs)) as i32)
                    }
                    oc::F32Ne => {
                        let Op::F32Ne { dst, lhs, rhs } = rd!(F32Ne) else { unreachable!() };
                        w_i32!(dst, (r_f32!(lhs) != r_f32!(rhs)) as i32)
                    }
                    oc::F32Lt => {
                        let Op::F32Lt { dst, lhs, rhs } = rd!(F32Lt) else { unreachable!() };
                        w_i32!(dst, (r_f32!(lhs) < r_f32!(rhs)) as i32)
                    }
                    oc::F32Gt => {
                        let Op::F32Gt { dst, lhs, rhs } = rd!(F32Gt) else { unreachable!() };
                        w_i32!(dst, (r_f32!(lhs) > r_f32!(rhs)) as i32)
                    }
                    oc::F32Le => {
                        let Op::F32Le { dst, lhs, rhs } = rd!(F32Le) else { unreachable!() };
                        w_i32!(dst, (r_f32!(lhs) <= r_f32!(rhs)) as i32)
                    }
                    oc::F32Ge => {
                        let Op::F32Ge { dst, lhs, rhs } = rd!(F32Ge) else { unreachable!() };
                        w_i32!(dst, (r_f32!(lhs) >= r_f32!(rhs)) as i32)
                    }
                    oc::F32Abs => {
                        let Op::F32Abs { dst, src } = rd!(F32Abs) else { unreachable!() };
                        w_f32!(dst, n::f32_abs(r_f32!(src)))
                    }
                    oc::F32Neg => {
                        let Op::F32Neg { dst, src } = rd!(F32Neg) else { unreachable!() };
                        w_f32!(dst, n::f32_neg(r_f32!(src)))
                    }
                    oc::F32Ceil => {
                        let Op::F32Ceil { dst, src } = rd!(F32Ceil) else { unreachable!() };
                        w_f32!(dst, n::f32_ceil(r_f32!(src)))
                    }
                    oc::F32Floor => {
                        let Op::F32Floor { dst, src } = rd!(F32Floor) else { unreachable!() };
                        w_f32!(dst, n::f32_floor(r_f32!(src)))
                    }
                    oc::F32Trunc => {
                        let Op::F32Trunc { dst, src } = rd!(F32Trunc) else { unreachable!() };
                        w_f32!(dst, n::f32_trunc(r_f32!(src)))
                    }
                    oc::F32Nearest => {
                        let Op::F32Nearest { dst, src } = rd!(F32Nearest) else { unreachable!() };
                        w_f32!(dst, n::f32_nearest(r_f32!(src)))
                    }
                    oc::F32Sqrt => {
                        let Op::F32Sqrt { dst, src } = rd!(F32Sqrt) else { unreachable!() };
                        w_f32!(dst, n::f32_sqrt(r_f32!(src)))
                    }
                    oc::F32Add => {
                        let Op::F32Add { dst, lhs, rhs } = rd!(F32Add) else { unreachable!() };
                        w_f32!(dst, r_f32!(lhs) + r_f32!(rhs))
                    }
                    oc::F32Sub => {
                        let Op::F32Sub { dst, lhs, rhs } = rd!(F32Sub) else { unreachable!() };
                        w_f32!(dst, r_f32!(lhs) - r_f32!(rhs))
                    }
                    oc::F32Mul => {
                        let Op::F32Mul { dst, lhs, rhs } = rd!(F32Mul) else { unreachable!() };
                        w_f32!(dst, r_f32!(lhs) * r_f32!(rhs))
                    }
                    oc::F32Div => {
                        let Op::F32Div { dst, lhs, rhs } = rd!(F32Div) else { unreachable!() };
                        w_f32!(dst, r_f32!(lhs) / r_f32!(rhs))
                    }
                    oc::F32Min => {
                        let Op::F32Min { dst, lhs, rhs } = rd!(F32Min) else { unreachable!() };
                        w_f32!(dst, n::f32_min(r_f32!(lhs), r_f32!(rhs)))
                    }
                    oc::F32Max => {
                        let Op::F32Max { dst, lhs, rhs } = rd!(F32Max) else { unreachable!() };
                        w_f32!(dst, n::f32_max(r_f32!(lhs), r_f32!(rhs)))
                    }
                    oc::F32Copysign => {
                        let Op::F32Copysign { dst, lhs, rhs } = rd!(F32Copysign) else { unreachable!() };
                        {
                        w_f32!(dst, n::f32_copysign(r_f32!(lhs), r_f32!(rhs)))
                    }
                    }

                    // f64 numerics.
                    oc::F64Eq => {
                        let Op::F64Eq { dst, lhs, rhs } = rd!(F64Eq) else { unreachable!() };
                        w_i32!(dst, (r_f64!(lhs) == r_f64!(rhs)) as i32)
                    }
                    oc::F64Ne => {
                        let Op::F64Ne { dst, lhs, rhs } = rd!(F64Ne) else { unreachable!() };
                        w_i32!(dst, (r_f64!(lhs) != r_f64!(rhs)) as i32)
                    }
                    oc::F64Lt => {
                        let Op::F64Lt { dst, lhs, rhs } = rd!(F64Lt) else { unreachable!() };
                        w_i32!(dst, (r_f64!(lhs) < r_f64!(rhs)) as i32)
                    }
                    oc::F64Gt => {
                        let Op::F64Gt { dst, lhs, rhs } = rd!(F64Gt) else { unreachable!() };
                        w_i32!(dst, (r_f64!(lhs) > r_f64!(rhs)) as i32)
                    }
                    oc::F64Le => {
                        let Op::F64Le { dst, lhs, rhs } = rd!(F64Le) else { unreachable!() };
                        w_i32!(dst, (r_f64!(lhs) <= r_f64!(rhs)) as i32)
                    }
                    oc::F64Ge => {
                        let Op::F64Ge { dst, lhs, rhs } = rd!(F64Ge) else { unreachable!() };
                        w_i32!(dst, (r_f64!(lhs) >= r_f64!(rhs)) as i32)
                    }
                    oc::F64Abs => {
                        let Op::F64Abs { dst, src } = rd!(F64Abs) else { unreachable!() };
                        w_f64!(dst, n::f64_abs(r_f64!(src)))
                    }
                    oc::F64Neg => {
                        let Op::F64Neg { dst, src } = rd!(F64Neg) else { unreachable!() };
                        w_f64!(dst, n::f64_neg(r_f64!(src)))
                    }
                    oc::F64Ceil => {
                        let Op::F64Ceil { dst, src } = rd!(F64Ceil) else { unreachable!() };
                        w_f64!(dst, n::f64_ceil(r_f64!(src)))
                    }
                    oc::F64Floor => {
                        let Op::F64Floor { dst, src } = rd!(F64Floor) else { unreachable!() };
                        w_f64!(dst, n::f64_floor(r_f64!(src)))
                    }
                    oc::F64Trunc => {
                        let Op::F64Trunc { dst, src } = rd!(F64Trunc) else { unreachable!() };
                        w_f64!(dst, n::f64_trunc(r_f64!(src)))
                    }
                    oc::F64Nearest => {
                        let Op::F64Nearest { dst, src } = rd!(F64Nearest) else { unreachable!() };
                        w_f64!(dst, n::f64_nearest(r_f64!(src)))
                    }
                    oc::F64Sqrt => {
                        let Op::F64Sqrt { dst, src } = rd!(F64Sqrt) else { unreachable!() };
                        w_f64!(dst, n::f64_sqrt(r_f64!(src)))
                    }
                    oc::F64Add => {
                        let Op::F64Add { dst, lhs, rhs } = rd!(F64Add) else { unreachable!() };
                        w_f64!(dst, r_f64!(lhs) + r_f64!(rhs))
                    }
                    oc::F64Sub => {
                        let Op::F64Sub { dst, lhs, rhs } = rd!(F64Sub) else { unreachable!() };
                        w_f64!(dst, r_f64!(lhs) - r_f64!(rhs))
                    }
                    oc::F64Mul => {
                        let Op::F64Mul { dst, lhs, rhs } = rd!(F64Mul) else { unreachable!() };
                        w_f64!(dst, r_f64!(lhs) * r_f64!(rhs))
                    }
                    oc::F64Div => {
                        let Op::F64Div { dst, lhs, rhs } = rd!(F64Div) else { unreachable!() };
                        w_f64!(dst, r_f64!(lhs) / r_f64!(rhs))
                    }
                    oc::F64Min => {
                        let Op::F64Min { dst, lhs, rhs } = rd!(F64Min) else { unreachable!() };
                        w_f64!(dst, n::f64_min(r_f64!(lhs), r_f64!(rhs)))
                    }
                    oc::F64Max => {
                        let Op::F64Max { dst, lhs, rhs } = rd!(F64Max) else { unreachable!() };
                        w_f64!(dst, n::f64_max(r_f64!(lhs), r_f64!(rhs)))
                    }
                    oc::F64Copysign => {
                        let Op::F64Copysign { dst, lhs, rhs } = rd!(F64Copysign) else { unreachable!() };
                        {
                        w_f64!(dst, n::f64_copysign(r_f64!(lhs), r_f64!(rhs)))
                    }
                    }

                    // Conversions.
                    oc::I32WrapI64 => {
                        let Op::I32WrapI64 { dst, src } = rd!(I32WrapI64) else { unreachable!() };
                        w_i32!(dst, c!(src) as u32)
                    }
                    oc::I32TruncF32S => {
                        let Op::I32TruncF32S { dst, src } = rd!(I32TruncF32S) else { unreachable!() };
                        w_i32!(dst, n::i32_trunc_f32_s(r_f32!(src))?)
                    }
                    oc::I32TruncF32U => {
                        let Op::I32TruncF32U { dst, src } = rd!(I32TruncF32U) else { unreachable!() };
                        w_i32!(dst, n::i32_trunc_f32_u(r_f32!(src))?)
                    }
                    oc::I32TruncF64S => {
                        let Op::I32TruncF64S { dst, src } = rd!(I32TruncF64S) else { unreachable!() };
                        w_i32!(dst, n::i32_trunc_f64_s(r_f64!(src))?)
                    }
                    oc::I32TruncF64U => {
                        let Op::I32TruncF64U { dst, src } = rd!(I32TruncF64U) else { unreachable!() };
                        w_i32!(dst, n::i32_trunc_f64_u(r_f64!(src))?)
                    }
                    oc::I64ExtendI32S => {
                        let Op::I64ExtendI32S { dst, src } = rd!(I64ExtendI32S) else { unreachable!() };
                        w_i64!(dst, r_i32!(src) as i64)
                    }
                    oc::I64ExtendI32U => {
                        let Op::I64ExtendI32U { dst, src } = rd!(I64ExtendI32U) else { unreachable!() };
                        w_i64!(dst, r_i32!(src) as u32)
                    }
                    oc::I64TruncF32S => {
                        let Op::I64TruncF32S { dst, src } = rd!(I64TruncF32S) else { unreachable!() };
                        w_i64!(dst, n::i64_trunc_f32_s(r_f32!(src))?)
                    }
                    oc::I64TruncF32U => {
                        let Op::I64TruncF32U { dst, src } = rd!(I64TruncF32U) else { unreachable!() };
                        w_i64!(dst, n::i64_trunc_f32_u(r_f32!(src))?)
                    }
                    oc::I64TruncF64S => {
                        let Op::I64TruncF64S { dst, src } = rd!(I64TruncF64S) else { unreachable!() };
                        w_i64!(dst, n::i64_trunc_f64_s(r_f64!(src))?)
                    }
                    oc::I64TruncF64U => {
                        let Op::I64TruncF64U { dst, src } = rd!(I64TruncF64U) else { unreachable!() };
                        w_i64!(dst, n::i64_trunc_f64_u(r_f64!(src))?)
                    }
                    oc::F32ConvertI32S => {
                        let Op::F32ConvertI32S { dst, src } = rd!(F32ConvertI32S) else { unreachable!() };
                        w_f32!(dst, n::f32_convert_i32_s(r_i32!(src)))
                    }
                    oc::F32ConvertI32U => {
                        let Op::F32ConvertI32U { dst, src } = rd!(F32ConvertI32U) else { unreachable!() };
                        {
                        w_f32!(dst, n::f32_convert_i32_u(r_i32!(src) as u32))
                    }
                    }
                    oc::F32ConvertI64S => {
                        let Op::F32ConvertI64S { dst, src } = rd!(F32ConvertI64S) else { unreachable!() };
                        w_f32!(dst, n::f32_convert_i64_s(r_i64!(src)))
                    }
                    oc::F32ConvertI64U => {
                        let Op::F32ConvertI64U { dst, src } = rd!(F32ConvertI64U) else { unreachable!() };
                        w_f32!(dst, n::f32_convert_i64_u(c!(src)))
                    }
                    oc::F32DemoteF64 => {
                        let Op::F32DemoteF64 { dst, src } = rd!(F32DemoteF64) else { unreachable!() };
                        w_f32!(dst, n::f32_demote_f64(r_f64!(src)))
                    }
                    oc::F64ConvertI32S => {
                        let Op::F64ConvertI32S { dst, src } = rd!(F64ConvertI32S) else { unreachable!() };
                        w_f64!(dst, n::f64_convert_i32_s(r_i32!(src)))
                    }
                    oc::F64ConvertI32U => {
                        let Op::F64ConvertI32U { dst, src } = rd!(F64ConvertI32U) else { unreachable!() };
                        {
                        w_f64!(dst, n::f64_convert_i32_u(r_i32!(src) as u32))
                    }
                    }
                    oc::F64ConvertI64S => {
                        let Op::F64ConvertI64S { dst, src } = rd!(F64ConvertI64S) else { unreachable!() };
                        w_f64!(dst, n::f64_convert_i64_s(r_i64!(src)))
                    }
                    oc::F64ConvertI64U => {
                        let Op::F64ConvertI64U { dst, src } = rd!(F64ConvertI64U) else { unreachable!() };
                        w_f64!(dst, n::f64_convert_i64_u(c!(src)))
                    }
                    oc::F64PromoteF32 => {
                        let Op::F64PromoteF32 { dst, src } = rd!(F64PromoteF32) else { unreachable!() };
                        w_f64!(dst, n::f64_promote_f32(r_f32!(src)))
                    }
                    oc::I32Extend8S => {
                        let Op::I32Extend8S { dst, src } = rd!(I32Extend8S) else { unreachable!() };
                        w_i32!(dst, n::i32_extend8_s(r_i32!(src)))
                    }
                    oc::I32Extend16S => {
                        let Op::I32Extend16S { dst, src } = rd!(I32Extend16S) else { unreachable!() };
                        w_i32!(dst, n::i32_extend16_s(r_i32!(src)))
                    }
                    oc::I64Extend8S => {
                        let Op::I64Extend8S { dst, src } = rd!(I64Extend8S) else { unreachable!() };
                        w_i64!(dst, n::i64_extend8_s(r_i64!(src)))
                    }
                    oc::I64Extend16S => {
                        let Op::I64Extend16S { dst, src } = rd!(I64Extend16S) else { unreachable!() };
                        w_i64!(dst, n::i64_extend16_s(r_i64!(src)))
                    }
                    oc::I64Extend32S => {
                        let Op::I64Extend32S { dst, src } = rd!(I64Extend32S) else { unreachable!() };
                        w_i64!(dst, n::i64_extend32_s(r_i64!(src)))
                    }
                    oc::I32TruncSatF32S => {
                        let Op::I32TruncSatF32S { dst, src } = rd!(I32TruncSatF32S) else { unreachable!() };
                        w_i32!(dst, n::i32_trunc_sat_f32_s(r_f32!(src)))
                    }
                    oc::I32TruncSatF32U => {
                        let Op::I32TruncSatF32U { dst, src } = rd!(I32TruncSatF32U) else { unreachable!() };
                        w_i32!(dst, n::i32_trunc_sat_f32_u(r_f32!(src)))
                    }
                    oc::I32TruncSatF64S => {
                        let Op::I32TruncSatF64S { dst, src } = rd!(I32TruncSatF64S) else { unreachable!() };
                        w_i32!(dst, n::i32_trunc_sat_f64_s(r_f64!(src)))
                    }
                    oc::I32TruncSatF64U => {
                        let Op::I32TruncSatF64U { dst, src } = rd!(I32TruncSatF64U) else { unreachable!() };
                        w_i32!(dst, n::i32_trunc_sat_f64_u(r_f64!(src)))
                    }
                    oc::I64TruncSatF32S => {
                        let Op::I64TruncSatF32S { dst, src } = rd!(I64TruncSatF32S) else { unreachable!() };
                        w_i64!(dst, n::i64_trunc_sat_f32_s(r_f32!(src)))
                    }
                    oc::I64TruncSatF32U => {
                        let Op::I64TruncSatF32U { dst, src } = rd!(I64TruncSatF32U) else { unreachable!() };
                        w_i64!(dst, n::i64_trunc_sat_f32_u(r_f32!(src)))
                    }
                    oc::I64TruncSatF64S => {
                        let Op::I64TruncSatF64S { dst, src } = rd!(I64TruncSatF64S) else { unreachable!() };
                        w_i64!(dst, n::i64_trunc_sat_f64_s(r_f64!(src)))
                    }
                    oc::I64TruncSatF64U => {
                        let Op::I64TruncSatF64U { dst, src } = rd!(I64TruncSatF64U) else { unreachable!() };
                        w_i64!(dst, n::i64_trunc_sat_f64_u(r_f64!(src)))
                    }
                    _ => $fallback,
                }
            }};
        }
        step!(false, opc, {
            step!(
                true,
                opcw,
                // SAFETY: `verify` decoded every op, so the opcode word at `ip` is a known
                // opcode, with `WIDE` set only for its wide form: one of the arms matched.
                unsafe { core::hint::unreachable_unchecked() }
            );
            // Counted for `Stack::wide_ops`. Also keeps LLVM from merging each wide arm
            // with its narrow twin (identical but for operand offsets) into one body
            // behind an extra jump, which the narrow path would pay for.
            stack.wide_ops += 1;
        })
    }
}
