//! `blob_corruption`: valid blobs of each kind, mutated (bit flips, truncation, extension,
//! header fields, hostile payloads under a recomputed CRC), must load as an error or as an
//! equivalent value; never panic, never access memory out of bounds.

use arbitrary::{Arbitrary, Result, Unstructured};
use fayasm::microcode::Compiled;
use fayasm::offload::{blob, checkpoint, io, Key, Kind, MemStorage, Storage};

/// One change to a stored blob.
#[derive(Arbitrary, Debug, Clone)]
pub enum Mutation {
    /// XOR one byte (offset modulo the length).
    Flip { at: u32, mask: u8 },
    /// Keep only a prefix.
    Truncate { len: u32 },
    /// Append bytes.
    Extend { bytes: Vec<u8> },
    /// Overwrite a little-endian field of the 36-byte header.
    Header { field: HeaderField, value: u64 },
    /// Overwrite payload bytes (offset modulo the payload length).
    Payload { at: u32, bytes: Vec<u8> },
}

/// Fields of the blob envelope, by offset and width.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum HeaderField {
    Magic,
    Version,
    Kind,
    Fingerprint,
    Index,
    Generation,
    Length,
    Crc,
}

impl HeaderField {
    fn range(self) -> (usize, usize) {
        match self {
            HeaderField::Magic => (0, 4),
            HeaderField::Version => (4, 2),
            HeaderField::Kind => (6, 2),
            HeaderField::Fingerprint => (8, 8),
            HeaderField::Index => (16, 4),
            HeaderField::Generation => (20, 8),
            HeaderField::Length => (28, 4),
            HeaderField::Crc => (32, 4),
        }
    }
}

/// Apply `m` to `bytes`.
pub fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Flip { at, mask } => {
            if !bytes.is_empty() {
                let i = *at as usize % bytes.len();
                bytes[i] ^= mask;
            }
        }
        Mutation::Truncate { len } => bytes.truncate(*len as usize % (bytes.len() + 1)),
        Mutation::Extend { bytes: extra } => bytes.extend_from_slice(extra),
        Mutation::Header { field, value } => {
            let (off, width) = field.range();
            let v = value.to_le_bytes();
            for (i, byte) in v.iter().take(width).enumerate() {
                if let Some(b) = bytes.get_mut(off + i) {
                    *b = *byte;
                }
            }
        }
        Mutation::Payload { at, bytes: new } => {
            if bytes.len() > blob::HEADER_LEN {
                let n = bytes.len() - blob::HEADER_LEN;
                let start = blob::HEADER_LEN + *at as usize % n;
                for (i, b) in new.iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(start + i) {
                        *slot = *b;
                    }
                }
            }
        }
    }
}

/// Which blob to damage and how.
#[derive(Arbitrary, Debug)]
pub struct Input {
    pub target: Target,
    pub mutations: Vec<Mutation>,
    /// Re-wrap the mutated payload in a fresh, valid envelope: a hostile payload under a
    /// correct CRC, which only the payload's own checks can reject.
    pub reseal: bool,
}

/// The kinds of blob the engine writes.
#[derive(Arbitrary, Debug)]
pub enum Target {
    /// Spilled microcode of one function of the host module.
    Code { func: u8 },
    /// A generic enveloped payload (memory, globals, tables, ...).
    Plain { kind: u8, payload: Vec<u8> },
    /// One blob (a part or a manifest) of a committed checkpoint.
    Checkpoint { victim: u8 },
}

/// Run one input.
pub fn check(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let input = Input::arbitrary(&mut u)?;
    // Raw bytes straight into the envelope parser too.
    let _ = blob::peek(data);
    let _ = blob::decode(data, &Key::new(Kind::Code, 0, 0));
    match &input.target {
        Target::Code { func } => check_code(&input, *func),
        Target::Plain { kind, payload } => check_plain(&input, *kind, payload),
        Target::Checkpoint { victim } => check_checkpoint(&input, *victim),
    }
    Ok(())
}

fn mutate(input: &Input, key: &Key, good: &[u8]) -> Vec<u8> {
    let mut bad = good.to_vec();
    for m in &input.mutations {
        apply(&mut bad, m);
    }
    if input.reseal && bad.len() >= blob::HEADER_LEN {
        let payload = &bad[blob::HEADER_LEN..];
        let generation = blob::peek(good).map_or(1, |(h, _)| h.generation);
        if let Ok(resealed) = blob::encode(key, generation, payload) {
            bad = resealed;
        }
    }
    bad
}

fn check_code(input: &Input, func: u8) {
    let (mut store, _module, hosts) = crate::hostile::instantiate();
    let which = func as usize % hosts.len();
    let f = hosts[which];
    let mut storage = MemStorage::new();
    f.spill_code_to(&mut store, &mut storage, 1)
        .expect("spill to RAM");
    let key = f.code_key(&store).expect("wasm function");
    let good = storage.get(&key).expect("spilled").to_vec();
    let original = f.translate(&mut store).unwrap().unwrap();
    let bad = mutate(input, &key, &good);
    storage.write(&key, &[&bad]).expect("RAM write");
    f.evict_code(&mut store);
    let loaded = f.load_code_from(&mut store, &mut storage).is_ok();
    if bad == good {
        assert!(loaded, "an intact code blob was rejected");
    }
    if loaded {
        let now = f.translate(&mut store).unwrap().unwrap();
        if !input.reseal {
            // Without a fresh CRC, damage is caught by the envelope (a CRC-32 collision
            // among these mutations would be a finding in itself).
            assert_eq!(now, original, "damaged code blob loaded as different code");
        }
    }
    // Whatever was installed (verified hostile code or the original), run it if it is sure to
    // terminate; otherwise the function re-translates.
    let payload = bad.get(blob::HEADER_LEN..).unwrap_or(&[]);
    if let Ok(code) = Compiled::decode(payload) {
        crate::hostile::install_and_run(code, which);
    }
}

fn check_plain(input: &Input, kind: u8, payload: &[u8]) {
    let kind = Kind::ALL[kind as usize % Kind::ALL.len()];
    let key = Key::new(kind, 0x5eed, 3);
    let mut storage = MemStorage::new();
    io::save(&mut storage, &key, 7, payload).expect("RAM write");
    let good = storage.get(&key).unwrap().to_vec();
    let bad = mutate(input, &key, &good);
    storage.write(&key, &[&bad]).unwrap();
    let mut buf = Vec::new();
    match io::load_generation(&mut storage, &key, 7, &mut buf) {
        Ok(h) => {
            assert_eq!(h.payload_len as usize, buf.len());
            if !input.reseal {
                assert_eq!(buf, payload, "damaged blob loaded with other contents");
            }
        }
        Err(_) => assert!(bad != good, "an intact blob was rejected"),
    }
}

fn check_checkpoint(input: &Input, victim: u8) {
    let fp = 0xc0ffee;
    let mut storage = MemStorage::new();
    let first: [(Kind, u32, &[u8]); 3] = [
        (Kind::Memory, 0, b"memory zero, first"),
        (Kind::Globals, 0, b"globals"),
        (Kind::Code, 4, b"code"),
    ];
    let second: [(Kind, u32, &[u8]); 2] = [
        (Kind::Memory, 0, b"memory zero, second version"),
        (Kind::Table, 1, b"table one"),
    ];
    checkpoint::commit(&mut storage, fp, 0, &first).unwrap();
    checkpoint::commit(&mut storage, fp, 0, &second).unwrap();
    let keys: Vec<Key> = storage.keys().copied().collect();
    let key = keys[victim as usize % keys.len()];
    let good = storage.get(&key).unwrap().to_vec();
    let bad = mutate(input, &key, &good);
    storage.write(&key, &[&bad]).unwrap();
    let as_vec = |parts: &[(Kind, u32, &[u8])]| {
        let mut v: Vec<(Kind, u32, Vec<u8>)> =
            parts.iter().map(|&(k, i, p)| (k, i, p.to_vec())).collect();
        v.sort_by_key(|p| (p.0, p.1));
        v
    };
    match checkpoint::load_latest(&mut storage, fp, 0) {
        Ok(Some((generation, mut parts))) => {
            parts.sort_by_key(|p| (p.0, p.1));
            // One of the two committed checkpoints, whole: never a mix.
            let expected = match generation {
                1 => as_vec(&first),
                2 => as_vec(&second),
                g => panic!("loaded generation {g}, which was never committed"),
            };
            if input.reseal {
                // A crafted manifest under a valid CRC can list fewer parts, but every part
                // it yields is one that was written, byte for byte.
                let all = [as_vec(&first), as_vec(&second)].concat();
                for p in &parts {
                    assert!(all.contains(p), "part {:?} {} was never written", p.0, p.1);
                }
            } else {
                assert_eq!(
                    parts, expected,
                    "checkpoint {generation} loaded with other contents"
                );
            }
            if bad == good {
                assert_eq!(generation, 2, "intact newest checkpoint not loaded");
            }
        }
        Ok(None) | Err(_) => assert!(bad != good, "intact checkpoints failed to load"),
    }
}
