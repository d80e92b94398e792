//! `microcode_roundtrip`: the stored form of microcode is canonical and every op takes
//! exactly the bytes its fields declare; decoded functions go through the verifier and,
//! when it accepts them, run (see [`crate::hostile`]).

use fayasm::microcode::codec::Reader;
use fayasm::microcode::{Compiled, Op};

/// Read ops one at a time from `bytes` (stopping at the first that does not decode), then
/// wrap them in a function and round-trip it.
pub fn check(data: &[u8]) {
    let (header, body) = data.split_at(data.len().min(9));
    let mut ops = Vec::new();
    let mut pos = 0;
    while pos < body.len() && ops.len() < 4096 {
        let rest = &body[pos..];
        let Some(op) = Op::decode(&mut Reader::new(rest)) else {
            break;
        };
        let mut enc = Vec::new();
        op.encode(&mut enc);
        assert!(
            rest.starts_with(&enc),
            "{op:?} re-encodes to {enc:?}, not to the bytes it came from"
        );
        // Exactly the encoded bytes decode to the same op, with nothing left over.
        let mut r = Reader::new(&enc);
        assert_eq!(Op::decode(&mut r), Some(op));
        assert!(
            r.at_end(),
            "{op:?}: decoding stopped before its encoded width"
        );
        // One byte short never decodes.
        assert_eq!(Op::decode(&mut Reader::new(&enc[..enc.len() - 1])), None);
        pos += enc.len();
        ops.push(op);
    }
    let h = |i: usize| header.get(i).copied().unwrap_or(0) as u32;
    let pool: Vec<u128> = body[pos..]
        .chunks(16)
        .take(8)
        .map(|c| {
            let mut b = [0u8; 16];
            b[..c.len()].copy_from_slice(c);
            u128::from_le_bytes(b)
        })
        .collect();
    let code = Compiled {
        ops,
        pool,
        num_params: h(0) % 8,
        num_locals: h(1) % 16,
        num_results: h(2) % 8,
        frame_size: h(3) | (h(4) << 8),
    };
    check_function(&code);
    // Any byte string that decodes as a whole function is in canonical form.
    if let Ok(c) = Compiled::decode(data) {
        assert_eq!(c.encode(), data, "decode then encode changed the bytes");
    }
    crate::hostile::install_and_run(code, h(5) as usize);
}

/// A function survives encode then decode unchanged.
pub fn check_function(code: &Compiled) {
    let bytes = code.encode();
    let back = Compiled::decode(&bytes).expect("encoded microcode decodes");
    assert_eq!(&back, code, "microcode changed across encode/decode");
    // Truncated stored forms are rejected, never misread.
    if !bytes.is_empty() {
        assert!(Compiled::decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
