//! `spill_code_roundtrip`: a generated module, every function translated, spilled, evicted
//! and loaded back; the reloaded microcode is identical and the module computes what an
//! untouched instance of it computes.

use arbitrary::{Result, Unstructured};
use fayasm::offload::{blob, MemStorage};
use fayasm::{CodeStatus, Config, Engine, Extern, Func, Linker, Module, Store, Val};

use crate::smith;

/// Run one input.
pub fn check(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let wasm = smith::module(&mut u)?;
    let budget: Option<u16> = u.arbitrary()?;
    let evict_between: u32 = u.arbitrary()?;
    let engine = Engine::new(Config::default().max_call_depth(2_000));
    let module = Module::new(&engine, &wasm).expect("fayasm rejects a module wasm-smith made");
    // The spilled side also runs under a code budget, so the cache evicts behind its back.
    let spilled_engine = Engine::new(
        Config::default()
            .max_call_depth(2_000)
            .code_cache_budget(budget.map(|b| b as usize * 16))
            .code_cache_overdraft(0),
    );
    let spilled_module = Module::new(&spilled_engine, &wasm).unwrap();
    let mut plain = Store::new(&engine, ());
    let mut spilled = Store::new(&spilled_engine, ());
    let (Ok(pi), Ok(si)) = (
        Linker::new(&engine).instantiate(&mut plain, &module),
        Linker::new(&spilled_engine).instantiate(&mut spilled, &spilled_module),
    ) else {
        // A start function trapped; both sides must agree on that.
        let p = Linker::new(&engine).instantiate(&mut Store::new(&engine, ()), &module);
        let s = Linker::new(&spilled_engine)
            .instantiate(&mut Store::new(&spilled_engine, ()), &spilled_module);
        assert_eq!(p.is_ok(), s.is_ok(), "instantiation differs");
        return Ok(());
    };

    let mut storage = MemStorage::new();
    let funcs: Vec<Func> = (0..module.num_funcs() as u32)
        .filter_map(|i| si.func_by_index(&spilled, i))
        .collect();
    for (n, f) in funcs.iter().enumerate() {
        let before = f
            .translate(&mut spilled)
            .expect("translates")
            .expect("wasm");
        let written = f
            .spill_code_to(&mut spilled, &mut storage, 1)
            .expect("spill to RAM");
        let key = f.code_key(&spilled).unwrap();
        let first = storage.get(&key).unwrap().to_vec();
        assert_eq!(first.len(), written);
        f.evict_code(&mut spilled);
        assert_eq!(f.code_status(&spilled), CodeStatus::Untranslated);
        f.load_code_from(&mut spilled, &mut storage)
            .expect("a fresh code blob loads");
        let after = f.translate(&mut spilled).unwrap().unwrap();
        assert_eq!(before, after, "function {n}: reloaded microcode differs");
        // Spilling the reloaded code again writes the same bytes.
        f.spill_code_to(&mut spilled, &mut storage, 1).unwrap();
        assert_eq!(storage.get(&key).unwrap(), first.as_slice());
        assert!(first.len() > blob::HEADER_LEN);
        if evict_between & (1 << (n % 32)) != 0 {
            // Leave it spilled: the next call loads or re-translates it.
            f.evict_code(&mut spilled);
        }
    }

    // Every export, on both instances, in the same order with the same arguments.
    for (name, ext) in pi.exports(&plain) {
        let Extern::Func(pf) = ext else { continue };
        let Some(sf) = si.get_func(&spilled, &name) else {
            panic!("export {name} missing on the spilled instance");
        };
        let ty = pf.ty(&plain);
        let args: Vec<Val> = ty
            .params()
            .iter()
            .map(|&t| crate::arbitrary_val(&mut u, t))
            .collect::<Result<_>>()?;
        let mut pr: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();
        let mut sr = pr.clone();
        let p = pf.call(&mut plain, &args, &mut pr);
        let s = sf.call(&mut spilled, &args, &mut sr);
        match (&p, &s) {
            (Ok(()), Ok(())) => assert!(
                same_vals(&pr, &sr),
                "export {name}: results differ: {pr:?} vs {sr:?}"
            ),
            (Err(a), Err(b)) => assert_eq!(
                format!("{a}"),
                format!("{b}"),
                "export {name}: errors differ"
            ),
            _ => panic!("export {name}: plain {p:?}, spilled {s:?}"),
        }
    }
    for (name, ext) in pi.exports(&plain) {
        match ext {
            Extern::Global(g) => {
                let other = si.get_global(&spilled, &name).unwrap();
                let (a, b) = (g.get(&plain), other.get(&spilled));
                assert!(
                    same_vals(&[a], &[b]),
                    "global {name} differs: {a:?} vs {b:?}"
                );
            }
            Extern::Memory(m) => {
                let other = si.get_memory(&spilled, &name).unwrap();
                assert!(
                    m.data(&plain) == other.data(&spilled),
                    "memory {name} differs"
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// Values of the two stores compare equal when they are equal apart from the store a
/// reference belongs to: a function reference is a handle that carries its store's id, and
/// the plain and spilled instances live in different stores (the same module instantiated the
/// same way, so the same function has the same index in both). Handles expose no index, so
/// the comparison uses their `Debug` form with the store id removed.
pub(crate) fn same_vals(a: &[Val], b: &[Val]) -> bool {
    fn key(v: &Val) -> String {
        let s = format!("{v:?}");
        match s.find(", StoreId(") {
            Some(at) => {
                let end = s[at..].find(')').map_or(s.len(), |e| at + e + 1);
                format!("{}{}", &s[..at], &s[end..])
            }
            None => s,
        }
    }
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| key(x) == key(y))
}
