; Prints one line, then halts with interrupts off: nothing can wake it, the run ends 'halted'.
%include "common.inc"
bits 32
MULTIBOOT_HEADER
global _start
_start:
    mov esp, stack_top
    PUTS msg
    cli
    hlt
    jmp _start
section .data
msg: db "halting", 10, 0
section .bss
    resb 1024
stack_top:
