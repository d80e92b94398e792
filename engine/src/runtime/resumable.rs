//! Resumable calls: [`Func::call_resumable`] runs a call that may stop short of returning,
//! out of fuel, interrupted, or because a host function yielded, and hands back a
//! [`SuspendedCall`] that continues it later, any number of times, with exactly the results
//! of an uninterrupted run (ARCHITECTURE.md, "Fuel, interruption and suspension"; the
//! interpreter side is `exec/suspend.rs`).

use super::{check_args, Func, Store};
use crate::error::{Error, TrapCode, TypeMismatch};
use crate::exec::suspend::{self, Point, Stop};
use crate::exec::Stack;
use crate::runtime::AsContextMut;
use crate::value::Val;

/// How a resumable call ended this time.
#[derive(Debug)]
pub enum ResumableCall {
    /// The call returned; its results are in the results slice.
    Finished,
    /// The call stopped where it can continue: see [`SuspendedCall::resume`].
    Suspended(SuspendedCall),
}

/// Why a call is suspended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspendReason {
    /// A block entry (or a bulk op) needed more fuel than the store had: give it more
    /// ([`Store::set_fuel`]) before resuming. Nothing of the block has run.
    OutOfFuel,
    /// The store's [`InterruptHandle`](crate::InterruptHandle) was triggered.
    Interrupted,
    /// This host function returned [`Trap::host_yield`](crate::Trap::host_yield): its
    /// results are passed to [`SuspendedCall::resume`].
    HostYield(Func),
}

/// A call stopped part-way: its value stack, frames and position. Holds a reference to the
/// microcode of every function on its stack, so that code stays alive (the code cache may
/// meanwhile drop it from the functions, which then translate or reload anew) until the call
/// is resumed to the end or dropped. The store may run other calls meanwhile.
#[derive(Debug)]
pub struct SuspendedCall {
    pub(super) func: Func,
    pub(super) stack: Stack,
    pub(super) point: Point,
}

impl SuspendedCall {
    /// Why the call stopped.
    pub fn reason(&self) -> SuspendReason {
        match (self.point.reason, self.point.pending) {
            (TrapCode::Interrupted, _) => SuspendReason::Interrupted,
            (TrapCode::HostYield, Some(p)) => SuspendReason::HostYield(Func(p.func, self.func.1)),
            _ => SuspendReason::OutOfFuel,
        }
    }

    /// The function the call started with.
    pub fn func(&self) -> Func {
        self.func
    }

    /// Continue the call. `host_results` are the results of the host function that yielded
    /// ([`SuspendReason::HostYield`]; empty otherwise) and `results` receives the call's
    /// results if it finishes. A type or count mismatch of either, or another store, is an
    /// error and drops the call.
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn resume(
        mut self,
        mut store: impl AsContextMut,
        host_results: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall, Error> {
        let store = store.as_context_mut().0;
        store.check(self.func.1)?;
        let ty = store.inner.funcs[self.func.0 as usize].ty.clone();
        if results.len() != ty.results().len() {
            return Err(TypeMismatch::ResultCount {
                expected: ty.results().len(),
                found: results.len(),
            }
            .into());
        }
        match self.point.pending {
            Some(p) => {
                let hty = store.inner.funcs[p.func as usize].ty.clone();
                if host_results.len() != hty.results().len() {
                    return Err(TypeMismatch::ResultCount {
                        expected: hty.results().len(),
                        found: host_results.len(),
                    }
                    .into());
                }
                for (index, (v, &t)) in host_results.iter().zip(hty.results()).enumerate() {
                    if !store.inner.val_matches(v, t) {
                        return Err(TypeMismatch::Result {
                            index,
                            expected: t,
                            found: v.ty(),
                        }
                        .into());
                    }
                    store.check_val(v)?;
                }
            }
            None if !host_results.is_empty() => {
                return Err(Error::Type(
                    "host results given to a call that no host function suspended",
                ))
            }
            None => {}
        }
        let res = suspend::resume(store, &mut self.stack, self.point, host_results);
        finish(store, self.func, self.stack, res, results)
    }
}

impl Func {
    /// Call this function so that it can stop part-way and continue later: with fuel
    /// ([`Config::consume_fuel`](crate::Config::consume_fuel)) running out, an interrupt
    /// ([`Config::interruptible`](crate::Config::interruptible)), or a host function that
    /// returns [`Trap::host_yield`](crate::Trap::host_yield), the answer is
    /// [`ResumableCall::Suspended`] instead of a trap. Other traps end the call as with
    /// [`Func::call`]. A host function called directly is called as by `Func::call`.
    #[cfg_attr(fayasm_optimize_size, optimize(size))]
    pub fn call_resumable(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall, Error> {
        let store = store.as_context_mut().0;
        store.check(self.1)?;
        for p in params {
            store.check_val(p)?;
        }
        let ty = store.inner.funcs[self.0 as usize].ty.clone();
        check_args(&store.inner, &ty, params, results.len())?;
        let started = suspend::start(store, self.0, |cells| {
            let mut at = 0;
            for p in params {
                at += p.write_cells(&mut cells[at..]);
            }
        })?;
        match started {
            None => {
                crate::exec::call(store, *self, params, results)?;
                Ok(ResumableCall::Finished)
            }
            Some((stack, res)) => finish(store, *self, stack, res, results),
        }
    }
}

/// The answer for a run of `func` on `stack` that ended with `res`.
fn finish<T>(
    store: &mut Store<T>,
    func: Func,
    mut stack: Stack,
    res: Result<(), Stop>,
    results: &mut [Val],
) -> Result<ResumableCall, Error> {
    let point = match res {
        Err(Stop::Suspend(point)) => point,
        res => {
            let id = store.inner.id;
            if res.is_ok() {
                let ty = &store.inner.funcs[func.0 as usize].ty;
                let mut at = 0;
                for (r, t) in results.iter_mut().zip(ty.results()) {
                    *r = Val::read_cells(*t, &stack.cells()[at..], id);
                    store.inner.gc.pin_val(r);
                    at += t.cells() as usize;
                }
            }
            // The store keeps one stack for reuse.
            stack.clear_frames();
            store.inner.stack.get_or_insert(stack);
            return match res {
                Err(Stop::Trap(t)) => Err(Error::Trap(t)),
                _ => Ok(ResumableCall::Finished),
            };
        }
    };
    Ok(ResumableCall::Suspended(SuspendedCall {
        func,
        stack,
        point,
    }))
}
