//! The stored form of microcode: round trips, and hostile bytes rejected without panics.

use fayasm::microcode::Compiled;
use fayasm::{Config, Engine, Linker, Module, Store};

/// Every defined function of every sample module, translated.
fn sample_functions() -> Vec<(String, Module, Compiled)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm_samples/wasm");
    // The exception-handling proposal on: `cpp_exceptions.wasm` needs it.
    let engine = Engine::new(Config::default().prescan(true).wasm_exceptions(true));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wasm") {
            continue;
        }
        let module = Module::new(&engine, std::fs::read(&path).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        // Satisfy imports with host functions that do nothing; only translation matters here.
        for import in module.imports() {
            if let fayasm::ExternType::Func(ty) = import.ty {
                let f = fayasm::Func::new(&mut store, ty, |_, _, _| Ok(()));
                linker
                    .define(&store, &import.module, &import.name, f)
                    .unwrap();
            }
        }
        let Ok(inst) = linker.instantiate(&mut store, &module) else {
            continue;
        };
        for i in 0..module.num_funcs() as u32 {
            let f = inst.func_by_index(&store, i).unwrap();
            if let Some(code) = f.translate(&mut store).unwrap() {
                out.push((
                    format!("{}#{i}", path.display()),
                    module.clone(),
                    code.clone(),
                ));
            }
        }
    }
    assert!(out.len() > 50, "expected many functions, got {}", out.len());
    out
}

#[test]
fn microcode_round_trips_through_its_stored_form() {
    let mut bytes_total = 0;
    for (name, module, code) in sample_functions() {
        let bytes = code.encode();
        bytes_total += bytes.len();
        let back = Compiled::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, code, "{name}");
        module
            .verify_microcode(&back)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(bytes_total > 0);
}

#[test]
fn truncated_or_extended_microcode_is_rejected() {
    let (_, _, code) = sample_functions()
        .into_iter()
        .find(|(_, _, c)| c.code.len() > 60)
        .unwrap();
    let bytes = code.encode();
    for n in 0..bytes.len() {
        assert!(
            Compiled::decode(&bytes[..n]).is_err(),
            "prefix of {n} bytes accepted"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Compiled::decode(&longer).is_err());
}

#[test]
fn every_bit_flip_is_rejected_or_verified() {
    // A flipped byte either fails to decode, fails verification, or yields microcode that
    // verification proved in range (running it may compute garbage, never go out of bounds).
    let (_, module, code) = sample_functions()
        .into_iter()
        .find(|(_, _, c)| c.code.len() > 60)
        .unwrap();
    let bytes = code.encode();
    let (mut undecodable, mut unverified, mut accepted) = (0, 0, 0);
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            match Compiled::decode(&b) {
                Err(_) => undecodable += 1,
                Ok(c) => match module.verify_microcode(&c) {
                    Err(_) => unverified += 1,
                    Ok(()) => accepted += 1,
                },
            }
        }
    }
    assert!(undecodable + unverified > 0);
    assert_eq!(undecodable + unverified + accepted, bytes.len() * 8);
}

#[test]
fn out_of_range_operands_fail_verification() {
    use fayasm::microcode::Op;
    let (_, module, code) = sample_functions()
        .into_iter()
        .find(|(_, _, c)| c.code.len() > 15)
        .unwrap();
    let hostile = [
        Op::Copy {
            dst: code.frame_size,
            src: 0,
        },
        Op::Br {
            target: code.code.len() as u32 + 7,
        },
        Op::GlobalGet {
            dst: 0,
            global: 1 << 30,
        },
        Op::Call {
            func: u32::MAX,
            args: 0,
        },
        Op::BrTable {
            index: 0,
            len: 1 << 20,
        },
    ];
    let ops = code.decode_ops().unwrap();
    for op in hostile {
        let mut bad = ops.clone();
        bad.insert(0, op);
        let bad = code.with_ops(&bad);
        assert!(module.verify_microcode(&bad).is_err(), "{op:?} accepted");
    }
    let mut no_end = ops.clone();
    no_end.pop();
    no_end.push(Op::Const { dst: 0, bits: 0 });
    assert!(
        module.verify_microcode(&code.with_ops(&no_end)).is_err(),
        "fall-through end accepted"
    );
    // A branch into the middle of an op (a word offset that starts no op) is rejected.
    let is_br = |r: Result<(usize, Op), usize>| matches!(r, Ok((_, Op::Br { .. })));
    let (_, module, mut words) = sample_functions()
        .into_iter()
        .find(|(_, _, c)| c.code.len() > 4 && c.ops().any(is_br))
        .expect("a function with a branch");
    let (at, _) = words
        .ops()
        .map(Result::unwrap)
        .find(|(_, op)| matches!(op, Op::Br { .. }))
        .unwrap();
    words.code[at + 1] = 1;
    words.code[at + 2] = 0;
    assert!(
        module.verify_microcode(&words).is_err(),
        "branch into an op accepted"
    );
}

/// Size of the code section's contents (the function bodies the microcode stands for).
fn code_section_len(bytes: &[u8]) -> usize {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::CodeSectionStart {
                unchecked_range: r, ..
            }) => Some((r.end - r.start) as usize),
            _ => None,
        })
        .sum()
}

/// Bytes of microcode per byte of wasm code, per sample module: in RAM (`byte_size`) and in the
/// stored form (`encode`). Prints the table (`--nocapture`) and guards the median against
/// regressions.
#[test]
fn microcode_bytes_per_wasm_byte() {
    let mut per_module: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for (name, _, code) in sample_functions() {
        let file = name.rsplit_once('#').unwrap().0.to_string();
        let e = per_module.entry(file).or_default();
        e.0 += code.byte_size();
        e.1 += code.encode().len();
    }
    let mut ram = Vec::new();
    let mut stored = Vec::new();
    for (file, (r, s)) in &per_module {
        let wasm = code_section_len(&std::fs::read(file).unwrap());
        let (r, s) = (*r as f64 / wasm as f64, *s as f64 / wasm as f64);
        let short = file.rsplit('/').next().unwrap();
        println!("{short:28} wasm code {wasm:7} B  ram {r:5.2}  stored {s:5.2}");
        ram.push(r);
        stored.push(s);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    let (ram_max, stored_max) = (max(&ram), max(&stored));
    let (ram_median, stored_median) = (median(&mut ram), median(&mut stored));
    println!("median ram {ram_median:.2} (max {ram_max:.2}), stored {stored_median:.2} (max {stored_max:.2})");
    assert!(
        ram_median <= 6.0,
        "microcode RAM per wasm byte regressed: {ram_median:.2}"
    );
    assert!(
        stored_median <= 6.0,
        "stored microcode per wasm byte regressed: {stored_median:.2}"
    );
}
