; Entry points Xen bounces to. Exceptions arrive on the kernel stack as Xen's frame
; [error code,] EIP, CS, EFLAGS; events as EIP, CS, EFLAGS with events masked. All
; return through the iret hypercall, which also restores the event mask from EFLAGS.IF.
bits 32
extern trap_dispatch, event_dispatch, hypercall_page
global trap_stubs, event_entry, failsafe_entry

section .text
%assign v 0
%rep 32
stub_%+v:
%if v == 8 || (v >= 10 && v <= 14) || v == 17
%else
    push 0
%endif
    push v
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
    jmp hypercall_page + 23 * 32

event_entry:
    pusha
    call event_dispatch
    popa
    jmp hypercall_page + 23 * 32

failsafe_entry:                  ; Xen could not reload our segments: give up loudly
    push 3
    push esp
    mov ebx, 2                   ; SCHEDOP_shutdown
    mov ecx, [esp]
    call hypercall_page + 29 * 32
    jmp failsafe_entry

section .data
trap_stubs:
%assign v 0
%rep 32
    dd stub_%+v
%assign v v+1
%endrep
