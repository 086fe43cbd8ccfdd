; Asks for a reset through the keyboard controller (command 0xFE to port 0x64), the way
; many kernels reboot. The run ends with stop kind 'reset' and status 0.
%include "common.inc"
bits 32
MULTIBOOT_HEADER
global _start
_start:
    mov esp, stack_top
    PUTS msg
    mov al, 0xfe
    out 0x64, al
    DEBUG_EXIT_WITH 0x01          ; never reached
section .data
msg: db "resetting", 10, 0
section .bss
    resb 1024
stack_top:
