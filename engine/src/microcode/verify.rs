//! The microcode verifier: proves a `Compiled` function safe to run without bounds checks on
//! its frame and its op vector.
//!
//! The interpreter relies on exactly these facts (see the `SAFETY:` comments in `exec`):
//! - every slot operand, plus one more cell for a v128, is below `frame_size`, a call's
//!   arguments (`args` plus its parameter cells) are within the frame, a lane access's pool
//!   entry names an existing memory, and a
//!   `Return`'s `src + count` is within the frame;
//! - every branch target is an op index, a `BrTable`'s `len + 1` entries exist and are `Br`s;
//! - the last op does not fall through;
//! - parameters and locals fit in the frame.
//!
//! Entity indices (functions, globals, memories, ...) are checked against the module too, so a
//! microcode blob read back from storage cannot name an entity that does not exist. The
//! interpreter still indexes entities with checked indexing.

use core::fmt;

use super::{Compiled, Op};
use crate::module::ModuleInner;

/// Why microcode was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// The op index.
    pub at: usize,
    /// The operand that is out of range.
    pub field: &'static str,
    /// Its value.
    pub value: u64,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "microcode op {}: operand `{}` = {} is out of range",
            self.at, self.field, self.value
        )
    }
}

/// Check `code` (a function of `module`) as described in the module docs.
pub(crate) fn verify(code: &Compiled, module: &ModuleInner) -> Result<(), VerifyError> {
    let frame = code.frame_size as u64;
    let len = code.ops.len();
    let err = |at: usize, field: &'static str, value: u64| VerifyError { at, field, value };
    if code.num_params as u64 + code.num_locals as u64 > frame || code.num_results as u64 > frame {
        return Err(err(0, "frame_size", frame));
    }
    match code.ops.last() {
        Some(Op::Return { .. } | Op::Br { .. } | Op::Unreachable | Op::ReturnCall { .. })
        | Some(Op::ReturnCallIndirect { .. }) => {}
        _ => return Err(err(len.saturating_sub(1), "last op", len as u64)),
    }
    let mut table_entries = 0usize;
    for (at, op) in code.ops.iter().enumerate() {
        if table_entries > 0 {
            table_entries -= 1;
            if !matches!(op, Op::Br { .. }) {
                return Err(err(at, "br_table entry", 0));
            }
        }
        let mut bad: Option<(&'static str, u64)> = None;
        let mut check = |field: &'static str, v: u64| {
            let ok = match field {
                "dst" | "src" | "lhs" | "rhs" | "cond" | "a" | "b" | "c" | "addr" | "index"
                | "val" | "len" | "delta" | "init" | "x" | "count" => v + 2 <= frame,
                "args" => v <= frame,
                "target" => v < len as u64,
                "func" => v < module.funcs.len() as u64,
                "global" => v < module.globals.len() as u64,
                "mem" | "dst_mem" | "src_mem" => v < module.memories.len() as u64,
                "table" | "dst_table" | "src_table" => v < module.tables.len() as u64,
                "ty" => v < module.types.len() as u64,
                "data" => v < module.datas.len() as u64,
                "elem" => v < module.elems.len() as u64,
                "idx" | "arg" => v < code.pool.len() as u64,
                _ => true,
            };
            if !ok && bad.is_none() {
                bad = Some((field, v));
            }
        };
        // `count` of a Return is a cell count, not a slot; check it with `src` below.
        if let Op::Return { src, count } = *op {
            if src as u64 + count as u64 > frame {
                return Err(err(at, "src", src as u64));
            }
        } else if let Op::BrTable { index, .. } = *op {
            // `len` of a BrTable is an entry count, checked below.
            check("index", index as u64);
        } else {
            op.for_each_field(&mut check);
        }
        if let Some((field, value)) = bad {
            return Err(err(at, field, value));
        }
        // A call's arguments (`args..args + params`) are read from this frame: a tail call
        // moves them down before the callee's frame exists, so they must lie inside it.
        let call = match *op {
            Op::Call { func, args } | Op::ReturnCall { func, args } => module
                .funcs
                .get(func as usize)
                .and_then(|&t| module.types.get(t as usize))
                .map(|t| (args, t)),
            Op::CallIndirect { ty, args, .. } | Op::ReturnCallIndirect { ty, args, .. } => {
                module.types.get(ty as usize).map(|t| (args, t))
            }
            _ => None,
        };
        if let Some((args, ty)) = call {
            let params = super::translate::cells_of(ty.params());
            if args as u64 + params as u64 > frame {
                return Err(err(at, "args", args as u64));
            }
        }
        // A lane access names its memory in the low 32 bits of its pool entry.
        let lane_arg = match *op {
            Op::V128Load8Lane { arg, .. }
            | Op::V128Load16Lane { arg, .. }
            | Op::V128Load32Lane { arg, .. }
            | Op::V128Load64Lane { arg, .. }
            | Op::V128Store8Lane { arg, .. }
            | Op::V128Store16Lane { arg, .. }
            | Op::V128Store32Lane { arg, .. }
            | Op::V128Store64Lane { arg, .. } => Some(arg),
            _ => None,
        };
        if let Some(arg) = lane_arg {
            let mem = code
                .pool
                .get(arg as usize)
                .map_or(u64::MAX, |p| *p as u32 as u64);
            if mem >= module.memories.len() as u64 {
                return Err(err(at, "mem", mem));
            }
        }
        if let Op::BrTable { len: n, .. } = *op {
            if at + 1 + n as usize >= len {
                return Err(err(at, "len", n as u64));
            }
            table_entries = n as usize + 1;
        }
    }
    Ok(())
}

impl From<VerifyError> for crate::Error {
    fn from(e: VerifyError) -> crate::Error {
        crate::Error::Module(crate::ModuleError {
            offset: 0,
            message: alloc::format!("{e}"),
        })
    }
}
