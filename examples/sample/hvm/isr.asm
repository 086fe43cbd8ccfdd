; paravirt: target=hvm  (this flavour runs on a bare PC: privileged instructions are VM exits, not errors)
; Entry stubs: exceptions 0-31 and the timer (vector 0x20) share one frame layout
; (struct trap_frame in interrupts-idt.c) and one C dispatcher.
bits 32
extern trap_dispatch
global trap_stubs

section .text
%assign v 0
%rep 33
%if v == 32
  %assign vec 0x20
%else
  %assign vec v
%endif
stub_%+v:
%if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17
%else
    push 0
%endif
    push vec
    jmp trap_common
%assign v v+1
%endrep

trap_common:
    pusha
    push esp
    call trap_dispatch
    add esp, 4
    popa
    add esp, 8
    iret

section .data
trap_stubs:
%assign v 0
%rep 33
    dd stub_%+v
%assign v v+1
%endrep
