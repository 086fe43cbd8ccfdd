; 256 entry stubs that build one frame layout (struct frame in lib.h) for trap_dispatch.
; Vectors 8, 10-14, 17 push an error code when raised as exceptions; the others get a 0.
bits 32
extern trap_dispatch, saved_kernel_esp
global isr_stubs, user_return_stub

section .text
%assign v 0
%rep 256
isr_%+v:
%if v == 8 || (v >= 10 && v <= 14) || v == 17
%else
    push 0
%endif
    push v
    jmp isr_common
%assign v v+1
%endrep

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

section .data
align 4
isr_stubs:
%assign v 0
%rep 256
    dd isr_%+v
%assign v v+1
%endrep
