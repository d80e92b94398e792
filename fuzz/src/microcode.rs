//! `microcode_roundtrip`: the stored form of microcode is canonical and every op takes
//! exactly the bytes its fields declare; decoded functions go through the verifier and,
//! when it accepts them, run (see [`crate::hostile`]).

use fayasm::microcode::{Compiled, Op};

/// Read ops one at a time from the words of `bytes` (stopping at the first that does not
/// decode), then wrap them in a function and round-trip it.
pub fn check(data: &[u8]) {
    let (header, body) = data.split_at(data.len().min(9));
    let words: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let mut at = 0;
    let mut n_ops = 0;
    while at < words.len() && n_ops < 4096 {
        let Some((op, n)) = Op::decode_words(&words, at) else {
            break;
        };
        let mut enc = Vec::new();
        op.encode_words(&mut enc);
        assert_eq!(
            &words[at..at + n],
            &enc[..],
            "{op:?} re-encodes to other words than it came from"
        );
        // Exactly the encoded words decode to the same op.
        assert_eq!(Op::decode_words(&enc, 0), Some((op, enc.len())));
        // One word short never decodes.
        assert_eq!(Op::decode_words(&enc[..enc.len() - 1], 0), None);
        at += n;
        n_ops += 1;
    }
    let pos = at * 2;
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
    let code = Compiled::new(
        words[..at].to_vec(),
        pool,
        h(0) % 8,
        h(1) % 16,
        h(2) % 8,
        h(3) | (h(4) << 8),
    );
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
