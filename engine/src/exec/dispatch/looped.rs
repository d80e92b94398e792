//! The portable backend: one loop, one `match` on the opcode word (narrow and wide forms
//! each have their arm), the hot handlers inlined into it.

use super::super::handlers;
use super::super::state::{Ctx, Exit, Regs};
use crate::microcode::isa::{built, opc, opcw, WIDE};

#[cfg_attr(not(test), allow(dead_code))]
pub(super) const NAME: &str = "loop";

macro_rules! looped {
    ($($name:ident)*) => {
        pub(super) fn execute<T>(cx: &mut Ctx<'_, T>, mut r: Regs) -> Exit {
            loop {
                // SAFETY: `r.ip` points at an op's opcode word in the current function's
                // verified code (the previous handler stepped past its op or jumped to a
                // verified target).
                let word = unsafe { *r.ip };
                let start = r;
                // SAFETY: each arm runs the handler of the opcode and form it matched, with
                // `r` consistent with `cx`. `verify` decoded every op, so the word is one of
                // the arms: the last arm is never reached. An op this build does not run
                // (`isa::built`) has no arm, as the decoder refuses it.
                let res = unsafe {
                    match word {
                        $(
                            opc::$name if const { built(opc::$name) } => {
                                handlers::$name::<T, false>(cx, &mut r)
                            }
                            opcw::$name if const { built(opc::$name) } => {
                                handlers::$name::<T, true>(cx, &mut r)
                            }
                        )*
                        _ => core::hint::unreachable_unchecked(),
                    }
                };
                match res {
                    Ok(()) => {}
                    Err(Exit::Slow) if handlers::chain_may_miss(word & !WIDE) => {
                        // A chained op whose second op missed: `r.ip` is that op's start
                        // (narrow), the first op done, the other registers unchanged.
                        let at = r.ip;
                        r = start;
                        r.ip = at;
                        // SAFETY: the op at `at` is a verified narrow load or store whose
                        // handler returned `Exit::Slow`, with the registers it started with.
                        if let Err(e) = unsafe { handlers::Slow::<T, false>(cx, &mut r) } {
                            cx.trap_ip = at;
                            return e;
                        }
                    }
                    Err(Exit::Slow) => {
                        r = start;
                        // SAFETY: the handler of the op at `start.ip` returned `Exit::Slow`: a
                        // verified load, store, call or return, with the registers it started
                        // with.
                        let res = unsafe {
                            if word & WIDE == 0 {
                                handlers::Slow::<T, false>(cx, &mut r)
                            } else {
                                handlers::Slow::<T, true>(cx, &mut r)
                            }
                        };
                        if let Err(e) = res {
                            cx.trap_ip = start.ip;
                            return e;
                        }
                    }
                    Err(e) => {
                        cx.trap_ip = start.ip;
                        return e;
                    }
                }
            }
        }
    };
}

crate::microcode::isa::for_each_op!(looped);
