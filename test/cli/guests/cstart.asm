; Multiboot entry for the C test kernels: a stack, then main(); main's return value goes to
; isa-debug-exit.
%include "common.inc"
bits 32
MULTIBOOT_HEADER
extern main
global _start
_start:
    mov esp, stack_top
    call main
    out DEBUG_EXIT, al
.hang:
    cli
    hlt
    jmp .hang
section .bss
align 16
    resb 4096
stack_top:
