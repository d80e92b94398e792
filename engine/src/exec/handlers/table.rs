//! Tables, element segments and `ref.func`.

use alloc::vec::Vec;

use super::super::state::{out_of_line, Ctx, Regs, R};
use super::super::two_mut;
use crate::error::TrapCode;
use crate::microcode::Op;

#[inline(always)]
pub(crate) unsafe fn TableGet<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::TableGet { dst, table, index } = rd_any!(r, TableGet) else {
            unreachable!()
        };
        {
            let i = c!(r, index);
            set!(r, dst, table!(cx, table).get(i)?);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn TableSet<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::TableSet { table, index, val } = rd_any!(r, TableSet) else {
            unreachable!()
        };
        {
            let (i, v) = (c!(r, index), c!(r, val));
            table!(cx, table).set(i, v)?;
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn TableSize<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::TableSize { dst, table } = rd_any!(r, TableSize) else {
            unreachable!()
        };
        set!(r, dst, table!(cx, table).size());
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn TableGrow<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::TableGrow {
            dst,
            table,
            init,
            delta,
        } = rd_any!(r, TableGrow)
        else {
            unreachable!()
        };
        {
            let (v, d) = (c!(r, init), c!(r, delta));
            let t = table!(cx, table);
            let fail = if t.ty.table64 {
                u64::MAX
            } else {
                u32::MAX as u64
            };
            set!(r, dst, t.grow(d, v).unwrap_or(fail));
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn TableFill<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let at = r.ip;
        let Op::TableFill {
            table,
            dst,
            val,
            len,
        } = rd_any!(r, TableFill)
        else {
            unreachable!()
        };
        {
            let (d, v, l) = (c!(r, dst), c!(r, val), c!(r, len));
            super::charge_bulk(cx, r, at, l, super::BULK_ELEMS_PER_FUEL)?;
            let t = table!(cx, table);
            let r = t.range(d, l)?;
            t.elems[r].fill(v);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn TableCopy<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let at = r.ip;
        let Op::TableCopy {
            dst_table,
            src_table,
            dst,
            src,
            len,
        } = rd_any!(r, TableCopy)
        else {
            unreachable!()
        };
        {
            let (d, s, l) = (c!(r, dst), c!(r, src), c!(r, len));
            super::charge_bulk(cx, r, at, l, super::BULK_ELEMS_PER_FUEL)?;
            let ti = cx.store.inner.instances[cx.inst].tables[dst_table as usize] as usize;
            let si = cx.store.inner.instances[cx.inst].tables[src_table as usize] as usize;
            if ti == si {
                let t = &mut cx.store.inner.tables[ti];
                let sr = t.range(s, l)?;
                let dr = t.range(d, l)?;
                t.elems.copy_within(sr, dr.start);
            } else {
                let (dt, st) = two_mut(&mut cx.store.inner.tables, ti, si);
                let sr = st.range(s, l)?;
                let dr = dt.range(d, l)?;
                dt.elems[dr].copy_from_slice(&st.elems[sr]);
            }
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn TableInit<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let at = r.ip;
        let Op::TableInit {
            table,
            elem,
            dst,
            src,
            len,
        } = rd_any!(r, TableInit)
        else {
            unreachable!()
        };
        {
            let (d, s, l) = (c!(r, dst), c!(r, src), c!(r, len));
            super::charge_bulk(cx, r, at, l, super::BULK_ELEMS_PER_FUEL)?;
            let ei = cx.store.inner.instances[cx.inst].elems[elem as usize] as usize;
            let ti = cx.store.inner.instances[cx.inst].tables[table as usize] as usize;
            let items = &cx.store.inner.elems[ei];
            let s_end = s
                .checked_add(l)
                .filter(|&e| e <= items.len() as u64)
                .ok_or(TrapCode::TableOutOfBounds)?;
            let t = &mut cx.store.inner.tables[ti];
            let dr = t.range(d, l)?;
            t.elems[dr].copy_from_slice(&items[s as usize..s_end as usize]);
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn ElemDrop<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::ElemDrop { elem } = rd_any!(r, ElemDrop) else {
            unreachable!()
        };
        {
            let ei = cx.store.inner.instances[cx.inst].elems[elem as usize] as usize;
            cx.store.inner.elems[ei] = Vec::new();
        }
        Ok(())
    })
}

#[inline(always)]
pub(crate) unsafe fn RefFunc<T, const W: bool>(cx: &mut Ctx<'_, T>, r: &mut Regs) -> R {
    out_of_line(cx, r, |cx, r| {
        let Op::RefFunc { dst, func } = rd_any!(r, RefFunc) else {
            unreachable!()
        };
        {
            set!(
                r,
                dst,
                cx.store.inner.instances[cx.inst].funcs[func as usize] as u64 + 1
            );
        }
        Ok(())
    })
}
