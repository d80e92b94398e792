//! `Compiled::assemble` (one pass, distances patched in) against the relaxation it falls back
//! to: the same words for every sample function and for code with far branches.

use fayasm::microcode::{Compiled, Op};
use fayasm::{Config, Engine, Module};

fn same_as_relaxed(ops: &[Op], what: &str) -> Compiled {
    let fast = Compiled::assemble(ops, Vec::new(), 1, 0, 0, 70_000);
    let relaxed = Compiled::assemble_relaxed(ops, Vec::new(), 1, 0, 0, 70_000);
    assert_eq!(fast, relaxed, "{what}");
    assert_eq!(fast.decode_ops().as_deref(), Some(ops), "{what}");
    fast
}

#[test]
fn sample_functions_assemble_as_by_relaxation() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm_samples/wasm");
    // The exception-handling proposal on: `cpp_exceptions.wasm` needs it.
    let engine = Engine::new(Config::default().wasm_exceptions(true));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "wasm") {
            continue;
        }
        let module = Module::new(&engine, std::fs::read(&path).unwrap()).unwrap();
        for i in 0..module.num_funcs() as u32 {
            if let Some(code) = module.translate_function(i).unwrap() {
                let ops = code.decode_ops().unwrap();
                let relaxed = Compiled::assemble_relaxed(
                    &ops,
                    code.pool.to_vec(),
                    code.num_params,
                    code.num_locals,
                    code.num_results,
                    code.frame_size,
                );
                assert_eq!(code, relaxed, "{}#{i}", path.display());
                n += 1;
            }
        }
    }
    assert!(n > 50, "only {n} functions");
}

#[test]
fn far_branches_take_their_wide_form() {
    let filler = Op::I32Add {
        dst: 0,
        lhs: 0,
        rhs: 0,
    };
    for gap in [8_000usize, 8_200, 20_000] {
        // A forward and a backward branch over `gap` four-word ops, a branch whose op is
        // already wide (slot past 65,535), and a table entry.
        let mut ops = vec![Op::BrIfNez {
            cond: 0,
            target: gap as u32 + 2,
        }];
        ops.extend(std::iter::repeat_n(filler, gap));
        ops.push(Op::BrIfEqz { cond: 0, target: 1 });
        ops.push(Op::BrIfEqz {
            cond: 66_000,
            target: 0,
        });
        ops.push(Op::BrTable { index: 0, len: 0 });
        ops.push(Op::BrEntry { target: 1 });
        let code = same_as_relaxed(&ops, &format!("gap {gap}"));
        let wide = code.ops().filter(|o| {
            let (at, _) = o.unwrap();
            code.code[at] & fayasm::microcode::WIDE != 0
        });
        // 4 words per filler: 8,000 fit a 16-bit distance (32,000 words), 8,200 do not.
        let expect = if gap * 4 > i16::MAX as usize { 3 } else { 1 };
        assert_eq!(wide.count(), expect, "gap {gap}");
    }
}
