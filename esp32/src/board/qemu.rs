//! QEMU `virt` (rv32, `-bios none`): 16550 UART at 0x1000_0000, the SD card as a virtio-blk
//! disk on the virtio-mmio bus (slots from 0x1000_1000), CLINT `mtime` (10 MHz) as the clock,
//! and the SiFive test device at 0x10_0000 to end the run with an exit status.

use core::cell::RefCell;
use core::fmt;
use core::ptr::NonNull;

use embedded_sdmmc::{Block, BlockCount, BlockDevice, BlockIdx};
use virtio_drivers::device::blk::VirtIOBlk;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};
use virtio_drivers::{BufferDirection, Hal, PhysAddr, PAGE_SIZE};

use crate::heap::HEAP;

// Links the `riscv` crate's single-hart critical-section implementation.
use riscv as _;

const UART: usize = 0x1000_0000;
const TEST_DEVICE: usize = 0x10_0000;
const MTIME: usize = 0x0200_bff8;
const VIRTIO_BASE: usize = 0x1000_1000;
const VIRTIO_SLOTS: usize = 8;
const VIRTIO_STRIDE: usize = 0x1000;

// The entry point: global pointer, stack, zeroed .bss, then Rust.
core::arch::global_asm!(
    r#"
    .section .text.entry, "ax"
    .global _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:
    bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:
    call fayasm_qemu_main
3:
    wfi
    j 3b
"#
);

#[no_mangle]
#[cfg_attr(fayasm_optimize_size, optimize(size))]
extern "C" fn fayasm_qemu_main() -> ! {
    HEAP.init();
    let ok = match VirtioCard::probe() {
        Some(card) => crate::app::run(card, "qemu-virt (rv32imc)", now_ns),
        None => {
            println!("error: no virtio-blk device (the SD card image) on the virtio-mmio bus");
            false
        }
    };
    exit(ok)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("panic: {}", info);
    exit(false)
}

/// Writes text to the UART.
pub fn write_str(s: &str) {
    for &b in s.as_bytes() {
        if b == b'\n' {
            put(b'\r');
        }
        put(b);
    }
}

fn put(b: u8) {
    let base = UART as *mut u8;
    // SAFETY: the 16550 registers of QEMU virt: LSR at +5 (bit 5 = transmit holding register
    // empty) and THR at +0. Volatile byte accesses to MMIO; nothing else uses the UART.
    unsafe {
        while base.add(5).read_volatile() & 0x20 == 0 {}
        base.write_volatile(b);
    }
}

/// Nanoseconds since reset, from the CLINT's 10 MHz `mtime`.
pub fn now_ns() -> u64 {
    let lo = MTIME as *const u32;
    // SAFETY: mtime is a 64-bit MMIO counter at MTIME (two 32-bit halves); volatile reads.
    // Reading high, low, high again guards against a carry between the halves.
    let ticks = unsafe {
        loop {
            let hi = lo.add(1).read_volatile();
            let l = lo.read_volatile();
            if lo.add(1).read_volatile() == hi {
                break (u64::from(hi) << 32) | u64::from(l);
            }
        }
    };
    ticks.saturating_mul(100)
}

/// Ends the run through the test device: `0x5555` passes, `0x3333 | 1 << 16` fails.
pub fn exit(ok: bool) -> ! {
    let code: u32 = if ok { 0x5555 } else { 0x3333 | (1 << 16) };
    // SAFETY: the SiFive test device's finisher register; the write ends the QEMU process.
    unsafe { (TEST_DEVICE as *mut u32).write_volatile(code) };
    loop {
        core::hint::spin_loop();
    }
}

// ---- virtio ---------------------------------------------------------------------------------

/// DMA memory for the virtqueues: a bump allocator over a static, page-aligned region
/// (identity-mapped: physical address = address).
const DMA_PAGES: usize = 8;

#[repr(C, align(4096))]
struct DmaArea(core::cell::UnsafeCell<[u8; DMA_PAGES * PAGE_SIZE]>);

// SAFETY: the region is handed out in disjoint pieces by `dma_alloc` and used only by the device
// driver that got them.
unsafe impl Sync for DmaArea {}

static DMA: DmaArea = DmaArea(core::cell::UnsafeCell::new([0; DMA_PAGES * PAGE_SIZE]));
static DMA_NEXT: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

struct VirtHal;

// SAFETY: `dma_alloc` returns zeroed, page-aligned, disjoint regions of a static that live for
// the whole program; physical and virtual addresses are the same on this machine (no MMU in
// use), so `share` can hand the buffer's own address to the device.
unsafe impl Hal for VirtHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        use core::sync::atomic::Ordering;
        let next = DMA_NEXT.load(Ordering::Relaxed);
        let base = DMA.0.get() as usize;
        if next + pages > DMA_PAGES {
            // The driver treats a null-like failure as fatal; report and stop cleanly.
            println!("error: virtio DMA region exhausted");
            exit(false);
        }
        DMA_NEXT.store(next + pages, Ordering::Relaxed);
        let addr = base + next * PAGE_SIZE;
        // SAFETY: [addr, addr + pages * PAGE_SIZE) lies inside DMA and was never handed out.
        unsafe { core::ptr::write_bytes(addr as *mut u8, 0, pages * PAGE_SIZE) };
        // SAFETY: addr is inside a static, so it is not null.
        (addr as PhysAddr, unsafe {
            NonNull::new_unchecked(addr as *mut u8)
        })
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, _vaddr: NonNull<u8>, _pages: usize) -> i32 {
        // The queues live as long as the firmware; nothing is returned.
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        // SAFETY: identity mapping; callers pass device addresses, which are not zero.
        unsafe { NonNull::new_unchecked(paddr as *mut u8) }
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        buffer.as_ptr() as *mut u8 as usize as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

/// The SD card: a virtio-blk disk holding an MBR-partitioned FAT image.
pub struct VirtioCard {
    blk: RefCell<VirtIOBlk<VirtHal, MmioTransport<'static>>>,
}

/// A virtio error, as the block-device error type.
#[derive(Debug)]
pub struct CardError(virtio_drivers::Error);

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "virtio-blk: {:?}", self.0)
    }
}

impl core::error::Error for CardError {}

impl VirtioCard {
    /// Finds the first virtio-blk device on the virtio-mmio slots.
    fn probe() -> Option<VirtioCard> {
        for slot in 0..VIRTIO_SLOTS {
            let addr = VIRTIO_BASE + slot * VIRTIO_STRIDE;
            let header = NonNull::new(addr as *mut VirtIOHeader)?;
            // SAFETY: QEMU virt maps a virtio-mmio register window of VIRTIO_STRIDE bytes at
            // each slot for the whole run; each slot is opened at most once here.
            let Ok(transport) = (unsafe { MmioTransport::new(header, VIRTIO_STRIDE) }) else {
                continue;
            };
            if transport.device_type() != DeviceType::Block {
                continue;
            }
            match VirtIOBlk::<VirtHal, _>::new(transport) {
                Ok(blk) => {
                    return Some(VirtioCard {
                        blk: RefCell::new(blk),
                    })
                }
                Err(e) => println!("error: virtio-blk at {addr:#x}: {e:?}"),
            }
        }
        None
    }
}

impl BlockDevice for VirtioCard {
    type Error = CardError;

    fn read(&self, blocks: &mut [Block], start: BlockIdx) -> Result<(), CardError> {
        let mut blk = self.blk.borrow_mut();
        for (i, b) in blocks.iter_mut().enumerate() {
            blk.read_blocks(start.0 as usize + i, &mut b.contents)
                .map_err(CardError)?;
        }
        Ok(())
    }

    fn write(&self, blocks: &[Block], start: BlockIdx) -> Result<(), CardError> {
        let mut blk = self.blk.borrow_mut();
        for (i, b) in blocks.iter().enumerate() {
            blk.write_blocks(start.0 as usize + i, &b.contents)
                .map_err(CardError)?;
        }
        Ok(())
    }

    fn num_blocks(&self) -> Result<BlockCount, CardError> {
        let n = self.blk.borrow().capacity();
        Ok(BlockCount(u32::try_from(n).unwrap_or(u32::MAX)))
    }
}
