; CPUID through Xen's forced-emulation prefix from a 64-bit PV kernel: leaves 1, 7.0,
; 0x80000001 and Xen's 0x40000000, printed for test/pv64/cpuid-policy.test.ts.
bits 64
default rel
%include "pv64-common.inc"

%macro XEN_CPUID 0
    ud2
    db "xen"
    cpuid
%endmacro

section .text
global _start
_start:
    lea rsp, [stack_top]
    mov eax, 1
    XEN_CPUID
    SHOW "l1_ecx", rcx
    SHOW "l1_edx", rdx
    mov eax, 7
    xor ecx, ecx
    XEN_CPUID
    SHOW "l7_ebx", rbx
    mov eax, 0x80000001
    XEN_CPUID
    SHOW "e1_edx", rdx
    mov eax, 0x40000000
    XEN_CPUID
    SHOW "xen_sig_ebx", rbx
    mov rax, -1
    mov rbx, rax
    mov rcx, rax
    mov rdx, rax
    mov eax, 1
    XEN_CPUID
    mov rax, rbx
    shr rax, 32
    SHOW "hi_after", rax
    xor rdi, rdi
    call shutdown
