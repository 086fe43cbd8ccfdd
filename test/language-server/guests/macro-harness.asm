; Runs the PV_* replacement macros of guest/paravirt.inc on the host CPU (32-bit Linux user
; mode) against a fake hypercall page that records each call and then clobbers what Xen's ABI
; lets a hypercall clobber (EAX, the argument registers, the flags). Every check compares all
; registers (and the arithmetic flags, where the replaced instruction preserves them) before
; and after the macro. Exit status 0 = all passed; otherwise the number of the failed check
; (+100: wrong or missing hypercall, +150: wrong argument).
%include "paravirt.inc"
bits 32

section .data
align 64
vcpu:         times 64 db 0
pv_vcpu_info: dd vcpu
last_nr:      dd -1
last_ebx:     dd 0
last_ecx:     dd 0
last_cmd:     dd 0            ; mmuext_op: [ebx] at the call
last_arg1:    dd 0            ; mmuext_op: [ebx+4]
check_flags:  dd 1
before:       times 9 dd 0    ; pushad order (edi esi ebp esp ebx edx ecx eax), then eflags
after:        times 9 dd 0
expect:       times 9 dd 0

%define X_EDI 0
%define X_ESI 4
%define X_EBP 8
%define X_EBX 16
%define X_EDX 20
%define X_ECX 24
%define X_EAX 28
%define FLAGS_MASK 0x8D5      ; CF PF AF ZF SF OF

section .text
align 4096
hypercall_page:
%assign nr 0
%rep 64
    align 32
    mov dword [last_nr], nr
    jmp hypercall_common
%assign nr nr + 1
%endrep
    align 32

hypercall_common:
    mov [last_ebx], ebx
    mov [last_ecx], ecx
    cmp dword [last_nr], __HYPERVISOR_mmuext_op
    jne .skip
    mov eax, [ebx]
    mov [last_cmd], eax
    mov eax, [ebx + 4]
    mov [last_arg1], eax
.skip:
    mov eax, 0x600d0000
    add eax, [last_nr]
    mov ebx, -1
    mov ecx, -1
    mov edx, -1
    mov esi, -1
    mov edi, -1
    cmp eax, eax
    ret

; copy the 36 bytes above the return address (pushfd; pushad) to `before` and `expect`
snap_before:
    push esi
    push edi
    push ecx
    lea esi, [esp + 16]
    mov edi, before
    mov ecx, 9
    rep movsd
    mov esi, before
    mov edi, expect
    mov ecx, 9
    rep movsd
    pop ecx
    pop edi
    pop esi
    ret

snap_after:
    push esi
    push edi
    push ecx
    lea esi, [esp + 16]
    mov edi, after
    mov ecx, 9
    rep movsd
    pop ecx
    pop edi
    pop esi
    ret

%macro SETUP 0
    mov dword [last_nr], -1
    mov dword [check_flags], 1
    push dword 0x8D5 & ~0x40    ; CF PF AF SF OF set, ZF clear
    popfd
    mov eax, 0xA1A1A1A1
    mov ebx, 0xB2B2B2B2
    mov ecx, 0xC3C3C3C3
    mov edx, 0xD4D4D4D4
    mov esi, vcpu               ; a valid address for PV_INVLPG [esi+8]
    mov edi, 0xE5E5E5E5
    mov ebp, 0xB0B0B0B0
    pushfd
    pushad
    call snap_before
    lea esp, [esp + 36]
%endmacro

%macro FINISH 1
    pushfd
    pushad
    call snap_after
    lea esp, [esp + 36]
    mov eax, %1
    call compare
%endmacro

compare:
    mov ecx, 8
.regs:
    mov edx, [after + ecx*4 - 4]
    cmp edx, [expect + ecx*4 - 4]
    jne fail
    loop .regs
    cmp dword [check_flags], 0
    je .done
    mov edx, [after + 32]
    xor edx, [expect + 32]
    test edx, FLAGS_MASK
    jnz fail
.done:
    ret
fail:
    mov ebx, eax
    mov eax, 1
    int 0x80

%macro EXPECT_CALL 2
    cmp dword [last_nr], %2
    je %%ok
    mov eax, %1 + 100
    jmp fail
%%ok:
%endmacro

%macro EXPECT_EQ 3
    cmp dword %2, %3
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
    PV_HALT
    FINISH 1
    EXPECT_CALL 1, __HYPERVISOR_sched_op
    EXPECT_EQ 1, [last_ebx], SCHEDOP_block
    EXPECT_EQ 1, [last_ecx], 0

    ; 2: cli -> mask = 1, no hypercall
    SETUP
    PV_CLI
    FINISH 2
    EXPECT_CALL 2, -1
    movzx eax, byte [vcpu + 1]
    EXPECT_EQ 2, eax, 1

    ; 3: sti with nothing pending -> mask = 0, no hypercall
    SETUP
    PV_STI
    FINISH 3
    EXPECT_CALL 3, -1
    movzx eax, byte [vcpu + 1]
    EXPECT_EQ 3, eax, 0

    ; 4: sti with an event pending -> xen_version forces delivery
    mov byte [vcpu + 1], 1
    mov byte [vcpu + 0], 1
    SETUP
    PV_STI
    FINISH 4
    EXPECT_CALL 4, __HYPERVISOR_xen_version
    movzx eax, byte [vcpu + 1]
    EXPECT_EQ 4, eax, 0
    mov byte [vcpu + 0], 0

    ; 5: mov cr3, edi -> mmuext_op(NEW_BASEPTR, edi >> 12); flags are undefined after MOV CR
    SETUP
    mov dword [check_flags], 0
    PV_WRITE_CR3 edi
    FINISH 5
    EXPECT_CALL 5, __HYPERVISOR_mmuext_op
    EXPECT_EQ 5, [last_cmd], MMUEXT_NEW_BASEPTR
    EXPECT_EQ 5, [last_arg1], 0xE5E5E5E5 >> 12
    EXPECT_EQ 5, [last_ecx], 1

    ; 6: mov edx, cr2 -> vcpu_info.arch.cr2
    mov dword [vcpu + 8], 0x0badf00d
    SETUP
    mov dword [expect + X_EDX], 0x0badf00d
    PV_READ_CR2 edx
    FINISH 6

    ; 7: invlpg [esi+8] -> mmuext_op(INVLPG_LOCAL, address)
    SETUP
    PV_INVLPG [esi + 8]
    FINISH 7
    EXPECT_CALL 7, __HYPERVISOR_mmuext_op
    EXPECT_EQ 7, [last_cmd], MMUEXT_INVLPG_LOCAL
    EXPECT_EQ 7, [last_arg1], vcpu + 8

    ; 8: clts -> fpu_taskswitch(0)
    SETUP
    PV_CLTS
    FINISH 8
    EXPECT_CALL 8, __HYPERVISOR_fpu_taskswitch
    EXPECT_EQ 8, [last_ebx], 0

    ; 9: wbinvd -> mmuext_op(FLUSH_CACHE)
    SETUP
    PV_WBINVD
    FINISH 9
    EXPECT_CALL 9, __HYPERVISOR_mmuext_op
    EXPECT_EQ 9, [last_cmd], MMUEXT_FLUSH_CACHE

    ; 10: mov dr7, ebx -> set_debugreg(7, ebx); flags undefined after MOV DR
    SETUP
    mov dword [check_flags], 0
    PV_SET_DEBUGREG 7, ebx
    FINISH 10
    EXPECT_CALL 10, __HYPERVISOR_set_debugreg
    EXPECT_EQ 10, [last_ebx], 7
    EXPECT_EQ 10, [last_ecx], 0xB2B2B2B2

    ; 11-14: mov reg, dr6 -> reg = get_debugreg(6)
%macro GETDR 3
    SETUP
    mov dword [check_flags], 0
    mov dword [expect + %3], 0x600d0000 + __HYPERVISOR_get_debugreg
    PV_GET_DEBUGREG %2, 6
    FINISH %1
    EXPECT_CALL %1, __HYPERVISOR_get_debugreg
    EXPECT_EQ %1, [last_ebx], 6
%endmacro
    GETDR 11, eax, X_EAX
    GETDR 12, ebx, X_EBX
    GETDR 13, ecx, X_ECX
    GETDR 14, edi, X_EDI

    ; 15: PV_IRQ_SAVE / PV_IRQ_RESTORE round trip leaves the mask as it was
    mov byte [vcpu + 1], 0
    SETUP
    mov dword [expect + X_EDX], 0
    PV_IRQ_SAVE edx
    PV_IRQ_RESTORE edx
    FINISH 15
    movzx eax, byte [vcpu + 1]
    EXPECT_EQ 15, eax, 0

    mov eax, 1
    xor ebx, ebx
    int 0x80
