//! Stand-in for `atomic.rs` without the `threads` cargo feature: validation refuses the
//! proposal then, so the translator emits none of these ops, and the decoder refuses them in
//! microcode stored by a build with the feature (`isa::built`): the dispatch never reaches
//! these stand-ins, which are not compiled in (they only name every op of
//! `isa::for_atomic_ops!`).

crate::microcode::isa::for_atomic_ops!(absent_handlers);
