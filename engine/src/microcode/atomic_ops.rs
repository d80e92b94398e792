//! The sub-operations of the threads proposal's atomic ops (`AtomicLoad`, `AtomicRmw`, ...):
//! the access width and the read-modify-write operation.
//!
//! Part of the instruction set, like `simd_ops`: each enum's stored form is one word, the
//! variant's position in its `ALL` list. A width is all an op needs to know of its wasm
//! type: an i32 sits in a cell with its upper 32 bits zero (ARCHITECTURE.md, "Invariants"),
//! so `i32.atomic.load` and `i64.atomic.load32_u` are the same 4-byte zero-extending access,
//! and so are `i32.atomic.rmw8.add_u` and `i64.atomic.rmw8.add_u`. Semantics live in
//! `exec/handlers/atomic.rs`.

/// How many bytes an atomic access reads or writes (its alignment too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum AtomicWidth {
    /// 1 byte (`*.atomic.load8_u`, `*.atomic.store8`, `*.atomic.rmw8.*_u`).
    W8,
    /// 2 bytes.
    W16,
    /// 4 bytes (`i32.atomic.*`, `i64.atomic.*32*`, `memory.atomic.wait32`).
    W32,
    /// 8 bytes (`i64.atomic.*`, `memory.atomic.wait64`).
    W64,
}

impl AtomicWidth {
    /// Every variant, in stored-form order.
    pub const ALL: &'static [AtomicWidth] = &[
        AtomicWidth::W8,
        AtomicWidth::W16,
        AtomicWidth::W32,
        AtomicWidth::W64,
    ];

    /// The access size in bytes.
    pub fn bytes(self) -> u64 {
        1 << self as u8
    }

    /// The bits of a cell an access of this width keeps (a value wrapped to the width).
    pub fn mask(self) -> u64 {
        match self {
            AtomicWidth::W64 => u64::MAX,
            w => (1u64 << (8 * w.bytes())) - 1,
        }
    }
}

/// The modification of an atomic read-modify-write (`*.atomic.rmw*.<op>`); every one
/// returns the value read, zero-extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum AtomicRmwOp {
    /// Wrapping addition.
    Add,
    /// Wrapping subtraction (the value read minus the operand).
    Sub,
    /// Bitwise and.
    And,
    /// Bitwise or.
    Or,
    /// Bitwise exclusive or.
    Xor,
    /// Exchange: store the operand.
    Xchg,
}

impl AtomicRmwOp {
    /// Every variant, in stored-form order.
    pub const ALL: &'static [AtomicRmwOp] = &[
        AtomicRmwOp::Add,
        AtomicRmwOp::Sub,
        AtomicRmwOp::And,
        AtomicRmwOp::Or,
        AtomicRmwOp::Xor,
        AtomicRmwOp::Xchg,
    ];

    /// The value to store given the value `old` read and the operand `v` (both wrapped to
    /// the access width by the caller's mask).
    pub fn apply(self, old: u64, v: u64) -> u64 {
        match self {
            AtomicRmwOp::Add => old.wrapping_add(v),
            AtomicRmwOp::Sub => old.wrapping_sub(v),
            AtomicRmwOp::And => old & v,
            AtomicRmwOp::Or => old | v,
            AtomicRmwOp::Xor => old ^ v,
            AtomicRmwOp::Xchg => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_their_bytes() {
        let got: alloc::vec::Vec<_> = AtomicWidth::ALL
            .iter()
            .map(|w| (w.bytes(), w.mask()))
            .collect();
        assert_eq!(
            got,
            [(1, 0xff), (2, 0xffff), (4, 0xffff_ffff), (8, u64::MAX)]
        );
        for (i, w) in AtomicWidth::ALL.iter().enumerate() {
            assert_eq!(*w as usize, i);
        }
        for (i, op) in AtomicRmwOp::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
    }

    #[test]
    fn rmw_ops_wrap() {
        assert_eq!(AtomicRmwOp::Add.apply(u64::MAX, 2), 1);
        assert_eq!(AtomicRmwOp::Sub.apply(0, 1), u64::MAX);
        assert_eq!(AtomicRmwOp::And.apply(0b1100, 0b1010), 0b1000);
        assert_eq!(AtomicRmwOp::Or.apply(0b1100, 0b1010), 0b1110);
        assert_eq!(AtomicRmwOp::Xor.apply(0b1100, 0b1010), 0b0110);
        assert_eq!(AtomicRmwOp::Xchg.apply(7, 9), 9);
    }
}
