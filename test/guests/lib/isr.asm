; 256 entry stubs (guest/isr-stubs.inc) that build one frame layout (struct frame in lib.h)
; for trap_dispatch: vectors 8, 10-14 and 17 push an error code when raised as exceptions;
; the others get a 0.
bits 32
%include "isr-stubs.inc"
extern trap_dispatch, saved_kernel_esp
global isr_stubs, user_return_stub

section .text
ISR_STUBS 256, isr, isr_common, isr_stubs

isr_common:
    pusha
    push ds
    push es
    push fs
    push gs
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    push esp
    call trap_dispatch
    add esp, 4
    pop gs
    pop fs
    pop es
    pop ds
    popa
    add esp, 8
    iret
