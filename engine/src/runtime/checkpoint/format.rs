//! The payload layouts of a checkpoint's parts (documented in `docs/spill-format.md`, all
//! little-endian): encode from an instance's state, decode and validate against a fresh
//! instance. Reads go through the crate's one byte reader (`crate::bytes::Reader`).

use alloc::vec::Vec;

use super::CheckpointError;
use crate::bytes::Reader;
use crate::offload::Kind;
use crate::runtime::{Instance, Store};
use crate::types::ValType;

/// Version of the payload layouts below, stored in the meta part.
pub(super) const LAYOUT_VERSION: u32 = 1;
pub(super) const MIN_CHUNK: u32 = 512;
pub(super) const MAX_CHUNK: u32 = 65_536;
pub(super) const META_HEADER: usize = 32;
pub(super) const GLOBAL_ENTRY: usize = 18;
pub(super) const TABLE_HEADER: usize = 12;

/// What a checkpoint needs of an instance, copied out of the store.
pub(super) struct Shape {
    pub(super) fingerprint: u64,
    pub(super) funcs: Vec<u32>,
    pub(super) memories: Vec<u32>,
    /// Bytes per page of each memory (64 KiB, or 1 with the custom-page-sizes proposal;
    /// sizes are stored in the memory's own pages).
    pub(super) page_bytes: Vec<u64>,
    pub(super) tables: Vec<u32>,
    pub(super) globals: Vec<u32>,
    pub(super) datas: Vec<u32>,
    pub(super) elems: Vec<u32>,
}

impl Shape {
    pub(super) fn of<T>(instance: Instance, store: &Store<T>) -> Shape {
        let inst = &store.inner.instances[instance.0 as usize];
        Shape {
            fingerprint: inst.module.fingerprint(),
            funcs: inst.funcs.clone(),
            memories: inst.memories.clone(),
            page_bytes: inst
                .memories
                .iter()
                .map(|&m| store.inner.memories[m as usize].ty.page_size())
                .collect(),
            tables: inst.tables.clone(),
            globals: inst.globals.clone(),
            datas: inst.datas.clone(),
            elems: inst.elems.clone(),
        }
    }

    /// Store function index → instance function index, sorted for binary search.
    pub(super) fn reverse_funcs(&self) -> Vec<(u32, u32)> {
        let mut map: Vec<(u32, u32)> = self
            .funcs
            .iter()
            .enumerate()
            .map(|(i, &f)| (f, i as u32))
            .collect();
        map.sort_unstable();
        map
    }
}

pub(super) fn count<E>(n: usize, kind: Kind) -> Result<u32, CheckpointError<E>> {
    u32::try_from(n).map_err(|_| CheckpointError::Unrepresentable {
        kind,
        index: 0,
        reason: "more than 2^32 entities",
    })
}

pub(super) fn try_vec<E>(capacity: usize) -> Result<Vec<u8>, CheckpointError<E>> {
    let mut v = Vec::new();
    v.try_reserve_exact(capacity)
        .map_err(|_| CheckpointError::OutOfMemory)?;
    Ok(v)
}

/// A typed reference is stored as the cell it is (`funcref` or `externref`): a checkpoint
/// is restored into an instance of the same module, whose types are the same.
pub(super) fn type_code(ty: ValType) -> u8 {
    match ty.cell_kind() {
        ValType::I32 => 0,
        ValType::I64 => 1,
        ValType::F32 => 2,
        ValType::F64 => 3,
        ValType::V128 => 4,
        ValType::FuncRef => 5,
        ValType::ExternRef | ValType::Ref(_) => 6,
    }
}

/// Encodes a reference cell (0 = null, else store function index + 1) in store-independent
/// form: 0 = null, else instance function index + 1.
pub(super) fn encode_funcref(cell: u64, reverse: &[(u32, u32)]) -> Option<u64> {
    if cell == 0 {
        return Some(0);
    }
    let store_index = u32::try_from(cell - 1).ok()?;
    let at = reverse
        .binary_search_by_key(&store_index, |&(f, _)| f)
        .ok()?;
    Some(u64::from(reverse.get(at)?.1) + 1)
}

/// The inverse of [`encode_funcref`] against a fresh instance; `None` if out of range.
pub(super) fn decode_funcref(code: u64, funcs: &[u32]) -> Option<u64> {
    if code == 0 {
        return Some(0);
    }
    let index = usize::try_from(code - 1).ok()?;
    funcs.get(index).map(|&f| u64::from(f) + 1)
}

/// The meta part, decoded.
pub(super) struct Meta {
    pub(super) chunk_size: u32,
    pub(super) memory_pages: Vec<u64>,
}

/// A table part, decoded and translated into the fresh store's cells.
pub(super) struct TableState {
    pub(super) size: u64,
    pub(super) cells: Vec<u64>,
}

/// The hash that decides whether a memory chunk changed: FNV-1a 64, never 0 (0 marks a chunk
/// that is not stored).
pub(super) fn chunk_hash(bytes: &[u8]) -> u64 {
    crate::offload::fingerprint(bytes).max(1)
}

pub(super) fn vec_zeroed<E>(n: usize) -> Result<Vec<u8>, CheckpointError<E>> {
    let mut v = try_vec(n)?;
    v.resize(n, 0);
    Ok(v)
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(super) fn encode_meta<E>(
    shape: &Shape,
    chunk: u32,
    pages: &[u64],
) -> Result<Vec<u8>, CheckpointError<E>> {
    let mut out = try_vec(META_HEADER + 8 * pages.len())?;
    out.extend_from_slice(&LAYOUT_VERSION.to_le_bytes());
    out.extend_from_slice(&chunk.to_le_bytes());
    for n in [
        count(shape.memories.len(), Kind::Meta)?,
        count(shape.tables.len(), Kind::Meta)?,
        count(shape.globals.len(), Kind::Meta)?,
        count(shape.datas.len(), Kind::Meta)?,
        count(shape.elems.len(), Kind::Meta)?,
        count(shape.funcs.len(), Kind::Meta)?,
    ] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    for p in pages {
        out.extend_from_slice(&p.to_le_bytes());
    }
    Ok(out)
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(super) fn decode_meta<E>(bytes: &[u8], shape: &Shape) -> Result<Meta, CheckpointError<E>> {
    let malformed = |reason| CheckpointError::Malformed {
        kind: Kind::Meta,
        index: 0,
        reason,
    };
    let mismatch = |reason| CheckpointError::Mismatch {
        kind: Kind::Meta,
        index: 0,
        reason,
    };
    let mut r = Reader::new(bytes);
    let short = || malformed("truncated");
    if r.u32().ok_or_else(short)? != LAYOUT_VERSION {
        return Err(malformed("unknown layout version"));
    }
    let chunk_size = r.u32().ok_or_else(short)?;
    if !chunk_size.is_power_of_two() || !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
        return Err(malformed("chunk size"));
    }
    let expected = [
        shape.memories.len(),
        shape.tables.len(),
        shape.globals.len(),
        shape.datas.len(),
        shape.elems.len(),
        shape.funcs.len(),
    ];
    for n in expected {
        if r.u32().ok_or_else(short)? as usize != n {
            return Err(mismatch("entity counts differ"));
        }
    }
    if r.remaining() != 8 * shape.memories.len() {
        return Err(malformed("length"));
    }
    if shape.memories.len() > 0x100 {
        return Err(malformed("more than 256 memories"));
    }
    let mut memory_pages = Vec::new();
    memory_pages
        .try_reserve_exact(shape.memories.len())
        .map_err(|_| CheckpointError::OutOfMemory)?;
    for &page_bytes in &shape.page_bytes {
        let pages = r.u64().ok_or_else(short)?;
        // At most 2^24 chunks: the most a checkpoint can address.
        let chunks = pages
            .checked_mul(page_bytes)
            .map(|b| b.div_ceil(u64::from(chunk_size)));
        if chunks.is_none_or(|c| c > 1 << 24) {
            return Err(malformed("memory size"));
        }
        memory_pages.push(pages);
    }
    Ok(Meta {
        chunk_size,
        memory_pages,
    })
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(super) fn encode_globals<T, E>(
    shape: &Shape,
    store: &Store<T>,
    reverse: &[(u32, u32)],
) -> Result<Vec<u8>, CheckpointError<E>> {
    let n = count(shape.globals.len(), Kind::Globals)?;
    let mut out = try_vec(4 + GLOBAL_ENTRY * shape.globals.len())?;
    out.extend_from_slice(&n.to_le_bytes());
    for (i, &g) in shape.globals.iter().enumerate() {
        let global = &store.inner.globals[g as usize];
        let ty = global.ty;
        let value = if !ty.mutable {
            0
        } else {
            match ty.content.cell_kind() {
                ValType::FuncRef => {
                    let cell = u64::try_from(global.value).unwrap_or(u64::MAX);
                    let code =
                        encode_funcref(cell, reverse).ok_or(CheckpointError::Unrepresentable {
                            kind: Kind::Globals,
                            index: i as u32,
                            reason: "reference to a function outside the instance",
                        })?;
                    u128::from(code)
                }
                ValType::ExternRef if global.value != 0 => {
                    return Err(CheckpointError::Unrepresentable {
                        kind: Kind::Globals,
                        index: i as u32,
                        reason: "non-null externref",
                    })
                }
                _ => global.value,
            }
        };
        out.push(type_code(ty.content));
        out.push(u8::from(ty.mutable));
        out.extend_from_slice(&value.to_le_bytes());
    }
    Ok(out)
}

/// Decodes the globals part into the value to set for each global (`None`: immutable, keep).
#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(super) fn decode_globals<T, E>(
    bytes: &[u8],
    shape: &Shape,
    store: &Store<T>,
) -> Result<Vec<Option<u128>>, CheckpointError<E>> {
    let malformed = |index, reason| CheckpointError::Malformed {
        kind: Kind::Globals,
        index,
        reason,
    };
    let mut r = Reader::new(bytes);
    let n = r.u32().ok_or(malformed(0, "truncated"))? as usize;
    if n != shape.globals.len() {
        return Err(CheckpointError::Mismatch {
            kind: Kind::Globals,
            index: 0,
            reason: "global count differs",
        });
    }
    if r.remaining() != GLOBAL_ENTRY * n {
        return Err(malformed(0, "length"));
    }
    let mut values = Vec::new();
    values
        .try_reserve_exact(n)
        .map_err(|_| CheckpointError::OutOfMemory)?;
    for (i, &g) in shape.globals.iter().enumerate() {
        let index = i as u32;
        let (code, mutable) = (r.u8(), r.u8());
        let value = r.u128().ok_or(malformed(index, "truncated"))?;
        let ty = store.inner.globals[g as usize].ty;
        if code != Some(type_code(ty.content)) || mutable != Some(u8::from(ty.mutable)) {
            return Err(CheckpointError::Mismatch {
                kind: Kind::Globals,
                index,
                reason: "global type differs",
            });
        }
        if !ty.mutable {
            if value != 0 {
                return Err(malformed(index, "value of an immutable global"));
            }
            values.push(None);
            continue;
        }
        let width_ok = match ty.content.cell_kind() {
            ValType::I32 | ValType::F32 => value >> 32 == 0,
            ValType::I64 | ValType::F64 => value >> 64 == 0,
            ValType::V128 => true,
            ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => value >> 64 == 0,
        };
        if !width_ok {
            return Err(malformed(index, "value wider than its type"));
        }
        let value = match ty.content.cell_kind() {
            ValType::FuncRef => decode_funcref(value as u64, &shape.funcs)
                .ok_or(malformed(index, "function index out of range"))?
                .into(),
            ValType::ExternRef if value != 0 => return Err(malformed(index, "non-null externref")),
            _ => value,
        };
        values.push(Some(value));
    }
    Ok(values)
}

pub(super) fn dropped_bits<E>(
    flags: impl ExactSizeIterator<Item = bool>,
) -> Result<Vec<u8>, CheckpointError<E>> {
    let mut out = vec_zeroed(flags.len().div_ceil(8))?;
    for (i, dropped) in flags.enumerate() {
        if dropped {
            out[i / 8] |= 1 << (i % 8);
        }
    }
    Ok(out)
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(super) fn encode_segments<T, E>(
    shape: &Shape,
    store: &Store<T>,
) -> Result<Vec<u8>, CheckpointError<E>> {
    let datas = dropped_bits(
        shape
            .datas
            .iter()
            .map(|&d| store.inner.datas[d as usize].range.is_empty()),
    )?;
    let elems = dropped_bits(
        shape
            .elems
            .iter()
            .map(|&e| store.inner.elems[e as usize].is_empty()),
    )?;
    let mut out = try_vec(8 + datas.len() + elems.len())?;
    out.extend_from_slice(&count(shape.datas.len(), Kind::Segments)?.to_le_bytes());
    out.extend_from_slice(&count(shape.elems.len(), Kind::Segments)?.to_le_bytes());
    out.extend_from_slice(&datas);
    out.extend_from_slice(&elems);
    Ok(out)
}

/// Decodes the segments part into dropped flags for data and element segments.
#[allow(clippy::type_complexity)]
#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(super) fn decode_segments<T, E>(
    bytes: &[u8],
    shape: &Shape,
    store: &Store<T>,
) -> Result<(Vec<bool>, Vec<bool>), CheckpointError<E>> {
    let malformed = |reason| CheckpointError::Malformed {
        kind: Kind::Segments,
        index: 0,
        reason,
    };
    let mut r = Reader::new(bytes);
    let (d, e) = (r.u32(), r.u32());
    if d != Some(shape.datas.len() as u32) || e != Some(shape.elems.len() as u32) {
        return Err(CheckpointError::Mismatch {
            kind: Kind::Segments,
            index: 0,
            reason: "segment counts differ",
        });
    }
    let (dn, en) = (shape.datas.len(), shape.elems.len());
    if r.remaining() != dn.div_ceil(8) + en.div_ceil(8) {
        return Err(malformed("length"));
    }
    let data_bits = r.take(dn.div_ceil(8)).ok_or(malformed("truncated"))?;
    let elem_bits = r.rest();
    let unpack = |bits: &[u8], n: usize| -> Result<Vec<bool>, CheckpointError<E>> {
        let mut flags = Vec::new();
        flags
            .try_reserve_exact(n)
            .map_err(|_| CheckpointError::OutOfMemory)?;
        for i in 0..n {
            flags.push(bits[i / 8] >> (i % 8) & 1 == 1);
        }
        // Padding bits must be zero.
        if !n.is_multiple_of(8) && bits.last().is_some_and(|&b| b >> (n % 8) != 0) {
            return Err(malformed("padding bits set"));
        }
        Ok(flags)
    };
    let datas = unpack(data_bits, dn)?;
    let elems = unpack(elem_bits, en)?;
    // A segment cannot come back once dropped: the checkpoint must not revive one.
    let revived = shape
        .datas
        .iter()
        .zip(&datas)
        .any(|(&d, &dropped)| !dropped && store.inner.datas[d as usize].range.is_empty())
        || shape
            .elems
            .iter()
            .zip(&elems)
            .any(|(&e, &dropped)| !dropped && store.inner.elems[e as usize].is_empty());
    if revived {
        return Err(CheckpointError::Mismatch {
            kind: Kind::Segments,
            index: 0,
            reason: "segment dropped in the instance but not in the checkpoint",
        });
    }
    Ok((datas, elems))
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(super) fn encode_table<T, E>(
    index: u32,
    store: &Store<T>,
    table: u32,
    reverse: &[(u32, u32)],
) -> Result<Vec<u8>, CheckpointError<E>> {
    let entity = &store.inner.tables[table as usize];
    let unrepresentable = |reason| CheckpointError::Unrepresentable {
        kind: Kind::Table,
        index,
        reason,
    };
    let n = entity.elems.len();
    let bytes = n
        .checked_mul(4)
        .and_then(|b| b.checked_add(TABLE_HEADER))
        .filter(|&b| u32::try_from(b).is_ok())
        .ok_or(unrepresentable("table too large for one part"))?;
    let mut out = try_vec(bytes)?;
    let element = ValType::from(entity.ty.element).cell_kind();
    out.push(type_code(element));
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&(n as u64).to_le_bytes());
    for &cell in &entity.elems {
        let code = match element {
            ValType::FuncRef => encode_funcref(cell, reverse).ok_or(unrepresentable(
                "reference to a function outside the instance",
            ))?,
            _ if cell == 0 => 0,
            _ => return Err(unrepresentable("non-null externref")),
        };
        let code = u32::try_from(code).map_err(|_| unrepresentable("function index"))?;
        out.extend_from_slice(&code.to_le_bytes());
    }
    Ok(out)
}

#[cfg_attr(fayasm_optimize_size, optimize(size))]
pub(super) fn decode_table<T, E>(
    bytes: &[u8],
    index: u32,
    store: &Store<T>,
    table: u32,
    funcs: &[u32],
) -> Result<TableState, CheckpointError<E>> {
    let malformed = |reason| CheckpointError::Malformed {
        kind: Kind::Table,
        index,
        reason,
    };
    let mismatch = |reason| CheckpointError::Mismatch {
        kind: Kind::Table,
        index,
        reason,
    };
    let entity = &store.inner.tables[table as usize];
    let mut r = Reader::new(bytes);
    let code = r.u8().ok_or(malformed("truncated"))?;
    if r.take(3) != Some(&[0, 0, 0][..]) {
        return Err(malformed("reserved bytes"));
    }
    let size = r.u64().ok_or(malformed("truncated"))?;
    let element = ValType::from(entity.ty.element).cell_kind();
    if code != type_code(element) {
        return Err(mismatch("element type differs"));
    }
    // The length check bounds `size` by the payload actually read.
    if Some(r.remaining() as u64) != size.checked_mul(4) {
        return Err(malformed("length"));
    }
    if size < entity.size() {
        return Err(mismatch("table is larger than in the checkpoint"));
    }
    if size > entity.max {
        return Err(CheckpointError::Grow {
            kind: Kind::Table,
            index,
            size,
        });
    }
    let mut cells = Vec::new();
    cells
        .try_reserve_exact(r.remaining() / 4)
        .map_err(|_| CheckpointError::OutOfMemory)?;
    for chunk in r.rest().chunks_exact(4) {
        let code = u64::from(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
        let cell = match element {
            ValType::FuncRef => {
                decode_funcref(code, funcs).ok_or(malformed("function index out of range"))?
            }
            _ if code == 0 => 0,
            _ => return Err(malformed("non-null externref")),
        };
        cells.push(cell);
    }
    Ok(TableState { size, cells })
}
