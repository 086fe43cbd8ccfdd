; paravirt: target=hvm  (this flavour runs on a bare PC: privileged instructions are VM exits, not errors)
; Entry stubs (guest/isr-stubs.inc): exceptions 0-31 and the timer (vector 0x20) share one
; frame layout (struct trap_frame in interrupts-idt.c) and one C dispatcher.
bits 32
%include "isr-stubs.inc"
extern trap_dispatch
global trap_stubs

section .text
ISR_STUBS 33, stub, trap_common, trap_stubs

trap_common:
    pusha
    push esp
    call trap_dispatch
    add esp, 4
    popa
    add esp, 8
    iret
