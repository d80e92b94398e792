//! The one-pass operator visitor: each operator the reader decodes is validated (when a
//! validator is given, as `Module::new` does under prescan) and translated by its own
//! `visit_*` method, with no `wasmparser::Operator` built and matched again for the common
//! operators (numeric, locals, constants, loads and stores, blocks and branches). The rest
//! (SIMD, tables, bulk memory, references, exceptions, and what is not supported) build
//! their `Operator` and go through [`Translator::op`]; an arm added there for a new
//! operator (threads, GC) works without touching this file. The operators of a proposal the
//! build leaves out (its cargo feature off: threads, GC, exceptions; or one fayasm never
//! enables: legacy exceptions, stack switching, ...) build nothing: each is one call of a
//! shared cold path ([`Visit::left_out`]), after the validator, which refuses them first.

use alloc::vec::Vec;

use wasmparser::{BinaryReaderError, FuncValidator, MemArg, Operator, ValidatorResources};

use super::fuel::{FuelPoints, Step};
use super::{CtrlKind, Translator};
use crate::error::ModuleError;
use crate::microcode::{BinaryCode, LoadCode, StoreCode, UnaryCode};

/// The state of one body's pass (see the module docs).
pub(super) struct Visit<'t, 'm, 'v> {
    pub(super) t: &'t mut Translator<'m>,
    pub(super) fuel: &'t mut FuelPoints,
    /// Whether the module's engine meters (then `fuel` places checks and charges).
    pub(super) metered: bool,
    pub(super) validator: Option<&'v mut FuncValidator<ValidatorResources>>,
    /// The module offset of the operator being visited.
    pub(super) offset: usize,
    /// The first translation error: from then on operators are only validated.
    pub(super) failed: Option<ModuleError>,
}

impl<'m> Visit<'_, 'm, '_> {
    /// Translate an operator that neither opens nor closes a block, unless the code is
    /// unreachable (or translation failed, or the body ended).
    #[inline(always)]
    fn plain(&mut self, f: impl FnOnce(&mut Translator<'m>)) {
        if self.failed.is_some() {
            return;
        }
        match self.t.ctrl.last() {
            Some(c) if !c.unreachable && !c.dead => {}
            _ => return,
        }
        if self.metered {
            self.fuel.charge();
        }
        f(self.t);
    }

    /// Translate a block operator (`kind` tells the fuel checks which), or any other with
    /// `f` doing its own reachability check.
    #[inline(always)]
    fn control(
        &mut self,
        kind: Step,
        f: impl FnOnce(&mut Translator<'m>) -> Result<(), ModuleError>,
    ) {
        if self.failed.is_some() || self.t.ctrl.is_empty() {
            return;
        }
        let result = if self.metered {
            self.fuel.step(self.t, kind, f)
        } else {
            f(self.t)
        };
        if let Err(e) = result {
            self.failed = Some(e);
        }
    }

    /// An operator of a proposal this build leaves out (see the module docs): the validator
    /// refused it already, so this is only reached without one (the body was validated
    /// before, without the proposal, so never): a translation error, as
    /// [`Translator::op`] gives for an operator it does not translate, naming the proposal.
    #[cold]
    #[inline(never)]
    fn left_out(&mut self, name: &'static str) {
        if self.failed.is_none() {
            self.failed = Some(super::unsupported(self.offset, name));
        }
    }

    /// A unary operator: one shared out-of-line path for every one of them without `std`
    /// (inlined into each `visit_*` method, the reachability and fuel checks cost about
    /// 100 B of the firmware's flash per operator; there they cost one call). With `std` it
    /// is inlined, as before: the out-of-line path costs the host 0.4% of a prescan load's
    /// instructions (callgrind). The op is named by its code ([`UnaryCode`], built by
    /// [`Op::unary`]), not by a constructor function: a constructor called through a
    /// pointer returns the op through memory, written field by field, and copying it on as
    /// one block stalled the host's store forwarding (`Translator::binary` was 7.6% of a
    /// coremark load's time, 3.4% without the constructors, perf).
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline(never))]
    fn unary(&mut self, code: UnaryCode) {
        self.plain(|t| t.unary(code))
    }

    /// A binary operator (see [`Visit::unary`]).
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline(never))]
    fn binary(&mut self, code: BinaryCode) {
        self.plain(|t| t.binary(code))
    }

    /// A load (see [`Visit::unary`]).
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline(never))]
    fn load(&mut self, memarg: MemArg, code: LoadCode) {
        self.plain(|t| t.load(memarg, code))
    }

    /// A store (see [`Visit::unary`]).
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline(never))]
    fn store(&mut self, memarg: MemArg, code: StoreCode) {
        self.plain(|t| t.store(memarg, code))
    }

    /// Translate `op` (named `name`) through [`Translator::op`].
    #[inline(never)]
    fn general(&mut self, op: Operator<'_>, name: &'static str) {
        let kind = match op {
            Operator::Loop { .. } => Step::Loop,
            Operator::If { .. } => Step::If,
            Operator::Else => Step::Else,
            _ => Step::Other,
        };
        let offset = self.offset;
        self.control(kind, |t| t.op(op, offset, name));
    }
}

macro_rules! un {
    ($s:ident, $name:ident) => {
        $s.unary(UnaryCode::$name)
    };
}

macro_rules! bin {
    ($s:ident, $name:ident) => {
        $s.binary(BinaryCode::$name)
    };
}

macro_rules! load {
    ($s:ident, $memarg:ident, $name:ident) => {
        $s.load($memarg, LoadCode::$name)
    };
}

macro_rules! store {
    ($s:ident, $memarg:ident, $name:ident) => {
        $s.store($memarg, StoreCode::$name)
    };
}

/// The translation of one operator, by its name in wasmparser's operator list: an arm per
/// operator translated here, and the rest through [`Visit::general`].
macro_rules! translate_op {
    (@validator $v:ident $offset:expr, simd) => { $v.simd_visitor($offset) };
    (@validator $v:ident $offset:expr, relaxed_simd) => { $v.simd_visitor($offset) };
    (@validator $v:ident $offset:expr, $other:ident) => { $v.visitor($offset) };
    (@tr $s:ident Nop) => { $s.plain(|_| {}) };
    (@tr $s:ident Unreachable) => { $s.plain(|t| t.unreachable()) };
    (@tr $s:ident Block { $b:ident }) => { $s.control(Step::Other, |t| t.block(CtrlKind::Block, $b)) };
    (@tr $s:ident Loop { $b:ident }) => { $s.control(Step::Loop, |t| t.block(CtrlKind::Loop, $b)) };
    (@tr $s:ident If { $b:ident }) => { $s.control(Step::If, |t| t.block(CtrlKind::If, $b)) };
    (@tr $s:ident Else) => { $s.control(Step::Else, |t| { t.else_op(); Ok(()) }) };
    (@tr $s:ident End) => { $s.control(Step::Other, |t| { t.end(); Ok(()) }) };
    (@tr $s:ident Br { $d:ident }) => { $s.plain(|t| t.br($d)) };
    (@tr $s:ident BrIf { $d:ident }) => { $s.plain(|t| t.br_if($d)) };
    (@tr $s:ident Return) => { $s.plain(|t| t.return_op()) };
    (@tr $s:ident Call { $f:ident }) => { $s.plain(|t| t.call($f)) };
    (@tr $s:ident Drop) => { $s.plain(|t| { t.pop(); }) };
    (@tr $s:ident Select) => { $s.plain(|t| t.select()) };
    (@tr $s:ident TypedSelect { $ty:ident }) => { $s.plain(|t| { let _ = $ty; t.select() }) };
    (@tr $s:ident LocalGet { $l:ident }) => { $s.plain(|t| t.local_get($l)) };
    (@tr $s:ident LocalSet { $l:ident }) => { $s.plain(|t| t.local_set($l, false)) };
    (@tr $s:ident LocalTee { $l:ident }) => { $s.plain(|t| t.local_set($l, true)) };
    (@tr $s:ident GlobalGet { $g:ident }) => { $s.plain(|t| t.global_get($g)) };
    (@tr $s:ident GlobalSet { $g:ident }) => { $s.plain(|t| t.global_set($g)) };
    (@tr $s:ident I32Const { $v:ident }) => { $s.plain(|t| t.push_const($v as u32 as u64)) };
    (@tr $s:ident I64Const { $v:ident }) => { $s.plain(|t| t.push_const($v as u64)) };
    (@tr $s:ident F32Const { $v:ident }) => { $s.plain(|t| t.push_const($v.bits() as u64)) };
    (@tr $s:ident F64Const { $v:ident }) => { $s.plain(|t| t.push_const($v.bits())) };
    (@tr $s:ident I32Load { $m:ident }) => { load!($s, $m, I32Load) };
    (@tr $s:ident F32Load { $m:ident }) => { load!($s, $m, I32Load) };
    (@tr $s:ident I64Load { $m:ident }) => { load!($s, $m, I64Load) };
    (@tr $s:ident F64Load { $m:ident }) => { load!($s, $m, I64Load) };
    (@tr $s:ident I32Load8S { $m:ident }) => { load!($s, $m, I32Load8S) };
    (@tr $s:ident I32Load8U { $m:ident }) => { load!($s, $m, I32Load8U) };
    (@tr $s:ident I32Load16S { $m:ident }) => { load!($s, $m, I32Load16S) };
    (@tr $s:ident I32Load16U { $m:ident }) => { load!($s, $m, I32Load16U) };
    (@tr $s:ident I64Load8S { $m:ident }) => { load!($s, $m, I64Load8S) };
    (@tr $s:ident I64Load8U { $m:ident }) => { load!($s, $m, I64Load8U) };
    (@tr $s:ident I64Load16S { $m:ident }) => { load!($s, $m, I64Load16S) };
    (@tr $s:ident I64Load16U { $m:ident }) => { load!($s, $m, I64Load16U) };
    (@tr $s:ident I64Load32S { $m:ident }) => { load!($s, $m, I64Load32S) };
    (@tr $s:ident I64Load32U { $m:ident }) => { load!($s, $m, I64Load32U) };
    (@tr $s:ident I32Store { $m:ident }) => { store!($s, $m, I32Store) };
    (@tr $s:ident F32Store { $m:ident }) => { store!($s, $m, I32Store) };
    (@tr $s:ident I64Store { $m:ident }) => { store!($s, $m, I64Store) };
    (@tr $s:ident F64Store { $m:ident }) => { store!($s, $m, I64Store) };
    (@tr $s:ident I32Store8 { $m:ident }) => { store!($s, $m, I32Store8) };
    (@tr $s:ident I32Store16 { $m:ident }) => { store!($s, $m, I32Store16) };
    (@tr $s:ident I64Store8 { $m:ident }) => { store!($s, $m, I64Store8) };
    (@tr $s:ident I64Store16 { $m:ident }) => { store!($s, $m, I64Store16) };
    (@tr $s:ident I64Store32 { $m:ident }) => { store!($s, $m, I64Store32) };
    // Reinterpretations are no-ops on cells: f32 bits live in the low 32 bits of the cell
    // exactly like an i32, and f64 bits like an i64.
    (@tr $s:ident I32ReinterpretF32) => { $s.plain(|_| {}) };
    (@tr $s:ident I64ReinterpretF64) => { $s.plain(|_| {}) };
    (@tr $s:ident F32ReinterpretI32) => { $s.plain(|_| {}) };
    (@tr $s:ident F64ReinterpretI64) => { $s.plain(|_| {}) };
    (@tr $s:ident I32Eqz) => { un!($s, I32Eqz) };
    (@tr $s:ident I32Eq) => { bin!($s, I32Eq) };
    (@tr $s:ident I32Ne) => { bin!($s, I32Ne) };
    (@tr $s:ident I32LtS) => { bin!($s, I32LtS) };
    (@tr $s:ident I32LtU) => { bin!($s, I32LtU) };
    (@tr $s:ident I32GtS) => { bin!($s, I32GtS) };
    (@tr $s:ident I32GtU) => { bin!($s, I32GtU) };
    (@tr $s:ident I32LeS) => { bin!($s, I32LeS) };
    (@tr $s:ident I32LeU) => { bin!($s, I32LeU) };
    (@tr $s:ident I32GeS) => { bin!($s, I32GeS) };
    (@tr $s:ident I32GeU) => { bin!($s, I32GeU) };
    (@tr $s:ident I64Eqz) => { un!($s, I64Eqz) };
    (@tr $s:ident I64Eq) => { bin!($s, I64Eq) };
    (@tr $s:ident I64Ne) => { bin!($s, I64Ne) };
    (@tr $s:ident I64LtS) => { bin!($s, I64LtS) };
    (@tr $s:ident I64LtU) => { bin!($s, I64LtU) };
    (@tr $s:ident I64GtS) => { bin!($s, I64GtS) };
    (@tr $s:ident I64GtU) => { bin!($s, I64GtU) };
    (@tr $s:ident I64LeS) => { bin!($s, I64LeS) };
    (@tr $s:ident I64LeU) => { bin!($s, I64LeU) };
    (@tr $s:ident I64GeS) => { bin!($s, I64GeS) };
    (@tr $s:ident I64GeU) => { bin!($s, I64GeU) };
    (@tr $s:ident F32Eq) => { bin!($s, F32Eq) };
    (@tr $s:ident F32Ne) => { bin!($s, F32Ne) };
    (@tr $s:ident F32Lt) => { bin!($s, F32Lt) };
    (@tr $s:ident F32Gt) => { bin!($s, F32Gt) };
    (@tr $s:ident F32Le) => { bin!($s, F32Le) };
    (@tr $s:ident F32Ge) => { bin!($s, F32Ge) };
    (@tr $s:ident F64Eq) => { bin!($s, F64Eq) };
    (@tr $s:ident F64Ne) => { bin!($s, F64Ne) };
    (@tr $s:ident F64Lt) => { bin!($s, F64Lt) };
    (@tr $s:ident F64Gt) => { bin!($s, F64Gt) };
    (@tr $s:ident F64Le) => { bin!($s, F64Le) };
    (@tr $s:ident F64Ge) => { bin!($s, F64Ge) };
    (@tr $s:ident I32Clz) => { un!($s, I32Clz) };
    (@tr $s:ident I32Ctz) => { un!($s, I32Ctz) };
    (@tr $s:ident I32Popcnt) => { un!($s, I32Popcnt) };
    (@tr $s:ident I32Add) => { bin!($s, I32Add) };
    (@tr $s:ident I32Sub) => { bin!($s, I32Sub) };
    (@tr $s:ident I32Mul) => { bin!($s, I32Mul) };
    (@tr $s:ident I32DivS) => { bin!($s, I32DivS) };
    (@tr $s:ident I32DivU) => { bin!($s, I32DivU) };
    (@tr $s:ident I32RemS) => { bin!($s, I32RemS) };
    (@tr $s:ident I32RemU) => { bin!($s, I32RemU) };
    (@tr $s:ident I32And) => { bin!($s, I32And) };
    (@tr $s:ident I32Or) => { bin!($s, I32Or) };
    (@tr $s:ident I32Xor) => { bin!($s, I32Xor) };
    (@tr $s:ident I32Shl) => { bin!($s, I32Shl) };
    (@tr $s:ident I32ShrS) => { bin!($s, I32ShrS) };
    (@tr $s:ident I32ShrU) => { bin!($s, I32ShrU) };
    (@tr $s:ident I32Rotl) => { bin!($s, I32Rotl) };
    (@tr $s:ident I32Rotr) => { bin!($s, I32Rotr) };
    (@tr $s:ident I64Clz) => { un!($s, I64Clz) };
    (@tr $s:ident I64Ctz) => { un!($s, I64Ctz) };
    (@tr $s:ident I64Popcnt) => { un!($s, I64Popcnt) };
    (@tr $s:ident I64Add) => { bin!($s, I64Add) };
    (@tr $s:ident I64Sub) => { bin!($s, I64Sub) };
    (@tr $s:ident I64Mul) => { bin!($s, I64Mul) };
    (@tr $s:ident I64DivS) => { bin!($s, I64DivS) };
    (@tr $s:ident I64DivU) => { bin!($s, I64DivU) };
    (@tr $s:ident I64RemS) => { bin!($s, I64RemS) };
    (@tr $s:ident I64RemU) => { bin!($s, I64RemU) };
    (@tr $s:ident I64And) => { bin!($s, I64And) };
    (@tr $s:ident I64Or) => { bin!($s, I64Or) };
    (@tr $s:ident I64Xor) => { bin!($s, I64Xor) };
    (@tr $s:ident I64Shl) => { bin!($s, I64Shl) };
    (@tr $s:ident I64ShrS) => { bin!($s, I64ShrS) };
    (@tr $s:ident I64ShrU) => { bin!($s, I64ShrU) };
    (@tr $s:ident I64Rotl) => { bin!($s, I64Rotl) };
    (@tr $s:ident I64Rotr) => { bin!($s, I64Rotr) };
    (@tr $s:ident F32Abs) => { un!($s, F32Abs) };
    (@tr $s:ident F32Neg) => { un!($s, F32Neg) };
    (@tr $s:ident F32Ceil) => { un!($s, F32Ceil) };
    (@tr $s:ident F32Floor) => { un!($s, F32Floor) };
    (@tr $s:ident F32Trunc) => { un!($s, F32Trunc) };
    (@tr $s:ident F32Nearest) => { un!($s, F32Nearest) };
    (@tr $s:ident F32Sqrt) => { un!($s, F32Sqrt) };
    (@tr $s:ident F32Add) => { bin!($s, F32Add) };
    (@tr $s:ident F32Sub) => { bin!($s, F32Sub) };
    (@tr $s:ident F32Mul) => { bin!($s, F32Mul) };
    (@tr $s:ident F32Div) => { bin!($s, F32Div) };
    (@tr $s:ident F32Min) => { bin!($s, F32Min) };
    (@tr $s:ident F32Max) => { bin!($s, F32Max) };
    (@tr $s:ident F32Copysign) => { bin!($s, F32Copysign) };
    (@tr $s:ident F64Abs) => { un!($s, F64Abs) };
    (@tr $s:ident F64Neg) => { un!($s, F64Neg) };
    (@tr $s:ident F64Ceil) => { un!($s, F64Ceil) };
    (@tr $s:ident F64Floor) => { un!($s, F64Floor) };
    (@tr $s:ident F64Trunc) => { un!($s, F64Trunc) };
    (@tr $s:ident F64Nearest) => { un!($s, F64Nearest) };
    (@tr $s:ident F64Sqrt) => { un!($s, F64Sqrt) };
    (@tr $s:ident F64Add) => { bin!($s, F64Add) };
    (@tr $s:ident F64Sub) => { bin!($s, F64Sub) };
    (@tr $s:ident F64Mul) => { bin!($s, F64Mul) };
    (@tr $s:ident F64Div) => { bin!($s, F64Div) };
    (@tr $s:ident F64Min) => { bin!($s, F64Min) };
    (@tr $s:ident F64Max) => { bin!($s, F64Max) };
    (@tr $s:ident F64Copysign) => { bin!($s, F64Copysign) };
    (@tr $s:ident I32WrapI64) => { un!($s, I32WrapI64) };
    (@tr $s:ident I32TruncF32S) => { un!($s, I32TruncF32S) };
    (@tr $s:ident I32TruncF32U) => { un!($s, I32TruncF32U) };
    (@tr $s:ident I32TruncF64S) => { un!($s, I32TruncF64S) };
    (@tr $s:ident I32TruncF64U) => { un!($s, I32TruncF64U) };
    (@tr $s:ident I64ExtendI32S) => { un!($s, I64ExtendI32S) };
    (@tr $s:ident I64ExtendI32U) => { un!($s, I64ExtendI32U) };
    (@tr $s:ident I64TruncF32S) => { un!($s, I64TruncF32S) };
    (@tr $s:ident I64TruncF32U) => { un!($s, I64TruncF32U) };
    (@tr $s:ident I64TruncF64S) => { un!($s, I64TruncF64S) };
    (@tr $s:ident I64TruncF64U) => { un!($s, I64TruncF64U) };
    (@tr $s:ident F32ConvertI32S) => { un!($s, F32ConvertI32S) };
    (@tr $s:ident F32ConvertI32U) => { un!($s, F32ConvertI32U) };
    (@tr $s:ident F32ConvertI64S) => { un!($s, F32ConvertI64S) };
    (@tr $s:ident F32ConvertI64U) => { un!($s, F32ConvertI64U) };
    (@tr $s:ident F32DemoteF64) => { un!($s, F32DemoteF64) };
    (@tr $s:ident F64ConvertI32S) => { un!($s, F64ConvertI32S) };
    (@tr $s:ident F64ConvertI32U) => { un!($s, F64ConvertI32U) };
    (@tr $s:ident F64ConvertI64S) => { un!($s, F64ConvertI64S) };
    (@tr $s:ident F64ConvertI64U) => { un!($s, F64ConvertI64U) };
    (@tr $s:ident F64PromoteF32) => { un!($s, F64PromoteF32) };
    (@tr $s:ident I32Extend8S) => { un!($s, I32Extend8S) };
    (@tr $s:ident I32Extend16S) => { un!($s, I32Extend16S) };
    (@tr $s:ident I64Extend8S) => { un!($s, I64Extend8S) };
    (@tr $s:ident I64Extend16S) => { un!($s, I64Extend16S) };
    (@tr $s:ident I64Extend32S) => { un!($s, I64Extend32S) };
    (@tr $s:ident I32TruncSatF32S) => { un!($s, I32TruncSatF32S) };
    (@tr $s:ident I32TruncSatF32U) => { un!($s, I32TruncSatF32U) };
    (@tr $s:ident I32TruncSatF64S) => { un!($s, I32TruncSatF64S) };
    (@tr $s:ident I32TruncSatF64U) => { un!($s, I32TruncSatF64U) };
    (@tr $s:ident I64TruncSatF32S) => { un!($s, I64TruncSatF32S) };
    (@tr $s:ident I64TruncSatF32U) => { un!($s, I64TruncSatF32U) };
    (@tr $s:ident I64TruncSatF64S) => { un!($s, I64TruncSatF64S) };
    (@tr $s:ident I64TruncSatF64U) => { un!($s, I64TruncSatF64U) };
    (@tr $s:ident $op:ident $({ $($arg:ident),* })?) => {
        $s.general(Operator::$op $({ $($arg),* })?, stringify!($op))
    };
    // Whether the build leaves the proposal out (`Config::features` never enables it).
    (@left_out threads) => { !cfg!(feature = "threads") };
    (@left_out gc) => { !cfg!(feature = "gc") };
    (@left_out exceptions) => { !cfg!(feature = "exceptions") };
    (@left_out legacy_exceptions) => { true };
    (@left_out memory_control) => { true };
    (@left_out shared_everything_threads) => { true };
    (@left_out stack_switching) => { true };
    (@left_out custom_descriptors) => { true };
    (@left_out acquire_release_atomics) => { true };
    (@left_out $other:ident) => { false };
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                if super::VALIDATES {
                    if let Some(v) = self.validator.as_deref_mut() {
                        translate_op!(@validator v self.offset as u64, $proposal).$visit($($($arg.clone()),*)?)?;
                    }
                }
                if translate_op!(@left_out $proposal) {
                    // The proposal, not the operator: the methods of one proposal are then
                    // the same code, which the linker folds into one (`--icf=all`).
                    self.left_out(concat!("an operator of the ", stringify!($proposal), " proposal"));
                } else {
                    translate_op!(@tr self $op $({ $($arg),* })?);
                }
                Ok(())
            }
        )*
    };
}

impl<'a> wasmparser::VisitOperator<'a> for Visit<'_, '_, '_> {
    type Output = Result<(), BinaryReaderError>;

    #[cfg(feature = "simd")]
    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(translate_op);
}

// wasmparser's `simd` feature follows fayasm's: without it the reader rejects every 0xfd
// opcode ("unexpected SIMD opcode") before a visitor sees it.
#[cfg(feature = "simd")]
impl<'a> wasmparser::VisitSimdOperator<'a> for Visit<'_, '_, '_> {
    wasmparser::for_each_visit_simd_operator!(translate_op);
}
