//! Persistent suspended calls: a [`SuspendedCall`] written to a [`Storage`] with its instance
//! as one atomic checkpoint, and restored into a fresh instance of the same module (in a new
//! store, process or boot) to be resumed. The layout is specified in `docs/suspended-call.md`.
//!
//! The microcode is not saved: a frame names its function (instance index), the fingerprint
//! of that function's microcode and a word offset in it. Restore translates the functions
//! again (or finds them in RAM) and refuses, with a typed error, a fingerprint that differs
//! (another engine version, or another fuel/interrupt configuration), so a saved offset always
//! means the same op. Every other value is checked before the instance changes: op starts,
//! frame extents inside the saved cells, functions of the instance of the right kind, counts
//! within the store's limits.

use super::context::AsContextMut;
use alloc::vec::Vec;

use super::checkpoint::CALL_PART;
use super::resumable::SuspendedCall;
use super::{CheckpointError, Checkpointer, Func, FuncKind, Instance, Store};
use crate::bytes::Reader;
use crate::error::TrapCode;
use crate::exec::suspend::{PendingHost, Point};
use crate::microcode::codec::CODE_FORMAT;
use crate::microcode::resident::{Code, CodeRef};
use crate::offload::{Kind, Storage};

/// Version of the suspended-call layout.
const LAYOUT_VERSION: u32 = 1;
/// Most frames a saved call may have (the engine's own bound is lower by default).
const MAX_FRAMES: u32 = 1 << 20;

fn err<E>(reason: &'static str) -> CheckpointError<E> {
    CheckpointError::Malformed {
        kind: Kind::Meta,
        index: CALL_PART,
        reason,
    }
}

fn mismatch<E>(reason: &'static str) -> CheckpointError<E> {
    CheckpointError::Mismatch {
        kind: Kind::Meta,
        index: CALL_PART,
        reason,
    }
}

fn unrepresentable<E>(reason: &'static str) -> CheckpointError<E> {
    CheckpointError::Unrepresentable {
        kind: Kind::Meta,
        index: CALL_PART,
        reason,
    }
}

/// What pins the meaning of a word offset in a function's microcode.
fn code_fingerprint(code: CodeRef<'_>) -> u64 {
    crate::offload::fingerprint(&code.encode())
}

fn metering_bits<T>(store: &Store<T>) -> u8 {
    let m = store.engine.config.metering;
    m.fuel as u8 | (m.interrupt as u8) << 1
}

impl SuspendedCall {
    /// Write this call and the state of `instance` (the instance it runs in: memories,
    /// globals, tables, segments, as [`Checkpointer::checkpoint`]) to `storage` as one atomic
    /// checkpoint, and return its generation. A power cut during the write leaves the
    /// previous checkpoint current. The call stays suspended and may be resumed afterwards.
    ///
    /// Errors: [`CheckpointError::Unrepresentable`] for a call with frames in another
    /// instance or whose code was replaced while it was suspended, or in a store holding
    /// exception objects (an `exnref` a `catch_ref` made, or the host: a checkpoint does not
    /// carry them, and a cell of the call may name one); [`CheckpointError::WrongStore`].
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn checkpoint<T, S: Storage + ?Sized>(
        &self,
        instance: Instance,
        mut store: impl AsContextMut<Data = T>,
        checkpointer: &mut Checkpointer,
        storage: &mut S,
    ) -> Result<u64, CheckpointError<S::Error>> {
        let store = store.as_context_mut().0;
        if !store.owns(instance.1) || self.func.1 != instance.1 {
            return Err(CheckpointError::WrongStore);
        }
        if !store.inner.gc.is_empty() {
            // Its cells may hold references to structs and arrays, which a checkpoint does
            // not carry.
            return Err(CheckpointError::Unrepresentable {
                kind: crate::offload::Kind::Meta,
                index: 1,
                reason: "the store holds GC objects (structs or arrays)",
            });
        }
        if !store.inner.exns.is_empty() {
            // Its cells may hold `exnref`s, indices into the store's exception objects,
            // which a checkpoint does not carry.
            return Err(CheckpointError::Unrepresentable {
                kind: crate::offload::Kind::Meta,
                index: 1,
                reason: "the store holds exception objects (exnref)",
            });
        }
        let payload = self.encode(instance, store)?;
        checkpointer.checkpoint_with(instance, store, storage, Some(&payload))
    }

    /// Restore the newest intact checkpoint of a suspended call and its instance (written by
    /// [`checkpoint`](SuspendedCall::checkpoint) with a checkpointer of the same set) into
    /// `instance`, a fresh instance of the same module in a store whose engine has the same
    /// configuration and whose functions have the same store indices (instantiate the same
    /// way), and return the call, ready to [`resume`](SuspendedCall::resume), with the
    /// checkpoint's generation. Memory contents are applied last, as in
    /// [`Checkpointer::restore`]; every other check is done before the instance changes.
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn restore<T, S: Storage + ?Sized>(
        instance: Instance,
        mut store: impl AsContextMut<Data = T>,
        checkpointer: &mut Checkpointer,
        storage: &mut S,
    ) -> Result<(SuspendedCall, u64), CheckpointError<S::Error>> {
        let store = store.as_context_mut().0;
        if !store.owns(instance.1) {
            return Err(CheckpointError::WrongStore);
        }
        let mut call: Option<SuspendedCall> = None;
        let mut decode = |store: &mut Store<T>, bytes: &[u8]| {
            call = Some(SuspendedCall::decode(instance, store, bytes)?);
            Ok(())
        };
        let generation = checkpointer.restore_with(instance, store, storage, Some(&mut decode))?;
        let call = call.ok_or_else(|| err("no suspended call in this checkpoint"))?;
        Ok((call, generation))
    }

    /// The suspended-call part (`docs/suspended-call.md`).
    fn encode<T, E>(
        &self,
        instance: Instance,
        store: &mut Store<T>,
    ) -> Result<Vec<u8>, CheckpointError<E>> {
        let funcs = store.inner.instances[instance.0 as usize].funcs.clone();
        let index_of = |f: u32| funcs.iter().position(|&g| g == f).map(|i| i as u32);
        // The instance function whose microcode is `code` (fingerprint `fp`): the one whose
        // code in RAM it is, or, when the code cache dropped it from its function while the
        // call was suspended, one whose code translates to the same fingerprint (functions
        // with identical microcode are interchangeable here). A forwarder holds no code of
        // its own (its target's frame runs its target's code), so it is never the answer.
        let func_of = |store: &mut Store<T>, code: &Code, fp: u64| {
            let current = funcs.iter().position(|&f| {
                matches!(&store.inner.funcs[f as usize].kind,
                    FuncKind::Wasm { code: super::CodeState::Translated(c), .. } if Code::ptr_eq(c, code))
            });
            current.or_else(|| {
                funcs.iter().position(|&f| {
                    matches!(
                        store.inner.funcs[f as usize].kind,
                        FuncKind::Wasm { ref code, .. } if !matches!(code, super::CodeState::Forward(_))
                    ) && super::materialize_code(&mut store.inner, f)
                            .is_ok_and(|c| code_fingerprint(c.get()) == fp)
                })
            })
        };
        let entry = index_of(self.func.0)
            .ok_or(unrepresentable("the called function is not the instance's"))?;
        let reason = match (self.point.reason, self.point.pending) {
            (TrapCode::OutOfFuel, None) => 0u8,
            (TrapCode::Interrupted, None) => 1,
            (TrapCode::HostYield, Some(_)) => 2,
            _ => return Err(unrepresentable("an unknown stop")),
        };
        let frames: Vec<_> = self.point.frames(&self.stack).collect();
        // The cells every frame may touch (a caller's frame can end above its callee's).
        let ncells = frames
            .iter()
            .map(|f| f.2 + f.0.get().frame_size() as usize)
            .max()
            .ok_or(unrepresentable("no frame"))?;
        let cells = self
            .stack
            .cells()
            .get(..ncells)
            .ok_or(unrepresentable("frame outside the value stack"))?;
        let mut out = Vec::new();
        out.try_reserve(64 + frames.len() * 20 + funcs.len() * 4 + cells.len() * 8)
            .map_err(|_| CheckpointError::OutOfMemory)?;
        out.extend_from_slice(&LAYOUT_VERSION.to_le_bytes());
        out.extend_from_slice(&CODE_FORMAT.to_le_bytes());
        out.push(metering_bits(store));
        out.push(reason);
        out.extend_from_slice(&entry.to_le_bytes());
        out.extend_from_slice(&(funcs.len() as u32).to_le_bytes());
        for &f in &funcs {
            out.extend_from_slice(&f.to_le_bytes());
        }
        out.extend_from_slice(&(frames.len() as u32).to_le_bytes());
        for &(code, pc, base, frame_inst) in &frames {
            if frame_inst != instance.0 {
                return Err(unrepresentable("a frame of another instance"));
            }
            let fp = code_fingerprint(code.get());
            let func = func_of(store, code, fp).ok_or(unrepresentable(
                "a frame's microcode is no function's of the instance (replaced while suspended)",
            ))?;
            let (Ok(pc), Ok(base)) = (u32::try_from(pc), u32::try_from(base)) else {
                return Err(unrepresentable("offset beyond 32 bits"));
            };
            out.extend_from_slice(&(func as u32).to_le_bytes());
            out.extend_from_slice(&fp.to_le_bytes());
            out.extend_from_slice(&pc.to_le_bytes());
            out.extend_from_slice(&base.to_le_bytes());
        }
        match self.point.pending {
            Some(p) => {
                let host = index_of(p.func)
                    .ok_or(unrepresentable("a host function outside the instance"))?;
                let dst =
                    u32::try_from(p.dst).map_err(|_| unrepresentable("offset beyond 32 bits"))?;
                out.push(1);
                out.extend_from_slice(&host.to_le_bytes());
                out.extend_from_slice(&dst.to_le_bytes());
                out.push(p.tail as u8);
            }
            None => out.push(0),
        }
        let n = u32::try_from(cells.len())
            .map_err(|_| unrepresentable("value stack beyond 2^32 cells"))?;
        out.extend_from_slice(&n.to_le_bytes());
        for c in cells {
            out.extend_from_slice(&c.to_le_bytes());
        }
        Ok(out)
    }

    /// Parse and check a suspended-call part against `instance` (nothing changes on error).
    fn decode<T, E>(
        instance: Instance,
        store: &mut Store<T>,
        bytes: &[u8],
    ) -> Result<SuspendedCall, CheckpointError<E>> {
        let short = || err("truncated");
        let mut r = Reader::new(bytes);
        if r.u32().ok_or_else(short)? != LAYOUT_VERSION {
            return Err(err("unknown layout version"));
        }
        if r.u16().ok_or_else(short)? != CODE_FORMAT {
            return Err(mismatch("saved with another microcode format"));
        }
        if r.u8().ok_or_else(short)? != metering_bits(store) {
            return Err(mismatch(
                "saved by an engine with other fuel or interrupt checks",
            ));
        }
        let reason = match r.u8().ok_or_else(short)? {
            0 => TrapCode::OutOfFuel,
            1 => TrapCode::Interrupted,
            2 => TrapCode::HostYield,
            _ => return Err(err("unknown stop")),
        };
        let funcs = store.inner.instances[instance.0 as usize].funcs.clone();
        let entry = r.u32().ok_or_else(short)?;
        let nfuncs = r.u32().ok_or_else(short)?;
        if nfuncs as usize != funcs.len() {
            return Err(mismatch("the instance has another number of functions"));
        }
        for &f in &funcs {
            if r.u32().ok_or_else(short)? != f {
                // Reference cells on the value stack hold store function indices.
                return Err(mismatch(
                    "the instance's functions have other store indices",
                ));
            }
        }
        let entry = *funcs
            .get(entry as usize)
            .ok_or(err("entry function out of range"))?;
        let nframes = r.u32().ok_or_else(short)?;
        if nframes == 0 || nframes > MAX_FRAMES || nframes as usize > bytes.len() / 20 {
            return Err(err("frame count out of range"));
        }
        let mut frames = Vec::new();
        frames
            .try_reserve_exact(nframes as usize)
            .map_err(|_| CheckpointError::OutOfMemory)?;
        let mut raw = Vec::new();
        raw.try_reserve_exact(nframes as usize)
            .map_err(|_| CheckpointError::OutOfMemory)?;
        for _ in 0..nframes {
            let func = r.u32().ok_or_else(short)?;
            let fp = r.u64().ok_or_else(short)?;
            let pc = r.u32().ok_or_else(short)? as usize;
            let base = r.u32().ok_or_else(short)? as usize;
            raw.push((func, fp, pc, base));
        }
        let pending = match r.u8().ok_or_else(short)? {
            0 => None,
            1 => {
                let host = r.u32().ok_or_else(short)?;
                let dst = r.u32().ok_or_else(short)? as usize;
                let tail = match r.u8().ok_or_else(short)? {
                    0 => false,
                    1 => true,
                    _ => return Err(err("bad flag")),
                };
                let f = *funcs
                    .get(host as usize)
                    .ok_or(err("host function out of range"))?;
                if !matches!(store.inner.funcs[f as usize].kind, FuncKind::Host { .. }) {
                    return Err(mismatch("the yielding function is not a host function"));
                }
                Some(PendingHost {
                    func: f,
                    dst,
                    tail,
                    pc: 0,
                })
            }
            _ => return Err(err("bad flag")),
        };
        if pending.is_some() != (reason == TrapCode::HostYield) {
            return Err(err(
                "a host call pending without a host yield, or the other way",
            ));
        }
        let ncells = r.u32().ok_or_else(short)? as usize;
        let max_cells = store
            .inner
            .limits
            .max_cells(store.engine.config.max_value_stack);
        if ncells > max_cells || r.remaining() != ncells * 8 {
            return Err(err("value stack size out of range or trailing bytes"));
        }
        let mut cells = Vec::new();
        cells
            .try_reserve_exact(ncells)
            .map_err(|_| CheckpointError::OutOfMemory)?;
        for _ in 0..ncells {
            cells.push(r.u64().ok_or_else(short)?);
        }
        // The functions, their code (translated again if need be) and the offsets in it.
        let mut starts: Vec<(u32, Vec<usize>)> = Vec::new();
        let last = raw.len() - 1;
        for (i, &(func, fp, pc, base)) in raw.iter().enumerate() {
            let f = *funcs
                .get(func as usize)
                .ok_or(err("function out of range"))?;
            if !matches!(store.inner.funcs[f as usize].kind, FuncKind::Wasm { .. }) {
                return Err(mismatch("a frame's function is not a wasm function"));
            }
            let code = super::materialize_code(&mut store.inner, f)
                .map_err(|_| mismatch("a frame's function does not translate"))?;
            if code_fingerprint(code.get()) != fp {
                return Err(mismatch(
                    "a frame's microcode differs (another engine version or configuration)",
                ));
            }
            if !starts.iter().any(|(g, _)| *g == f) {
                starts.push((
                    f,
                    code.get()
                        .ops()
                        .map_while(Result::ok)
                        .map(|(at, _)| at)
                        .collect(),
                ));
            }
            let ops = &starts.iter().find(|(g, _)| *g == f).ok_or(short())?.1;
            // Every offset names an op (`ip` is read unchecked), every frame lies in the cells.
            // A host function tail-called by the current frame's last op returns from the
            // frame on resumption: its offset is then the end of the code, never run.
            let tail_end =
                i == last && pending.is_some_and(|p| p.tail) && pc == code.get().words().len();
            if ops.binary_search(&pc).is_err() && !tail_end {
                return Err(err("offset is not an op of its function"));
            }
            if base
                .checked_add(code.get().frame_size() as usize)
                .is_none_or(|end| end > ncells)
            {
                return Err(err("frame outside the saved value stack"));
            }
            frames.push((code, pc, base, instance.0));
        }
        let pending = pending.map(|p| PendingHost {
            pc: frames.last().map_or(0, |f| f.1),
            ..p
        });
        if pending.is_some_and(|p| p.dst > ncells) {
            return Err(err("host results outside the saved value stack"));
        }
        let (point, stack) = Point::rebuild(frames, cells, reason, pending).ok_or(short())?;
        Ok(SuspendedCall {
            func: Func(entry, instance.1),
            stack,
            point,
        })
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::{Engine, Linker, Module, ResumableCall, Trap, Val};

    /// Every single-byte change of a suspended-call part (as if its CRC had been forged) is
    /// refused with a typed error or decodes to a state the interpreter may run: no panic.
    #[test]
    fn mutated_parts_decode_or_fail_typed() {
        let engine = Engine::default();
        let wat = r#"(module
          (import "h" "ask" (func $ask (param i32) (result i32)))
          (func $f (export "f") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
              (then (call $ask (i32.const 1)))
              (else (i32.add (local.get 0) (call $f (i32.sub (local.get 0) (i32.const 1))))))))"#;
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let boot = || {
            let mut store = Store::new(&engine, ());
            let ask = Func::new(
                &mut store,
                crate::FuncType::new([crate::ValType::I32], [crate::ValType::I32]),
                |_, _, _| Err(Trap::host_yield()),
            );
            let mut linker = Linker::new(&engine);
            linker.define(&store, "h", "ask", ask).unwrap();
            let inst = linker.instantiate(&mut store, &module).unwrap();
            (store, inst)
        };
        let (mut store, inst) = boot();
        let f = inst.get_func(&store, "f").unwrap();
        let mut out = [Val::I32(0)];
        let Ok(ResumableCall::Suspended(s)) =
            f.call_resumable(&mut store, &[Val::I32(3)], &mut out)
        else {
            panic!("no yield")
        };
        let payload = s.encode::<_, ()>(inst, &mut store).unwrap();
        let (mut fresh, finst) = boot();
        let ok = SuspendedCall::decode::<_, ()>(finst, &mut fresh, &payload).unwrap();
        let Ok(ResumableCall::Finished) = ok.resume(&mut fresh, &[Val::I32(10)], &mut out) else {
            panic!("did not finish")
        };
        assert_eq!(out[0], Val::I32(16));
        let (mut accepted, mut refused) = (0, 0);
        for at in 0..payload.len() {
            for mask in [0x01u8, 0x80, 0xff] {
                let mut bad = payload.clone();
                bad[at] ^= mask;
                match SuspendedCall::decode::<_, ()>(finst, &mut fresh, &bad) {
                    Ok(call) => {
                        accepted += 1;
                        // Whatever it does, it does as a value: results or a trap.
                        let _ = call.resume(&mut fresh, &[Val::I32(10)], &mut out);
                    }
                    Err(_) => refused += 1,
                }
            }
        }
        // Truncations.
        for len in 0..payload.len() {
            assert!(SuspendedCall::decode::<_, ()>(finst, &mut fresh, &payload[..len]).is_err());
        }
        assert!(accepted > 0 && refused > 0, "{accepted} {refused}");
    }
}
