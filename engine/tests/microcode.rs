//! The stored form of microcode: round trips, and hostile bytes rejected without panics.

use fayasm::microcode::Compiled;
use fayasm::{Config, Engine, Linker, Module, Store};

/// Every defined function of every sample module, translated.
fn sample_functions() -> Vec<(String, Module, Compiled)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm_samples/wasm");
    let engine = Engine::new(Config::default().prescan(true));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wasm") {
            continue;
        }
        let module = Module::new(&engine, &std::fs::read(&path).unwrap()).unwrap();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new();
        // Satisfy imports with host functions that do nothing; only translation matters here.
        for import in module.imports() {
            if let fayasm::ExternType::Func(ty) = import.ty {
                let f = fayasm::Func::new(&mut store, ty, |_, _, _| Ok(()));
                linker.define(&import.module, &import.name, f);
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
                    (*code).clone(),
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
        .find(|(_, _, c)| c.ops.len() > 20)
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
        .find(|(_, _, c)| c.ops.len() > 20)
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
        .find(|(_, _, c)| c.ops.len() > 5)
        .unwrap();
    let hostile = [
        Op::Copy {
            dst: code.frame_size,
            src: 0,
        },
        Op::Br {
            target: code.ops.len() as u32 + 7,
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
    for op in hostile {
        let mut bad = code.clone();
        bad.ops.insert(0, op);
        assert!(module.verify_microcode(&bad).is_err(), "{op:?} accepted");
    }
    let mut no_end = code.clone();
    no_end.ops.pop();
    no_end.ops.push(Op::Const { dst: 0, bits: 0 });
    assert!(
        module.verify_microcode(&no_end).is_err(),
        "fall-through end accepted"
    );
}
