# Entry of the bare-metal C test program (QEMU `virt`, rv32imc): a stack, a zeroed .bss,
# main, then the exit code to QEMU's test device.
.section .text.start
.global _start
_start:
    la sp, __stack_top
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call main
    call fw_exit
3:  j 3b
