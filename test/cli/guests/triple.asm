; Loads an empty IDT and raises an exception: #BP cannot be delivered (#GP), the #GP
; cannot be delivered either (#DF), nor the #DF: a triple fault, the end of the VM.
%include "common.inc"
bits 32
MULTIBOOT_HEADER
global _start
_start:
    mov esp, stack_top
    PUTS msg
    lidt [empty_idt]
    int3
    DEBUG_EXIT_WITH 0x01          ; never reached
section .data
msg: db "about to triple fault", 10, 0
align 4
empty_idt:
    dw 0                          ; limit 0: no vector fits
    dd 0
section .bss
    resb 1024
stack_top:
