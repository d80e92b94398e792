//! A trap's backtrace ([`Trap::trace`](crate::Trap::trace)): the frames the interpreter read
//! off its frame stack (`exec/trace.rs`) as function indices, names and wasm offsets. Nothing
//! here runs unless a trap is raised: the `name` section is parsed then, and each function
//! on the trace is translated once more with a map from its ops to the wasm offsets they came
//! from (translation is deterministic, so its ops are the ones that ran; code that differs,
//! installed from elsewhere, gets no offset).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{CodeState, FuncKind, StoreInner};
use crate::error::FrameInfo;
use crate::microcode::resident::{CodePtr, CodeRef};
use crate::module::ModuleInner;

/// A frame as the interpreter saw it: its code, the word offset of the op it was at, its
/// instance (store index).
pub(crate) struct Site<'a> {
    pub code: CodeRef<'a>,
    pub pc: usize,
    pub inst: u32,
}

/// The frames of `sites`, innermost first. A frame whose code no function of its instance
/// holds any more (evicted by the code cache while the call ran) is left out.
pub(crate) fn resolve(inner: &StoreInner, sites: &[Site<'_>]) -> Vec<FrameInfo> {
    // The offset map of each function seen, by code: a recursion translates once.
    let mut maps: Vec<(CodePtr, Option<OffsetMap>)> = Vec::new();
    let mut frames: Vec<(&Arc<ModuleInner>, FrameInfo)> = Vec::with_capacity(sites.len());
    for site in sites {
        let Some(inst) = inner.instances.get(site.inst as usize) else {
            continue;
        };
        let module = &inst.module;
        let Some(index) = inst.funcs.iter().position(|&f| {
            matches!(
                &inner.funcs[f as usize].kind,
                FuncKind::Wasm { code: CodeState::Translated(c), .. }
                    if c.as_ptr() == site.code.as_ptr()
            )
        }) else {
            continue;
        };
        let index = index as u32;
        let Some(def) = index.checked_sub(module.num_imported_funcs) else {
            continue;
        };
        let key = site.code.as_ptr();
        let map = match maps.iter().position(|(c, _)| *c == key) {
            Some(i) => &maps[i].1,
            None => {
                maps.push((key, offset_map(module, def, site.code)));
                &maps[maps.len() - 1].1
            }
        };
        // The op containing word `pc`: the last one starting at or before it.
        let module_offset = map.as_ref().and_then(|m| {
            let i = m.partition_point(|&(start, _)| start <= site.pc);
            i.checked_sub(1).map(|i| m[i].1 as usize)
        });
        let body_start = module.bodies[def as usize].start;
        frames.push((
            module,
            FrameInfo {
                func_index: index,
                func_name: None,
                module_name: None,
                module_offset,
                func_offset: module_offset.map(|o| o.saturating_sub(body_start)),
            },
        ));
    }
    // Names, one pass over each module's `name` section for the functions on the trace.
    let mut done: Vec<*const ModuleInner> = Vec::new();
    for i in 0..frames.len() {
        let module = frames[i].0;
        if done.contains(&Arc::as_ptr(module)) {
            continue;
        }
        done.push(Arc::as_ptr(module));
        let mut wanted: Vec<(usize, u32)> = frames
            .iter()
            .enumerate()
            .filter(|(_, (m, _))| Arc::ptr_eq(m, module))
            .map(|(j, (_, f))| (j, f.func_index))
            .collect();
        wanted.sort_by_key(|&(_, index)| index);
        let (module_name, found) = read_names(module, &wanted);
        for (j, _) in &wanted {
            frames[*j].1.module_name.clone_from(&module_name);
        }
        for (j, name) in found {
            frames[j].1.func_name = Some(name);
        }
    }
    frames.into_iter().map(|(_, f)| f).collect()
}

/// A function's ops as (first word, module offset of the wasm operator), in code order.
type OffsetMap = Vec<(usize, u32)>;

/// Function `def`'s [`OffsetMap`], if translating it again gives exactly `running`.
fn offset_map(module: &ModuleInner, def: u32, running: CodeRef<'_>) -> Option<OffsetMap> {
    let (code, offsets) = module.translate_with_offsets(def).ok()?;
    if *code.code != *running.words() || *code.pool != *running.pool() {
        return None;
    }
    code.ops()
        .zip(offsets)
        .map(|(op, offset)| op.ok().map(|(start, _)| (start, offset)))
        .collect()
}

/// The module's name and the names of the functions of `wanted` (frame, function index;
/// sorted by index) from the module's `name` section: nothing if it has none, and what was
/// read before the first malformed entry otherwise.
fn read_names(
    module: &ModuleInner,
    wanted: &[(usize, u32)],
) -> (Option<String>, Vec<(usize, String)>) {
    let mut module_name = None;
    let mut found = Vec::new();
    let Some(range) = module.name_section.clone() else {
        return (module_name, found);
    };
    let Ok(bytes) = module.bytes.read(range.clone()) else {
        return (module_name, found);
    };
    let reader = wasmparser::BinaryReader::new(&bytes, range.start as u64);
    for name in wasmparser::NameSectionReader::new(reader) {
        match name {
            Ok(wasmparser::Name::Module { name, .. }) => module_name = Some(String::from(name)),
            Ok(wasmparser::Name::Function(map)) => {
                for naming in map.into_iter().map_while(Result::ok) {
                    let first = wanted.partition_point(|&(_, i)| i < naming.index);
                    for &(j, _) in wanted[first..]
                        .iter()
                        .take_while(|&&(_, i)| i == naming.index)
                    {
                        found.push((j, String::from(naming.name)));
                    }
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    (module_name, found)
}
