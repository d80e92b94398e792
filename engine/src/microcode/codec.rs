//! The stored (serialised) form of a [`Compiled`] function: a small header, then the word
//! stream the interpreter runs (little-endian), then the constant pool. Loading is a copy plus
//! a shape check; no op is translated into another representation.
//!
//! Decoding checks only the *shape* (known opcodes, enough bytes, no trailing bytes, sizes
//! within limits). A decoded function must still pass the verifier (`microcode::verify`) against its
//! module before it runs: decoding never trusts the bytes to be in range.

use alloc::vec::Vec;

use super::Compiled;

pub use crate::bytes::Reader;

/// A field type with a fixed-width stored form.
pub trait Field: Sized {
    /// Append the stored form.
    fn put(&self, out: &mut Vec<u8>);
    /// Read the stored form.
    fn get(r: &mut Reader<'_>) -> Option<Self>;
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(r: &mut Reader<'_>) -> Option<Self> {
                r.array().map(<$t>::from_le_bytes)
            }
        }
    )*};
}
int_field!(u16, u32, u128);

/// Format version of the encoded function; bump on any change to the ISA table or layout.
/// Version 1 stored every op as a u16 opcode and its fields at their in-memory widths;
/// version 2 stores the word stream the interpreter runs (see [`super::isa`]); version 3
/// added the `Fuel` op (which moved the opcodes after it); version 5 added the wide-arithmetic
/// ops after `Fuel`; version 6 the fused add-and-branch ops (`BrIfI32Add*`) after those;
/// version 7 the `Poll` check and the loop back-edge branches with the header's check folded
/// in (`BrFuel`, `BrIf*Fuel`), which moved the opcodes after them; version 8 the fused
/// add-and-branch back-edges with the check folded in (`BrIfI32Add*Fuel`) and `FuelSkip`
/// after those, and back-edge forms that target the op after the header's check (not the
/// check itself); version 9 the typed-function-reference ops (`CallRef`, `ReturnCallRef`,
/// `RefAsNonNull`, `BrIfNull`, `BrIfNonNull`) after `FuelSkip`, which moved every later
/// opcode by five; version 10 the exception-handling ops (`Throw`, `ThrowRef` and the handler
/// table's `ExnFrom`, `ExnTo`, `Catch`, `CatchRef`) after `BrIfNonNull`, which moved every later
/// opcode by six.
pub const CODE_FORMAT: u16 = 10;

/// Upper bounds a decoded function must respect (hostile bytes cannot make us allocate more).
const MAX_WORDS: u32 = 1 << 26;
const MAX_POOL: u32 = 1 << 20;

/// Why stored microcode could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The format version is not [`CODE_FORMAT`].
    Version(u16),
    /// The bytes end early, name an unknown opcode or enum value, or have trailing bytes.
    Malformed,
    /// A count exceeds the decoder's limits.
    TooLarge,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::Version(v) => write!(f, "unsupported microcode format version {v}"),
            DecodeError::Malformed => f.write_str("malformed microcode"),
            DecodeError::TooLarge => f.write_str("microcode exceeds the decoder's size limits"),
        }
    }
}

impl Compiled {
    /// The stored form: format version, frame shape, word count, pool count, the words
    /// (little-endian), the pool.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(26 + self.code.len() * 2 + self.pool.len() * 16);
        CODE_FORMAT.put(&mut out);
        for v in [
            self.num_params,
            self.num_locals,
            self.num_results,
            self.frame_size,
            self.code.len() as u32,
            self.pool.len() as u32,
        ] {
            v.put(&mut out);
        }
        for w in &self.code {
            w.put(&mut out);
        }
        for v in &self.pool {
            v.put(&mut out);
        }
        out
    }

    /// Read the stored form: the words are copied as they are, then checked to be a
    /// sequence of well-formed ops ([`Op::decode_words`](super::Op::decode_words)) ending exactly at the last word.
    /// The result must pass `verify` before it runs.
    pub fn decode(bytes: &[u8]) -> Result<Compiled, DecodeError> {
        let r = &mut Reader::new(bytes);
        let version = u16::get(r).ok_or(DecodeError::Malformed)?;
        if version != CODE_FORMAT {
            return Err(DecodeError::Version(version));
        }
        let mut header = [0u32; 6];
        for h in &mut header {
            *h = u32::get(r).ok_or(DecodeError::Malformed)?;
        }
        let [num_params, num_locals, num_results, frame_size, n_words, n_pool] = header;
        if n_words > MAX_WORDS || n_pool > MAX_POOL {
            return Err(DecodeError::TooLarge);
        }
        // Do not reserve more than the input can hold.
        let mut code = Vec::with_capacity((n_words as usize).min(bytes.len() / 2));
        for _ in 0..n_words {
            code.push(u16::get(r).ok_or(DecodeError::Malformed)?);
        }
        let mut pool = Vec::with_capacity((n_pool as usize).min(bytes.len() / 16));
        for _ in 0..n_pool {
            pool.push(u128::get(r).ok_or(DecodeError::Malformed)?);
        }
        if !r.at_end() {
            return Err(DecodeError::Malformed);
        }
        let mut at = 0;
        while at < code.len() {
            let (_, _, n) = super::isa::decode_raw(&code, at).ok_or(DecodeError::Malformed)?;
            at += n;
        }
        Ok(Compiled::new(
            code,
            pool,
            num_params,
            num_locals,
            num_results,
            frame_size,
        ))
    }
}
