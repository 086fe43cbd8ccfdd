; Runs the PV_* replacement macros of guest/paravirt64.inc on the host CPU (64-bit Linux user
; mode) against a stand-in hypercall page whose slots record each call and then clobber what
; the 64-bit PV ABI lets a hypercall clobber: RAX, the six argument registers RDI, RSI, RDX,
; R10, R8, R9 (a debug Xen poisons the unused ones) and the flags; RCX and R11 survive, as the
; real page's stubs push and pop them around their SYSCALL. Every check compares all sixteen
; registers (and the arithmetic flags, where the replaced instruction preserves them) before
; and after the macro. Exit status 0 = all passed; otherwise the number of the failed check
; (+100: wrong or missing hypercall, +150: wrong argument).
%define PARAVIRT_NO_EXTERN
%include "paravirt64.inc"
bits 64
default rel

section .data
align 64
vcpu:         times 64 db 0
pv_vcpu_info: dq vcpu
last_nr:      dq -1
last_rdi:     dq 0
last_rsi:     dq 0
last_rdx:     dq 0
last_r10:     dq 0
last_cmd:     dq 0            ; mmuext_op: dword [rdi] at the call
last_arg1:    dq 0            ; mmuext_op: [rdi + 8]
last_cbtype:  dq 0            ; callback_op: word [rsi], word [rsi + 2], [rsi + 8]
last_cbflags: dq 0
last_cbaddr:  dq 0
check_flags:  dq 1
expect:       times 17 dq 0   ; rax rcx rdx rbx rsp rbp rsi rdi r8..r15, then rflags
after:        times 17 dq 0

%define X_RAX 0
%define X_RCX 8
%define X_RDX 16
%define X_RBX 24
%define X_R9 72
%define X_R15 120
%define FLAGS_MASK 0x8D5      ; CF PF AF ZF SF OF

section .text
align 4096
hypercall_page:
%assign nr 0
%rep 64
    align 32
    mov qword [last_nr], nr
    jmp hypercall_common
%assign nr nr + 1
%endrep
    align 32

hypercall_common:
    mov [last_rdi], rdi
    mov [last_rsi], rsi
    mov [last_rdx], rdx
    mov [last_r10], r10
    cmp qword [last_nr], __HYPERVISOR_mmuext_op
    jne .not_mmuext
    mov eax, [rdi]
    mov [last_cmd], rax
    mov rax, [rdi + 8]
    mov [last_arg1], rax
.not_mmuext:
    cmp qword [last_nr], __HYPERVISOR_callback_op
    jne .clobber
    movzx eax, word [rsi]
    mov [last_cbtype], rax
    movzx eax, word [rsi + 2]
    mov [last_cbflags], rax
    mov rax, [rsi + 8]
    mov [last_cbaddr], rax
.clobber:
    mov eax, 0x600d0000
    add rax, [last_nr]
    mov rdi, -1
    mov rsi, -1
    mov rdx, -1
    mov r10, -1
    mov r8, -1
    mov r9, -1
    cmp eax, eax
    ret

; Store every register and RFLAGS at %1 (moves and pushfq/pop to memory leave the flags alone).
%macro SNAP 1
    mov [%1 + 0], rax
    mov [%1 + 8], rcx
    mov [%1 + 16], rdx
    mov [%1 + 24], rbx
    mov [%1 + 32], rsp
    mov [%1 + 40], rbp
    mov [%1 + 48], rsi
    mov [%1 + 56], rdi
    mov [%1 + 64], r8
    mov [%1 + 72], r9
    mov [%1 + 80], r10
    mov [%1 + 88], r11
    mov [%1 + 96], r12
    mov [%1 + 104], r13
    mov [%1 + 112], r14
    mov [%1 + 120], r15
    pushfq
    pop qword [%1 + 128]
%endmacro

; Known values in every register and the flags; the check may then load its own operands.
%macro SETUP 0
    mov qword [last_nr], -1
    mov qword [check_flags], 1
    push qword 0x8D5 & ~0x40    ; CF PF AF SF OF set, ZF clear
    popfq
    mov rax, 0xA1A1A1A1A1A1A1A1
    mov rbx, 0xB2B2B2B2B2B2B2B2
    mov rcx, 0xC3C3C3C3C3C3C3C3
    mov rdx, 0xD4D4D4D4D4D4D4D4
    lea rsi, [vcpu]             ; a valid address for PV_INVLPG [rsi+8]
    mov rdi, 0xE5E5E5E5E5E5E5E5
    mov rbp, 0xB0B0B0B0B0B0B0B0
    mov r8, 0x0808080808080808
    mov r9, 0x0909090909090909
    mov r10, 0x1010101010101010
    mov r11, 0x1111111111111111
    mov r12, 0x7fff121212121000
    mov r13, 0x7fff131313132000
    mov r14, 0x1414141414141414
    mov r15, 0x1515151515151515
%endmacro

; After the check's own loads: what must hold after the macro.
%macro BEGIN 0
    SNAP expect
%endmacro

%macro FINISH 1
    SNAP after
    mov eax, %1
    call compare
%endmacro

compare:
    xor ecx, ecx
.regs:
    mov rdx, [after + rcx * 8]
    cmp rdx, [expect + rcx * 8]
    jne fail
    inc ecx
    cmp ecx, 16
    jne .regs
    cmp qword [check_flags], 0
    je .done
    mov rdx, [after + 128]
    xor rdx, [expect + 128]
    test edx, FLAGS_MASK
    jnz fail
.done:
    ret
fail:
    mov edi, eax
    mov eax, 60                 ; exit
    syscall

%macro EXPECT_CALL 2
    cmp qword [last_nr], %2
    je %%ok
    mov eax, %1 + 100
    jmp fail
%%ok:
%endmacro

%macro EXPECT_EQ 3
    mov rax, %3
    cmp qword %2, rax
    je %%ok
    mov eax, %1 + 150
    jmp fail
%%ok:
%endmacro

global _start
_start:
    cld
    ; 1: hlt -> sched_op(SCHEDOP_block, 0)
    SETUP
    BEGIN
    PV_HALT
    FINISH 1
    EXPECT_CALL 1, __HYPERVISOR_sched_op
    EXPECT_EQ 1, [last_rdi], SCHEDOP_block
    EXPECT_EQ 1, [last_rsi], 0

    ; 2: cli -> mask = 1, no hypercall
    SETUP
    BEGIN
    PV_CLI
    FINISH 2
    EXPECT_CALL 2, -1
    movzx eax, byte [vcpu + VCPU_INFO_upcall_mask]
    EXPECT_EQ 2, rax, 1

    ; 3: sti with nothing pending -> mask = 0, no hypercall
    SETUP
    BEGIN
    PV_STI
    FINISH 3
    EXPECT_CALL 3, -1
    movzx eax, byte [vcpu + VCPU_INFO_upcall_mask]
    EXPECT_EQ 3, rax, 0

    ; 4: sti with an event pending -> xen_version forces delivery
    mov byte [vcpu + VCPU_INFO_upcall_mask], 1
    mov byte [vcpu + VCPU_INFO_upcall_pending], 1
    SETUP
    BEGIN
    PV_STI
    FINISH 4
    EXPECT_CALL 4, __HYPERVISOR_xen_version
    movzx eax, byte [vcpu + VCPU_INFO_upcall_mask]
    EXPECT_EQ 4, rax, 0
    mov byte [vcpu + VCPU_INFO_upcall_pending], 0

    ; 5: mov cr3, rdi -> mmuext_op(NEW_BASEPTR, rdi >> 12), 1 op, DOMID_SELF; flags undefined after MOV CR
    SETUP
    mov rdi, 0x0000123456789000
    BEGIN
    mov qword [check_flags], 0
    PV_WRITE_CR3 rdi
    FINISH 5
    EXPECT_CALL 5, __HYPERVISOR_mmuext_op
    EXPECT_EQ 5, [last_cmd], MMUEXT_NEW_BASEPTR
    EXPECT_EQ 5, [last_arg1], 0x0000123456789
    EXPECT_EQ 5, [last_rsi], 1
    EXPECT_EQ 5, [last_r10], DOMID_SELF

    ; 6: mov rdx, cr2 -> vcpu_info.arch.cr2 (at 16 in the 64-bit layout), all 64 bits
    mov rax, 0xffff80000badf00d
    mov [vcpu + VCPU_INFO_cr2], rax
    SETUP
    BEGIN
    mov rax, 0xffff80000badf00d
    mov [expect + X_RDX], rax
    mov rax, 0xA1A1A1A1A1A1A1A1
    PV_READ_CR2 rdx
    FINISH 6

    ; 7: invlpg [rsi+8] -> mmuext_op(INVLPG_LOCAL, address)
    SETUP
    BEGIN
    PV_INVLPG [rsi + 8]
    FINISH 7
    EXPECT_CALL 7, __HYPERVISOR_mmuext_op
    EXPECT_EQ 7, [last_cmd], MMUEXT_INVLPG_LOCAL
    lea rax, [vcpu + 8]
    EXPECT_EQ 7, [last_arg1], rax

    ; 8: clts -> fpu_taskswitch(0)
    SETUP
    BEGIN
    PV_CLTS
    FINISH 8
    EXPECT_CALL 8, __HYPERVISOR_fpu_taskswitch
    EXPECT_EQ 8, [last_rdi], 0

    ; 9: wbinvd -> mmuext_op(FLUSH_CACHE)
    SETUP
    BEGIN
    PV_WBINVD
    FINISH 9
    EXPECT_CALL 9, __HYPERVISOR_mmuext_op
    EXPECT_EQ 9, [last_cmd], MMUEXT_FLUSH_CACHE

    ; 10: mov dr7, rbx -> set_debugreg(7, rbx); flags undefined after MOV DR
    SETUP
    BEGIN
    mov qword [check_flags], 0
    PV_SET_DEBUGREG 7, rbx
    FINISH 10
    EXPECT_CALL 10, __HYPERVISOR_set_debugreg
    EXPECT_EQ 10, [last_rdi], 7
    EXPECT_EQ 10, [last_rsi], 0xB2B2B2B2B2B2B2B2

    ; 11-14: mov reg, dr6 -> reg = get_debugreg(6), R9 and R15 included
%macro GETDR 3
    SETUP
    BEGIN
    mov qword [check_flags], 0
    mov qword [expect + %3], 0x600d0000 + __HYPERVISOR_get_debugreg
    PV_GET_DEBUGREG %2, 6
    FINISH %1
    EXPECT_CALL %1, __HYPERVISOR_get_debugreg
    EXPECT_EQ %1, [last_rdi], 6
%endmacro
    GETDR 11, rax, X_RAX
    GETDR 12, rbx, X_RBX
    GETDR 13, r9, X_R9
    GETDR 14, r15, X_R15

    ; 15: PV_IRQ_SAVE / PV_IRQ_RESTORE round trip leaves the mask as it was
    mov byte [vcpu + VCPU_INFO_upcall_mask], 0
    SETUP
    BEGIN
    mov qword [expect + X_RDX], 0
    PV_IRQ_SAVE rdx
    PV_IRQ_RESTORE rdx
    FINISH 15
    movzx eax, byte [vcpu + VCPU_INFO_upcall_mask]
    EXPECT_EQ 15, rax, 0

    ; 16: wrfsbase r12 -> set_segment_base(SEGBASE_FS, r12)
    SETUP
    BEGIN
    PV_WRFSBASE r12
    FINISH 16
    EXPECT_CALL 16, __HYPERVISOR_set_segment_base
    EXPECT_EQ 16, [last_rdi], SEGBASE_FS
    EXPECT_EQ 16, [last_rsi], 0x7fff121212121000

    ; 17: wrgsbase r13 -> set_segment_base(SEGBASE_GS_KERNEL, r13)
    SETUP
    BEGIN
    PV_WRGSBASE r13
    FINISH 17
    EXPECT_CALL 17, __HYPERVISOR_set_segment_base
    EXPECT_EQ 17, [last_rdi], SEGBASE_GS_KERNEL
    EXPECT_EQ 17, [last_rsi], 0x7fff131313132000

    ; 18-19: wrmsr to IA32_FS_BASE / IA32_KERNEL_GS_BASE -> set_segment_base(FS / GS_USER, EDX:EAX)
%macro WRMSR_SEGBASE 3
    SETUP
    mov ecx, %2
    mov eax, 0x89abc000
    mov edx, 0x00007ffe
    BEGIN
    PV_WRMSR
    FINISH %1
    EXPECT_CALL %1, __HYPERVISOR_set_segment_base
    EXPECT_EQ %1, [last_rdi], %3
    EXPECT_EQ %1, [last_rsi], 0x00007ffe89abc000
%endmacro
    WRMSR_SEGBASE 18, MSR_FS_BASE, SEGBASE_FS
    WRMSR_SEGBASE 19, MSR_KERNEL_GS_BASE, SEGBASE_GS_USER

    ; 20-21: wrmsr to IA32_LSTAR / IA32_CSTAR -> callback_op(register, {syscall / syscall32, mask events, EDX:EAX})
%macro WRMSR_CALLBACK 3
    SETUP
    mov ecx, %2
    mov eax, 0x80401000
    mov edx, 0xffffffff
    BEGIN
    PV_WRMSR
    FINISH %1
    EXPECT_CALL %1, __HYPERVISOR_callback_op
    EXPECT_EQ %1, [last_rdi], CALLBACKOP_register
    EXPECT_EQ %1, [last_cbtype], %3
    EXPECT_EQ %1, [last_cbflags], CALLBACKF_mask_events
    EXPECT_EQ %1, [last_cbaddr], 0xffffffff80401000
%endmacro
    WRMSR_CALLBACK 20, MSR_LSTAR, CALLBACKTYPE_syscall
    WRMSR_CALLBACK 21, MSR_CSTAR, CALLBACKTYPE_syscall32

    ; 22: wrmsr to IA32_STAR is Xen's: nothing is called, nothing changes
    SETUP
    mov ecx, MSR_STAR
    BEGIN
    PV_WRMSR
    FINISH 22
    EXPECT_CALL 22, -1

    mov eax, 60
    xor edi, edi
    syscall

section .note.GNU-stack noalloc noexec nowrite progbits
