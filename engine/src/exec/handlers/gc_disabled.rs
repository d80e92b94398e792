//! The GC ops' handlers in a build without the `gc` cargo feature. Validation refuses every
//! GC instruction there (`Config::features`), so no translated function holds one of these
//! ops, and the decoder refuses them in stored microcode (`isa::built`): the dispatch never
//! reaches these stand-ins, which are not compiled in (they only name every op of
//! `isa::for_gc_ops!`).

crate::microcode::isa::for_gc_ops!(absent_handlers);
