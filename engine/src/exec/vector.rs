//! Execution of the v128 ops, out of line so the scalar loop stays small.
//!
//! A v128 lives in two consecutive cells, low half first.

use super::simd as s;
use crate::error::TrapCode;
use crate::microcode::Op;
use crate::runtime::StoreInner;

/// Everything a v128 op touches besides the store.
pub(super) struct VectorCtx<'a> {
    pub cells: &'a mut [u64],
    pub pool: &'a [u128],
    pub instance: usize,
}

impl VectorCtx<'_> {
    fn get(&self, slot: u32) -> u128 {
        let i = slot as usize;
        self.cells[i] as u128 | (self.cells[i + 1] as u128) << 64
    }

    fn set(&mut self, slot: u32, v: u128) {
        let i = slot as usize;
        self.cells[i] = v as u64;
        self.cells[i + 1] = (v >> 64) as u64;
    }

    fn cell(&self, slot: u32) -> u64 {
        self.cells[slot as usize]
    }
}

fn memory(
    store: &mut StoreInner,
    instance: usize,
    mem: u32,
) -> (
    &mut crate::runtime::memory::MemoryEntity,
    &mut crate::runtime::storage::OffloadState,
) {
    let i = store.instances[instance].memories[mem as usize] as usize;
    store.memory_and_offload(i)
}

fn splat_bytes<const N: usize>(b: [u8; N]) -> u128 {
    let mut out = [0u8; 16];
    for chunk in out.chunks_mut(N) {
        chunk.copy_from_slice(&b);
    }
    u128::from_le_bytes(out)
}

/// Run one v128 op. `cells` is the current frame (slot 0 at index 0).
#[inline(never)]
pub(super) fn execute(
    op: Op,
    f: &mut VectorCtx<'_>,
    store: &mut StoreInner,
) -> Result<(), TrapCode> {
    macro_rules! load {
        ($dst:expr, $addr:expr, $mem:expr, $offset:expr, $n:literal, $conv:expr) => {{
            let addr = f.cell($addr);
            let bytes = {
                let (m, off) = memory(store, f.instance, $mem);
                m.load::<$n>(off, addr, $offset)?
            };
            f.set($dst, ($conv)(bytes));
        }};
    }
    macro_rules! lane_arg {
        ($arg:expr) => {{
            let packed = f.pool[$arg as usize];
            (packed as u32, (packed >> 32) as u8, (packed >> 64) as u64)
        }};
    }
    macro_rules! load_lane {
        ($dst:expr, $addr:expr, $src:expr, $arg:expr, $n:literal) => {{
            let (mem, lane, offset) = lane_arg!($arg);
            let addr = f.cell($addr);
            let bytes = {
                let (m, off) = memory(store, f.instance, mem);
                m.load::<$n>(off, addr, offset)?
            };
            let mut v = f.get($src).to_le_bytes();
            let at = (lane as usize % (16 / $n)) * $n;
            v[at..at + $n].copy_from_slice(&bytes);
            f.set($dst, u128::from_le_bytes(v));
        }};
    }
    macro_rules! store_lane {
        ($addr:expr, $src:expr, $arg:expr, $n:literal) => {{
            let (mem, lane, offset) = lane_arg!($arg);
            let addr = f.cell($addr);
            let v = f.get($src).to_le_bytes();
            let at = (lane as usize % (16 / $n)) * $n;
            let mut bytes = [0u8; $n];
            bytes.copy_from_slice(&v[at..at + $n]);
            let (m, off) = memory(store, f.instance, mem);
            m.store(off, addr, offset, bytes)?;
        }};
    }
    match op {
        Op::V128Const { dst, idx } => {
            let v = f.pool[idx as usize];
            f.set(dst, v);
        }
        Op::V128Shuffle { dst, a, b, idx } => {
            let lanes = f.pool[idx as usize].to_le_bytes();
            let v = s::shuffle(f.get(a), f.get(b), lanes);
            f.set(dst, v);
        }
        Op::V128Un { dst, op, src } => {
            let v = s::unop(op, f.get(src));
            f.set(dst, v);
        }
        Op::V128Bin { dst, op, lhs, rhs } => {
            let v = s::binop(op, f.get(lhs), f.get(rhs));
            f.set(dst, v);
        }
        Op::V128Tern { dst, op, a, b, c } => {
            let v = s::ternop(op, f.get(a), f.get(b), f.get(c));
            f.set(dst, v);
        }
        Op::V128Shift {
            dst,
            op,
            src,
            count,
        } => {
            let v = s::shift(op, f.get(src), f.cell(count) as u32);
            f.set(dst, v);
        }
        Op::V128Test { dst, op, src } => f.cells[dst as usize] = s::test(op, f.get(src)) as u64,
        Op::V128Splat { dst, op, src } => {
            let v = s::splat(op, f.cell(src));
            f.set(dst, v);
        }
        Op::V128Extract { dst, op, src, lane } => {
            f.cells[dst as usize] = s::extract(op, f.get(src), lane)
        }
        Op::V128Replace {
            dst,
            op,
            src,
            x,
            lane,
        } => {
            let v = s::replace(op, f.get(src), lane, f.cell(x));
            f.set(dst, v);
        }
        Op::V128Load {
            dst,
            addr,
            mem,
            offset,
        } => load!(dst, addr, mem, offset, 16, u128::from_le_bytes),
        Op::V128Load32Zero {
            dst,
            addr,
            mem,
            offset,
        } => {
            load!(dst, addr, mem, offset, 4, |b| u32::from_le_bytes(b) as u128)
        }
        Op::V128Load64Zero {
            dst,
            addr,
            mem,
            offset,
        } => {
            load!(dst, addr, mem, offset, 8, |b| u64::from_le_bytes(b) as u128)
        }
        Op::V128Load8Splat {
            dst,
            addr,
            mem,
            offset,
        } => load!(dst, addr, mem, offset, 1, splat_bytes::<1>),
        Op::V128Load16Splat {
            dst,
            addr,
            mem,
            offset,
        } => load!(dst, addr, mem, offset, 2, splat_bytes::<2>),
        Op::V128Load32Splat {
            dst,
            addr,
            mem,
            offset,
        } => load!(dst, addr, mem, offset, 4, splat_bytes::<4>),
        Op::V128Load64Splat {
            dst,
            addr,
            mem,
            offset,
        } => load!(dst, addr, mem, offset, 8, splat_bytes::<8>),
        Op::V128Load8x8S {
            dst,
            addr,
            mem,
            offset,
        } => {
            load!(dst, addr, mem, offset, 8, |b| s::load_extend(
                s::SimdLoadExtend::V128Load8x8S,
                b
            ))
        }
        Op::V128Load8x8U {
            dst,
            addr,
            mem,
            offset,
        } => {
            load!(dst, addr, mem, offset, 8, |b| s::load_extend(
                s::SimdLoadExtend::V128Load8x8U,
                b
            ))
        }
        Op::V128Load16x4S {
            dst,
            addr,
            mem,
            offset,
        } => {
            load!(dst, addr, mem, offset, 8, |b| s::load_extend(
                s::SimdLoadExtend::V128Load16x4S,
                b
            ))
        }
        Op::V128Load16x4U {
            dst,
            addr,
            mem,
            offset,
        } => {
            load!(dst, addr, mem, offset, 8, |b| s::load_extend(
                s::SimdLoadExtend::V128Load16x4U,
                b
            ))
        }
        Op::V128Load32x2S {
            dst,
            addr,
            mem,
            offset,
        } => {
            load!(dst, addr, mem, offset, 8, |b| s::load_extend(
                s::SimdLoadExtend::V128Load32x2S,
                b
            ))
        }
        Op::V128Load32x2U {
            dst,
            addr,
            mem,
            offset,
        } => {
            load!(dst, addr, mem, offset, 8, |b| s::load_extend(
                s::SimdLoadExtend::V128Load32x2U,
                b
            ))
        }
        Op::V128Store {
            addr,
            src,
            mem,
            offset,
        } => {
            let a = f.cell(addr);
            let v = f.get(src).to_le_bytes();
            let (m, off) = memory(store, f.instance, mem);
            m.store(off, a, offset, v)?;
        }
        Op::V128Load8Lane {
            dst,
            addr,
            src,
            arg,
        } => load_lane!(dst, addr, src, arg, 1),
        Op::V128Load16Lane {
            dst,
            addr,
            src,
            arg,
        } => load_lane!(dst, addr, src, arg, 2),
        Op::V128Load32Lane {
            dst,
            addr,
            src,
            arg,
        } => load_lane!(dst, addr, src, arg, 4),
        Op::V128Load64Lane {
            dst,
            addr,
            src,
            arg,
        } => load_lane!(dst, addr, src, arg, 8),
        Op::V128Store8Lane { addr, src, arg } => store_lane!(addr, src, arg, 1),
        Op::V128Store16Lane { addr, src, arg } => store_lane!(addr, src, arg, 2),
        Op::V128Store32Lane { addr, src, arg } => store_lane!(addr, src, arg, 4),
        Op::V128Store64Lane { addr, src, arg } => store_lane!(addr, src, arg, 8),
        _ => return Err(TrapCode::Unreachable),
    }
    Ok(())
}
