; Prints one line, then never stops by itself: the run must end on the instruction budget
; or on Ctrl-C.
%include "common.inc"
bits 32
MULTIBOOT_HEADER
global _start
_start:
    mov esp, stack_top
    PUTS msg
forever:
    jmp forever
section .data
msg: db "spinning", 10, 0
section .bss
    resb 1024
stack_top:
