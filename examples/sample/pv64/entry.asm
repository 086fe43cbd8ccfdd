; paravirt: target=pv64
; Entry points Xen bounces to in a 64-bit PV kernel. Xen's frame is the hardware's 64-bit one
; (SS, RSP, RFLAGS, CS, RIP and an error code for some exceptions) with RCX and R11 pushed
; below it, because Xen's own SYSRET-style return needs them: each stub pops them first, so
; the interrupted code gets them back. Everything returns through the iret hypercall with a
; flags word of 0 on top of the frame (PV_IRET), which also restores the event mask.
bits 64
default rel
extern trap_dispatch, event_dispatch, machine_exit, hypercall_page
global trap_stubs, event_entry, failsafe_entry

%macro SAVE_ALL 0
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
%endmacro
%macro RESTORE_ALL 0
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
%endmacro

section .text
%assign v 0
%rep 32
stub_%+v:
    pop rcx
    pop r11
%if v == 8 || (v >= 10 && v <= 14) || v == 17
%else
    push 0
%endif
    push v
    jmp trap_common
%assign v v+1
%endrep

trap_common:
    SAVE_ALL
    mov rdi, rsp
    call trap_dispatch
    RESTORE_ALL
    add rsp, 16                       ; vector, error code
    push qword 0                      ; iret flags: not a SYSRET-style return
    jmp hypercall_page + 23 * 32

event_entry:
    pop rcx
    pop r11
    SAVE_ALL
    call event_dispatch
    RESTORE_ALL
    push qword 0
    jmp hypercall_page + 23 * 32

failsafe_entry:
    mov edi, 0x7E
    call machine_exit

section .data
align 8
trap_stubs:
%assign v 0
%rep 32
    dq stub_%+v
%assign v v+1
%endrep
